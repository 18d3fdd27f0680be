"""Single sign-on against a real OpenID provider started by the test (authlib's server side),
with our app served over real HTTP, real PostgreSQL and real Redis sessions."""

from __future__ import annotations

import datetime
import re
from collections.abc import AsyncIterator, Iterator
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit
from uuid import UUID

import httpx
import pytest
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from litestar.testing import AsyncTestClient
from sqlalchemy import select, update

from domain.audit.models import AuditEntry
from domain.settings import Settings
from domain.staff.models import Membership, Role, StaffInvite, StaffUser
from domain.staff.service import create_invite
from domain.uow import UnitOfWork
from jobs.services import NoDispatcher
from tests.support.factories import make_hotel
from tests.support.oidc_provider import OpenIDProvider, ProviderUser
from tests.support.servers import free_port, serve_app
from tests.support.web import PASSWORD, make_staff
from web.app import create_app

EMAIL = "anna@aurora.example"
SESSION_COOKIE = "hb_session"


@pytest.fixture
async def anna(sessions: Any) -> UUID:
    hotel = await make_hotel(sessions, name="Hotel Aurora", webhook_token="hook-a")
    return await make_staff(sessions, hotel.id, EMAIL, Role.AGENT, "Anna")


@pytest.fixture
def provider() -> Iterator[OpenIDProvider]:
    # The provider spells the address differently; accounts match it case-insensitively.
    idp = OpenIDProvider(user=ProviderUser(sub="idp-anna-1", email="Anna@Aurora.example"))
    with idp.serve():
        yield idp


@pytest.fixture
def web(settings: Settings, provider: OpenIDProvider, sessions: Any) -> Iterator[str]:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    configured = settings.model_copy(
        update={
            "oidc_issuer": provider.issuer,
            "oidc_client_id": provider.client.client_id,
            "oidc_client_secret": provider.client.client_secret,
            "public_base_url": base,
        }
    )
    provider.client.redirect_uris = [f"{base}/auth/oidc/callback"]
    with serve_app(create_app(configured), port=port) as url:
        assert url == base
        yield url


@pytest.fixture
async def browser() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(follow_redirects=False, timeout=15) as client:
        yield client


async def begin(browser: httpx.AsyncClient, web: str) -> str:
    """Click "Sign in with single sign-on"; returns the provider URL we are sent to."""
    response = await browser.get(f"{web}/auth/oidc/login")
    assert response.status_code == 302, response.text
    assert browser.cookies.get("hb_oidc"), "the flow is bound to this browser by a cookie"
    return response.headers["location"]


async def at_provider(browser: httpx.AsyncClient, authorize_url: str) -> str:
    """The provider approves; returns the callback URL it sends the browser back to."""
    response = await browser.get(authorize_url)
    assert response.status_code == 302, response.text
    return response.headers["location"]


async def single_sign_on(browser: httpx.AsyncClient, web: str) -> httpx.Response:
    callback = await at_provider(browser, await begin(browser, web))
    assert callback.startswith(f"{web}/auth/oidc/callback?")
    return await browser.get(callback)


def session_set_by(response: httpx.Response) -> str | None:
    for value in response.headers.get_list("set-cookie"):
        if value.startswith(f"{SESSION_COOKIE}="):
            return value.split(";", 1)[0].split("=", 1)[1].strip('"') or None
    return None


async def signed_in(browser: httpx.AsyncClient, web: str) -> bool:
    response = await browser.get(f"{web}/inbox")
    if response.status_code == 200:
        return True
    assert response.status_code == 303
    assert response.headers["location"].startswith("/login")
    return False


async def password_sign_in(browser: httpx.AsyncClient, web: str, password: str = PASSWORD) -> int:
    page = await browser.get(f"{web}/login")
    match = re.search(r'name="_csrf" value="([^"]+)"', page.text)
    assert match
    response = await browser.post(
        f"{web}/login", data={"email": EMAIL, "password": password, "_csrf": match.group(1), "next": "/inbox"}
    )
    return response.status_code


