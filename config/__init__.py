"""Configuration: reads and validates the YAML file and the settings, and assembles the domains' sections.

The floor between the domains and the roof: it imports each domain's own section type (``sentiment.config``,
``alerts.config``, ``tickets.config``, ``crawlers.config``, ``index.config``) and no domain imports it.

- :mod:`config.settings`: storage URLs, API keys and paths (pydantic-settings; ``YUQING_*`` environment
  variables override the ``settings:`` section of the YAML file).
- :mod:`config.models`: the typed shape of the YAML file.
- :mod:`config.loader`: reads a YAML file, expands ``${VAR}`` references and reports every problem with its
  file, line and key before anything runs.
"""
