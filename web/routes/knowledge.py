"""The knowledge base in the browser: entries (admins write, managers read), import and export.

Entries are edited in the page with htmx (the entry's card becomes its form and back), and every
form is a real form that works without JavaScript.
"""

from __future__ import annotations

import datetime
from typing import Any
from uuid import UUID

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.response import Redirect, Template
from litestar_htmx import HTMXRequest, HTMXTemplate
from sqlalchemy.ext.asyncio import AsyncSession

from domain.errors import Invalid
from domain.knowledge import entries as kb
from domain.knowledge.exporter import to_markdown, to_yaml
from domain.knowledge.gaps import resolve_gap
from domain.knowledge.importer import decode, kind_of, read_entries
from domain.knowledge.rules import MAX_BODY, EntryDraft, InvalidEntry, parse_date, parse_tags
from domain.staff.models import Role
from domain.uow import UnitOfWork
from web.auth import Actor
from web.errors import wants_page
from web.render import today_start
from web.resources import HotelTimezones
from web.routes.inbox import VARY_HTMX

MAX_UPLOAD = 1024 * 1024
_FIELD_LIMITS = {
    **{"title": 1000, "body": MAX_BODY + 2000, "tags": 1000, "language": 20},
    **{"valid_from": 20, "valid_until": 20, "gap": 400},
}


async def _today(timezones: HotelTimezones, actor: Actor) -> datetime.date:
    return today_start(await timezones.of(actor.hotel_id)).date()


def _text(form: Any, name: str, limit: int) -> str:
    value = form.get(name, "")
    if not isinstance(value, str):
        raise InvalidEntry(f"{name} must be text")
    if len(value) > limit:
        raise InvalidEntry(f"the {name} is far too long")
    return value


async def _typed(request: Request[Any, Any, Any]) -> dict[str, str]:
    """The entry form's fields as typed (shown again in the form when it is refused)."""
    form = await request.form()
    return {name: _text(form, name, limit) for name, limit in _FIELD_LIMITS.items()}


def _draft(typed: dict[str, str]) -> EntryDraft:
    """The entry the form describes, unchecked (``rules.check_entry`` checks it)."""
    return EntryDraft(
        title=typed["title"],
        body=typed["body"],
        language=typed["language"] or "en",
        valid_from=parse_date(typed["valid_from"], "valid from"),
        valid_until=parse_date(typed["valid_until"], "valid until"),
        tags=parse_tags(typed["tags"]),
    )


def _typed_of(entry: Any) -> dict[str, str]:
    return {
        "title": entry.title,
        "body": entry.body,
        "tags": ", ".join(entry.tags),
        "language": entry.language,
        "valid_from": entry.valid_from.isoformat() if entry.valid_from else "",
        "valid_until": entry.valid_until.isoformat() if entry.valid_until else "",
        "gap": "",
    }


def page_context(actor: Actor, **extra: Any) -> dict[str, Any]:
    return {"actor": actor, "active": "knowledge", "can_edit": actor.at_least(Role.ADMIN), **extra}


def _fragment_or_page(request: HTMXRequest, fragment: str, page: str, context: dict[str, Any]) -> Template:
    """For htmx the fragment it swaps in (``partials/knowledge/``), else the whole page."""
    if request.htmx:
        return HTMXTemplate(
            template_name=f"partials/knowledge/{fragment}.html", context=context, headers=VARY_HTMX
        )
    return Template(f"pages/knowledge/{page}.html", context=context, headers=VARY_HTMX)


