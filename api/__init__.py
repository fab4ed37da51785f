"""The HTTP API (FastAPI): routers per resource over the domains' stores. Build it with :func:`api.app.create_app`."""
