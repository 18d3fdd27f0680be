"""Signing staff in against the real app (real PostgreSQL, real Redis sessions)."""

from __future__ import annotations

import re
from typing import Any
from uuid import UUID

from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domain.staff.models import Role
from domain.staff.service import create_or_update_staff
from domain.uow import UnitOfWork
from jobs.services import NoDispatcher

PASSWORD = "correct horse battery"


async def make_staff(
    sessions: async_sessionmaker[AsyncSession],
    hotel_id: UUID,
    email: str,
    role: Role = Role.AGENT,
    name: str = "",
) -> UUID:
    async with UnitOfWork(sessions, NoDispatcher()) as uow:
        staff = await create_or_update_staff(
            uow,
            email=email,
            name=name or email.split("@", maxsplit=1)[0].title(),
            password=PASSWORD,
            hotel_id=hotel_id,
            role=role,
        )
        return staff.id


def csrf_from(html: str) -> str:
    match = re.search(r'name="_csrf" value="([^"]+)"', html)
    assert match, "no CSRF field in the page"
    return match.group(1)


async def sign_in(client: AsyncTestClient[Any], email: str, password: str = PASSWORD) -> str:
    """Sign in through the login form; returns the session's CSRF token."""
    page = await client.get("/login")
    token = csrf_from(page.text)
    response = await client.post(
        "/login", data={"email": email, "password": password, "_csrf": token, "next": "/inbox"}
    )
    assert response.status_code in (200, 303), response.text
    inbox = await client.get("/inbox")
    assert inbox.status_code == 200, inbox.text
    return csrf_from(inbox.text)
