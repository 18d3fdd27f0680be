"""Single sign-on with OpenID Connect: authorization code flow with PKCE (S256), state and nonce.

``GET /auth/oidc/login`` starts the flow: the provider's discovery document (cached), a random
state, nonce and PKCE verifier kept server-side in Redis for a few minutes and bound to a random
browser cookie, then a redirect to the provider. ``GET /auth/oidc/callback`` takes the state once,
exchanges the code (client secret + code verifier), validates the ID token (signature against the
provider's JWKS, iss, aud, exp, nonce) and applies the linking rules of ``domain.staff.oidc``:
existing active accounts only, verified email only; the first link removes the local password
and ends the account's other sessions. Then a fresh session, exactly as password sign-in makes.

An invite can be accepted the same way: ``POST /invite/{token}/sso`` (``web.routes.staff_links``)
starts the flow with the invite's digest in the server-side flow, never in a URL, and the callback
joins the invited hotel instead of signing in to an existing membership.

Every failure is a short answer (400, 403, or 502 when the provider cannot be reached), never a 500.
"""

from __future__ import annotations

import hmac
import json
import logging
import secrets
from typing import Any
from uuid import UUID

from litestar import Controller, Request, Response, get
from litestar.exceptions import NotFoundException
from litestar.response import Redirect

from domain.staff.oidc import ProviderIdentity, identity_from_claims, sign_in
from domain.staff.oidc import accept_invite as accept_invite_by_sso
from domain.staff.rules import token_digest
from domain.staff.service import LinkGone, LinkNotFound
from domain.uow import UnitOfWork
from web.oidc_provider import ProviderUnavailable, TokenRejected, oidc_configured
from web.resources import ProvidedResources, Resources
from web.routes.auth import end_sessions, login_form, safe_next, start_session
from web.routes.link_pages import LINK_CSRF_COOKIE, gone, invite_refused

log = logging.getLogger(__name__)

FLOW_COOKIE = "hb_oidc"
FLOW_COOKIE_PATH = "/auth/oidc"
FLOW_TTL_SECONDS = 600
MAX_PARAM_LENGTH = 2048

RETRY = "Please try signing in again."


def _flow_key(resources: Resources, state: str) -> str:
    return f"{resources.settings.redis_prefix}oidc-flow:{token_digest(state)}"


def _refuse(resources: Resources, message: str, status: int) -> Response[Any]:
    response: Response[Any] = login_form(resources, error=message, status=status)
    response.delete_cookie(FLOW_COOKIE, path=FLOW_COOKIE_PATH)
    return response


class OidcController(Controller):
    path = "/auth/oidc"
    tags = ["auth"]

    @get("/login")
    async def oidc_login(self, resources: ProvidedResources, next: str | None = None) -> Response[Any]:
        return await start_flow(resources, next)

    @get("/callback")
    async def oidc_callback(
        self, request: Request[Any, Any, Any], resources: ProvidedResources, uow: UnitOfWork
    ) -> Response[Any]:
        if not oidc_configured(resources.settings):
            raise NotFoundException
        params = request.query_params
        state = str(params.get("state") or "")
        flow: dict[str, Any] | None = None
        if state and len(state) <= MAX_PARAM_LENGTH:
            raw = await resources.redis.getdel(_flow_key(resources, state))  # a state is good once
            flow = json.loads(raw) if raw else None

        error = str(params.get("error") or "")
        if error:
            status = 403 if error == "access_denied" else 400
            return _refuse(
                resources, f"The single sign-on provider did not sign you in ({error[:60]}).", status
            )

        binding = request.cookies.get(FLOW_COOKIE, "")
        if (
            flow is None
            or not binding
            or not hmac.compare_digest(token_digest(binding).encode(), str(flow.get("binding", "")).encode())
        ):
            return _refuse(
                resources, f"This sign-in link has expired or was not started in this browser. {RETRY}", 400
            )
        code = str(params.get("code") or "")
        if not code or len(code) > MAX_PARAM_LENGTH:
            return _refuse(resources, f"The single sign-on provider sent no authorization code. {RETRY}", 400)

        provider = resources.oidc_provider
        try:
            token = await provider.exchange_code(code, str(flow["code_verifier"]))
            claims = await provider.validate_id_token(token, str(flow["nonce"]))
            metadata = await provider.metadata()
        except ProviderUnavailable as exc:
            log.warning("OIDC provider unavailable: %s", exc)
            return _refuse(resources, "The single sign-on provider cannot be reached right now.", 502)
        except TokenRejected as exc:
            log.warning("OIDC sign-in rejected: %s", exc)
            return _refuse(resources, f"The single sign-on answer could not be verified. {RETRY}", 403)

        identity = identity_from_claims(str(metadata["issuer"]), claims)
        if flow.get("invite"):
            response = await _accept_invite(request, resources, uow, str(flow["invite"]), identity)
            response.delete_cookie(FLOW_COOKIE, path=FLOW_COOKIE_PATH)
            return response
        async with uow:
            outcome = await sign_in(uow, identity)
        refusal = outcome.refusal
        if outcome.staff_id is None:
            log.info("OIDC sign-in refused: %s", refusal.name if refusal else "no account")
            return _refuse(resources, refusal.value if refusal else "Sign-in refused.", 403)
        if outcome.first_link:
            await _sessions_end_on_link(resources, outcome.staff_id, "")
        response = await start_session(
            request, resources, outcome.staff_id, outcome.hotel_id, safe_next(str(flow.get("next") or ""))
        )
        response.delete_cookie(FLOW_COOKIE, path=FLOW_COOKIE_PATH)
        return response


