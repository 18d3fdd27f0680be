"""Staff administration against the real app: invites and password reset links, roles, the
last-admin guard, the audit log, tenant isolation and role checks (real PostgreSQL and Redis)."""

from __future__ import annotations

import datetime
import hashlib
import re
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import urlparse

import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy import select, update

from domain.audit.models import AuditEntry
from domain.audit.service import record
from domain.settings import Settings
from domain.staff.models import Membership, PasswordReset, Role, StaffInvite, StaffUser
from domain.uow import UnitOfWork
from jobs.services import NoDispatcher
from tests.support.web import PASSWORD, csrf_from, sign_in
from tests.support.world import SAM, World, build_world
from web.app import create_app

HOSTILE = "<script>alert(1)</script><img src=x onerror=alert(2)>"
NEW_PASSWORD = "a brand new passphrase"


@pytest.fixture
async def world(sessions: Any) -> World:
    """Anna (agent) and Alex (admin) at Aurora, Bob (agent) and Bella (admin) at Borealis, Sam at both."""
    return await build_world(sessions, alex=Role.ADMIN, bella=True, sam=True)


@pytest.fixture
async def client(settings: Settings, sessions: Any) -> AsyncIterator[AsyncTestClient[Any]]:
    async with AsyncTestClient(app=create_app(settings)) as test_client:
        yield test_client


def link_path(html: str) -> str:
    match = re.search(r'id="new-link"[^>]*value="([^"]+)"', html)
    assert match, "no link shown on the page"
    return urlparse(match.group(1)).path


def text_of(html: str) -> str:
    return re.sub(r"<[^>]+>", "", html)


def link_csrf(html: str) -> str:
    return csrf_from(html)


async def as_admin(client: AsyncTestClient[Any], email: str = "alex@aurora.example") -> str:
    client.cookies.clear()
    return await sign_in(client, email)


async def invite(
    client: AsyncTestClient[Any], csrf: str, email: str, role: str = "agent", name: str = "", days: str = "7"
) -> Any:
    return await client.post(
        "/admin/staff/invites",
        data={"_csrf": csrf, "email": email, "name": name, "role": role, "days": days},
    )


async def open_and_submit(client: AsyncTestClient[Any], path: str, **fields: str) -> Any:
    """Open a link as a stranger (no session) and send its form."""
    client.cookies.clear()
    page = await client.get(path)
    assert page.status_code == 200, page.text
    return await client.post(path, data={"_csrf": link_csrf(page.text), **fields}, follow_redirects=False)


async def audit_actions(sessions: Any, hotel_id: Any) -> list[str]:
    async with sessions() as session:
        rows = await session.execute(
            select(AuditEntry.action).where(AuditEntry.hotel_id == hotel_id).order_by(AuditEntry.created_at)
        )
        return list(rows.scalars())


async def test_an_invite_makes_an_account_with_the_role_at_the_hotel_and_signs_it_in(
    client, world, sessions
) -> None:
    csrf = await as_admin(client)
    created = await invite(client, csrf, "Nina@New.example", role="manager", name="Nina")
    assert created.status_code == 201
    assert "Invite link for nina@new.example" in created.text
    path = link_path(created.text)
    assert "nina@new.example" in (await client.get("/admin/staff")).text  # pending, with "revoke"

    form = (await (client.cookies.clear() or client.get(path))).text
    assert "Join Hotel Aurora" in form
    assert "as <strong>manager</strong>" in form
    answer = await client.post(
        path,
        data={
            "_csrf": link_csrf(form),
            "name": "Nina Novak",
            "password": NEW_PASSWORD,
            "confirm": NEW_PASSWORD,
        },
        follow_redirects=False,
    )
    assert answer.status_code == 303
    assert answer.headers["location"] == "/inbox"
    inbox = await client.get("/inbox")
    assert inbox.status_code == 200
    assert "Nina Novak · manager" in inbox.text
    assert "Hotel Aurora" in inbox.text
    assert (await client.get("/admin/saved-replies")).status_code == 200  # a manager's page
    assert (await client.get("/admin/staff")).status_code == 403  # not an admin's

    # She signs in again later with the password she chose.
    client.cookies.clear()
    await sign_in(client, "nina@new.example", NEW_PASSWORD)

    # The link is spent.
    client.cookies.clear()
    again = await client.get(path)
    assert again.status_code == 410
    assert "already been used" in again.text
    async with sessions() as session:
        nina = (
            await session.execute(select(StaffUser).where(StaffUser.email == "nina@new.example"))
        ).scalar_one()
        membership = (
            await session.execute(select(Membership).where(Membership.staff_id == nina.id))
        ).scalar_one()
    assert (membership.hotel_id, membership.role) == (world.aurora.id, Role.MANAGER)
    assert await audit_actions(sessions, world.aurora.id) == ["staff.invite_created", "staff.invite_accepted"]


