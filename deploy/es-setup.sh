#!/bin/sh
# One-shot: create the least-privilege Elasticsearch role and user the API and worker connect as.
#
# Runs in the Elasticsearch image (it has curl) as the `es-setup` service of docker-compose.yml, with the
# superuser password, which no Yuqing process ever receives. The role reaches only the indices of the configured
# prefix (`yuqing-*` by default): create them and their template, read, write, update their mapping and swap the
# alias on a reindex. Safe to run again: PUT replaces the role and the user's password.
set -eu
: "${ELASTIC_PASSWORD:?}" "${YUQING_ES_PASSWORD:?}"
ES="${ES_URL:-http://elasticsearch:9200}"
PREFIX="${YUQING_ES_INDEX_PREFIX:-yuqing}"
USER="${YUQING_ES_USERNAME:-yuqing}"

put() {
  # --fail-with-body: a refused request stops the setup with Elasticsearch's reason.
  curl --silent --show-error --fail-with-body -u "elastic:${ELASTIC_PASSWORD}" \
    -X PUT -H 'Content-Type: application/json' "${ES}$1" -d "$2"
  echo
}

put "/_security/role/yuqing_app" "{
  \"cluster\": [\"monitor\", \"manage_index_templates\"],
  \"indices\": [{
    \"names\": [\"${PREFIX}-*\", \"${PREFIX}\"],
    \"privileges\": [\"create_index\", \"read\", \"write\", \"view_index_metadata\", \"manage\"]
  }]
}"
put "/_security/user/${USER}" "{
  \"password\": \"${YUQING_ES_PASSWORD}\",
  \"roles\": [\"yuqing_app\"],
  \"full_name\": \"Yuqing API and worker\"
}"
# Prove the new user can log in before the services that depend on it start.
curl --silent --show-error --fail -u "${USER}:${YUQING_ES_PASSWORD}" "${ES}/_security/_authenticate" >/dev/null
echo "es-setup: user ${USER} with role yuqing_app on ${PREFIX}-*"
