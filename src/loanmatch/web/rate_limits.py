"""Rate limits (issue 12): how often one client may start sessions, pull data, ask for
identity codes or try portal sign-ins, and one lender key may call the API, with the ``limits``
library (a moving window per client).

:func:`install_rate_limits` puts a :class:`RateLimits` built from the settings in ``app.state``;
a route opts in with ``dependencies=[Depends(limited("sessions"))]`` (``sessions``, ``pulls``,
``codes``), and the lender routes count each key (``web/applications_api.py``). Past a limit the
route answers 429 ``rate_limited`` with ``retry_after`` seconds. An app without them installed (the
unit tests' bare apps) is not limited.

Where the windows are counted is the setting ``rate_storage``: ``memory://`` (the default)
counts in the process, so with several server workers a client may reach the limit once per
worker; ``redis://host:6379`` shares one count among all of them (``limits``' Redis storage).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import Literal

from fastapi import FastAPI, Request
from limits import RateLimitItem, parse
from limits.errors import ConfigurationError
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter

from loanmatch.errors import RateLimitedError
from loanmatch.settings import Settings

__all__ = ["Kind", "RateLimits", "install_rate_limits", "limited", "rate_limits_of"]

Kind = Literal["sessions", "pulls", "lender", "codes", "logins"]
STATE_KEY = "loanmatch_rate_limits"


class RateLimits:
    """One moving window per kind and key."""

    def __init__(self, settings: Settings) -> None:
        chosen = {
            "sessions": ("rate_sessions", settings.rate_sessions),
            "pulls": ("rate_pulls", settings.rate_pulls),
            "lender": ("rate_lender", settings.rate_lender),
            "codes": ("rate_codes", settings.rate_codes),
            "logins": ("rate_logins", settings.rate_logins),
        }
        self.items: dict[str, RateLimitItem] = {}
        for kind, (name, text) in chosen.items():
            try:
                self.items[kind] = parse(text)
            except ValueError:
                raise ValueError(
                    f"setting {name}: not a rate such as 60/minute: {text!r}"
                ) from None
        try:
            storage = storage_from_string(settings.rate_storage)
        except (ConfigurationError, ValueError) as error:
            raise ValueError(
                f"setting rate_storage: not a usable limits storage URI "
                f"({settings.rate_storage!r}): {error}"
            ) from None
        self._limiter = MovingWindowRateLimiter(storage)

    def hit(self, kind: Kind, key: str) -> None:
        """Count one request of ``kind`` by ``key``, or raise :class:`RateLimitedError`."""
        item = self.items[kind]
        if self._limiter.hit(item, kind, key):
            return
        reset = self._limiter.get_window_stats(item, kind, key).reset_time
        raise RateLimitedError(str(item), max(1, math.ceil(reset - time.time())))


def install_rate_limits(app: FastAPI, settings: Settings) -> None:
    setattr(app.state, STATE_KEY, RateLimits(settings))


def rate_limits_of(request: Request) -> RateLimits | None:
    found = getattr(request.app.state, STATE_KEY, None)
    return found if isinstance(found, RateLimits) else None


def limited(kind: Kind) -> Callable[[Request], None]:
    """A dependency counting the request against ``kind`` for the client's address."""

    def check(request: Request) -> None:
        limits = rate_limits_of(request)
        if limits is not None:
            limits.hit(kind, request.client.host if request.client else "unknown")

    return check
