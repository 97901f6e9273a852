"""Security headers on every response, built with the ``secure`` library.

Every answer of the app carries ``Content-Security-Policy``, ``X-Frame-Options: DENY``,
``X-Content-Type-Options: nosniff`` and ``Referrer-Policy: no-referrer`` (a chat page's address
holds its session id, so no address leaves with a link).

The pages load nothing from elsewhere: their style is inline (``<style>`` and one ``style=`` bar
width), and their only scripts are the inline ``<script>`` blocks of ``web/templates``, allowed
by their SHA-256 (read from the templates when the app is built, so editing one keeps it
allowed; a script with template expressions in it cannot be hashed and is refused at build).
The API documentation (``/docs``, ``/redoc`` and their assets, served from the package) runs
Swagger UI's and ReDoc's own inline start-up code and styles, so there alone scripts may be
inline; nothing there comes from another origin either.

:class:`SecurityHeaders` is the ASGI middleware (``create_app`` installs it outermost);
:func:`headers_for` gives the same headers to a response built outside it (the 500 handler).
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Iterable, Mapping
from functools import lru_cache
from importlib import resources
from pathlib import Path

from secure import (
    ContentSecurityPolicy,
    ReferrerPolicy,
    Secure,
    XContentTypeOptions,
    XFrameOptions,
)
from secure.middleware import SecureASGIMiddleware
from starlette.types import ASGIApp, Receive, Scope, Send

__all__ = [
    "DOCS_PATHS",
    "SecurityHeaders",
    "docs_policy",
    "headers_for",
    "inline_script_hashes",
    "page_policy",
]

_TEMPLATES = Path(str(resources.files("loanmatch") / "web" / "templates"))
_SCRIPT = re.compile(r"<script>(.*?)</script>", re.DOTALL)

DOCS_PATHS = ("/docs", "/redoc", "/static-offline-docs/")
"""Where the API documentation and its assets are served (their own, looser policy)."""


def inline_script_hashes(templates: Path = _TEMPLATES) -> list[str]:
    """The CSP source (``'sha256-...'``) of every inline ``<script>`` in the templates."""
    sources: list[str] = []
    for template in sorted(templates.glob("*.html")):
        for script in _SCRIPT.findall(template.read_text(encoding="utf-8")):
            if "{{" in script or "{%" in script:
                raise ValueError(f"{template.name}: an inline script with template code in it")
            digest = hashlib.sha256(script.encode("utf-8")).digest()
            sources.append(f"'sha256-{base64.b64encode(digest).decode('ascii')}'")
    return sorted(set(sources))


def _common(csp: ContentSecurityPolicy) -> Secure:
    return Secure(
        csp=csp,
        xfo=XFrameOptions().deny(),
        xcto=XContentTypeOptions().nosniff(),
        referrer=ReferrerPolicy().no_referrer(),
    )


def page_policy(script_hashes: Iterable[str]) -> Secure:
    """The headers of the pages and the API: nothing but this origin, scripts by hash only."""
    return _common(
        ContentSecurityPolicy()
        .default_src("'none'")
        .script_src(*script_hashes)
        .style_src("'self'", "'unsafe-inline'")
        .img_src("'self'", "data:")
        .form_action("'self'")
        .base_uri("'none'")
        .frame_ancestors("'none'")
    )


def docs_policy() -> Secure:
    """The headers of the API documentation: this origin only, its inline start-up allowed."""
    return _common(
        ContentSecurityPolicy()
        .default_src("'self'")
        .script_src("'self'", "'unsafe-inline'")
        .style_src("'self'", "'unsafe-inline'")
        .img_src("'self'", "data:")
        .worker_src("'self'", "blob:")
        .connect_src("'self'")
        .form_action("'self'")
        .base_uri("'none'")
        .frame_ancestors("'none'")
    )


def _is_docs(path: str) -> bool:
    return path.startswith(DOCS_PATHS)


@lru_cache(maxsize=1)
def _policies() -> tuple[Secure, Secure]:
    return page_policy(inline_script_hashes()), docs_policy()


def headers_for(path: str) -> Mapping[str, str]:
    """The security headers of a response to ``path``."""
    pages, docs = _policies()
    return (docs if _is_docs(path) else pages).headers


class SecurityHeaders:
    """Sets :func:`page_policy`'s headers on every response, :func:`docs_policy`'s under
    :data:`DOCS_PATHS` (whatever a route set for those names is replaced)."""

    def __init__(self, app: ASGIApp) -> None:
        pages, docs = _policies()
        self._pages = SecureASGIMiddleware(app, secure=pages)
        self._docs = SecureASGIMiddleware(app, secure=docs)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        chosen = self._docs if _is_docs(str(scope.get("path", ""))) else self._pages
        await chosen(scope, receive, send)  # type: ignore[arg-type]
