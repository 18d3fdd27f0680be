"""A real OpenID provider for the tests, built on authlib's server side.

authlib's ``AuthorizationServer`` with ``AuthorizationCodeGrant``, the OpenID Connect ``OpenIDCode``
extension (ID tokens signed with an RSA key generated at start) and PKCE ``CodeChallenge``, served
by a small Litestar app on a free loopback port: discovery, JWKS, authorize (auto-approves one
configurable test user, no login page) and token endpoints. It records what clients sent, so a
test can see that PKCE was used, and it can be told to misbehave (deny, sign with a foreign key,
issue for another audience or issuer, drop the nonce, issue an expired token).

Keys and JWTs use ``joserfc``, the library authlib 1.7+ itself signs ID tokens with (its
``authlib.jose`` module is deprecated in favour of it).
"""

from __future__ import annotations

import contextlib
import hmac
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from authlib.common.security import generate_token
from authlib.oauth2 import AuthorizationServer, OAuth2Request
from authlib.oauth2.rfc6749 import ClientMixin, OAuth2Error
from authlib.oauth2.rfc6749.grants import AuthorizationCodeGrant as _AuthorizationCodeGrant
from authlib.oauth2.rfc6749.requests import BasicOAuth2Payload
from authlib.oauth2.rfc6750 import BearerTokenGenerator
from authlib.oauth2.rfc7636 import CodeChallenge
from authlib.oidc.core import AuthorizationCodeMixin, OpenIDCode, UserInfo
from joserfc.jwk import KeySet, RSAKey
from litestar import Litestar, Request, Response, get, post

from tests.support.servers import free_port, serve_app

TAMPER_MODES = {"signature", "audience", "issuer", "nonce", "expired"}


@dataclass
class ProviderUser:
    sub: str
    email: str
    email_verified: Any = True  # whatever the provider should claim, e.g. False or "true"
    name: str = "Test User"


@dataclass
class Client(ClientMixin):
    client_id: str
    client_secret: str
    redirect_uris: list[str] = field(default_factory=list)

    def get_client_id(self) -> str:
        return self.client_id

    def get_default_redirect_uri(self) -> str | None:
        return self.redirect_uris[0] if self.redirect_uris else None

    def get_allowed_scope(self, scope: str | None) -> str:
        allowed = {"openid", "email", "profile"}
        return " ".join(s for s in (scope or "openid").split() if s in allowed)

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        return not self.redirect_uris or redirect_uri in self.redirect_uris

    def check_client_secret(self, client_secret: str) -> bool:
        return hmac.compare_digest(client_secret.encode(), self.client_secret.encode())

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        return endpoint == "token" and method in ("client_secret_basic", "client_secret_post")

    def check_response_type(self, response_type: str) -> bool:
        return response_type == "code"

    def check_grant_type(self, grant_type: str) -> bool:
        return grant_type == "authorization_code"


@dataclass
class AuthorizationCode(AuthorizationCodeMixin):
    code: str
    client_id: str
    redirect_uri: str
    scope: str
    user: ProviderUser
    nonce: str | None
    code_challenge: str | None
    code_challenge_method: str | None
    auth_time: int = field(default_factory=lambda: int(time.time()))

    def get_redirect_uri(self) -> str:
        return self.redirect_uri

    def get_scope(self) -> str:
        return self.scope

    def get_nonce(self) -> str | None:
        return self.nonce

    def get_auth_time(self) -> int:
        return self.auth_time


class ProviderRequest(OAuth2Request):
    """authlib's request over plain dicts (the Litestar request is read before)."""

    def __init__(self, method: str, uri: str, headers: dict[str, str], data: dict[str, str]):
        super().__init__(method, uri, headers=headers)
        self._data = data
        self.payload = BasicOAuth2Payload(data)

    @property
    def args(self) -> dict[str, str]:
        return self._data if self.method == "GET" else {}

    @property
    def form(self) -> dict[str, str]:
        return self._data if self.method == "POST" else {}


