"""Staff accounts, their roles at hotels, and what a hotel's admins do about them: invite by link,
change roles, deactivate, reset a password by link. Every change an admin makes is written to the
hotel's audit log in the same transaction."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from uuid import UUID

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from domain.audit.service import record
from domain.errors import Conflict, DomainError, Invalid, NotFound
from domain.hotels.models import Hotel
from domain.staff.models import Membership, PasswordReset, Role, StaffInvite, StaffUser
from domain.staff.passwords import hash_password, needs_rehash, verify_password
from domain.staff.rules import (
    RESET_HOURS,
    LinkState,
    link_state,
    new_token,
    normalise_email,
    plausible_token,
    token_digest,
)
from domain.uow import UnitOfWork


def _now() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


async def find_account(uow: UnitOfWork, email: str, *, for_update: bool = False) -> StaffUser | None:
    """The staff account with this (normalised) email, active or not."""
    query = select(StaffUser).where(StaffUser.email == email)
    if for_update:
        query = query.with_for_update()
    return (await uow.session.execute(query)).scalar_one_or_none()


async def create_or_update_staff(
    uow: UnitOfWork, *, email: str, name: str, password: str | None, hotel_id: UUID, role: Role
) -> StaffUser:
    session = uow.session
    email = email.strip().lower()
    if "@" not in email or len(email) > 254:
        raise ValueError("a valid email address is required")
    staff = await find_account(uow, email)
    if staff is None:
        staff = StaffUser(email=email, name=name, is_active=True, is_superuser=False, language="en")
        session.add(staff)
    staff.name = name or staff.name
    if password:
        staff.password_hash = hash_password(password)
    await session.flush()
    membership = (
        await session.execute(
            select(Membership).where(Membership.staff_id == staff.id, Membership.hotel_id == hotel_id)
        )
    ).scalar_one_or_none()
    if membership is None:
        session.add(Membership(staff_id=staff.id, hotel_id=hotel_id, role=role))
    else:
        membership.role = role
    return staff


@dataclass(frozen=True, slots=True)
class HotelRole:
    hotel_id: UUID
    hotel_name: str
    slug: str
    role: Role


_DUMMY_HASH = hash_password("not-a-real-password-0000")


class StaffNotFound(NotFound):
    pass


async def may_sign_in(uow: UnitOfWork, staff: StaffUser) -> bool:
    """An account the operator has not disabled, with at least one hotel that still lets it in."""
    if not staff.is_active:
        return False
    active = await uow.session.execute(
        select(Membership.id).where(Membership.staff_id == staff.id, Membership.is_active).limit(1)
    )
    return active.first() is not None


async def authenticate(uow: UnitOfWork, email: str, password: str) -> StaffUser | None:
    """The staff member with these credentials who may sign in; the same work whether or not the
    email exists."""
    staff = await find_account(uow, email.strip().lower())
    if staff is None or not staff.password_hash:
        verify_password(_DUMMY_HASH, password)
        return None
    if not verify_password(staff.password_hash, password) or not await may_sign_in(uow, staff):
        return None
    if needs_rehash(staff.password_hash):
        staff.password_hash = hash_password(password)
    return staff


async def hotel_roles(uow: UnitOfWork, staff_id: UUID) -> list[HotelRole]:
    """The hotels where this staff member's membership is active."""
    rows = await uow.session.execute(
        select(Hotel.id, Hotel.name, Hotel.slug, Membership.role)
        .join(Membership, Membership.hotel_id == Hotel.id)
        .where(Membership.staff_id == staff_id, Membership.is_active)
        .order_by(Hotel.name)
    )
    return [HotelRole(row.id, row.name, row.slug, Role(row.role)) for row in rows]


@dataclass(frozen=True, slots=True)
class StaffMember:
    """One row of a hotel's staff list."""

    id: UUID
    name: str
    email: str
    role: Role
    active_here: bool
    account_disabled: bool
    has_password: bool = False


