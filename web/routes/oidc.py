"""Single sign-on with OpenID Connect: authorization code flow with PKCE (S256), state and nonce.

``GET /auth/oidc/login`` starts the flow: the provider's discovery document (cached), a random
state, nonce and PKCE verifier kept server-side in Redis for a few minutes and bound to a random
browser cookie, then a redirect to the provider. ``GET /auth/oidc/callback`` takes the state once,
exchanges the code (client secret + code verifier), validates the ID token (signature against the
provider's JWKS, iss, aud, exp, nonce) and applies the linking rules of ``domain.staff.oidc``:
existing active accounts only, verified email only; the first link removes the local password
and ends the account's other sessions. Then a fresh session, exactly as password sign-in makes.

Every failure is a short answer (400, 403, or 502 when the provider cannot be reached), never a 500.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import secrets
import time
import warnings
from dataclasses import dataclass
from typing import Any

import httpx
from authlib.common.errors import AuthlibBaseError
from authlib.oidc.core import CodeIDToken
from joserfc import jwt
from joserfc.errors import InvalidKeyIdError, JoseError
from joserfc.jwk import KeySet
from joserfc.jws import JWSRegistry
from litestar import Request, Response, get
from litestar.exceptions import NotFoundException
from litestar.response import Redirect

from domain.settings import Settings
from domain.staff.oidc import (
    account_facts,
    decide_sign_in,
    find_account,
    identity_from_claims,
    invalidate_password,
    link,
    linked_identity,
    subject_owner,
)
from domain.staff.service import hotel_roles
from web.auth import cookie_name
from web.deps import Resources
from web.routes.auth import _login_page, _safe_next

with warnings.catch_warnings():
    # Authlib 1.9 nudges towards the httpx2 package; the httpx client works and is what we ship.
    warnings.simplefilter("ignore")
    from authlib.integrations.httpx_client import AsyncOAuth2Client

log = logging.getLogger(__name__)

FLOW_COOKIE = "hb_oidc"
FLOW_COOKIE_PATH = "/auth/oidc"
FLOW_TTL_SECONDS = 600
DISCOVERY_TTL_SECONDS = 3600
HTTP_TIMEOUT_SECONDS = 10.0
CLOCK_LEEWAY_SECONDS = 60
SCOPE = "openid email profile"
# Asymmetric signatures only: never "none", never a MAC keyed with the client secret.
SIGNING_ALGORITHMS = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512")
MAX_PARAM_LENGTH = 2048

RETRY = "Please try signing in again."


class ProviderUnavailable(Exception):
    """The provider could not be reached or answered nonsense (a 502)."""


class TokenRejected(Exception):
    """The provider's token answer failed validation (a 403)."""


def oidc_configured(settings: Settings) -> bool:
    return bool(settings.oidc_issuer and settings.oidc_client_id and settings.oidc_client_secret)


def redirect_uri(settings: Settings) -> str:
    return f"{settings.public_base_url.rstrip('/')}/auth/oidc/callback"


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


@dataclass
class ProviderClient:
    """The provider's discovery document and keys, cached per web process."""

    settings: Settings
    _metadata: dict[str, Any] | None = None
    _fetched_at: float = 0.0
    _keys: KeySet | None = None

    async def _get_json(self, url: str) -> dict[str, Any]:
        try:
            async with httpx.AsyncClient(timeout=HTTP_TIMEOUT_SECONDS) as http:
                response = await http.get(url, headers={"Accept": "application/json"})
                response.raise_for_status()
                data = response.json()
        except (httpx.HTTPError, ValueError) as exc:
            raise ProviderUnavailable(f"{url}: {exc.__class__.__name__}") from exc
        if not isinstance(data, dict):
            raise ProviderUnavailable(f"{url}: not a JSON object")
        return data

    async def metadata(self) -> dict[str, Any]:
        if self._metadata is not None and time.monotonic() - self._fetched_at < DISCOVERY_TTL_SECONDS:
            return self._metadata
        issuer = self.settings.oidc_issuer.rstrip("/")
        data = await self._get_json(f"{issuer}/.well-known/openid-configuration")
        if str(data.get("issuer", "")).rstrip("/") != issuer:
            raise ProviderUnavailable("the discovery document names a different issuer")
        for name in ("authorization_endpoint", "token_endpoint", "jwks_uri"):
            if not isinstance(data.get(name), str) or not data[name]:
                raise ProviderUnavailable(f"the discovery document has no {name}")
        self._metadata, self._fetched_at, self._keys = data, time.monotonic(), None
        return data

    async def keys(self, *, refresh: bool = False) -> KeySet:
        if self._keys is None or refresh:
            raw = await self._get_json((await self.metadata())["jwks_uri"])
            try:
                self._keys = KeySet.import_key_set(raw)  # type: ignore[arg-type]
            except (JoseError, ValueError, TypeError, KeyError) as exc:
                raise ProviderUnavailable("the provider's JWKS cannot be read") from exc
        return self._keys

    def oauth_client(self, metadata: dict[str, Any]) -> AsyncOAuth2Client:
        supported = metadata.get("token_endpoint_auth_methods_supported") or ["client_secret_basic"]
        method = "client_secret_basic" if "client_secret_basic" in supported else "client_secret_post"
        return AsyncOAuth2Client(
            client_id=self.settings.oidc_client_id,
            client_secret=self.settings.oidc_client_secret,
            token_endpoint_auth_method=method,
            redirect_uri=redirect_uri(self.settings),
            scope=SCOPE,
            code_challenge_method="S256",
            timeout=HTTP_TIMEOUT_SECONDS,
        )

    async def exchange_code(self, code: str, code_verifier: str) -> dict[str, Any]:
        metadata = await self.metadata()
        client = self.oauth_client(metadata)
        try:
            token = await client.fetch_token(
                metadata["token_endpoint"],
                grant_type="authorization_code",
                code=code,
                code_verifier=code_verifier,
            )
        except AuthlibBaseError as exc:  # the provider answered with an OAuth error
            raise TokenRejected(f"token endpoint: {getattr(exc, 'error', 'error')}") from exc
        except (httpx.HTTPError, ValueError) as exc:
            raise ProviderUnavailable(f"token endpoint: {exc.__class__.__name__}") from exc
        finally:
            await client.aclose()
        return dict(token)

    async def validate_id_token(self, token: dict[str, Any], nonce: str) -> dict[str, Any]:
        """The ID token's claims, once signature, iss, aud, exp, iat and nonce all check out."""
        id_token = token.get("id_token")
        if not isinstance(id_token, str) or not id_token or len(id_token) > 16_384:
            raise TokenRejected("no ID token")
        metadata = await self.metadata()
        offered = metadata.get("id_token_signing_alg_values_supported") or ["RS256"]
        algorithms = [alg for alg in offered if alg in SIGNING_ALGORITHMS] or ["RS256"]
        registry = JWSRegistry(algorithms=algorithms, strict_check_header=False)
        try:
            try:
                decoded = jwt.decode(id_token, await self.keys(), registry=registry)
            except InvalidKeyIdError:  # the provider rotated its keys
                decoded = jwt.decode(id_token, await self.keys(refresh=True), registry=registry)
            claims = CodeIDToken(
                decoded.claims,
                decoded.header,
                {
                    "iss": {"essential": True, "value": metadata["issuer"]},
                    "aud": {"essential": True, "value": self.settings.oidc_client_id},
                    "sub": {"essential": True},
                    "exp": {"essential": True},
                },
                {
                    "nonce": nonce,
                    "client_id": self.settings.oidc_client_id,
                    "access_token": token.get("access_token"),
                },
            )
            claims.validate(leeway=CLOCK_LEEWAY_SECONDS)
        except (JoseError, ValueError, TypeError, KeyError) as exc:
            raise TokenRejected(f"ID token: {exc.__class__.__name__}: {exc}") from exc
        return dict(claims)


