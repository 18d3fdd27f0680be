"""Single sign-on (OpenID Connect): who may sign in as which staff account, and what linking does.

The rules guard against pre-account takeover (Chatwoot CVE-2026-44707: an attacker-made account was
adopted by the victim's later OAuth sign-in and the attacker's password stayed valid):

- accounts are never created here; staff accounts are made by administrators;
- a provider identity reaches an account only by a verified email (``email_verified`` is JSON
  ``true``) that matches an *active* account;
- the first sign-in links the account to the provider's (issuer, subject): the local password is
  removed and every other session of the account ends;
- once linked, only that subject signs in as the account, and one subject never takes two accounts.

An invite is the one way an account comes into being through single sign-on: ``accept_invite``
joins the invited hotel with the provider identity, on the same rules plus one more, the verified
email must be the invited one.

``sign_in`` and ``accept_invite`` are the use cases: they take the caller's unit of work; the rules
are pure. The web layer talks to the provider and keeps the browser sessions.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from uuid import UUID

from sqlalchemy import select

from domain.staff.models import StaffUser
from domain.staff.service import (
    HotelRole,
    hotel_roles,
    join_by_invite,
    may_sign_in,
    new_account,
    pending_invite,
)
from domain.uow import UnitOfWork

MAX_EMAIL_LENGTH = 254
MAX_NAME_LENGTH = 120


@dataclass(frozen=True, slots=True)
class ProviderIdentity:
    """What a validated ID token says about the person."""

    issuer: str
    subject: str
    email: str
    email_verified: bool
    name: str = ""  # the ``name`` claim, for an account an invite makes


@dataclass(frozen=True, slots=True)
class LinkedIdentity:
    """The provider identity an account was linked to at its first single sign-on."""

    issuer: str
    subject: str


@dataclass(frozen=True, slots=True)
class AccountFacts:
    staff_id: UUID
    is_active: bool


class Refusal(enum.StrEnum):
    """Why a sign-in is refused; the value is what the person is told."""

    NO_EMAIL = "Your single sign-on account did not share an email address."
    UNVERIFIED_EMAIL = (
        "Your single sign-on provider has not verified your email address, so it cannot be used "
        "to sign in here. Verify it with your provider, or sign in with your password."
    )
    NO_ACCOUNT = "There is no active staff account for this email address. Ask an administrator to add you."
    OTHER_IDENTITY = (
        "This staff account is linked to a different single sign-on identity. Ask an administrator."
    )
    IDENTITY_TAKEN = (
        "This single sign-on identity is already linked to another staff account. Ask an administrator."
    )
    NOT_INVITED_EMAIL = (
        "This invite is for another email address than your single sign-on account's. Sign in to "
        "your provider with the invited address, or open the invite link again to set a password. "
        "The invite still works."
    )
    ACCOUNT_DISABLED = "This staff account is disabled by the platform operator. Ask an administrator."


@dataclass(frozen=True, slots=True)
class SignInDecision:
    staff_id: UUID | None = None
    refusal: Refusal | None = None
    first_link: bool = False

    @property
    def allowed(self) -> bool:
        return self.refusal is None and self.staff_id is not None


@dataclass(frozen=True, slots=True)
class SignIn:
    """The outcome of ``sign_in``: the decision and, when allowed, the account's hotels."""

    decision: SignInDecision
    roles: list[HotelRole]


def normalise_email(value: object) -> str:
    """The email as accounts store it (trimmed, lower case); empty when absent or not an address."""
    if not isinstance(value, str):
        return ""
    email = value.strip().lower()
    if "@" not in email or len(email) > MAX_EMAIL_LENGTH:
        return ""
    return email


def identity_from_claims(issuer: str, claims: Mapping[str, object]) -> ProviderIdentity:
    """Read the identity from *validated* ID token claims.

    ``email_verified`` counts only when it is the JSON boolean ``true``: a string such as
    ``"true"``, a missing claim or anything else is "not verified".
    """
    subject = claims.get("sub")
    name = claims.get("name")
    return ProviderIdentity(
        issuer=issuer,
        subject=subject if isinstance(subject, str) else "",
        email=normalise_email(claims.get("email")),
        email_verified=claims.get("email_verified") is True,
        name=" ".join(name.split())[:MAX_NAME_LENGTH] if isinstance(name, str) else "",
    )


def decide_sign_in(
    identity: ProviderIdentity,
    account: AccountFacts | None,
    *,
    account_link: LinkedIdentity | None,
    subject_owner: UUID | None,
) -> SignInDecision:
    """May this provider identity sign in as this account, and is it the first link?

    ``account`` is the staff account with the identity's email (``None`` when there is none),
    ``account_link`` the identity that account is already linked to, and ``subject_owner`` the
    account this (issuer, subject) is already linked to, if any.
    """
    if not identity.email:
        return SignInDecision(refusal=Refusal.NO_EMAIL)
    if not identity.email_verified:
        return SignInDecision(refusal=Refusal.UNVERIFIED_EMAIL)
    if account is None or not account.is_active:
        return SignInDecision(refusal=Refusal.NO_ACCOUNT)
    if account_link is not None and (
        account_link.issuer != identity.issuer or account_link.subject != identity.subject
    ):
        return SignInDecision(refusal=Refusal.OTHER_IDENTITY)
    if subject_owner is not None and subject_owner != account.staff_id:
        return SignInDecision(refusal=Refusal.IDENTITY_TAKEN)
    return SignInDecision(staff_id=account.staff_id, first_link=account_link is None)