async def hotel_staff(uow: UnitOfWork, hotel_id: UUID) -> list[StaffMember]:
    rows = await uow.session.execute(
        select(StaffUser, Membership)
        .join(Membership, Membership.staff_id == StaffUser.id)
        .where(Membership.hotel_id == hotel_id)
        .order_by(StaffUser.name)
    )
    return [
        StaffMember(
            staff.id,
            staff.name,
            staff.email,
            membership.role,
            membership.is_active,
            not staff.is_active,
            bool(staff.password_hash),
        )
        for staff, membership in rows.tuples()
    ]


async def _membership_here(uow: UnitOfWork, hotel_id: UUID, staff_id: UUID) -> tuple[Membership, StaffUser]:
    found = (
        (
            await uow.session.execute(
                select(Membership, StaffUser)
                .join(StaffUser, StaffUser.id == Membership.staff_id)
                .where(Membership.staff_id == staff_id, Membership.hotel_id == hotel_id)
                .with_for_update(of=Membership)
            )
        )
        .tuples()
        .one_or_none()
    )
    if found is None:
        raise StaffNotFound("no such staff member at this hotel")
    return found


async def _keep_an_admin(uow: UnitOfWork, hotel_id: UUID, leaving: UUID) -> None:
    """Refuse to leave the hotel without an active admin. The active admins' memberships are locked,
    in one order, so two admins demoting each other at once cannot both succeed."""
    admins = (
        await uow.session.execute(
            select(Membership.staff_id, StaffUser.is_active)
            .join(StaffUser, StaffUser.id == Membership.staff_id)
            .where(
                Membership.hotel_id == hotel_id,
                Membership.is_active,
                Membership.role == Role.ADMIN,
            )
            .order_by(Membership.id)
            .with_for_update(of=Membership)
        )
    ).all()
    if leaving in {row.staff_id for row in admins} and not any(
        row.is_active and row.staff_id != leaving for row in admins
    ):
        raise Conflict(
            "this is the hotel's last active admin: make someone else an admin first, "
            "or the hotel would have nobody to run it"
        )


async def set_membership_active(
    uow: UnitOfWork, hotel_id: UUID, staff_id: UUID, *, active: bool, by: UUID | None = None
) -> Membership:
    """Let a staff member into this hotel again, or stop them; their other hotels are not touched."""
    if not active:
        await _keep_an_admin(uow, hotel_id, staff_id)
    membership, staff = await _membership_here(uow, hotel_id, staff_id)
    if membership.is_active != active:
        membership.is_active = active
        action = "staff.activated" if active else "staff.deactivated"
        await record(
            uow, hotel_id, by, action, staff.email, {"name": staff.name, "role": membership.role.value}
        )
    return membership


async def change_role(
    uow: UnitOfWork, hotel_id: UUID, staff_id: UUID, role: Role, *, by: UUID | None
) -> Membership:
    """A staff member's role at this hotel; their roles elsewhere stay as they are."""
    if role is not Role.ADMIN:
        await _keep_an_admin(uow, hotel_id, staff_id)
    membership, staff = await _membership_here(uow, hotel_id, staff_id)
    if membership.role is not role:
        before = membership.role
        membership.role = role
        await record(
            uow,
            hotel_id,
            by,
            "staff.role_changed",
            staff.email,
            {"name": staff.name, "from": before.value, "to": role.value},
        )
    return membership


async def set_account_active(uow: UnitOfWork, email: str, *, active: bool) -> StaffUser:
    """The platform operator's switch: an account disabled here cannot sign in to any hotel."""
    email = email.strip().lower()
    staff = await find_account(uow, email, for_update=True)
    if staff is None:
        raise StaffNotFound(f"no staff account with email {email}")
    staff.is_active = active
    return staff


async def find_staff(uow: UnitOfWork, staff_id: UUID) -> StaffUser | None:
    return (await uow.session.execute(select(StaffUser).where(StaffUser.id == staff_id))).scalar_one_or_none()


# Links: invites and password resets ---------------------------------------------------------


class LinkGone(DomainError):
    """The link was real but cannot be used any more: used, expired or revoked."""

    def __init__(self, state: LinkState):
        self.state = state
        super().__init__(
            {
                LinkState.USED: "this link has already been used",
                LinkState.EXPIRED: "this link has expired",
                LinkState.REVOKED: "this link was withdrawn",
            }.get(state, "this link cannot be used")
        )