async def password_hash(sessions: Any, staff_id: UUID) -> str | None:
    async with sessions() as session:
        return (
            await session.execute(select(StaffUser.password_hash).where(StaffUser.id == staff_id))
        ).scalar_one()


def with_query(url: str, **changes: str | None) -> str:
    parts = urlsplit(url)
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    for key, value in changes.items():
        if value is None:
            query.pop(key, None)
        else:
            query[key] = value
    return urlunsplit(parts._replace(query=urlencode(query)))


# -- signing in -----------------------------------------------------------------------------------


async def test_verified_email_of_a_staff_member_signs_in_with_a_new_session(
    web, provider, browser, anna, sessions
) -> None:
    browser.cookies.set(SESSION_COOKIE, "attacker-chosen-session-id", domain="127.0.0.1")
    response = await single_sign_on(browser, web)

    assert response.status_code == 303, response.text
    assert response.headers["location"] == "/inbox"
    issued = session_set_by(response)
    assert issued
    assert issued != "attacker-chosen-session-id"
    cookie = next(v for v in response.headers.get_list("set-cookie") if v.startswith(f"{SESSION_COOKIE}="))
    assert "HttpOnly" in cookie
    assert "samesite=lax" in cookie.lower()
    assert "Path=/" in cookie
    browser.cookies.clear()
    browser.cookies.set(SESSION_COOKIE, issued, domain="127.0.0.1")
    inbox = await browser.get(f"{web}/inbox")
    assert inbox.status_code == 200
    assert "Anna" in inbox.text
    # The authorization request was the one the brief asks for.
    sent = provider.authorize_requests[-1]
    assert sent["scope"] == "openid email profile"
    assert sent["redirect_uri"] == f"{web}/auth/oidc/callback"
    assert sent["response_type"] == "code"
    assert sent["state"]
    assert sent["nonce"]


async def test_first_link_removes_the_password_and_ends_other_sessions(
    web, provider, browser, anna, sessions
) -> None:
    async with httpx.AsyncClient(follow_redirects=False, timeout=15) as desk:
        assert await password_sign_in(desk, web) == 303
        assert await signed_in(desk, web)
        assert await password_hash(sessions, anna) is not None

        assert (await single_sign_on(browser, web)).status_code == 303
        assert await signed_in(browser, web)

        assert not await signed_in(desk, web), "linking ends the account's other sessions"
        assert await password_hash(sessions, anna) is None
        # The password set before the link (by whoever set it) no longer signs in.
        assert await password_sign_in(desk, web) == 401
        assert not await signed_in(desk, web)


async def test_a_linked_account_signs_in_again_without_ending_other_sessions(
    web, provider, browser, anna
) -> None:
    assert (await single_sign_on(browser, web)).status_code == 303
    async with httpx.AsyncClient(follow_redirects=False, timeout=15) as tablet:
        assert (await single_sign_on(tablet, web)).status_code == 303
        assert await signed_in(tablet, web)
    assert await signed_in(browser, web), "only the first link ends other sessions"


async def test_a_linked_account_refuses_another_provider_identity_with_the_same_email(
    web, provider, browser, anna
) -> None:
    assert (await single_sign_on(browser, web)).status_code == 303
    provider.user = ProviderUser(sub="someone-else-2", email=EMAIL)
    async with httpx.AsyncClient(follow_redirects=False, timeout=15) as other:
        response = await single_sign_on(other, web)
        assert response.status_code == 403
        assert "linked to a different single sign-on identity" in response.text
        assert session_set_by(response) is None
        assert not await signed_in(other, web)


# -- refusals ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("claim", [False, "true", None])
async def test_unverified_email_is_refused_and_nothing_changes(
    web, provider, browser, anna, sessions, claim
) -> None:
    provider.user = ProviderUser(sub="idp-anna-1", email=EMAIL, email_verified=claim)
    response = await single_sign_on(browser, web)

    assert response.status_code == 403
    assert "has not verified your email address" in response.text
    assert session_set_by(response) is None
    assert not await signed_in(browser, web)
    assert await password_hash(sessions, anna) is not None, "no link: the password stays"
    assert await password_sign_in(browser, web) == 303


