"""Sign-in, sign-out and switching hotels."""

from __future__ import annotations

import hmac
import secrets
from typing import Any
from urllib.parse import urlparse
from uuid import UUID

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import Cookie
from litestar.response import Redirect, Template

from domain.staff.service import authenticate, hotel_roles
from domain.uow import UnitOfWork
from web import trusted_devices
from web.auth import Actor, CsrfRejected, cookie_name
from web.resources import ProvidedResources, Resources

LOGIN_CSRF_COOKIE = "hb_login_csrf"


def safe_next(value: str | None) -> str:
    """Only local paths: never an open redirect."""
    if not value or not value.startswith("/") or value.startswith("//") or urlparse(value).netloc:
        return "/inbox"
    return value[:500]


def csrf_form(
    resources: Resources, template: str, context: dict[str, Any], *, csrf: tuple[str, str, str], status: int
) -> Template:
    """A form for someone not signed in yet: it carries its own CSRF token, the twin of a cookie.
    ``csrf`` is (the token's name in the page, the cookie, the cookie's path)."""
    name, cookie, path = csrf
    token = secrets.token_urlsafe(24)
    return Template(
        template,
        context={"actor": None, **context, name: token},
        status_code=status,
        cookies=[
            Cookie(
                key=cookie,
                value=token,
                httponly=True,
                samesite="strict",
                secure=resources.secure_cookies,
                path=path,
                max_age=3600,
            )
        ],
    )


def login_form(
    resources: Resources, *, error: str = "", email: str = "", next_path: str = "/inbox", status: int = 200
) -> Template:
    context = {
        "error": error,
        "email": email,
        "next": next_path,
        "oidc_enabled": bool(resources.settings.oidc_issuer),
    }
    return csrf_form(
        resources,
        "pages/auth/login.html",
        context,
        csrf=("login_csrf", LOGIN_CSRF_COOKIE, "/login"),
        status=status,
    )


def client_ip(request: Request[Any, Any, Any], resources: Resources) -> str:
    """The client's address: X-Forwarded-For is read only as far as our own proxies wrote it."""
    peer = request.client.host if request.client else None
    return resources.trusted_proxies.client(peer, request.headers.getall("x-forwarded-for", []))


def _set_device_cookie(response: Response[Any], resources: Resources, email: str) -> None:
    """This browser is recognised for this account from now on (a new nonce at every sign-in)."""
    response.set_cookie(
        trusted_devices.cookie_name(email, secure=resources.secure_cookies),
        trusted_devices.issue(email, resources.settings.secret_key),
        httponly=True,
        secure=resources.secure_cookies,
        samesite="strict",
        path="/login",
        max_age=trusted_devices.DEVICE_COOKIE_MAX_AGE,
    )


async def start_session(
    request: Request[Any, Any, Any], resources: Resources, staff_id: UUID, hotel_id: UUID | None, to: str
) -> Response[Any]:
    """A fresh session (the browser's old one ends: no fixation) and a redirect to ``to`` with its cookie."""
    old = request.cookies.get(cookie_name(resources))
    session = await resources.session_store.create(staff_id, hotel_id, replacing=old)
    response: Response[Any] = Redirect(to, status_code=303)
    response.set_cookie(
        cookie_name(resources),
        session.token,
        httponly=True,
        secure=resources.secure_cookies,
        samesite="lax",
        path="/",
        max_age=resources.session_store.ttl,
    )
    return response


async def end_sessions(resources: Resources, staff_id: UUID) -> int:
    """End every session of the account, wherever it was signed in; how many there were."""
    ended = await resources.session_store.destroy_all(staff_id)
    await resources.live_sockets.close(staff_id=staff_id)
    return ended


class AuthController(Controller):
    tags = ["auth"]

    @get("/login")
    async def login_page(self, resources: ProvidedResources, next: str | None = None) -> Template:
        return login_form(resources, next_path=safe_next(next))

    @post("/login")  # no actor yet: the sign-in form carries its own CSRF token (a cookie's twin)
    async def login(
        self, request: Request[Any, Any, Any], resources: ProvidedResources, uow: UnitOfWork
    ) -> Response[Any]:
        settings = resources.settings
        form = await request.form()
        email = str(form.get("email", ""))[:254].strip()
        password = str(form.get("password", ""))[:200]
        next_path = safe_next(str(form.get("next", "")))
        expected = request.cookies.get(LOGIN_CSRF_COOKIE, "")
        if not expected or not hmac.compare_digest(str(form.get("_csrf", "")).encode(), expected.encode()):
            raise CsrfRejected("the sign-in form expired; please try again")
        if not email or not password:
            return login_form(resources, error="Enter your email and password.", email=email, status=400)
        client = client_ip(request, resources)
        device = trusted_devices.device_of(
            request.cookies,
            email,
            (settings.secret_key, *settings.secret_key_fallbacks),
            secure=resources.secure_cookies,
        )
        refusal = await resources.login_throttle.refusal(email, client, device)
        if refusal is not None:
            return login_form(resources, error=refusal.value, email=email, status=429)
        async with uow:  # a sign-in may rehash the password
            staff = await authenticate(uow, email, password)
            roles = await hotel_roles(uow, staff.id) if staff else []
        if staff is None:
            await resources.login_throttle.failed(email, client, device)
            return login_form(resources, error="Wrong email or password.", email=email, status=401)
        await resources.login_throttle.succeeded(email, client, device)
        response = await start_session(
            request, resources, staff.id, roles[0].hotel_id if roles else None, next_path
        )
        _set_device_cookie(response, resources, email)
        response.delete_cookie(LOGIN_CSRF_COOKIE, path="/login")
        return response

    @post("/logout")
    async def logout(self, actor: Actor, resources: ProvidedResources) -> Response[Any]:
        await resources.session_store.destroy(actor.session.token)
        await resources.live_sockets.close(actor.session.token)
        response: Response[Any] = Redirect("/login", status_code=303)
        response.delete_cookie(cookie_name(resources), path="/")
        return response

    @post("/hotels/switch")
    async def switch_hotel(
        self, request: Request[Any, Any, Any], actor: Actor, resources: ProvidedResources
    ) -> Response[Any]:
        form = await request.form()
        wanted = str(form.get("hotel_id", ""))
        match = next((h for h in actor.hotels if str(h.hotel_id) == wanted), None)
        if match is None:
            return Response({"detail": "you do not work at that hotel"}, status_code=403)
        actor.session.hotel_id = match.hotel_id
        await resources.session_store.save(actor.session)
        return Redirect("/inbox", status_code=303)