class LinkNotFound(NotFound):
    pass


class WrongPassword(Invalid):
    pass


@dataclass(frozen=True, slots=True)
class PendingInvite:
    id: UUID
    email: str
    name: str
    role: Role
    created_at: datetime.datetime
    expires_at: datetime.datetime
    created_by_name: str | None


@dataclass(frozen=True, slots=True)
class InviteView:
    """What the invite page shows the person who opened the link."""

    hotel_id: UUID
    hotel_name: str
    email: str
    name: str
    role: Role
    has_account: bool  # an account with this email exists: they confirm with its password
    expires_at: datetime.datetime
    has_password: bool = False  # an existing account without one signs in by single sign-on only


async def create_invite(
    uow: UnitOfWork,
    hotel_id: UUID,
    *,
    email: str,
    name: str,
    role: Role,
    days: int,
    by: UUID | None,
) -> tuple[StaffInvite, str]:
    """A new invite and its token (shown once; only its digest is stored). An earlier pending
    invite for the same email at this hotel is withdrawn: one link works at a time."""
    email = normalise_email(email)
    name = name.strip()
    if len(name) > 120:
        raise Invalid("a name has at most 120 characters")
    member = (
        await uow.session.execute(
            select(Membership.is_active)
            .join(StaffUser, StaffUser.id == Membership.staff_id)
            .where(Membership.hotel_id == hotel_id, StaffUser.email == email)
        )
    ).scalar_one_or_none()
    if member:
        raise Conflict(f"{email} already works here: change their role in the list instead")
    now = _now()
    await uow.session.execute(
        update(StaffInvite)
        .where(
            StaffInvite.hotel_id == hotel_id,
            StaffInvite.email == email,
            StaffInvite.accepted_at.is_(None),
            StaffInvite.revoked_at.is_(None),
        )
        .values(revoked_at=now)
    )
    token, digest = new_token()
    invite = StaffInvite(
        hotel_id=hotel_id,
        email=email,
        name=name,
        role=role,
        token_hash=digest,
        created_by=by,
        expires_at=now + datetime.timedelta(days=days),
    )
    uow.add(invite)
    await uow.flush()
    await record(
        uow, hotel_id, by, "staff.invite_created", email, {"role": role.value, "name": name, "days": days}
    )
    return invite, token


async def pending_invites(uow: UnitOfWork, hotel_id: UUID) -> list[PendingInvite]:
    rows = await uow.session.execute(
        select(StaffInvite, StaffUser.name)
        .outerjoin(StaffUser, StaffUser.id == StaffInvite.created_by)
        .where(
            StaffInvite.hotel_id == hotel_id,
            StaffInvite.accepted_at.is_(None),
            StaffInvite.revoked_at.is_(None),
            StaffInvite.expires_at > _now(),
        )
        .order_by(StaffInvite.created_at.desc())
    )
    return [
        PendingInvite(i.id, i.email, i.name, i.role, i.created_at, i.expires_at, by_name)
        for i, by_name in rows.tuples()
    ]


async def revoke_invite(uow: UnitOfWork, hotel_id: UUID, invite_id: UUID, *, by: UUID | None) -> None:
    invite = (
        await uow.session.execute(
            select(StaffInvite)
            .where(StaffInvite.id == invite_id, StaffInvite.hotel_id == hotel_id)
            .with_for_update()
        )
    ).scalar_one_or_none()
    if invite is None:
        raise LinkNotFound("no such invite at this hotel")
    state = _invite_state(invite)
    if state is not LinkState.PENDING:
        raise Conflict(f"this invite is {state.value} already")
    invite.revoked_at = _now()
    await record(uow, hotel_id, by, "staff.invite_revoked", invite.email, {"role": invite.role.value})


def _invite_state(invite: StaffInvite) -> LinkState:
    return link_state(
        expires_at=invite.expires_at, used_at=invite.accepted_at, revoked_at=invite.revoked_at, now=_now()
    )


