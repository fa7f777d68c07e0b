"""What every response carries and every state-changing request must show.

Headers come from the `secure` library: a CSP with scripts, styles and everything else from
this site only (no inline script or style, no framing), and the headers a mature app sends.

CSRF is a synchroniser token: a signed-in visitor's token is a random value stored with their
session in the store, so every worker checks the same one and it dies with the session; before
signing in (login, setup, joining), the token is a random value in an HttpOnly SameSite cookie,
compared with the form's (double submit). docs/web.md says why."""

from __future__ import annotations

import secrets
from typing import Any

from secure import (
    ContentSecurityPolicy,
    CrossOriginOpenerPolicy,
    CrossOriginResourcePolicy,
    PermissionsPolicy,
    ReferrerPolicy,
    Secure,
    StrictTransportSecurity,
    XContentTypeOptions,
    XFrameOptions,
)
from starlette.requests import Request

CSRF_FIELD = "csrf"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
NO_STORE = (b"cache-control", b"no-store")
"""What a response that says nothing of caching gets: pages hold one member's data. A saved
assessment's chart, which never changes, says `private, max-age` itself."""


class NoStoreUnlessSaid:
    """ASGI middleware: `Cache-Control: no-store` on every response that sets none."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def sending(message: Any) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                if not any(name.lower() == b"cache-control" for name, _ in headers):
                    message = {**message, "headers": [*headers, NO_STORE]}
            await send(message)

        await self.app(scope, receive, sending)


def headers() -> Secure:
    csp = (
        ContentSecurityPolicy()
        .default_src("'self'")
        .script_src("'self'")
        .style_src("'self'")
        .img_src("'self'", "data:")
        .object_src("'none'")
        .base_uri("'none'")
        .form_action("'self'")
        .frame_ancestors("'none'")
    )
    return Secure(
        csp=csp,
        hsts=StrictTransportSecurity().max_age(63072000).include_subdomains(),
        xfo=XFrameOptions().deny(),
        xcto=XContentTypeOptions(),
        referrer=ReferrerPolicy().no_referrer(),
        coop=CrossOriginOpenerPolicy().same_origin(),
        corp=CrossOriginResourcePolicy().same_origin(),
        permissions=PermissionsPolicy().geolocation().microphone().camera().payment().usb(),
    )


def csrf_ok(request: Request, sent: str | None, expected: str | None) -> bool:
    """The form's token matches the expected one, and the browser does not say the request
    came from another site (Fetch Metadata, a second fence where browsers send it)."""
    if request.headers.get("sec-fetch-site") == "cross-site":
        return False
    if not sent or not expected:
        return False
    return secrets.compare_digest(sent.encode(), expected.encode())