async def test_unknown_email_is_refused_and_no_account_is_created(
    web, provider, browser, anna, sessions
) -> None:
    provider.user = ProviderUser(sub="stranger-1", email="stranger@elsewhere.example")
    response = await single_sign_on(browser, web)

    assert response.status_code == 403
    assert "no active staff account" in response.text
    assert session_set_by(response) is None
    assert not await signed_in(browser, web)
    async with sessions() as session:
        emails = (await session.execute(select(StaffUser.email))).scalars().all()
    assert emails == [EMAIL]


async def test_deactivated_account_is_refused(web, provider, browser, anna, sessions) -> None:
    async with sessions() as session, session.begin():
        (await session.get(StaffUser, anna)).is_active = False
    response = await single_sign_on(browser, web)
    assert response.status_code == 403
    assert session_set_by(response) is None


async def test_tampered_missing_or_replayed_state_is_refused(web, provider, browser, anna) -> None:
    callback = await at_provider(browser, await begin(browser, web))

    for bad in (with_query(callback, state="x" * 43), with_query(callback, state=None)):
        response = await browser.get(bad)
        assert response.status_code == 400
        assert "expired or was not started in this browser" in response.text
        assert session_set_by(response) is None
    assert not provider.token_requests, "no code is exchanged without the right state"

    # The right state from another browser (no flow cookie) does not sign that browser in ...
    async with httpx.AsyncClient(follow_redirects=False, timeout=15) as attacker:
        stolen = await attacker.get(callback)
        assert stolen.status_code == 400
        assert session_set_by(stolen) is None
    # ... and it used the state up: a state is good once.
    replay = await browser.get(callback)
    assert replay.status_code == 400
    assert not await signed_in(browser, web)


async def test_state_is_single_use(web, provider, browser, anna) -> None:
    callback = await at_provider(browser, await begin(browser, web))
    assert (await browser.get(callback)).status_code == 303
    browser.cookies.clear()
    replay = await browser.get(callback)
    assert replay.status_code == 400
    assert session_set_by(replay) is None


async def test_an_error_from_the_provider_is_a_short_refusal(web, provider, browser, anna) -> None:
    provider.deny = True
    callback = await at_provider(browser, await begin(browser, web))
    assert "error=access_denied" in callback
    response = await browser.get(callback)
    assert response.status_code == 403
    assert "did not sign you in (access_denied)" in response.text
    assert session_set_by(response) is None
    assert not await signed_in(browser, web)


@pytest.mark.parametrize("tamper", ["signature", "audience", "issuer", "nonce", "expired"])
async def test_a_bad_id_token_is_refused(web, provider, browser, anna, sessions, tamper) -> None:
    provider.tamper = tamper
    response = await single_sign_on(browser, web)
    assert response.status_code == 403, response.text
    assert "could not be verified" in response.text
    assert session_set_by(response) is None
    assert not await signed_in(browser, web)
    assert await password_hash(sessions, anna) is not None


async def test_a_provider_that_cannot_be_reached_is_a_502_not_a_500(settings, sessions) -> None:
    dead = f"http://127.0.0.1:{free_port()}"
    configured = settings.model_copy(
        update={
            "oidc_issuer": dead,
            "oidc_client_id": "hotelbot",
            "oidc_client_secret": "s",
            "public_base_url": dead,
        }
    )
    async with AsyncTestClient(app=create_app(configured)) as client:
        response = await client.get("/auth/oidc/login", follow_redirects=False)
        assert response.status_code == 502
        assert "cannot be reached" in response.text


# -- PKCE ---------------------------------------------------------------------------------------------