async def _invite_by_token(uow: UnitOfWork, token: str, *, for_update: bool) -> StaffInvite:
    if not plausible_token(token):
        raise LinkNotFound("no such invite")
    return await pending_invite(uow, token_digest(token), for_update=for_update)


async def pending_invite(uow: UnitOfWork, digest: str, *, for_update: bool) -> StaffInvite:
    """The invite with this token digest, if it still works (``LinkNotFound``, ``LinkGone``
    otherwise). Single sign-on keeps only the digest while the person is at the provider."""
    query = select(StaffInvite).where(StaffInvite.token_hash == digest)
    if for_update:
        query = query.with_for_update()
    invite = (await uow.session.execute(query)).scalar_one_or_none()
    if invite is None:
        raise LinkNotFound("no such invite")
    state = _invite_state(invite)
    if state is not LinkState.PENDING:
        raise LinkGone(state)
    return invite


async def open_invite(uow: UnitOfWork, token: str) -> InviteView:
    """The invite behind a link, if it still works (``LinkNotFound``, ``LinkGone`` otherwise)."""
    invite = await _invite_by_token(uow, token, for_update=False)
    hotel = await uow.session.get(Hotel, invite.hotel_id)
    assert hotel is not None  # the invite goes with its hotel (ON DELETE CASCADE)
    account = await find_account(uow, invite.email)
    return InviteView(
        invite.hotel_id,
        hotel.name,
        invite.email,
        account.name if account else invite.name,
        invite.role,
        account is not None,
        invite.expires_at,
        bool(account and account.password_hash),
    )


async def accept_invite(uow: UnitOfWork, token: str, *, name: str, password: str) -> tuple[UUID, UUID]:
    """Join the hotel through an invite: a new account gets this name and password; an existing one
    proves it is theirs with its current password. Returns (staff id, hotel id)."""
    invite = await _invite_by_token(uow, token, for_update=True)
    account = await find_account(uow, invite.email, for_update=True)
    if account is not None:
        if not verify_password(account.password_hash, password):
            raise WrongPassword(
                "that is not the password of this account"
                if account.password_hash
                else "this account signs in through single sign-on: ask your administrator"
            )
        if not account.is_active:
            raise Conflict("this account is disabled by the platform operator")
    else:
        name = name.strip()
        if not name or len(name) > 120:
            raise Invalid("enter your name (at most 120 characters)")
        account = await new_account(uow, invite.email, name, password_hash=hash_password(password))
    await join_by_invite(uow, invite, account)
    return account.id, invite.hotel_id


async def new_account(
    uow: UnitOfWork,
    email: str,
    name: str,
    *,
    password_hash: str | None = None,
    oidc: tuple[str, str] | None = None,
) -> StaffUser:
    """The account an invite makes for a person who has none: a password, or a provider identity
    (issuer, subject) when they joined by single sign-on."""
    account = StaffUser(
        email=email,
        name=name,
        password_hash=password_hash,
        is_active=True,
        is_superuser=False,
        language="en",
        oidc_issuer=oidc[0] if oidc else None,
        oidc_subject=oidc[1] if oidc else None,
    )
    uow.add(account)
    try:
        await uow.flush()
    except IntegrityError:  # the same email accepted another hotel's invite at this moment
        raise Conflict("an account with this email was just created: open the link again") from None
    return account


async def join_by_invite(
    uow: UnitOfWork, invite: StaffInvite, account: StaffUser, *, via: str | None = None
) -> None:
    """The account joins the invite's hotel in the invited role, and the invite is spent. ``via``
    names a way of accepting other than the password, for the audit log."""
    membership = (
        await uow.session.execute(
            select(Membership)
            .where(Membership.staff_id == account.id, Membership.hotel_id == invite.hotel_id)
            .with_for_update()
        )
    ).scalar_one_or_none()
    if membership is None:
        uow.add(Membership(staff_id=account.id, hotel_id=invite.hotel_id, role=invite.role, is_active=True))
    else:
        membership.role = invite.role
        membership.is_active = True
    invite.accepted_at = _now()
    invite.accepted_by = account.id
    await record(
        uow,
        invite.hotel_id,
        account.id,
        "staff.invite_accepted",
        invite.email,
        {"role": invite.role.value, "name": account.name} | ({"via": via} if via else {}),
    )


