"""The PR dashboard: a static web app served by the API at ``/``.

``web`` serves ``static/`` (plain ES modules, CSS and a vendored ECharts; nothing is built) with its security
headers; ``session`` holds the browser sessions behind ``/api/v1/session`` (signed cookies, the login limit).
"""
