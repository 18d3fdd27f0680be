"""Reading the admin's forms: text fields and checkboxes as the pure rules take them, and the
pages around them.

A field sent as a file (multipart) is refused (400); the rules say what is wrong with the text.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any, TypeVar

from litestar import Request
from litestar.response import Redirect, Template

from domain.errors import Invalid
from web.actor import Actor

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

# No admin form is anywhere near this; a bigger body is refused before it is parsed (413).
MAX_ADMIN_FORM_BYTES = 64 * 1024

TypedForm = TypeVar("TypedForm", bound="DataclassInstance")


class AdminForm:
    def __init__(self, values: Any) -> None:
        self._values = values

    @classmethod
    async def read(cls, request: Request[Any, Any, Any]) -> AdminForm:
        return cls(await request.form())

    def text(self, name: str) -> str:
        value = self._values.get(name, "")
        if not isinstance(value, str):
            raise Invalid(f"{name} must be text")
        return value

    def checked(self, name: str) -> bool:
        return self.text(name) not in ("", "0", "off", "false")

    def fill(self, typed: type[TypedForm], **given: Any) -> TypedForm:
        """The rules' form with each field read from the input of its name: a ``bool`` from a
        checkbox, any other from a text field; ``given`` fields as the caller read them."""
        values = {
            field.name: self.checked(field.name) if field.type in {bool, "bool"} else self.text(field.name)
            for field in dataclasses.fields(typed)
            if field.name not in given
        }
        return typed(**values, **given)


def admin_page(page: str, actor: Actor, context: dict[str, Any], *, status: int = 200) -> Template:
    """``pages/admin/<page>.html``, with ``page`` marked in the admin navigation."""
    context = {"actor": actor, "active": "admin", "admin_page": page, **context}
    return Template(f"pages/admin/{page}.html", context=context, status_code=status)


def after_save(path: str) -> Redirect:
    """After a save, back to the page, which then says so (303: the browser GETs it)."""
    return Redirect(f"{path}?saved=true", status_code=303)