@dataclass(frozen=True, slots=True)
class ResetView:
    hotel_name: str
    name: str
    email: str
    expires_at: datetime.datetime


async def create_reset_link(
    uow: UnitOfWork, hotel_id: UUID, staff_id: UUID, *, by: UUID, admin_of: set[UUID]
) -> tuple[PasswordReset, str]:
    """A link for one staff member of this hotel to set a new password. Only for password accounts,
    and only for someone whose every hotel the admin also runs (``admin_of``): a link is a way into
    the whole account, and no hotel's admin takes over another hotel's staff."""
    membership, staff = await _membership_here(uow, hotel_id, staff_id)
    if not membership.is_active:
        raise Conflict("this staff member is deactivated here: activate them first")
    if not staff.password_hash:
        raise Conflict("this account signs in through single sign-on: it has no password to reset")
    if staff.is_superuser or not staff.is_active:
        raise Conflict("only the platform operator can reset this account")
    elsewhere = set(
        (
            await uow.session.execute(
                select(Membership.hotel_id).where(Membership.staff_id == staff_id, Membership.is_active)
            )
        ).scalars()
    )
    if elsewhere - admin_of - {hotel_id}:
        raise Conflict(
            "this person also works at a hotel you do not administer: ask the platform operator "
            "to reset their password"
        )
    now = _now()
    await uow.session.execute(
        update(PasswordReset)
        .where(
            PasswordReset.staff_id == staff_id,
            PasswordReset.used_at.is_(None),
            PasswordReset.revoked_at.is_(None),
        )
        .values(revoked_at=now)
    )
    token, digest = new_token()
    reset = PasswordReset(
        hotel_id=hotel_id,
        staff_id=staff_id,
        token_hash=digest,
        created_by=by,
        expires_at=now + datetime.timedelta(hours=RESET_HOURS),
    )
    uow.add(reset)
    await uow.flush()
    await record(
        uow, hotel_id, by, "staff.reset_link_created", staff.email, {"name": staff.name, "hours": RESET_HOURS}
    )
    return reset, token


async def _reset_by_token(
    uow: UnitOfWork, token: str, *, for_update: bool
) -> tuple[PasswordReset, StaffUser]:
    if not plausible_token(token):
        raise LinkNotFound("no such link")
    query = (
        select(PasswordReset, StaffUser)
        .join(StaffUser, StaffUser.id == PasswordReset.staff_id)
        .where(PasswordReset.token_hash == token_digest(token))
    )
    if for_update:
        query = query.with_for_update()
    found = (await uow.session.execute(query)).tuples().one_or_none()
    if found is None:
        raise LinkNotFound("no such link")
    reset, staff = found
    state = link_state(
        expires_at=reset.expires_at, used_at=reset.used_at, revoked_at=reset.revoked_at, now=_now()
    )
    if state is not LinkState.PENDING:
        raise LinkGone(state)
    still_here = (
        await uow.session.execute(
            select(Membership.id).where(
                Membership.staff_id == staff.id, Membership.hotel_id == reset.hotel_id, Membership.is_active
            )
        )
    ).first()
    if still_here is None or not staff.is_active or not staff.password_hash:
        raise LinkGone(LinkState.REVOKED)
    return reset, staff


async def open_reset_link(uow: UnitOfWork, token: str) -> ResetView:
    reset, staff = await _reset_by_token(uow, token, for_update=False)
    hotel = await uow.session.get(Hotel, reset.hotel_id)
    assert hotel is not None
    return ResetView(hotel.name, staff.name, staff.email, reset.expires_at)


async def use_reset_link(uow: UnitOfWork, token: str, password: str) -> tuple[UUID, UUID]:
    """Set the new password; returns (staff id, hotel id). The caller ends the account's sessions."""
    reset, staff = await _reset_by_token(uow, token, for_update=True)
    staff.password_hash = hash_password(password)
    reset.used_at = _now()
    await record(uow, reset.hotel_id, staff.id, "staff.reset_link_used", staff.email, {"name": staff.name})
    return staff.id, reset.hotel_id
