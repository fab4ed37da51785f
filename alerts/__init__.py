"""Alerting: rule types evaluated over the mention index, and the engine that opens tickets.

- :mod:`alerts.rules`: rule types (documented base class :class:`alerts.rules.base.RuleType`);
- :mod:`alerts.registry`: the explicit registry of rule types the YAML ``type:`` selects from;
- :mod:`alerts.engine`: evaluates rules, keeps their state, opens tickets through the API;
- :mod:`alerts.client`: the httpx client of the ticket API (over HTTP or in-process);
- :mod:`alerts.config`: the ``alerts:`` config section and what the engine reads of the rest.
"""