async def test_pkce_s256_is_used_and_the_provider_enforces_it(web, provider, browser, anna) -> None:
    callback = await at_provider(browser, await begin(browser, web))
    sent = provider.authorize_requests[-1]
    assert sent["code_challenge_method"] == "S256"
    assert len(sent["code_challenge"]) == 43

    code = parse_qs(urlsplit(callback).query)["code"][0]
    token_url = f"{provider.issuer}/token"
    secret = (provider.client.client_id, provider.client.client_secret)
    form = {"grant_type": "authorization_code", "code": code, "redirect_uri": f"{web}/auth/oidc/callback"}
    async with httpx.AsyncClient(timeout=15) as thief:  # someone holding the code but not the verifier
        without = await thief.post(token_url, data=form, auth=secret)
        assert without.status_code == 400
        assert without.json()["error"] == "invalid_request"
        wrong = await thief.post(token_url, data={**form, "code_verifier": "w" * 64}, auth=secret)
        assert wrong.status_code == 400
        assert wrong.json()["error"] == "invalid_grant"

    response = await browser.get(callback)
    assert response.status_code == 303, response.text
    exchange = provider.token_requests[-1]
    assert exchange["status"] == 200
    verifier = exchange["form"]["code_verifier"]
    assert create_s256_code_challenge(verifier) == sent["code_challenge"]
    assert exchange["form"]["client_auth"] == "basic"
    assert await signed_in(browser, web)


# -- not configured ------------------------------------------------------------------------------------


async def test_without_oidc_configuration_the_endpoints_are_404(settings, sessions) -> None:
    assert not settings.oidc_issuer
    async with AsyncTestClient(app=create_app(settings)) as client:
        assert (await client.get("/auth/oidc/login", follow_redirects=False)).status_code == 404
        assert (await client.get("/auth/oidc/callback?code=x&state=y")).status_code == 404
        assert "/auth/oidc/login" not in (await client.get("/login")).text


# -- accepting an invite ------------------------------------------------------------------------------

INVITED = "nina@new.example"


@pytest.fixture
async def invite_link(sessions: Any) -> tuple[UUID, str]:
    """A week-long invite for Nina to Hotel Borealis as a manager; (hotel id, link path)."""
    hotel = await make_hotel(sessions, name="Hotel Borealis", webhook_token="hook-b")
    async with UnitOfWork(sessions, NoDispatcher()) as uow:
        _, token = await create_invite(
            uow, hotel.id, email=INVITED, name="", role=Role.MANAGER, days=7, by=None
        )
    return hotel.id, f"/invite/{token}"


async def start_from_invite(browser: httpx.AsyncClient, web: str, path: str) -> str:
    """Open the invite and press "Sign in with single sign-on"; returns the callback URL the
    provider sends the browser back to."""
    page = await browser.get(f"{web}{path}")
    assert page.status_code == 200, page.text
    assert f'action="{path}/sso"' in page.text
    assert "Sign in with single sign-on" in page.text
    match = re.search(r'name="_csrf" value="([^"]+)"', page.text)
    assert match
    started = await browser.post(f"{web}{path}/sso", data={"_csrf": match.group(1)})
    assert started.status_code == 302, started.text
    assert path.rsplit("/", 1)[1] not in started.headers["location"], "the invite stays out of URLs"
    callback = await at_provider(browser, started.headers["location"])
    assert callback.startswith(f"{web}/auth/oidc/callback?")
    return callback


async def account(sessions: Any, email: str) -> StaffUser | None:
    async with sessions() as session:
        return (await session.execute(select(StaffUser).where(StaffUser.email == email))).scalar_one_or_none()


async def invite_row(sessions: Any) -> StaffInvite:
    async with sessions() as session:
        return (await session.execute(select(StaffInvite))).scalar_one()