class KnowledgeController(Controller):
    path = "/admin/knowledge"
    tags = ["knowledge"]

    @get()
    async def knowledge_page(
        self,
        *,
        actor: Actor,
        db: AsyncSession,
        timezones: HotelTimezones,
        q: str = "",
        tag: str = "",
        imported: int | None = None,
        updated: int | None = None,
    ) -> Template:
        actor.require(Role.MANAGER)
        query, tag = q.strip()[:200], tag.strip()[:40]
        rows = await kb.list_entries(db, actor.hotel_id, await _today(timezones, actor), query=query, tag=tag)
        context = page_context(
            actor,
            rows=rows,
            tags=await kb.hotel_tags(db, actor.hotel_id),
            query=query,
            tag=tag,
            imported=imported,
            updated=updated,
        )
        return Template("pages/knowledge/index.html", context=context)

    @get("/new")
    async def new_entry_page(self, actor: Actor, title: str = "", gap: str = "") -> Template:
        actor.require(Role.ADMIN)
        typed = {"title": title[:200], "language": "en", "gap": gap[:200]}
        return Template("pages/knowledge/new.html", context=page_context(actor, typed=typed, error=""))

    @post()
    async def create_entry(
        self, request: Request[Any, Any, Any], actor: Actor, uow: UnitOfWork
    ) -> Response[Any]:
        actor.require(Role.ADMIN)
        typed = await _typed(request)
        try:
            async with uow:
                entry = await kb.create_entry(uow.session, actor.hotel_id, _draft(typed))
                if typed["gap"].strip():
                    await resolve_gap(uow.session, actor.hotel_id, typed["gap"], entry.id, actor.staff_id)
        except Invalid as exc:
            if not wants_page(request):
                return Response({"detail": str(exc)}, status_code=400)
            context = page_context(actor, typed=typed, error=str(exc))
            return Template("pages/knowledge/new.html", context=context, status_code=400)
        if typed["gap"].strip():
            return Redirect("/admin/knowledge/gaps?written=1", status_code=303)
        return Redirect(f"/admin/knowledge#entry-{entry.id}", status_code=303)

    @get("/{entry_id:uuid}")
    async def entry(
        self, request: HTMXRequest, actor: Actor, db: AsyncSession, timezones: HotelTimezones, entry_id: UUID
    ) -> Template:
        """The entry's card (htmx: after a cancelled edit), or its own page (a cited source)."""
        actor.require(Role.MANAGER)
        entry = await kb.get_entry(db, actor.hotel_id, entry_id)
        context = page_context(actor, row=kb.EntryRow.of(entry, await _today(timezones, actor)))
        return _fragment_or_page(request, "_entry", "show", context)

    @get("/{entry_id:uuid}/edit")
    async def edit_entry(
        self, request: HTMXRequest, actor: Actor, db: AsyncSession, entry_id: UUID
    ) -> Template:
        actor.require(Role.ADMIN)
        entry = await kb.get_entry(db, actor.hotel_id, entry_id)
        context = page_context(actor, entry_id=entry.id, typed=_typed_of(entry), error="")
        return _fragment_or_page(request, "_entry_form", "edit", context)

    @post("/{entry_id:uuid}")
    async def update_entry(
        self, request: HTMXRequest, actor: Actor, uow: UnitOfWork, timezones: HotelTimezones, entry_id: UUID
    ) -> Response[Any]:
        actor.require(Role.ADMIN)
        typed = await _typed(request)
        try:
            async with uow:
                entry = await kb.update_entry(uow.session, actor.hotel_id, entry_id, _draft(typed))
        except InvalidEntry as exc:
            context = page_context(actor, entry_id=entry_id, typed=typed, error=str(exc), oob=True)
            if request.htmx:
                # A 400's fragment is swapped out of band only (base.html): the form says why in place.
                return HTMXTemplate(
                    template_name="partials/knowledge/_entry_form.html", context=context, status_code=400
                )
            if wants_page(request):
                return Template("pages/knowledge/edit.html", context=context, status_code=400)
            return Response({"detail": str(exc)}, status_code=400)
        if request.htmx:
            context = page_context(actor, row=kb.EntryRow.of(entry, await _today(timezones, actor)))
            return HTMXTemplate(template_name="partials/knowledge/_entry.html", context=context)
        return Redirect(f"/admin/knowledge#entry-{entry.id}", status_code=303)

    @get("/{entry_id:uuid}/delete")
    async def confirm_delete(self, actor: Actor, db: AsyncSession, entry_id: UUID) -> Template:
        actor.require(Role.ADMIN)
        entry = await kb.get_entry(db, actor.hotel_id, entry_id)
        return Template("pages/knowledge/delete.html", context=page_context(actor, entry=entry))

    @post("/{entry_id:uuid}/delete")
    async def delete_entry(self, actor: Actor, uow: UnitOfWork, entry_id: UUID) -> Redirect:
        actor.require(Role.ADMIN)
        async with uow:
            await kb.delete_entry(uow.session, actor.hotel_id, entry_id)
        return Redirect("/admin/knowledge", status_code=303)

    # ----------------------------------------------------------------------- import and export

    @post("/import", request_max_body_size=2 * MAX_UPLOAD)
    async def import_entries(
        self, request: Request[Any, Any, Any], actor: Actor, uow: UnitOfWork, db: AsyncSession
    ) -> Response[Any]:
        """``preview`` shows what the file would change (nothing is stored); ``apply`` (the
        preview's button, which sends the same text again) stores it."""
        actor.require(Role.ADMIN)
        form = await request.form()
        source, name = await _uploaded(form)
        language = _text(form, "language", 20).strip() or "en"
        kind = _text(form, "kind", 20) or kind_of(name)
        read = read_entries(source, "yaml" if kind == "yaml" else "markdown", language)
        if _text(form, "action", 20) != "apply":
            plan = await kb.plan_import(db, actor.hotel_id, read)
            context = page_context(actor, plan=plan, source=source, kind=kind, language=language, name=name)
            return Template("pages/knowledge/import.html", context=context)
        async with uow:
            plan = await kb.apply_import(uow.session, actor.hotel_id, read)
        return Redirect(
            f"/admin/knowledge?imported={len(plan.create)}&updated={len(plan.update)}", status_code=303
        )

    @get("/export.md")
    async def export_markdown(self, actor: Actor, db: AsyncSession) -> Response[str]:
        actor.require(Role.MANAGER)
        text = to_markdown(actor.hotel.hotel_name, await kb.export_entries(db, actor.hotel_id))
        return _download(text, "md", "text/markdown; charset=utf-8")

    @get("/export.yaml")
    async def export_yaml(self, actor: Actor, db: AsyncSession) -> Response[str]:
        actor.require(Role.MANAGER)
        text = to_yaml(await kb.export_entries(db, actor.hotel_id))
        return _download(text, "yaml", "application/yaml; charset=utf-8")


async def _uploaded(form: Any) -> tuple[str, str]:
    """The file's text (an upload, or the text the preview sends back), and its name."""
    upload = form.get("file")
    if isinstance(upload, UploadFile) and upload.filename:
        data = await upload.read(MAX_UPLOAD + 1)
        if len(data) > MAX_UPLOAD:
            raise InvalidEntry("the file is larger than 1 MiB")
        return decode(data), upload.filename[:200]
    source = form.get("source", "")
    if not isinstance(source, str) or not source.strip():
        raise InvalidEntry("choose a Markdown or YAML file to import")
    if len(source.encode()) > MAX_UPLOAD:
        raise InvalidEntry("the file is larger than 1 MiB")
    name = form.get("name", "")
    return source, name[:200] if isinstance(name, str) else ""


def _download(text: str, extension: str, media_type: str) -> Response[str]:
    stamp = datetime.datetime.now(datetime.UTC).date().isoformat()
    return Response(
        text,
        media_type=media_type,
        headers={"Content-Disposition": f'attachment; filename="knowledge-{stamp}.{extension}"'},
    )
