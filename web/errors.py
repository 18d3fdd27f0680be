"""Domain and infrastructure errors mapped to HTTP answers, in one place; every unexpected one is
logged once, with its traceback, the route, the request id and the hotel and conversation ids."""

from __future__ import annotations

import logging
from typing import Any

import asyncpg
import redis.exceptions
import structlog
from litestar import MediaType, Request, Response
from litestar.exceptions import NotFoundException
from litestar.response import Template
from litestar_htmx import HTMXRequest
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError

from domain.db import NOT_SERVING, DatabaseUnavailable
from domain.errors import Conflict, Invalid, NotFound, Unavailable

log = logging.getLogger(__name__)
unexpected_log = structlog.get_logger("web.unexpected")

DATABASE_DOWN = (OperationalError, InterfaceError, ConnectionError, OSError, TimeoutError)


# PostgreSQL saying "not now" rather than "not this": starting, shutting down, out of connections,
# or a transaction that lost a race it may win when retried.
POSTGRES_NOT_NOW = (
    asyncpg.PostgresConnectionError,
    *NOT_SERVING,
    asyncpg.exceptions.TransactionRollbackError,
)


def is_dependency_failure(exc: BaseException) -> bool:
    """The database (or the way to it) failed, not our code: the caller may try again later."""
    cause: BaseException | None = exc
    for _ in range(5):  # SQLAlchemy wraps the driver's error: look a few links down the chain
        if cause is None:
            break
        if isinstance(cause, (DatabaseUnavailable, *POSTGRES_NOT_NOW, *DATABASE_DOWN)):
            return True
        if isinstance(cause, DBAPIError) and cause.connection_invalidated:
            return True
        cause = cause.__cause__
    return False


PAGE_TITLES = {
    400: "That did not work",
    403: "Not open to you",
    404: "Not found",
    409: "Someone changed this first",
    500: "Something went wrong on our side",
    503: "Not available just now",
}


def from_htmx(request: Request[Any, Any, Any]) -> bool:
    """Sent by htmx (every request is an ``HTMXRequest``: the HTMXPlugin sets the request class)."""
    return isinstance(request, HTMXRequest) and bool(request.htmx)


def wants_page(request: Request[Any, Any, Any]) -> bool:
    """A browser that navigated here (not htmx, not an API call) and reads a page."""
    return "text/html" in request.headers.get("accept", "") and not from_htmx(request)


def error_answer(
    request: Request[Any, Any, Any], status: int, detail: str, headers: dict[str, str] | None = None
) -> Response[Any]:
    """A page for a browser that navigated here; JSON for htmx and API calls (contact.app's rule:
    one URL, the representation the caller asked for)."""
    request_id = structlog.contextvars.get_contextvars().get("request_id", "")
    if wants_page(request):
        context = {
            "title": PAGE_TITLES.get(status, "Error"),
            "detail": detail,
            "request_id": request_id,
            "actor": request.state.get("actor"),  # set once the route knew who is signed in
            "status": status,
        }
        return Template(
            "pages/errors/error.html",
            context=context,
            status_code=status,
            media_type=MediaType.HTML,
            headers=headers,
        )
    body = {"detail": detail, "request_id": request_id} if status >= 500 else {"detail": detail}
    return Response(body, status_code=status, headers=headers)


def database_unavailable(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    if is_dependency_failure(exc):
        return database_down(request, exc)
    return internal_error(request, exc)


def not_found(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    # The same answer for what does not exist and what belongs to another hotel.
    return error_answer(request, 404, "not found")


def forbidden(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    return error_answer(request, 403, str(exc) or "forbidden")


def conflict(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    return error_answer(request, 409, str(exc))


def bad_request(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    return error_answer(request, 400, str(exc))


def database_down(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    log.warning("database unavailable: %s", exc.__class__.__name__)
    return error_answer(request, 503, "database unavailable, try again", headers={"Retry-After": "5"})


def redis_unavailable(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    """Sessions, throttles and live events live in Redis: down, or still loading its data after a
    restart (``BusyLoadingError``, met by bench/soak.py), it is "try again", not our bug."""
    log.warning("redis unavailable: %s", exc.__class__.__name__)
    return error_answer(
        request, 503, "sessions are unavailable just now, try again", headers={"Retry-After": "5"}
    )


def internal_error(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    """Anything no other handler expected: logged here, once, with what an operator needs to find it
    (structlog adds the request id, and the hotel and staff ids once the actor is known)."""
    route = request.scope.get("path_template") or request.url.path
    # A link's token is a credential (invites, password resets): never in a log line.
    params = {
        k: "[redacted]" if k == "token" else str(v) for k, v in request.scope.get("path_params", {}).items()
    }
    unexpected_log.error("unhandled error", method=request.method, route=route, exc_info=exc, **params)
    return error_answer(request, 500, "internal error: the team can find it in the logs by its request id")


EXCEPTION_HANDLERS = {
    500: internal_error,
    NotFoundException: not_found,
    DatabaseUnavailable: database_down,
    DBAPIError: database_unavailable,
    OSError: database_unavailable,
    TimeoutError: database_unavailable,
    # The domain's refusals, by kind (domain/errors.py): Litestar picks a handler by the error's MRO.
    NotFound: not_found,
    Invalid: bad_request,
    Conflict: conflict,
    Unavailable: database_down,
    redis.exceptions.ConnectionError: redis_unavailable,  # BusyLoadingError is one
    redis.exceptions.TimeoutError: redis_unavailable,
}