async def find_account(uow: UnitOfWork, email: str, *, for_update: bool = False) -> StaffUser | None:
    """The staff account with this (normalised) email, active or not."""
    if not email:
        return None
    query = select(StaffUser).where(StaffUser.email == email)
    if for_update:
        query = query.with_for_update()
    return (await uow.session.execute(query)).scalar_one_or_none()


async def account_facts(uow: UnitOfWork, staff: StaffUser | None) -> AccountFacts | None:
    """Active: the operator has not disabled the account and some hotel still lets it in."""
    return AccountFacts(staff.id, await may_sign_in(uow, staff)) if staff is not None else None


def invalidate_password(staff: StaffUser) -> None:
    """Linking ends password sign-in: a password someone set before the link stops working."""
    staff.password_hash = None


def linked_identity(staff: StaffUser | None) -> LinkedIdentity | None:
    if staff is None or not staff.oidc_issuer or not staff.oidc_subject:
        return None
    return LinkedIdentity(issuer=staff.oidc_issuer, subject=staff.oidc_subject)


async def subject_owner(uow: UnitOfWork, issuer: str, subject: str) -> UUID | None:
    return (
        await uow.session.execute(
            select(StaffUser.id).where(StaffUser.oidc_issuer == issuer, StaffUser.oidc_subject == subject)
        )
    ).scalar_one_or_none()


def link(staff: StaffUser, identity: ProviderIdentity) -> None:
    """Record the provider identity on the account (in the caller's transaction)."""
    staff.oidc_issuer = identity.issuer
    staff.oidc_subject = identity.subject


async def sign_in(uow: UnitOfWork, identity: ProviderIdentity) -> SignIn:
    """Apply the rules to this identity; on the first sign-in, link the account (its password is
    removed in the same transaction; the caller ends its other sessions)."""
    staff = await find_account(uow, identity.email, for_update=True)
    decision = decide_sign_in(
        identity,
        await account_facts(uow, staff),
        account_link=linked_identity(staff),
        subject_owner=await subject_owner(uow, identity.issuer, identity.subject),
    )
    if staff is None or not decision.allowed:
        return SignIn(decision, [])
    if decision.first_link:
        invalidate_password(staff)
        link(staff, identity)
    return SignIn(decision, await hotel_roles(uow, staff.id))


# Accepting an invite ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class InviteDecision:
    refusal: Refusal | None = None
    first_link: bool = False  # an existing account is linked now: its password goes, sessions end


def decide_invite(
    identity: ProviderIdentity,
    invited_email: str,
    account: AccountFacts | None,
    *,
    account_link: LinkedIdentity | None,
    subject_owner: UUID | None,
) -> InviteDecision:
    """May this provider identity accept an invite for ``invited_email``?

    ``account`` is the existing account with the invited email, if any (``is_active`` is the
    operator's switch: the invite itself brings the membership). A new account is made only for a
    subject that no account holds yet.
    """
    if not identity.email:
        return InviteDecision(refusal=Refusal.NO_EMAIL)
    if not identity.email_verified:
        return InviteDecision(refusal=Refusal.UNVERIFIED_EMAIL)
    if identity.email != invited_email.strip().lower():
        return InviteDecision(refusal=Refusal.NOT_INVITED_EMAIL)
    if account is not None and not account.is_active:
        return InviteDecision(refusal=Refusal.ACCOUNT_DISABLED)
    if account_link is not None and (
        account_link.issuer != identity.issuer or account_link.subject != identity.subject
    ):
        return InviteDecision(refusal=Refusal.OTHER_IDENTITY)
    if subject_owner is not None and (account is None or subject_owner != account.staff_id):
        return InviteDecision(refusal=Refusal.IDENTITY_TAKEN)
    return InviteDecision(first_link=account is not None and account_link is None)


@dataclass(frozen=True, slots=True)
class InviteAcceptance:
    """The outcome of ``accept_invite``: who joined which hotel, or why not."""

    staff_id: UUID | None = None
    hotel_id: UUID | None = None
    refusal: Refusal | None = None
    first_link: bool = False


async def accept_invite(uow: UnitOfWork, invite_digest: str, identity: ProviderIdentity) -> InviteAcceptance:
    """Join the invite's hotel in the invited role with this provider identity, and spend the
    invite. A person without an account gets one linked to the identity (no password); an existing
    account is linked at its first single sign-on as ``sign_in`` does (the caller ends its other
    sessions). A refusal changes nothing: the invite still works. ``LinkGone`` or ``LinkNotFound``
    when the invite was used, expired or withdrawn meanwhile."""
    invite = await pending_invite(uow, invite_digest, for_update=True)
    staff = await find_account(uow, invite.email, for_update=True)
    decision = decide_invite(
        identity,
        invite.email,
        AccountFacts(staff.id, staff.is_active) if staff is not None else None,
        account_link=linked_identity(staff),
        subject_owner=await subject_owner(uow, identity.issuer, identity.subject),
    )
    if decision.refusal is not None:
        return InviteAcceptance(refusal=decision.refusal)
    if staff is None:
        name = (invite.name or identity.name or invite.email.split("@", 1)[0])[:MAX_NAME_LENGTH]
        staff = await new_account(uow, invite.email, name, oidc=(identity.issuer, identity.subject))
    elif decision.first_link:
        invalidate_password(staff)
        link(staff, identity)
    await join_by_invite(uow, invite, staff, via="single sign-on")
    return InviteAcceptance(staff.id, invite.hotel_id, first_link=decision.first_link)
