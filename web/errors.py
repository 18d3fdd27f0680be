"""Domain and infrastructure errors mapped to HTTP answers, in one place; every unexpected one is
logged once, with its traceback, the route, the request id and the hotel and conversation ids."""

from __future__ import annotations

import logging
from typing import Any

import structlog
from litestar import MediaType, Request, Response
from litestar.response import Template
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError

from domain.conversations.rules import TransitionNotAllowed
from domain.conversations.service import ConversationNotFound, InvalidReply, NotAMember
from domain.db import DatabaseUnavailable
from domain.guests.privacy import GuestNotFound
from domain.requests.service import InvalidStatus, RequestNotFound

log = logging.getLogger(__name__)
unexpected_log = structlog.get_logger("web.unexpected")

DATABASE_DOWN = (OperationalError, InterfaceError, ConnectionError, OSError, TimeoutError)


def _is_database_down(exc: Exception) -> bool:
    if isinstance(exc, DATABASE_DOWN):
        return True
    return isinstance(exc, DBAPIError) and bool(exc.connection_invalidated)


def database_unavailable(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    if _is_database_down(exc):
        log.warning("database unavailable: %s", exc.__class__.__name__)
        return Response(
            {"detail": "database unavailable, try again"}, status_code=503, headers={"Retry-After": "5"}
        )
    return internal_error(request, exc)


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


def internal_error(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    """Anything no other handler expected: logged here, once, with what an operator needs to find it
    (structlog adds the request id, and the hotel and staff ids once the actor is known)."""
    route = request.scope.get("path_template") or request.url.path
    params = {k: str(v) for k, v in request.scope.get("path_params", {}).items()}
    unexpected_log.error("unhandled error", method=request.method, route=route, exc_info=exc, **params)
    request_id = structlog.contextvars.get_contextvars().get("request_id", "")
    detail = "internal error: the team can find it in the logs by its request id"
    wants_page = "text/html" in request.headers.get("accept", "") and not request.headers.get("hx-request")
    if wants_page:
        return Template(
            "pages/errors/500.html",
            context={"request_id": request_id},
            status_code=500,
            media_type=MediaType.HTML,
        )
    return Response({"detail": detail, "request_id": request_id}, status_code=500)


EXCEPTION_HANDLERS = {
    500: internal_error,
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
