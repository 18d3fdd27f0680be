"""The audit log: what admins changed at their hotel, newest first.

``record`` is the one way in. Call it inside the unit of work of the change it describes, so the
row commits (or rolls back) with it::

    await record(uow, hotel_id, actor.staff_id, "settings.updated", "hotel settings",
                 {"timezone": {"from": "UTC", "to": "Europe/Berlin"}})

``detail`` is shown to the hotel's admins as it is; a key that names a secret (a token, a key, a
password) keeps only the fact that it changed, whatever value the caller passed.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from sqlalchemy import select

from domain.audit.models import AuditEntry
from domain.errors import Invalid
from domain.staff.models import StaffUser
from domain.uow import UnitOfWork

PAGE_SIZE = 50
MAX_ACTION = 64
MAX_TARGET = 300

# The actions this code records, with how the page names them; other contexts add their own
# ("settings.updated", ...), shown by their code until they are named here.
ACTIONS: dict[str, str] = {
    "staff.invite_created": "Invite created",
    "staff.invite_revoked": "Invite revoked",
    "staff.invite_accepted": "Invite accepted",
    "staff.role_changed": "Role changed",
    "staff.deactivated": "Deactivated",
    "staff.activated": "Activated",
    "staff.reset_link_created": "Password reset link made",
    "staff.reset_link_used": "Password reset by link",
    "settings.updated": "Hotel settings changed",
    "whatsapp.updated": "WhatsApp connection changed",
    "ai_provider.updated": "AI provider changed",
}

_ACTION = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)*$")
_SECRET_KEY = re.compile(r"token|secret|password|api_key|apikey|(^|_)key$", re.IGNORECASE)
REDACTED = "(changed)"


def _clean(value: Any, depth: int = 0) -> Any:
    """JSON-safe, bounded, and without secrets."""
    if depth > 4:
        return "…"
    if isinstance(value, dict):
        return {
            str(k)[:80]: (REDACTED if _SECRET_KEY.search(str(k)) else _clean(v, depth + 1))
            for k, v in list(value.items())[:50]
        }
    if isinstance(value, (list, tuple, set, frozenset)):
        return [_clean(v, depth + 1) for v in list(value)[:50]]
    if value is None or isinstance(value, (bool, int, float)):
        return value
    return str(value)[:500]


async def record(  # noqa: PLR0917 (the signature other contexts call)
    uow: UnitOfWork,
    hotel_id: UUID,
    actor_staff_id: UUID | None,
    action: str,
    target: str,
    detail: dict[str, Any] | None = None,
) -> AuditEntry:
    """Add one row to the hotel's audit log, in the caller's transaction."""
    if not _ACTION.match(action) or len(action) > MAX_ACTION:
        raise Invalid(f"not an audit action: {action[:MAX_ACTION]!r}")
    entry = AuditEntry(
        hotel_id=hotel_id,
        actor_staff_id=actor_staff_id,
        action=action,
        target=target[:MAX_TARGET],
        detail=_clean(detail or {}),
    )
    uow.add(entry)
    await uow.flush()
    return entry


_FIRST = ("name", "role", "from", "to")


def _ordered(detail: Any) -> Any:
    """PostgreSQL keeps JSONB keys in its own order; the page reads them as people write them:
    who, then from before to, then the rest alphabetically."""
    if not isinstance(detail, dict):
        return detail
    rank = {key: n for n, key in enumerate(_FIRST)}
    keys = sorted(detail, key=lambda k: (rank.get(k, len(_FIRST)), k))
    return {k: _ordered(detail[k]) for k in keys}


def action_label(action: str) -> str:
    return ACTIONS.get(action, action)


@dataclass(frozen=True, slots=True)
class AuditRow:
    at: datetime.datetime
    actor_name: str | None
    actor_email: str | None
    action: str
    label: str
    target: str
    detail: dict[str, Any]


@dataclass(frozen=True, slots=True)
class AuditPage:
    rows: list[AuditRow]
    page: int
    has_next: bool
    actions: list[tuple[str, str]]  # (code, label) of every action to filter by


async def audit_page(uow: UnitOfWork, hotel_id: UUID, *, action: str = "", page: int = 1) -> AuditPage:
    """One page of the hotel's log, newest first, optionally of one action only."""
    if action and (len(action) > MAX_ACTION or not _ACTION.match(action)):
        raise Invalid("unknown action")
    page = max(1, page)
    query = (
        select(AuditEntry, StaffUser.name, StaffUser.email)
        .outerjoin(StaffUser, StaffUser.id == AuditEntry.actor_staff_id)
        .where(AuditEntry.hotel_id == hotel_id)
        .order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc())
        .offset((page - 1) * PAGE_SIZE)
        .limit(PAGE_SIZE + 1)
    )
    if action:
        query = query.where(AuditEntry.action == action)
    found = (await uow.session.execute(query)).tuples().all()
    rows = [
        AuditRow(
            e.created_at, name, email, e.action, action_label(e.action), e.target, _ordered(e.detail or {})
        )
        for e, name, email in found[:PAGE_SIZE]
    ]
    seen = (
        await uow.session.execute(
            select(AuditEntry.action).where(AuditEntry.hotel_id == hotel_id).group_by(AuditEntry.action)
        )
    ).scalars()
    codes = sorted(set(ACTIONS) | set(seen))
    return AuditPage(rows, page, len(found) > PAGE_SIZE, [(c, action_label(c)) for c in codes])
