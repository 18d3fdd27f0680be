"""Reading the text fields of a staff form, with the limits every form shares."""

from __future__ import annotations

from typing import Any

from litestar import Request

from domain.conversations.service import InvalidReply

MAX_FORM_TEXT = 8000


async def form_text(request: Request[Any, Any, Any], field: str) -> str:
    form = await request.form()
    value = form.get(field, "")
    if not isinstance(value, str):
        raise InvalidReply(f"{field} must be text")
    if len(value) > MAX_FORM_TEXT:
        raise InvalidReply(f"{field} is too long")
    return value