async def test_an_invite_is_accepted_by_single_sign_on_once(
    web, provider, browser, invite_link, sessions
) -> None:
    hotel_id, path = invite_link
    provider.user = ProviderUser(sub="idp-nina-7", email="Nina@New.example", name="Nina Novak")
    callback = await start_from_invite(browser, web, path)
    async with httpx.AsyncClient(follow_redirects=False, timeout=15) as second:
        other_callback = await start_from_invite(second, web, path)  # opened twice, before either

        response = await browser.get(callback)
        assert response.status_code == 303, response.text
        assert response.headers["location"] == "/inbox"
        assert session_set_by(response)
        inbox = await browser.get(f"{web}/inbox")
        assert inbox.status_code == 200
        assert "Nina Novak · manager" in inbox.text
        assert "Hotel Borealis" in inbox.text

        nina = await account(sessions, INVITED)
        assert nina is not None
        assert nina.password_hash is None, "an account made by single sign-on has no password"
        assert (nina.oidc_issuer, nina.oidc_subject) == (provider.issuer, "idp-nina-7")
        async with sessions() as session:
            membership = (
                await session.execute(select(Membership).where(Membership.staff_id == nina.id))
            ).scalar_one()
            actions = (await session.execute(select(AuditEntry.action, AuditEntry.detail))).all()
        assert (membership.hotel_id, membership.role, membership.is_active) == (hotel_id, Role.MANAGER, True)
        assert [d for a, d in actions if a == "staff.invite_accepted"] == [
            {"role": "manager", "name": "Nina Novak", "via": "single sign-on"}
        ]
        assert (await invite_row(sessions)).accepted_by == nina.id

        # The second use, by the flow started before the first ended, is refused.
        replay = await second.get(other_callback)
        assert replay.status_code == 410
        assert "already been used" in replay.text
        assert session_set_by(replay) is None
        assert not await signed_in(second, web)
        # So is starting again from the spent link.
        assert (await second.get(f"{web}{path}")).status_code == 410
        assert (await second.post(f"{web}{path}/sso", data={"_csrf": "x"})).status_code == 410

    # Later she signs in with single sign-on like anyone else.
    async with httpx.AsyncClient(follow_redirects=False, timeout=15) as later:
        assert (await single_sign_on(later, web)).status_code == 303
        assert "Nina Novak · manager" in (await later.get(f"{web}/inbox")).text


async def test_an_invite_refuses_a_single_sign_on_account_with_another_email(
    web, provider, browser, invite_link, sessions
) -> None:
    _, path = invite_link
    provider.user = ProviderUser(sub="idp-mallory", email="mallory@elsewhere.example")
    response = await browser.get(await start_from_invite(browser, web, path))

    assert response.status_code == 403
    assert "This invite is for another email address" in response.text
    assert "The invite still works" in response.text
    assert session_set_by(response) is None
    assert not await signed_in(browser, web)
    assert await account(sessions, "mallory@elsewhere.example") is None
    assert await account(sessions, INVITED) is None
    assert (await invite_row(sessions)).accepted_at is None

    # The invite still works, for the invited address.
    provider.user = ProviderUser(sub="idp-nina-7", email=INVITED)
    async with httpx.AsyncClient(follow_redirects=False, timeout=15) as nina:
        accepted = await nina.get(await start_from_invite(nina, web, path))
        assert accepted.status_code == 303, accepted.text
        assert await signed_in(nina, web)


async def test_an_invite_refuses_an_unverified_email(web, provider, browser, invite_link, sessions) -> None:
    _, path = invite_link
    provider.user = ProviderUser(sub="idp-nina-7", email=INVITED, email_verified="true")
    response = await browser.get(await start_from_invite(browser, web, path))
    assert response.status_code == 403
    assert "has not verified your email address" in response.text
    assert await account(sessions, INVITED) is None
    assert (await invite_row(sessions)).accepted_at is None


