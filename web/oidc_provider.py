"""The OpenID Connect provider as this process sees it: its discovery document and keys (cached),
the code exchange and the ID token's validation. The sign-in routes are ``web.routes.oidc``."""

from __future__ import annotations

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

from domain.settings import Settings

with warnings.catch_warnings():
    # Authlib 1.9 nudges towards the httpx2 package; the httpx client works and is what we ship.
    warnings.simplefilter("ignore")
    from authlib.integrations.httpx_client import AsyncOAuth2Client

DISCOVERY_TTL_SECONDS = 3600
HTTP_TIMEOUT_SECONDS = 10.0
CLOCK_LEEWAY_SECONDS = 60
SCOPE = "openid email profile"
# Asymmetric signatures only: never "none", never a MAC keyed with the client secret.
SIGNING_ALGORITHMS = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512")


class ProviderUnavailable(Exception):
    """The provider could not be reached or answered nonsense (a 502)."""


class TokenRejected(Exception):
    """The provider's token answer failed validation (a 403)."""


def oidc_configured(settings: Settings) -> bool:
    return bool(settings.oidc_issuer and settings.oidc_client_id and settings.oidc_client_secret)


def redirect_uri(settings: Settings) -> str:
    return f"{settings.public_base_url.rstrip('/')}/auth/oidc/callback"


@dataclass
class ProviderClient:
    """The provider's discovery document and keys, cached per web process (built in the lifespan)."""

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
