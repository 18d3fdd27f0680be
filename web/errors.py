"""Domain and infrastructure errors mapped to HTTP answers, in one place."""

from __future__ import annotations

import logging
from typing import Any

import asyncpg
from litestar import Request, Response
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError

from domain.conversations.rules import TransitionNotAllowed
from domain.conversations.service import ConversationNotFound, InvalidReply, NotAMember
from domain.db import DatabaseUnavailable
from domain.guests.privacy import GuestNotFound
from domain.requests.service import InvalidStatus, RequestNotFound

log = logging.getLogger(__name__)

DATABASE_DOWN = (OperationalError, InterfaceError, ConnectionError, OSError, TimeoutError)


def _is_database_down(exc: Exception) -> bool:
    if isinstance(exc, DATABASE_DOWN):
        return True
    return isinstance(exc, DBAPIError) and bool(exc.connection_invalidated)


# PostgreSQL saying "not now" rather than "not this": starting, shutting down, out of connections,
# or a transaction that lost a race it may win when retried.
POSTGRES_NOT_NOW = (
    asyncpg.PostgresConnectionError,
    asyncpg.exceptions.OperatorInterventionError,
    asyncpg.exceptions.InsufficientResourcesError,
    asyncpg.exceptions.TransactionRollbackError,
)


def is_dependency_failure(exc: BaseException) -> bool:
    """The database (or the way to it) failed, not our code: the caller may try again later."""
    cause: BaseException | None = exc
    for _ in range(5):  # SQLAlchemy wraps the driver's error: look a few links down the chain
        if cause is None:
            break
        if isinstance(cause, (DatabaseUnavailable, *POSTGRES_NOT_NOW)):
            return True
        if isinstance(cause, Exception) and _is_database_down(cause):
            return True
        cause = cause.__cause__
    return False


def database_unavailable(_: Request[Any, Any, Any], exc: Exception) -> Response[dict[str, str]]:
    if _is_database_down(exc):
        log.warning("database unavailable: %s", exc.__class__.__name__)
        return Response(
            {"detail": "database unavailable, try again"}, status_code=503, headers={"Retry-After": "5"}
        )
    log.exception("unexpected database error")
    return Response({"detail": "internal error"}, status_code=500)


def not_found(_: Request[Any, Any, Any], exc: Exception) -> Response[dict[str, str]]:
    return Response({"detail": "not found"}, status_code=404)


def conflict(_: Request[Any, Any, Any], exc: Exception) -> Response[dict[str, str]]:
    return Response({"detail": str(exc)}, status_code=409)


def bad_request(_: Request[Any, Any, Any], exc: Exception) -> Response[dict[str, str]]:
    return Response({"detail": str(exc)}, status_code=400)


def database_down(_: Request[Any, Any, Any], exc: Exception) -> Response[dict[str, str]]:
    log.warning("database unavailable: %s", exc.__class__.__name__)
    return Response(
        {"detail": "database unavailable, try again"}, status_code=503, headers={"Retry-After": "5"}
    )


EXCEPTION_HANDLERS = {
    DatabaseUnavailable: database_down,
    DBAPIError: database_unavailable,
    OSError: database_unavailable,
    TimeoutError: database_unavailable,
    ConversationNotFound: not_found,
    NotAMember: not_found,
    RequestNotFound: not_found,
    GuestNotFound: not_found,
    InvalidStatus: bad_request,
    TransitionNotAllowed: conflict,
    InvalidReply: bad_request,
}