async def test_an_invite_that_expires_during_single_sign_on_is_refused(
    web, provider, browser, invite_link, sessions
) -> None:
    _, path = invite_link
    provider.user = ProviderUser(sub="idp-nina-7", email=INVITED)
    callback = await start_from_invite(browser, web, path)
    async with sessions() as session, session.begin():
        await session.execute(
            update(StaffInvite).values(
                expires_at=datetime.datetime.now(datetime.UTC) - datetime.timedelta(seconds=1)
            )
        )

    response = await browser.get(callback)
    assert response.status_code == 410
    assert "This link has expired" in response.text
    assert session_set_by(response) is None
    assert not await signed_in(browser, web)
    assert await account(sessions, INVITED) is None
    # Nor can a new attempt start from the expired link.
    assert (await browser.get(f"{web}{path}")).status_code == 410
    assert (await browser.post(f"{web}{path}/sso", data={"_csrf": "x"})).status_code == 410


async def test_an_invite_by_single_sign_on_links_an_existing_password_account(
    web, provider, browser, anna, sessions
) -> None:
    """Anna, an agent at Aurora with a password, is invited to Borealis and accepts by single
    sign-on: she joins Borealis, her account is linked, and the password goes (the linking rule)."""
    borealis = await make_hotel(sessions, name="Hotel Borealis", webhook_token="hook-b")
    async with UnitOfWork(sessions, NoDispatcher()) as uow:
        _, token = await create_invite(
            uow, borealis.id, email=EMAIL, name="", role=Role.ADMIN, days=7, by=None
        )
    async with httpx.AsyncClient(follow_redirects=False, timeout=15) as desk:
        assert await password_sign_in(desk, web) == 303
        response = await browser.get(await start_from_invite(browser, web, f"/invite/{token}"))
        assert response.status_code == 303, response.text
        assert not await signed_in(desk, web), "linking ends the account's other sessions"
    assert await password_hash(sessions, anna) is None
    async with sessions() as session:
        roles = dict(
            (
                await session.execute(
                    select(Membership.hotel_id, Membership.role).where(Membership.staff_id == anna)
                )
            )
            .tuples()
            .all()
        )
    assert roles[borealis.id] is Role.ADMIN
    assert len(roles) == 2


async def test_an_account_that_signs_in_only_by_single_sign_on_accepts_an_invite_with_it(
    web, provider, browser, anna, sessions
) -> None:
    """Anna's account is linked (no password left); invited to Borealis, the page offers her
    single sign-on only, and accepting keeps her other sessions: it is no first link."""
    assert (await single_sign_on(browser, web)).status_code == 303
    assert await password_hash(sessions, anna) is None
    borealis = await make_hotel(sessions, name="Hotel Borealis", webhook_token="hook-b")
    async with UnitOfWork(sessions, NoDispatcher()) as uow:
        _, token = await create_invite(
            uow, borealis.id, email=EMAIL, name="", role=Role.AGENT, days=7, by=None
        )
    async with httpx.AsyncClient(follow_redirects=False, timeout=15) as laptop:
        page = await laptop.get(f"{web}/invite/{token}")
        assert "sign in with single sign-on to add this hotel" in page.text
        assert 'name="password"' not in page.text, "no password to confirm with"
        response = await laptop.get(await start_from_invite(laptop, web, f"/invite/{token}"))
        assert response.status_code == 303, response.text
        assert "Hotel Borealis" in (await laptop.get(f"{web}/inbox")).text
    assert await signed_in(browser, web), "no new link: her other sessions go on"


async def test_without_oidc_configuration_an_invite_offers_only_the_password(settings, sessions) -> None:
    hotel = await make_hotel(sessions, name="Hotel Borealis", webhook_token="hook-b")
    async with UnitOfWork(sessions, NoDispatcher()) as uow:
        _, token = await create_invite(
            uow, hotel.id, email=INVITED, name="", role=Role.AGENT, days=7, by=None
        )
    async with AsyncTestClient(app=create_app(settings)) as client:
        page = await client.get(f"/invite/{token}")
        assert page.status_code == 200
        assert "single sign-on" not in page.text
        assert (await client.post(f"/invite/{token}/sso", data={"_csrf": "x"})).status_code == 404
