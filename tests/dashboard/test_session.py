"""``/api/v1/session``: logging in with a key, the cookie, the CSRF rule, sessions that end when the key or the
user does, and the login rate limit."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from http.cookies import SimpleCookie
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import SecretStr

from api.app import create_app
from api.resources import Resources
from config.loader import parse_config
from config.settings import Settings
from dashboard.session import COOKIE, LoginLimiter, SessionSigner
from tests.dashboard.conftest import BOOTSTRAP_KEY, CSRF, MAX_FAILURES, SECRET, login, make_settings
from tests.factories import BRANDS_YAML, make_mention
from tickets.enums import Level, Role
from tickets.users import hash_key


def cookie_of(response: object) -> SimpleCookie:
    jar: SimpleCookie = SimpleCookie()
    for value in response.headers.get_list("set-cookie"):  # type: ignore[attr-defined]
        jar.load(value)
    return jar


@pytest.fixture
def agent_key(resources: Resources) -> str:
    _, key = resources.users.create(
        "zhao", Role.agent, departments=["客服部"], brands=["鲜达外卖"], display_name="赵敏", level=Level.supervisor
    )
    return key


def test_login_sets_a_strict_httponly_cookie_and_whoami_names_the_user(client: TestClient, agent_key: str) -> None:
    response = login(client, agent_key)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["name"] == "zhao" and body["display_name"] == "赵敏"
    assert body["role"] == "agent" and body["level"] == "supervisor"
    assert body["brands"] == ["鲜达外卖"] and body["all_brands"] is False
    assert body["departments"] == ["客服部"] and body["can_write_tickets"] is True and body["via"] == "session"
    assert response.headers["cache-control"] == "no-store"
    morsel = cookie_of(response)[COOKIE]
    assert morsel["httponly"] is True and morsel["samesite"] == "Strict" and morsel["path"] == "/"
    assert not morsel["secure"], "plain http: a Secure cookie would never come back"
    assert int(morsel["max-age"]) == 12 * 3600
    assert agent_key not in morsel.value, "the cookie never holds the key"

    me = client.get("/api/v1/session")  # the cookie alone
    assert me.status_code == 200
    assert me.json()["name"] == "zhao" and me.json()["via"] == "session"
    expires = datetime.fromisoformat(me.json()["expires_at"])
    assert timedelta(hours=11) < expires - datetime.now(UTC) <= timedelta(hours=12)


def test_the_cookie_is_secure_over_https_or_when_configured(app: FastAPI, resources: Resources) -> None:
    with TestClient(app, base_url="https://testserver") as https:
        assert cookie_of(login(https, BOOTSTRAP_KEY))[COOKIE]["secure"] is True
        assert https.get("/api/v1/session").status_code == 200
    resources.settings = resources.settings.model_copy(update={"session_cookie_secure": True})
    with TestClient(app) as plain:
        assert cookie_of(login(plain, BOOTSTRAP_KEY))[COOKIE]["secure"] is True


def test_a_configured_key_logs_in_as_an_administrator(client: TestClient) -> None:
    body = login(client, BOOTSTRAP_KEY).json()
    assert body["name"] == "api-key-1" and body["role"] == "admin"
    assert body["brands"] == ["鲜达外卖", "光屿手机"] and body["all_brands"] is True
    assert body["permissions"] == ["approve_export", "export", "pii"]
    assert client.get("/api/v1/users").status_code == 200  # admin-only, through the cookie


def test_whoami_answers_key_holders_too_and_pr_cannot_write_tickets(client: TestClient, resources: Resources) -> None:
    _, key = resources.users.create("qian", Role.pr)
    me = client.get("/api/v1/session", headers={"X-API-Key": key})
    assert me.status_code == 200
    assert me.json()["expires_at"] is None
    assert me.json()["via"] == "key" and me.json()["can_write_tickets"] is False and me.json()["role"] == "pr"


def test_a_wrong_key_is_401_and_sets_no_cookie(client: TestClient) -> None:
    response = login(client, "yq_not-a-real-key")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthorized"
    assert "not valid" in response.json()["error"]["message"]
    assert "set-cookie" not in response.headers
    assert client.get("/api/v1/session").status_code == 401


def test_the_engine_key_opens_no_browser_session(client: TestClient, resources: Resources) -> None:
    internal = resources.issue_internal_key()
    assert client.get("/api/v1/session", headers={"X-API-Key": internal}).status_code == 200
    assert login(client, internal).status_code == 401


@pytest.mark.parametrize("body", [{}, {"key": ""}, {"key": "x", "role": "admin"}, {"key": "k" * 513}])
def test_a_malformed_login_is_422_naming_the_field(client: TestClient, body: dict[str, str]) -> None:
    response = client.post("/api/v1/session", json=body, headers=CSRF)
    assert response.status_code == 422
    assert response.json()["error"]["details"][0]["field"].startswith("body")


def test_login_and_logout_need_the_csrf_header(client: TestClient) -> None:
    response = client.post("/api/v1/session", json={"key": BOOTSTRAP_KEY})
    assert response.status_code == 403 and "X-Yuqing-CSRF" in response.json()["error"]["message"]
    assert "set-cookie" not in response.headers
    assert login(client, BOOTSTRAP_KEY).status_code == 200
    assert client.delete("/api/v1/session").status_code == 403
    assert client.get("/api/v1/session").status_code == 200, "a refused logout logs nobody out"


def test_cookie_reads_need_nothing_more_but_writes_need_the_csrf_header(
    client: TestClient, resources: Resources
) -> None:
    resources.mentions.upsert([make_mention("鲜达外卖退款太慢", post_id="m1")])
    assert login(client, BOOTSTRAP_KEY).status_code == 200
    assert client.get("/api/v1/tickets").status_code == 200
    assert client.get("/api/v1/mentions").status_code == 200

    new = {"title": "配送太慢", "brand": "鲜达外卖"}
    refused = client.post("/api/v1/tickets", json=new)
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "forbidden" and "X-Yuqing-CSRF: 1" in refused.json()["error"]["message"]
    assert client.post("/api/v1/tickets", json=new, headers={"X-Yuqing-CSRF": "yes"}).status_code == 403
    assert client.get("/api/v1/tickets").json()["total"] == 0, "a refused write wrote nothing"

    created = client.post("/api/v1/tickets", json=new, headers=CSRF)
    assert created.status_code == 201, created.text
    ticket_id, etag = created.json()["id"], created.headers["etag"]
    patch = {"title": "配送太慢，饭菜全凉"}
    assert client.patch(f"/api/v1/tickets/{ticket_id}", json=patch, headers={"If-Match": etag}).status_code == 403
    changed = client.patch(f"/api/v1/tickets/{ticket_id}", json=patch, headers={"If-Match": etag, **CSRF})
    assert changed.status_code == 200 and changed.json()["title"] == "配送太慢，饭菜全凉"
    note = {"body": "已联系"}
    assert client.post(f"/api/v1/tickets/{ticket_id}/comments", json=note).status_code == 403
    assert client.post(f"/api/v1/tickets/{ticket_id}/comments", json=note, headers=CSRF).status_code == 201


def test_a_key_header_needs_no_csrf_header_and_wins_over_the_cookie(client: TestClient, resources: Resources) -> None:
    _, pr_key = resources.users.create("sun", Role.pr)
    assert login(client, BOOTSTRAP_KEY).status_code == 200
    # API clients (the alert engine, scripts) send keys, never cookies: no CSRF rule for them.
    created = client.post("/api/v1/tickets", json={"title": "x"}, headers={"X-API-Key": BOOTSTRAP_KEY})
    assert created.status_code == 201
    # With both, the key decides who is asking: here a PR person, who may not open tickets.
    assert client.get("/api/v1/session", headers={"X-API-Key": pr_key}).json()["name"] == "sun"
    assert client.post("/api/v1/tickets", json={"title": "y"}, headers={"X-API-Key": pr_key}).status_code == 403
    assert client.get("/api/v1/session", headers={"X-API-Key": "yq_wrong"}).status_code == 401


def test_logout_deletes_the_cookie_and_a_kept_copy_stops_working(client: TestClient) -> None:
    assert login(client, BOOTSTRAP_KEY).status_code == 200
    token = client.cookies[COOKIE]
    response = client.delete("/api/v1/session", headers=CSRF)
    assert response.status_code == 204
    morsel = cookie_of(response)[COOKIE]
    assert morsel.value == "" and morsel["max-age"] == "0"
    assert client.get("/api/v1/session").status_code == 401
    client.cookies.set(COOKIE, token)  # someone kept a copy
    ended = client.get("/api/v1/session")
    assert ended.status_code == 401 and "log in again" in ended.json()["error"]["message"]
    assert cookie_of(ended)[COOKIE]["max-age"] == "0", "the browser is told to drop the dead cookie"
    assert client.delete("/api/v1/session", headers=CSRF).status_code == 204, "logging out twice is fine"


def test_deactivating_the_user_ends_the_session_at_once(client: TestClient, resources: Resources) -> None:
    user, key = resources.users.create("li", Role.agent, departments=["客服部"])
    assert login(client, key).status_code == 200
    assert client.get("/api/v1/tickets").status_code == 200
    resources.users.set_active(user.id, False, actor="test")
    ended = client.get("/api/v1/tickets")
    assert ended.status_code == 401 and COOKIE not in client.cookies, "the browser drops the dead cookie"
    assert login(client, key).status_code == 401


def test_rotating_the_key_ends_the_session(client: TestClient, resources: Resources) -> None:
    user, key = resources.users.create("zhou", Role.pr)
    assert login(client, key).status_code == 200
    new_key = resources.users.rotate_key(user.id, actor="test")
    assert client.get("/api/v1/session").status_code == 401
    assert login(client, key).status_code == 401
    assert login(client, new_key).status_code == 200
    assert client.get("/api/v1/session").json()["name"] == "zhou"


def test_removing_a_configured_key_ends_its_sessions(client: TestClient, resources: Resources) -> None:
    other = "another-bootstrap-key-0123456789"
    keys = [*resources.settings.api_keys, SecretStr(other)]
    resources.settings = resources.settings.model_copy(update={"api_keys": keys})
    assert login(client, other).json()["name"] == "api-key-2"
    # The first key goes: the second is now api-key-1, and its session follows it.
    resources.settings = resources.settings.model_copy(update={"api_keys": resources.settings.api_keys[1:]})
    assert client.get("/api/v1/session").json()["name"] == "api-key-1"
    resources.settings = resources.settings.model_copy(update={"api_keys": []})
    assert client.get("/api/v1/session").status_code == 401


def test_forged_tampered_and_expired_tokens_are_refused(client: TestClient, resources: Resources) -> None:
    _, key = resources.users.create("wu", Role.admin)
    now = datetime.now(UTC)
    ours = SessionSigner(SECRET.encode(), timedelta(hours=12))
    good, _ = ours.issue("user", "wu", hash_key(key), now)
    client.cookies.set(COOKIE, good)
    assert client.get("/api/v1/session").status_code == 200

    forged, _ = SessionSigner(b"someone else's secret 0123456789", timedelta(hours=12)).issue(
        "user", "wu", hash_key(key), now
    )
    expired, _ = ours.issue("user", "wu", hash_key(key), now - timedelta(hours=13))
    head, payload, signature = good.split(".")
    other_user, _ = ours.issue("user", "li", hash_key(key), now)
    spliced = f"{head}.{other_user.split('.')[1]}.{signature}"
    wrong_key, _ = ours.issue("user", "wu", hash_key("yq_guess"), now)
    for token in (forged, expired, spliced, wrong_key, "v1.garbage", "", "v2." + payload + "." + signature):
        client.cookies.set(COOKIE, token)
        assert client.get("/api/v1/session").status_code == 401, token


def test_failed_logins_are_limited_per_client_address(app: FastAPI) -> None:
    with TestClient(app, client=("10.0.0.1", 40000)) as attacker, TestClient(app, client=("10.0.0.2", 40000)) as other:
        for _ in range(MAX_FAILURES):
            assert login(attacker, "yq_guess").status_code == 401
        limited = login(attacker, BOOTSTRAP_KEY)  # even the right key, or guessing could go on
        assert limited.status_code == 429
        assert limited.json()["error"]["code"] == "too_many_logins"
        assert 1 <= int(limited.headers["retry-after"]) <= 60
        assert "set-cookie" not in limited.headers
        # Another address is not affected; and a success forgets that address's failures.
        for _ in range(MAX_FAILURES - 1):
            assert login(other, "yq_guess").status_code == 401
        assert login(other, BOOTSTRAP_KEY).status_code == 200
        for _ in range(MAX_FAILURES - 1):
            assert login(other, "yq_guess").status_code == 401
        assert login(other, BOOTSTRAP_KEY).status_code == 200


def test_the_limiter_forgives_once_the_window_has_passed() -> None:
    limiter = LoginLimiter(2, timedelta(minutes=5))
    t0 = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
    limiter.failed("a", t0)
    limiter.failed("a", t0 + timedelta(minutes=1))
    assert limiter.retry_after("a", t0 + timedelta(minutes=2)) == pytest.approx(180)
    assert limiter.retry_after("b", t0 + timedelta(minutes=2)) is None
    assert limiter.retry_after("a", t0 + timedelta(minutes=5, seconds=1)) is None  # the first failure left
    limiter.failed("a", t0 + timedelta(minutes=5, seconds=2))
    assert limiter.retry_after("a", t0 + timedelta(minutes=5, seconds=3)) is not None


def test_the_limiter_stays_bounded_under_many_addresses() -> None:
    limiter = LoginLimiter(1, timedelta(minutes=5))
    limiter.MAX_TRACKED = 100
    t0 = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
    for i in range(1000):
        limiter.failed(f"10.0.{i // 256}.{i % 256}", t0 + timedelta(seconds=i / 100))
    assert len(limiter._failures) <= 100
    assert limiter.retry_after("10.0.3.231", t0 + timedelta(seconds=10)) is not None  # the latest is kept


def test_fingerprints_change_with_the_key_and_the_secret() -> None:
    a = SessionSigner(SECRET.encode(), timedelta(hours=1))
    b = SessionSigner(b"x" * 32, timedelta(hours=1))
    assert a.fingerprint(hash_key("k1")) == a.fingerprint(hash_key("k1"))
    assert a.fingerprint(hash_key("k1")) != a.fingerprint(hash_key("k2"))
    assert a.fingerprint(hash_key("k1")) != b.fingerprint(hash_key("k1"))
    token, claims = a.issue("key", "api-key-1", hash_key("k1"), datetime.now(UTC))
    assert a.verify(token, datetime.now(UTC)) == claims
    assert hash_key("k1") not in token


def test_the_session_secret_must_be_long() -> None:
    with pytest.raises(ValueError, match="at least 32 characters"):
        Settings(session_secret="short")  # type: ignore[arg-type]
    assert Settings(session_secret="s" * 32).session_hours == 12  # type: ignore[arg-type]


def test_without_a_secret_sessions_still_work_within_the_process(tmp_path: Path, database_url: str) -> None:
    settings = make_settings(tmp_path, database_url, session_secret=None)
    res = Resources.open(settings, parse_config(BRANDS_YAML))
    try:
        with TestClient(create_app(res)) as first, TestClient(create_app(res)) as second:
            assert login(first, BOOTSTRAP_KEY).status_code == 200
            second.cookies.set(COOKIE, first.cookies[COOKIE])
            assert second.get("/api/v1/session").status_code == 200, "one random secret per process"
    finally:
        res.close()