async def test_a_used_link_cannot_be_used_twice(client, world) -> None:
    created = await invite(client, await as_admin(client), "twice@new.example")
    path = link_path(created.text)
    client.cookies.clear()
    page = await client.get(path)
    token = link_csrf(page.text)
    fields = {"_csrf": token, "name": "Twice", "password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    assert (await client.post(path, data=fields, follow_redirects=False)).status_code == 303
    second = await client.post(path, data=fields, follow_redirects=False)
    assert second.status_code == 410
    assert "already been used" in second.text


async def test_an_expired_or_unknown_link_says_so(client, world, sessions) -> None:
    created = await invite(client, await as_admin(client), "late@new.example", days="1")
    path = link_path(created.text)
    async with sessions() as session, session.begin():
        await session.execute(
            update(StaffInvite).values(
                expires_at=datetime.datetime.now(datetime.UTC) - datetime.timedelta(minutes=1)
            )
        )
    client.cookies.clear()
    expired = await client.get(path)
    assert expired.status_code == 410
    assert "This link has expired" in expired.text
    unknown = await client.get("/invite/" + "x" * 43)
    assert unknown.status_code == 404
    assert "This link is not valid" in unknown.text
    hostile = await client.get("/invite/%3Cscript%3Ealert(1)%3C%2Fscript%3E")
    assert hostile.status_code == 404
    assert "<script>alert(1)" not in hostile.text
    assert (await client.get("/reset/" + "y" * 43)).status_code == 404
    assert (await client.get("/invite/" + "z" * 5000)).status_code in (404, 414)


async def test_a_revoked_invite_stops_working(client, world, sessions) -> None:
    csrf = await as_admin(client)
    path = link_path((await invite(client, csrf, "revoked@new.example")).text)
    async with sessions() as session:
        invite_id = (await session.execute(select(StaffInvite.id))).scalar_one()
    revoked = await client.post(f"/admin/staff/invites/{invite_id}/revoke", data={"_csrf": csrf})
    assert revoked.status_code == 200  # back on the staff page
    assert "revoked@new.example" not in revoked.text
    assert "No pending invites" in revoked.text
    client.cookies.clear()
    page = await client.get(path)
    assert page.status_code == 410
    assert "withdrawn" in page.text


async def test_a_new_invite_for_the_same_email_withdraws_the_older_one(client, world) -> None:
    csrf = await as_admin(client)
    first = link_path((await invite(client, csrf, "again@new.example")).text)
    second = link_path((await invite(client, csrf, "again@new.example", role="manager")).text)
    client.cookies.clear()
    assert (await client.get(first)).status_code == 410
    assert (await client.get(second)).status_code == 200


async def test_an_existing_account_joins_with_its_own_password(client, world) -> None:
    csrf = await as_admin(client)
    path = link_path((await invite(client, csrf, "bob@borealis.example", role="agent")).text)
    client.cookies.clear()
    page = await client.get(path)
    assert "You already have an account" in page.text
    wrong = await client.post(
        path, data={"_csrf": link_csrf(page.text), "password": "not his password"}, follow_redirects=False
    )
    assert wrong.status_code == 400
    assert "not the password of this account" in wrong.text
    right = await client.post(
        path,
        data={"_csrf": link_csrf(wrong.text), "password": PASSWORD, "name": "Mallory"},
        follow_redirects=False,
    )
    assert right.status_code == 303
    inbox = (await client.get("/inbox")).text
    assert "Hotel Aurora" in inbox
    assert "Hotel Borealis" in inbox
    assert "Bob · agent" in inbox  # his name stays his own


async def test_bad_passwords_and_hostile_input_are_refused_with_a_reason(client, world) -> None:
    csrf = await as_admin(client)
    path = link_path((await invite(client, csrf, "weak@new.example")).text)
    client.cookies.clear()
    page = await client.get(path)
    token = link_csrf(page.text)
    cases = [
        ({"name": "Weak", "password": "short", "confirm": "short"}, "at least 10 characters"),
        ({"name": "Weak", "password": NEW_PASSWORD, "confirm": NEW_PASSWORD + "x"}, "two passwords differ"),
        ({"name": "", "password": NEW_PASSWORD, "confirm": NEW_PASSWORD}, "Enter your name"),
        ({"name": "n" * 5000, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD}, "at most 120"),
    ]
    for fields, reason in cases:
        answer = await client.post(path, data={"_csrf": token, **fields}, follow_redirects=False)
        assert answer.status_code == 400, fields
        assert reason in answer.text
        token = link_csrf(answer.text)  # each form it shows carries a new token
    no_csrf = await client.post(path, data={"name": "X", "password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert no_csrf.status_code == 403
    # Still pending: nothing above used it up.
    assert (await client.get(path)).status_code == 200


@pytest.mark.parametrize(
    ("fields", "status", "reason"),
    [
        ({"email": "not-an-email"}, 400, "valid email"),
        ({"email": "x" * 300 + "@a.example"}, 400, "too long"),
        ({"email": "ok@new.example", "role": "superuser"}, 400, "choose a role"),
        ({"email": "ok@new.example", "days": "abc"}, 400, "number of days"),
        ({"email": "ok@new.example", "days": "99"}, 400, "between 1 and 30"),
        ({"email": "anna@aurora.example"}, 409, "already works here"),
    ],
)
async def test_an_invite_form_with_bad_input_is_refused(client, world, fields, status, reason) -> None:
    csrf = await as_admin(client)
    data = {"email": "", "name": "", "role": "agent", "days": "7", **fields}
    answer = await client.post("/admin/staff/invites", data={"_csrf": csrf, **data})
    assert answer.status_code == status
    assert reason in answer.text


async def test_hostile_names_are_escaped_on_the_staff_page_and_the_audit_log(client, world) -> None:
    csrf = await as_admin(client)
    created = await invite(client, csrf, "hostile@new.example", name=HOSTILE)
    assert created.status_code == 201
    for page in (
        created.text,
        (await client.get("/admin/staff")).text,
        (await client.get("/admin/audit")).text,
    ):
        assert "<script>alert(1)" not in page
        assert "<img src=x" not in page
        assert "&lt;script&gt;" in page


async def test_the_token_is_stored_only_as_a_digest_and_never_logged(
    client, world, sessions, capfd, caplog
) -> None:
    csrf = await as_admin(client)
    path = link_path((await invite(client, csrf, "secret@new.example")).text)
    token = path.rsplit("/", 1)[1]
    await client.post(f"/admin/staff/{world.anna}/reset-link", data={"_csrf": csrf})
    async with sessions() as session:
        stored = (await session.execute(select(StaffInvite.token_hash))).scalar_one()
        reset_hashes = list((await session.execute(select(PasswordReset.token_hash))).scalars())
    assert stored == hashlib.sha256(token.encode()).hexdigest()
    assert token not in reset_hashes
    audit = text_of((await client.get("/admin/audit")).text)
    assert token not in audit
    out, err = capfd.readouterr()
    assert token not in out + err + caplog.text


async def test_changing_a_role_takes_effect_and_is_audited(client, world, sessions) -> None:
    csrf = await as_admin(client)
    answer = await client.post(
        f"/admin/staff/{world.anna}/role", data={"_csrf": csrf, "role": "manager"}, follow_redirects=False
    )
    assert answer.status_code == 303
    client.cookies.clear()
    await sign_in(client, "anna@aurora.example")
    assert (await client.get("/admin/saved-replies")).status_code == 200
    await as_admin(client)
    audit = text_of((await client.get("/admin/audit")).text)
    assert "Role changed" in audit
    assert "anna@aurora.example" in audit
    assert "name: Anna; from: agent; to: manager" in audit
    bad = await client.post(f"/admin/staff/{world.anna}/role", data={"_csrf": csrf, "role": "owner"})
    assert bad.status_code in (400, 403)


async def test_the_last_admin_cannot_demote_or_deactivate_themselves(client, world, sessions) -> None:
    csrf = await as_admin(client)
    demote = await client.post(f"/admin/staff/{world.alex}/role", data={"_csrf": csrf, "role": "agent"})
    assert demote.status_code == 409
    assert "last active admin" in demote.text
    leave = await client.post(f"/admin/staff/{world.alex}/deactivate", data={"_csrf": csrf})
    assert leave.status_code == 409
    assert "last active admin" in leave.text
    assert (await client.get("/admin/staff")).status_code == 200  # still the admin

    # With a second admin, stepping down is allowed, and the page is no longer theirs.
    await client.post(f"/admin/staff/{world.anna}/role", data={"_csrf": csrf, "role": "admin"})
    step_down = await client.post(
        f"/admin/staff/{world.alex}/role", data={"_csrf": csrf, "role": "agent"}, follow_redirects=False
    )
    assert step_down.status_code == 303
    assert step_down.headers["location"] == "/inbox"
    assert (await client.get("/admin/staff")).status_code == 403


async def test_a_reset_link_sets_a_new_password_and_ends_the_other_sessions(client, world, sessions) -> None:
    client.cookies.clear()
    await sign_in(client, "anna@aurora.example")
    anna_old_session = client.cookies.get("hb_session", domain="testserver.local")
    csrf = await as_admin(client)
    made = await client.post(f"/admin/staff/{world.anna}/reset-link", data={"_csrf": csrf})
    assert made.status_code == 200
    assert "Password reset link" in made.text
    path = link_path(made.text)
    answer = await open_and_submit(client, path, password=NEW_PASSWORD, confirm=NEW_PASSWORD)
    assert answer.status_code == 303
    inbox = await client.get("/inbox")
    assert "Anna · agent" in inbox.text

    client.cookies.clear()
    client.cookies.set("hb_session", anna_old_session, domain="testserver.local")
    assert (await client.get("/inbox", follow_redirects=False)).status_code == 303  # that session ended
    client.cookies.clear()
    page = await client.get("/login")
    old = await client.post(
        "/login", data={"email": "anna@aurora.example", "password": PASSWORD, "_csrf": csrf_from(page.text)}
    )
    assert old.status_code == 401
    await sign_in(client, "anna@aurora.example", NEW_PASSWORD)
    client.cookies.clear()
    spent = await client.get(path)
    assert spent.status_code == 410
    actions = await audit_actions(sessions, world.aurora.id)
    assert actions[-2:] == ["staff.reset_link_created", "staff.reset_link_used"]


async def test_no_reset_link_for_someone_who_also_works_where_the_admin_does_not(
    client, world, sessions
) -> None:
    csrf = await as_admin(client)
    shared = await client.post(f"/admin/staff/{world.sam}/reset-link", data={"_csrf": csrf})
    assert shared.status_code == 409
    assert "a hotel you do not administer" in shared.text
    async with sessions() as session, session.begin():
        await session.execute(update(StaffUser).where(StaffUser.id == world.anna).values(password_hash=None))
    sso = await client.post(f"/admin/staff/{world.anna}/reset-link", data={"_csrf": csrf})
    assert sso.status_code == 409
    assert "single sign-on" in sso.text
    async with sessions() as session:
        assert (await session.execute(select(PasswordReset))).first() is None


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/admin/staff/{anna}/role"),
        ("POST", "/admin/staff/{anna}/reset-link"),
        ("POST", "/admin/staff/{anna}/deactivate"),
        ("POST", "/admin/staff/invites/{invite}/revoke"),
    ],
)
async def test_an_admin_of_borealis_cannot_act_on_aurora(client, world, sessions, method, path) -> None:
    csrf = await as_admin(client)
    await invite(client, csrf, "aurora-only@new.example")
    async with sessions() as session:
        invite_id = (await session.execute(select(StaffInvite.id))).scalar_one()
    before = await audit_actions(sessions, world.aurora.id)
    bella_csrf = await as_admin(client, "bella@borealis.example")
    url = path.format(anna=world.anna, invite=invite_id)
    answer = await client.post(url, data={"_csrf": bella_csrf, "role": "admin"})
    assert answer.status_code == 404
    assert await audit_actions(sessions, world.aurora.id) == before
    async with sessions() as session:
        anna = (
            await session.execute(select(Membership).where(Membership.staff_id == world.anna))
        ).scalar_one()
        pending = (await session.execute(select(StaffInvite).where(StaffInvite.id == invite_id))).scalar_one()
        assert (anna.role, anna.is_active) == (Role.AGENT, True)
        assert pending.revoked_at is None
        assert (await session.execute(select(PasswordReset))).first() is None


async def test_an_invite_goes_to_the_admins_own_hotel_whatever_the_form_says(client, world, sessions) -> None:
    bella_csrf = await as_admin(client, "bella@borealis.example")
    created = await client.post(
        "/admin/staff/invites",
        data={
            "_csrf": bella_csrf,
            "email": "spy@new.example",
            "role": "admin",
            "hotel_id": str(world.aurora.id),
        },
    )
    assert created.status_code == 201
    async with sessions() as session:
        assert (await session.execute(select(StaffInvite.hotel_id))).scalar_one() == world.borealis.id
    answer = await open_and_submit(
        client, link_path(created.text), name="Spy", password=NEW_PASSWORD, confirm=NEW_PASSWORD
    )
    assert answer.status_code == 303
    inbox = (await client.get("/inbox")).text
    assert "Hotel Borealis" in inbox
    assert "Hotel Aurora" not in inbox


async def test_the_audit_log_of_one_hotel_is_invisible_to_another(client, world, sessions) -> None:
    csrf = await as_admin(client)
    await invite(client, csrf, "aurora-secret@new.example")
    await as_admin(client, "bella@borealis.example")
    page = await client.get("/admin/audit")
    assert page.status_code == 200
    assert "aurora-secret@new.example" not in page.text
    assert "Nothing recorded" in page.text
    filtered = await client.get("/admin/audit?action=staff.invite_created")
    assert "aurora-secret@new.example" not in filtered.text


@pytest.mark.parametrize("email", ["anna@aurora.example", SAM])
@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/admin/staff"),
        ("GET", "/admin/audit"),
        ("POST", "/admin/staff/invites"),
        ("POST", "/admin/staff/{alex}/role"),
        ("POST", "/admin/staff/{alex}/reset-link"),
        ("POST", "/admin/staff/{alex}/deactivate"),
    ],
)
async def test_agents_and_managers_cannot_administer_staff(
    client, world, sessions, email, method, path
) -> None:
    if email == SAM:  # Sam as a manager at Aurora
        async with sessions() as session, session.begin():
            await session.execute(
                update(Membership)
                .where(Membership.staff_id == world.sam, Membership.hotel_id == world.aurora.id)
                .values(role=Role.MANAGER)
            )
    client.cookies.clear()
    csrf = await sign_in(client, email)
    if email == SAM:
        await client.post("/hotels/switch", data={"_csrf": csrf, "hotel_id": str(world.aurora.id)})
    url = path.format(alex=world.alex)
    if method == "GET":
        answer = await client.get(url)
    else:
        answer = await client.post(url, data={"_csrf": csrf, "email": "x@new.example", "role": "admin"})
    assert answer.status_code == 403
    async with sessions() as session:
        assert (await session.execute(select(StaffInvite))).first() is None
        alex = (
            await session.execute(select(Membership).where(Membership.staff_id == world.alex))
        ).scalar_one()
        assert (alex.role, alex.is_active) == (Role.ADMIN, True)


