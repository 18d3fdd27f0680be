"""Which failures are the database's (a 503, retried) and which are ours (a bug, logged)."""

from __future__ import annotations

import asyncpg
import pytest
from sqlalchemy.exc import IntegrityError, OperationalError, ProgrammingError

from domain.db import DatabaseUnavailable
from web.errors import is_dependency_failure


def wrapped(error: type[Exception], cause: Exception) -> Exception:
    """What SQLAlchemy raises for a driver error: its own, with the driver's as the cause."""
    exc = error("SELECT 1", {}, cause)
    exc.__cause__ = cause
    return exc


@pytest.mark.parametrize(
    "exc",
    [
        DatabaseUnavailable("connection refused"),
        ConnectionRefusedError(),
        TimeoutError(),
        asyncpg.exceptions.CannotConnectNowError("the database system is starting up"),
        asyncpg.exceptions.AdminShutdownError("terminating connection due to administrator command"),
        asyncpg.exceptions.TooManyConnectionsError("sorry, too many clients already"),
        asyncpg.exceptions.QueryCanceledError("canceling statement due to statement timeout"),
        asyncpg.exceptions.SerializationError("could not serialize access"),
        asyncpg.exceptions.ConnectionDoesNotExistError("connection was closed"),
        wrapped(OperationalError, ConnectionResetError()),
        wrapped(ProgrammingError, asyncpg.exceptions.CannotConnectNowError("starting up")),
    ],
    ids=type,
)
def test_an_outage_is_a_dependency_failure(exc: Exception) -> None:
    assert is_dependency_failure(exc)


@pytest.mark.parametrize(
    "exc",
    [
        RuntimeError("a bug"),
        KeyError("details"),
        RecursionError(),
        asyncpg.exceptions.CheckViolationError("new row violates check constraint"),
        asyncpg.exceptions.UndefinedFunctionError("function ingest_guest_message does not exist"),
        asyncpg.exceptions.CharacterNotInRepertoireError("invalid byte sequence for encoding UTF8: 0x00"),
        wrapped(IntegrityError, asyncpg.exceptions.UniqueViolationError("duplicate key")),
    ],
    ids=type,
)
def test_a_bug_is_not_a_dependency_failure(exc: Exception) -> None:
    assert not is_dependency_failure(exc)