class OpenIDProvider:
    """The provider: configure ``user`` (and ``deny`` / ``tamper``), read ``authorize_requests``
    and ``token_requests`` to see what the client sent."""

    def __init__(
        self,
        *,
        client_id: str = "hotelbot",
        client_secret: str = "provider-client-secret",
        user: ProviderUser | None = None,
    ) -> None:
        self.client = Client(client_id, client_secret)
        self.user = user or ProviderUser(sub="user-1", email="anna@aurora.example")
        self.deny = False
        self.tamper: str | None = None
        self.issuer = ""
        self.key = RSAKey.generate_key(2048, parameters={"kid": "test-key-1", "use": "sig", "alg": "RS256"})
        # Same kid as the real key, so a token signed with it fails on the signature itself.
        self.rogue_key = RSAKey.generate_key(2048, parameters={"kid": "test-key-1", "alg": "RS256"})
        self.codes: dict[str, AuthorizationCode] = {}
        self.authorize_requests: list[dict[str, str]] = []
        self.token_requests: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        self.server = self._build_server()

    # -- authlib server ----------------------------------------------------------------------

    def _build_server(self) -> AuthorizationServer:
        provider = self

        class Server(AuthorizationServer):
            def query_client(self, client_id: str) -> Client | None:
                return provider.client if client_id == provider.client.client_id else None

            def save_token(self, token: dict[str, Any], request: OAuth2Request) -> None:
                return None

            def send_signal(self, name: str, *args: Any, **kwargs: Any) -> None:
                return None

            def create_oauth2_request(self, request: Any) -> OAuth2Request:
                return request  # already a ProviderRequest

            def handle_response(self, status: int, body: Any, headers: list[tuple[str, str]]) -> Any:
                return status, body, headers

        class CodeGrant(_AuthorizationCodeGrant):
            TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_basic", "client_secret_post"]

            def save_authorization_code(self, code: str, request: OAuth2Request) -> None:
                data = request.payload.data
                with provider._lock:
                    provider.codes[code] = AuthorizationCode(
                        code=code,
                        client_id=request.client.get_client_id(),
                        redirect_uri=request.payload.redirect_uri,
                        scope=request.scope,
                        user=request.user,
                        nonce=data.get("nonce"),
                        code_challenge=data.get("code_challenge"),
                        code_challenge_method=data.get("code_challenge_method"),
                    )

            def query_authorization_code(self, code: str, client: Client) -> AuthorizationCode | None:
                found = provider.codes.get(code)
                return found if found and found.client_id == client.get_client_id() else None

            def delete_authorization_code(self, authorization_code: AuthorizationCode) -> None:
                with provider._lock:
                    provider.codes.pop(authorization_code.code, None)

            def authenticate_user(self, authorization_code: AuthorizationCode) -> ProviderUser:
                return authorization_code.user

        class IDTokens(OpenIDCode):
            def exists_nonce(self, nonce: str, request: OAuth2Request) -> bool:
                return any(c.nonce == nonce for c in provider.codes.values())

            def resolve_client_private_key(self, client: Client) -> RSAKey:
                return provider.rogue_key if provider.tamper == "signature" else provider.key

            def get_encode_header(self, client: Client) -> dict[str, str]:
                return {"alg": "RS256", "kid": "test-key-1", "typ": "JWT"}

            def get_client_claims(self, client: Client) -> dict[str, Any]:
                claims: dict[str, Any] = {
                    "iss": provider.issuer,
                    "aud": [client.get_client_id()],
                }
                if provider.tamper == "audience":
                    claims["aud"] = ["someone-else"]
                if provider.tamper == "issuer":
                    claims["iss"] = "https://evil.example"
                if provider.tamper == "expired":
                    claims["iat"] = int(time.time()) - 7200
                    claims["exp"] = int(time.time()) - 3600
                return claims

            def get_authorization_code_claims(self, authorization_code: AuthorizationCode) -> dict[str, Any]:
                claims = super().get_authorization_code_claims(authorization_code)
                if provider.tamper == "nonce":
                    claims["nonce"] = "not-the-nonce-you-sent"
                return claims

            def generate_user_info(self, user: ProviderUser, scope: str) -> UserInfo:
                info = UserInfo(sub=user.sub, name=user.name)
                if "email" in scope.split():
                    info["email"] = user.email
                    info["email_verified"] = user.email_verified
                return info

        server = Server(scopes_supported=["openid", "email", "profile"])
        server.register_token_generator(
            "default", BearerTokenGenerator(lambda **_: generate_token(42), expires_generator=3600)
        )
        server.register_grant(CodeGrant, [IDTokens(require_nonce=True), CodeChallenge(required=True)])
        return server

    # -- HTTP --------------------------------------------------------------------------------

    def discovery(self) -> dict[str, Any]:
        return {
            "issuer": self.issuer,
            "authorization_endpoint": f"{self.issuer}/authorize",
            "token_endpoint": f"{self.issuer}/token",
            "jwks_uri": f"{self.issuer}/jwks",
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "scopes_supported": ["openid", "email", "profile"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
            "code_challenge_methods_supported": ["S256"],
            "claims_supported": ["sub", "email", "email_verified", "name"],
        }

    def jwks(self) -> dict[str, Any]:
        return dict(KeySet([self.key]).as_dict(private=False))

    def authorize(self, request: ProviderRequest) -> tuple[int, Any, list[tuple[str, str]]]:
        self.authorize_requests.append(dict(request.payload.data))
        if request.payload.data.get("code_challenge_method") != "S256":
            # This provider insists on PKCE with S256, as a careful one would for this client.
            return 400, {"error": "invalid_request", "error_description": "PKCE S256 required"}, []
        try:
            grant = self.server.get_consent_grant(request, end_user=self.user)
        except OAuth2Error as error:
            return self.server.handle_error_response(request, error)
        result = self.server.create_authorization_response(
            request, grant_user=None if self.deny else self.user, grant=grant
        )
        return result

    def token(self, request: ProviderRequest) -> tuple[int, Any, list[tuple[str, str]]]:
        result: tuple[int, Any, list[tuple[str, str]]] = self.server.create_token_response(request)
        seen = {k: v for k, v in request.payload.data.items() if k != "client_secret"}
        seen["client_auth"] = "basic" if request.headers.get("Authorization") else "post"
        self.token_requests.append({"form": seen, "status": result[0], "body": result[1]})
        return result

    def app(self) -> Litestar:
        provider = self

        def respond(result: tuple[int, Any, list[tuple[str, str]]]) -> Response[Any]:
            status, body, headers = result
            return Response(
                content=body if body != "" else b"",
                status_code=status,
                headers={k: v for k, v in headers if k.lower() != "content-type"},
                media_type="application/json" if isinstance(body, dict) else "text/plain",
            )

        @get("/.well-known/openid-configuration")
        async def discovery() -> dict[str, Any]:
            return provider.discovery()

        @get("/jwks")
        async def jwks() -> dict[str, Any]:
            return provider.jwks()

        @get("/authorize")
        async def authorize(request: Request[Any, Any, Any]) -> Response[Any]:
            data = dict(request.query_params.items())
            oauth_request = ProviderRequest("GET", str(request.url), dict(request.headers), data)
            return respond(provider.authorize(oauth_request))

        @post("/token")
        async def token(request: Request[Any, Any, Any]) -> Response[Any]:
            data = dict(parse_qsl((await request.body()).decode(), keep_blank_values=True))
            headers = {"Authorization": request.headers.get("authorization", "")}
            oauth_request = ProviderRequest("POST", str(request.url), headers, data)
            return respond(provider.token(oauth_request))

        return Litestar(route_handlers=[discovery, jwks, authorize, token], debug=False)

    @contextlib.contextmanager
    def serve(self) -> Iterator[str]:
        """Serve the provider on a free loopback port; yields its issuer URL."""
        port = free_port()
        self.issuer = f"http://127.0.0.1:{port}"
        with serve_app(self.app(), port=port) as url:
            yield url
