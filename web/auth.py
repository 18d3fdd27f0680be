"""The ``actor`` dependency of every staff route: signed in, and CSRF checked on every change."""

from __future__ import annotations

import hmac
from typing import Any

from litestar import Request

from web.actor import Actor, cookie_name, load_actor
from web.resources import ProvidedResources

__all__ = ["Actor", "CsrfRejected", "cookie_name", "provide_actor"]

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class CsrfRejected(Exception):
    pass


async def check_csrf(request: Request[Any, Any, Any], expected: str) -> None:
    if request.method in SAFE_METHODS:
        return
    presented = request.headers.get("x-csrf-token")
    if not presented:
        content_type = request.headers.get("content-type", "")
        if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            presented = (await request.form()).get("_csrf")
    if not presented or not hmac.compare_digest(str(presented).encode(), expected.encode()):
        raise CsrfRejected("the form has expired or was not sent from this site; reload and try again")


async def provide_actor(request: Request[Any, Any, Any], resources: ProvidedResources) -> Actor:
    actor = await load_actor(request, resources)
    # Kept on this request (not the app) so that an error page still shows the staff member's top bar.
    request.state.actor = actor
    await check_csrf(request, actor.session.csrf)
    return actor
