"""Who may talk to the review server: loopback by default, a token on any other address, CSRF on every POST.

- Bound to a loopback address, the server answers only requests whose Host is
  that address (or `localhost`), so a web page elsewhere cannot reach it by
  rebinding a DNS name to 127.0.0.1.
- Bound to any other address, every request needs the access token printed at
  start: `?token=...` once (it is then kept in an HttpOnly, SameSite=Strict
  cookie) or an `Authorization: Bearer` header. Without it: 403.
- Every form carries the CSRF token; a POST without the right one is refused,
  as is a POST whose Origin is another site.
"""

from __future__ import annotations

import ipaddress
import secrets
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

TOKEN_COOKIE = "retest_token"
CSRF_FIELD = "csrf"
_LOOPBACK_NAMES = {"localhost", "127.0.0.1", "::1"}


def is_loopback(host: str) -> bool:
    """True for 127.0.0.0/8, ::1 and 'localhost'."""
    if host.strip("[]").lower() in _LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True)
class Guard:
    """The server's secrets: the access token (None on loopback) and the CSRF token."""

    host: str
    token: str | None
    csrf: str = field(default_factory=lambda: secrets.token_urlsafe(24))

    @classmethod
    def for_host(cls, host: str, token: str | None = None) -> Guard:
        """A guard for binding to `host`: a fresh access token unless it is a loopback address."""
        return cls(host, None if is_loopback(host) else (token or secrets.token_urlsafe(24)))

    def csrf_ok(self, sent: object) -> bool:
        return isinstance(sent, str) and secrets.compare_digest(sent, self.csrf)


def _host_name(header: str) -> str:
    if header.startswith("["):
        return header[1 : header.find("]")] if "]" in header else header
    return header.rsplit(":", 1)[0] if header.count(":") == 1 else header


class GuardMiddleware:
    """Refuses requests the guard does not allow before any route runs."""

    def __init__(self, app: ASGIApp, guard: Guard) -> None:
        self.app = app
        self.guard = guard

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        refusal = self._refusal(request)
        if refusal is not None:
            await refusal(scope, receive, send)
            return
        if self.guard.token and request.query_params.get("token"):
            # The token came in the address once: keep it in a cookie and drop it from the address bar and history.
            response = RedirectResponse(request.url.remove_query_params("token"), status_code=303)
            response.set_cookie(TOKEN_COOKIE, self.guard.token, httponly=True, samesite="strict")
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)

    def _refusal(self, request: Request) -> Response | None:
        guard = self.guard
        host = _host_name(request.headers.get("host", ""))
        if guard.token is None and not is_loopback(host):
            return PlainTextResponse("This server answers only on its loopback address.", status_code=403)
        if guard.token is not None and not self._has_token(request):
            return PlainTextResponse("Forbidden: open the address `retest serve` printed, with its ?token=...", status_code=403)
        if request.method == "POST":
            origin = request.headers.get("origin")
            if origin and origin != "null" and _host_name(urlsplit(origin).netloc) != host:
                return PlainTextResponse("Forbidden: a form from another site.", status_code=403)
        return None

    def _has_token(self, request: Request) -> bool:
        token = self.guard.token or ""
        sent = [request.query_params.get("token", ""), request.cookies.get(TOKEN_COOKIE, "")]
        auth = request.headers.get("authorization", "")
        if auth.lower().startswith("bearer "):
            sent.append(auth[7:].strip())
        return any(s and secrets.compare_digest(s, token) for s in sent)
