"""Reading the admin's forms: text fields and checkboxes as the pure rules take them.

A field sent as a file (multipart) is refused (400); the rules say what is wrong with the text.
"""

from __future__ import annotations

from typing import Any

from litestar import Request

from domain.errors import Invalid

# No admin form is anywhere near this; a bigger body is refused before it is parsed (413).
MAX_ADMIN_FORM_BYTES = 64 * 1024


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
