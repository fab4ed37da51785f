"""Configuration: the YAML file (brands, sources, alert rules, ticket defaults) and the settings.

- :mod:`config.settings`: storage URLs, API keys and paths (pydantic-settings; ``YUQING_*`` environment
  variables override the ``settings:`` section of the YAML file).
- :mod:`config.models`: the typed shape of the YAML file.
- :mod:`config.loader`: reads a YAML file, expands ``${VAR}`` references and reports every problem with its
  file, line and key before anything runs.
"""