async def test_the_audit_log_pages_newest_first_and_filters_by_action(
    client, world, sessions, settings
) -> None:
    from domain.db import create_engine, session_factory

    engine = create_engine(settings.database_url, pool_size=1)
    try:
        async with UnitOfWork(session_factory(engine), NoDispatcher()) as uow:
            for n in range(60):
                await record(
                    uow,
                    world.aurora.id,
                    world.alex,
                    "staff.role_changed",
                    f"person{n:02d}@x.example",
                    {"n": n},
                )
            await record(
                uow,
                world.aurora.id,
                world.alex,
                "settings.updated",
                "hotel settings",
                {"llm_api_key": "sk-very-secret", "timezone": {"from": "UTC", "to": "Europe/Berlin"}},
            )
    finally:
        await engine.dispose()
    await as_admin(client)
    first = (await client.get("/admin/audit")).text
    rows = re.findall(r"person(\d\d)@x\.example", first)
    assert "Hotel settings changed" in first
    assert "sk-very-secret" not in first
    assert "llm_api_key: (changed)" in text_of(first)
    assert "timezone: from UTC, to Europe/Berlin" in text_of(first)
    assert rows[:3] == ["59", "58", "57"]
    assert len(rows) == 49  # 50 a page; the settings change is the newest
    second = (await client.get("/admin/audit?page=2")).text
    assert re.findall(r"person(\d\d)@x\.example", second) == [f"{n:02d}" for n in range(10, -1, -1)]
    assert 'rel="prev"' in second
    only = (await client.get("/admin/audit?action=settings.updated")).text
    assert "Hotel settings changed" in only
    assert "person" not in only.split('id="audit-table"')[1]
    for bad in (
        "/admin/audit?action=%3Cscript%3E",
        "/admin/audit?page=abc",
        "/admin/audit?page=0",
        "/admin/audit?action=" + "a" * 100,
    ):
        assert (await client.get(bad)).status_code == 400, bad
