"""The language of each request: what the caller asked for in ``Accept-Language`` (the dashboard sends the
language its user chose; browsers send their own), Chinese when it names neither of ours. A request without the
header (a script, an integration) gets English, the language of the API's reference, so programs written against
the messages keep working (they should read ``error.code``, which never changes).

Text the server produces for the request (errors, reports) comes from the catalogue in that language
(:mod:`foundation.i18n`); the response says which in ``Content-Language``."""

from __future__ import annotations

from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from foundation.i18n import Language, current_language, negotiate, use_language


class LanguageMiddleware:
    """Runs each HTTP request inside :func:`foundation.i18n.use_language`."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        header = Headers(scope=scope).get("accept-language")
        language: Language = negotiate(header) if header else "en"

        async def send_with_language(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                # Read now, not at the start: a user's own language may have replaced the negotiated one.
                headers.setdefault("Content-Language", "zh-CN" if current_language() == "zh" else "en")
                headers.add_vary_header("Accept-Language")
            await send(message)

        with use_language(language):
            await self.app(scope, receive, send_with_language)
