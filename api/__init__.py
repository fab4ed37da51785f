"""The HTTP API (FastAPI): mentions, trends, tickets. Build it with :func:`api.app.create_app`."""
