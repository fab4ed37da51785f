"""The ground floor: what every other package may use and which itself uses no package of ours.

- :mod:`foundation.db`: the relational database (engine, sessions, UTC and JSON column types, migrations);
  the one migration tree of that database is ``foundation/migrations``.
- :mod:`foundation.errors`: the error hierarchy every layer raises and the roof turns into exit codes and
  HTTP answers.
- :mod:`foundation.timeutil`: UTC time, durations (``15m``, ``1h30m``), bucket flooring.
- :mod:`foundation.types`: pydantic field types each domain's config section uses (durations, names, zones).
- :mod:`foundation.vocabulary`: sentiment labels, complaint categories and grades, roles.
- :mod:`foundation.access`: who is calling (:class:`~foundation.access.Principal`) and their scope.
- :mod:`foundation.health`: the record of each crawl run and the health of a source derived from it
  (written by the crawlers, read by the alert rules and the API).
- :mod:`foundation.pii` / :mod:`foundation.erasure`: personal data found and masked in linear time; a person's
  data erased from the relational tables.
- :mod:`foundation.i18n`: the one message catalogue of server text (Chinese first, English available).
- :mod:`foundation.queue_health`: the work queue's health record, read by the API and written by the workers.
- :mod:`foundation.retry`: the one retry policy for store calls (what is transient; backoff with jitter within
  a budget) and the proxy that applies it to a store.
- :mod:`foundation.outage`: the outage board: which store the worker found unavailable, for ``/healthz``.
"""

__version__ = "0.1.0"
