"""Complaint tickets: carry each complaint from report to revisit — recorded, classified, routed, on the SLA
clock, worked, escalated, closed — in SQLAlchemy on SQLite or PostgreSQL.

Modules:

- :mod:`tickets.enums` — the vocabulary of the complaint process (status, grade, category, roles, levels)
- :mod:`tickets.config` — the ``tickets:`` config section
- :mod:`tickets.policy` — the rules a store applies, built once from the config
- :mod:`tickets.classify` — category and grade from the complaint's text
- :mod:`tickets.sla` — deadline arithmetic per grade (on the clock or business hours, pauses)
- :mod:`tickets.workflow` — the status transition table
- :mod:`tickets.numbering` — ticket numbers (prefix + yyyymm + sequence)
- :mod:`tickets.knowledge` — similarity ranking of past cases
- :mod:`tickets.masking` — personal data as people without ``pii`` see it
- :mod:`tickets.models` — the tables; :mod:`tickets.schemas` — what crosses the API
- :mod:`tickets.users` — users and their API keys
- :mod:`tickets.store` — :class:`~tickets.store.TicketStore`, the complaint process on the database, in rooms:
  ``core`` (access, events), ``present`` (how a ticket reads), ``intake`` (intake and dedupe), ``assignment``,
  ``workflow`` (transitions), ``clock`` (SLA clock, escalation, revisits), ``queries`` (queries and history),
  ``knowledge`` (similar cases), ``public`` (customer status lookup), ``audit``, ``outbox`` (notifications)
- :mod:`tickets.export` — tickets as CSV/XLSX; :mod:`tickets.report` — the weekly complaint report
"""
