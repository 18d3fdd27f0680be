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

``sign_in`` and ``accept_invite`` are the use cases: they take the caller's unit of work. The web
layer talks to the provider and keeps the browser sessions.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from uuid import UUID

from sqlalchemy import select

from domain.staff.models import StaffUser
from domain.staff.service import (
    find_account,
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
class SignIn:
    """The outcome of ``sign_in`` and ``accept_invite``: the account and the hotel its session acts
    for, or why not."""

    staff_id: UUID | None = None
    hotel_id: UUID | None = None
    refusal: Refusal | None = None
    first_link: bool = False  # an existing account is linked now: its password goes, sessions end


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


def _email_refusal(identity: ProviderIdentity) -> Refusal | None:
    if not identity.email:
        return Refusal.NO_EMAIL
    if not identity.email_verified:
        return Refusal.UNVERIFIED_EMAIL
    return None


def _is_linked(staff: StaffUser) -> bool:
    return bool(staff.oidc_issuer and staff.oidc_subject)


async def _link_refusal(
    uow: UnitOfWork, identity: ProviderIdentity, staff: StaffUser | None
) -> Refusal | None:
    """Once linked, only that subject signs in as the account, and one subject never takes two
    accounts (``staff`` is the account with the email, if any)."""
    if (
        staff is not None
        and _is_linked(staff)
        and (staff.oidc_issuer, staff.oidc_subject) != (identity.issuer, identity.subject)
    ):
        return Refusal.OTHER_IDENTITY
    owner = (
        await uow.session.execute(
            select(StaffUser.id).where(
                StaffUser.oidc_issuer == identity.issuer, StaffUser.oidc_subject == identity.subject
            )
        )
    ).scalar_one_or_none()
    if owner is not None and (staff is None or owner != staff.id):
        return Refusal.IDENTITY_TAKEN
    return None


def _link_at_first_sign_on(staff: StaffUser, identity: ProviderIdentity) -> bool:
    """Record the provider identity on an account not linked yet (in the caller's transaction):
    linking ends password sign-in, a password someone set before the link stops working. True
    when the account was linked now."""
    if _is_linked(staff):
        return False
    staff.password_hash = None
    staff.oidc_issuer = identity.issuer
    staff.oidc_subject = identity.subject
    return True


async def sign_in(uow: UnitOfWork, identity: ProviderIdentity) -> SignIn:
    """Apply the rules to this identity; on the first sign-in, link the account (its password is
    removed in the same transaction; the caller ends its other sessions)."""
    refusal = _email_refusal(identity)
    if refusal is not None:
        return SignIn(refusal=refusal)
    staff = await find_account(uow, identity.email, for_update=True)
    # Active: the operator has not disabled the account and some hotel still lets it in.
    if staff is None or not await may_sign_in(uow, staff):
        return SignIn(refusal=Refusal.NO_ACCOUNT)
    refusal = await _link_refusal(uow, identity, staff)
    if refusal is not None:
        return SignIn(refusal=refusal)
    first_link = _link_at_first_sign_on(staff, identity)
    roles = await hotel_roles(uow, staff.id)
    return SignIn(staff.id, roles[0].hotel_id if roles else None, first_link=first_link)


async def accept_invite(uow: UnitOfWork, invite_digest: str, identity: ProviderIdentity) -> SignIn:
    """Join the invite's hotel in the invited role with this provider identity, and spend the
    invite: the rules of ``sign_in``, plus the verified email must be the invited one. A person
    without an account gets one linked to the identity (no password) and only for a subject that
    no account holds yet; an existing account is linked at its first single sign-on as ``sign_in``
    does (the caller ends its other sessions), unless the operator disabled it (the invite itself
    brings the membership). A refusal changes nothing: the invite still works. ``LinkGone`` or
    ``LinkNotFound`` when the invite was used, expired or withdrawn meanwhile."""
    invite = await pending_invite(uow, invite_digest, for_update=True)
    staff = await find_account(uow, invite.email, for_update=True)
    refusal = _email_refusal(identity)
    if refusal is None and identity.email != invite.email.strip().lower():
        refusal = Refusal.NOT_INVITED_EMAIL
    if refusal is None and staff is not None and not staff.is_active:
        refusal = Refusal.ACCOUNT_DISABLED
    refusal = refusal or await _link_refusal(uow, identity, staff)
    if refusal is not None:
        return SignIn(refusal=refusal)
    first_link = False
    if staff is None:
        name = (invite.name or identity.name or invite.email.split("@", 1)[0])[:MAX_NAME_LENGTH]
        staff = await new_account(uow, invite.email, name, oidc=(identity.issuer, identity.subject))
    else:
        first_link = _link_at_first_sign_on(staff, identity)
    await join_by_invite(uow, invite, staff, via="single sign-on")
    return SignIn(staff.id, invite.hotel_id, first_link=first_link)