def provider_client(request: Request[Any, Any, Any]) -> ProviderClient:
    """One cache per application (per web process)."""
    resources: Resources = request.app.state.resources
    client = request.app.state.get("oidc_provider")
    if client is None or client.settings is not resources.settings:
        client = ProviderClient(resources.settings)
        request.app.state["oidc_provider"] = client
    return client


def _flow_key(resources: Resources, state: str) -> str:
    return f"{resources.settings.redis_prefix}oidc-flow:{_digest(state)}"


def _refuse(resources: Resources, message: str, status: int) -> Response[Any]:
    response: Response[Any] = _login_page(resources, error=message, status=status)
    response.delete_cookie(FLOW_COOKIE, path=FLOW_COOKIE_PATH)
    return response


@get("/auth/oidc/login")
async def oidc_login(request: Request[Any, Any, Any], next: str | None = None) -> Response[Any]:
    resources: Resources = request.app.state.resources
    if not oidc_configured(resources.settings):
        raise NotFoundException
    provider = provider_client(request)
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
        "binding": _digest(binding),
        "nonce": nonce,
        "code_verifier": code_verifier,
        "next": _safe_next(next),
    }
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


@get("/auth/oidc/callback")
async def oidc_callback(request: Request[Any, Any, Any]) -> Response[Any]:
    resources: Resources = request.app.state.resources
    settings = resources.settings
    if not oidc_configured(settings):
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
        return _refuse(resources, f"The single sign-on provider did not sign you in ({error[:60]}).", status)

    binding = request.cookies.get(FLOW_COOKIE, "")
    if (
        flow is None
        or not binding
        or not hmac.compare_digest(_digest(binding).encode(), str(flow.get("binding", "")).encode())
    ):
        return _refuse(
            resources, f"This sign-in link has expired or was not started in this browser. {RETRY}", 400
        )
    code = str(params.get("code") or "")
    if not code or len(code) > MAX_PARAM_LENGTH:
        return _refuse(resources, f"The single sign-on provider sent no authorization code. {RETRY}", 400)

    provider = provider_client(request)
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
    async with resources.sessions() as db, db.begin():
        staff = await find_account(db, identity.email, for_update=True)
        decision = decide_sign_in(
            identity,
            await account_facts(db, staff),
            account_link=linked_identity(staff),
            subject_owner=await subject_owner(db, identity.issuer, identity.subject),
        )
        if staff is None or not decision.allowed:
            refusal = decision.refusal
            log.info("OIDC sign-in refused: %s", refusal.name if refusal else "no account")
            return _refuse(resources, refusal.value if refusal else "Sign-in refused.", 403)
        if decision.first_link:
            invalidate_password(staff)
            link(staff, identity)
        roles = await hotel_roles(db, staff.id)

    if decision.first_link:
        ended = await resources.session_store.destroy_all(staff.id)
        await resources.live_kick(staff_id=staff.id)
        log.info("OIDC identity linked to staff %s; password removed, %d sessions ended", staff.id, ended)
    old = request.cookies.get(cookie_name(resources))
    session = await resources.session_store.create(
        staff.id, roles[0].hotel_id if roles else None, replacing=old
    )
    response: Response[Any] = Redirect(_safe_next(str(flow.get("next") or "")), status_code=303)
    response.set_cookie(
        cookie_name(resources),
        session.token,
        httponly=True,
        secure=resources.secure_cookies,
        samesite="lax",
        path="/",
        max_age=resources.session_store.ttl,
    )
    response.delete_cookie(FLOW_COOKIE, path=FLOW_COOKIE_PATH)
    return response
