"""The two links an admin hands to a person: an invite (join a hotel in a role) and a password
reset. Nobody is signed in when they open one, so each form carries its own CSRF token, the twin
of a cookie, as the sign-in form does. The token in the URL is never logged."""

from __future__ import annotations

import hmac
from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.exceptions import NotFoundException
from litestar.response import Template

from domain.errors import Conflict, Invalid
from domain.staff.rules import token_digest
from domain.staff.service import (
    LinkGone,
    LinkNotFound,
    WrongPassword,
    accept_invite,
    open_invite,
    open_reset_link,
    use_reset_link,
)
from web.auth import CsrfRejected
from web.oidc_provider import oidc_configured
from web.resources import ProvidedResources, Resources
from web.routes.auth import client_ip, csrf_form, end_sessions, start_session
from web.routes.link_pages import LINK_CSRF_COOKIE, gone
from web.routes.oidc import start_flow

MAX_FIELD = 200


def _form_page(
    resources: Resources, kind: str, view: Any, *, token: str, error: str = "", status: int = 200
) -> Template:
    context = {
        "kind": kind,
        "view": view,
        "token": token,
        "error": error,
        "sso": kind == "invite" and oidc_configured(resources.settings),
    }
    return csrf_form(
        resources,
        "pages/staff/link.html",
        context,
        csrf=("link_csrf", LINK_CSRF_COOKIE, f"/{kind}"),
        status=status,
    )


def _again(resources: Resources, kind: str, view: Any, token: str, error: str) -> Template:
    """The form once more, saying what to put right (a 400)."""
    return _form_page(resources, kind, view, token=token, error=error, status=400)


async def _fields(request: Request[Any, Any, Any]) -> dict[str, str]:
    form = await request.form()
    expected = request.cookies.get(LINK_CSRF_COOKIE, "")
    if not expected or not hmac.compare_digest(str(form.get("_csrf", "")).encode(), expected.encode()):
        raise CsrfRejected("the form expired; open the link again")
    fields: dict[str, str] = {}
    for name in ("name", "password", "confirm"):
        value = form.get(name, "")
        fields[name] = value[:MAX_FIELD] if isinstance(value, str) else ""
    return fields


class StaffLinkController(Controller):
    tags = ["staff"]
    # A link that is not (or no longer) good says so as a page, wherever it is found out.
    exception_handlers = {LinkGone: gone, LinkNotFound: gone}

    @get("/invite/{token:str}")
    async def invite_page(self, resources: ProvidedResources, token: str) -> Template:
        async with resources.uow() as uow:
            view = await open_invite(uow, token)
        return _form_page(resources, "invite", view, token=token)

    @post("/invite/{token:str}")
    async def accept(
        self, request: Request[Any, Any, Any], resources: ProvidedResources, token: str
    ) -> Response[Any]:
        async with resources.uow() as uow:  # a spent link says so first, whatever the form
            view = await open_invite(uow, token)
        fields = await _fields(request)
        client = client_ip(request, resources)
        if view.has_account:
            refusal = await resources.login_throttle.refusal(view.email, client)
            if refusal is not None:
                return _form_page(resources, "invite", view, token=token, error=refusal.value, status=429)
        elif fields["password"] != fields["confirm"]:
            return _again(resources, "invite", view, token, "The two passwords differ.")
        try:
            async with resources.uow() as uow:
                staff_id, hotel_id = await accept_invite(
                    uow, token, name=fields["name"], password=fields["password"]
                )
        except (Invalid, Conflict) as exc:
            if isinstance(exc, WrongPassword):
                await resources.login_throttle.failed(view.email, client)
            return _again(resources, "invite", view, token, f"{str(exc).capitalize()}.")
        response = await start_session(request, resources, staff_id, hotel_id, "/inbox")
        response.delete_cookie(LINK_CSRF_COOKIE, path="/invite")
        return response

    @post("/invite/{token:str}/sso")
    async def accept_by_sso(
        self, request: Request[Any, Any, Any], resources: ProvidedResources, token: str
    ) -> Response[Any]:
        """Accept with single sign-on: the provider's answer comes back to the OIDC callback, which
        finds the invite by its digest in the server-side flow, never by anything in the URL."""
        if not oidc_configured(resources.settings):
            raise NotFoundException
        async with resources.uow() as uow:
            await open_invite(uow, token)
        await _fields(request)  # the form's CSRF token: no other site starts this
        return await start_flow(resources, "/inbox", invite=token_digest(token))

    @get("/reset/{token:str}")
    async def reset_page(self, resources: ProvidedResources, token: str) -> Template:
        async with resources.uow() as uow:
            view = await open_reset_link(uow, token)
        return _form_page(resources, "reset", view, token=token)

    @post("/reset/{token:str}")
    async def reset(
        self, request: Request[Any, Any, Any], resources: ProvidedResources, token: str
    ) -> Response[Any]:
        async with resources.uow() as uow:  # a spent link says so first, whatever the form
            view = await open_reset_link(uow, token)
        fields = await _fields(request)
        if fields["password"] != fields["confirm"]:
            return _again(resources, "reset", view, token, "The two passwords differ.")
        try:
            async with resources.uow() as uow:
                staff_id, hotel_id = await use_reset_link(uow, token, fields["password"])
        except Invalid as exc:
            return _again(resources, "reset", view, token, f"{str(exc).capitalize()}.")
        # The new password ends every session of the account, wherever it was signed in.
        await end_sessions(resources, staff_id)
        response = await start_session(request, resources, staff_id, hotel_id, "/inbox")
        response.delete_cookie(LINK_CSRF_COOKIE, path="/reset")
        return response