async def _sessions_end_on_link(resources: Resources, staff_id: UUID, how: str) -> None:
    """An identity linked for the first time removes the password: every session of it ends."""
    ended = await end_sessions(resources, staff_id)
    log.info("OIDC identity linked to staff %s%s; password removed, %d sessions ended", staff_id, how, ended)


async def start_flow(resources: Resources, next: str | None, *, invite: str | None = None) -> Response[Any]:
    """Send the browser to the provider; ``invite`` is the digest of an invite to accept on return."""
    if not oidc_configured(resources.settings):
        raise NotFoundException
    provider = resources.oidc_provider
    try:
        metadata = await provider.metadata()
    except ProviderUnavailable as exc:
        log.warning("OIDC discovery failed: %s", exc)
        return _refuse(resources, "The single sign-on provider cannot be reached right now.", 502)
    binding = secrets.token_urlsafe(32)
    state = secrets.token_urlsafe(32)
    nonce = secrets.token_urlsafe(32)
    code_verifier = secrets.token_urlsafe(64)  # 86 characters of [A-Za-z0-9_-], RFC 7636 §4.1
    client = provider.oauth_client(metadata)
    try:
        url, _ = client.create_authorization_url(
            metadata["authorization_endpoint"], state=state, code_verifier=code_verifier, nonce=nonce
        )
    finally:
        await client.aclose()
    flow = {
        "binding": token_digest(binding),
        "nonce": nonce,
        "code_verifier": code_verifier,
        "next": safe_next(next),
    }
    if invite:
        flow["invite"] = invite
    await resources.redis.set(_flow_key(resources, state), json.dumps(flow), ex=FLOW_TTL_SECONDS)
    response: Response[Any] = Redirect(url, status_code=302)
    response.set_cookie(
        FLOW_COOKIE,
        binding,
        httponly=True,
        secure=resources.secure_cookies,
        samesite="lax",  # the provider sends the browser back with a top-level cross-site GET
        path=FLOW_COOKIE_PATH,
        max_age=FLOW_TTL_SECONDS,
    )
    return response


async def _accept_invite(
    request: Request[Any, Any, Any],
    resources: Resources,
    uow: UnitOfWork,
    invite: str,
    identity: ProviderIdentity,
) -> Response[Any]:
    try:
        async with uow:
            outcome = await accept_invite_by_sso(uow, invite, identity)
    except (LinkGone, LinkNotFound) as exc:
        return gone(request, exc)
    refusal = outcome.refusal
    if outcome.staff_id is None:
        log.info("OIDC invite acceptance refused: %s", refusal.name if refusal else "unknown")
        return invite_refused(refusal.value if refusal else "The invite was not accepted.")
    if outcome.first_link:
        await _sessions_end_on_link(resources, outcome.staff_id, " by an invite")
    response = await start_session(request, resources, outcome.staff_id, outcome.hotel_id, "/inbox")
    response.delete_cookie(LINK_CSRF_COOKIE, path="/invite")
    return response
