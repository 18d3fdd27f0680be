"""The pages a staff link answers with when it cannot do what it was opened for, shared by the
link forms (``web.routes.staff_links``) and single sign-on (``web.routes.oidc``), which accepts
invites too."""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.response import Template

from domain.staff.service import LinkGone

LINK_CSRF_COOKIE = "hb_link_csrf"


def gone(request: Request[Any, Any, Any], exc: Exception) -> Template:
    """A link that does not (or no longer) work says why, as a page: 404 unknown, 410 spent (``exc``
    is a ``LinkNotFound`` or ``LinkGone``; the staff links' handler of both)."""
    spent = isinstance(exc, LinkGone)
    return Template(
        "pages/staff/link_gone.html",
        context={"actor": None, "reason": str(exc) if spent else "this link is not valid"},
        status_code=410 if spent else 404,
    )


def invite_refused(reason: str, status: int = 403) -> Template:
    """Single sign-on could not accept the invite; the invite itself still works."""
    return Template(
        "pages/staff/invite_refused.html", context={"actor": None, "reason": reason}, status_code=status
    )
