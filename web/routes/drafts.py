"""The AI's draft in a conversation: approve (sent as the AI's reply), edit and send as one's own
reply, or discard. Any staff member of the hotel may decide; another hotel's draft is not found."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar import Controller, Response, get, post
from litestar.response import Redirect
from litestar_htmx import HTMXRequest, HTMXTemplate

from domain.conversations import drafts
from domain.conversations.drafts import DraftNotFound
from domain.conversations.service import ConversationNotFound, InvalidReply
from domain.conversations.views import load_conversation
from domain.uow import UnitOfWork
from web.auth import Actor
from web.errors import error_answer, wants_page
from web.forms import form_text
from web.render import conversation_context, inbox_for
from web.resources import ProvidedResources
from web.routes.conversations import _conversation_screen, _done


class DraftController(Controller):
    path = "/conversations/{conversation_id:uuid}/drafts/{draft_id:uuid}"
    tags = ["conversations"]

    @get()
    async def draft_panel(
        self,
        *,
        request: HTMXRequest,
        actor: Actor,
        uow: UnitOfWork,
        conversation_id: UUID,
        draft_id: UUID,
        edit: bool = False,
    ) -> Response[Any]:
        """The draft panel (htmx), as it reads or, with ``edit``, as a form to edit and send."""
        if not request.htmx:
            suffix = f"?edit_draft={draft_id}" if edit else ""
            return Redirect(f"/conversations/{conversation_id}{suffix}", status_code=303)
        async with uow:
            view = await load_conversation(uow.session, actor.hotel_id, conversation_id)
            if view is None:
                raise ConversationNotFound(str(conversation_id))
            if view.draft is None or view.draft.id != draft_id:
                raise DraftNotFound(str(draft_id))
            inbox = await inbox_for(uow.session, actor)
        context = {**conversation_context(actor, view, inbox), "editing": edit}
        return HTMXTemplate(template_name="partials/conversations/_draft.html", context=context)

    @post("/approve")
    async def approve(
        self, request: HTMXRequest, actor: Actor, uow: UnitOfWork, conversation_id: UUID, draft_id: UUID
    ) -> Response[Any]:
        async with uow:
            await drafts.approve_draft(uow, actor.hotel_id, conversation_id, draft_id, actor.staff_id)
        return _done(request, conversation_id)

    @post("/send-edited")
    async def send_edited(
        self,
        *,
        request: HTMXRequest,
        actor: Actor,
        uow: UnitOfWork,
        resources: ProvidedResources,
        conversation_id: UUID,
        draft_id: UUID,
    ) -> Response[Any]:
        text = ""
        try:
            text = await form_text(request, "text")
            async with uow:
                await drafts.send_edited_draft(
                    uow, actor.hotel_id, conversation_id, draft_id, actor.staff_id, text=text
                )
        except InvalidReply as exc:
            errors = {"draft": str(exc)}
            if request.htmx:
                return HTMXTemplate(
                    template_name="partials/conversations/_draft_errors.html",
                    context={"errors": errors},
                    status_code=400,
                )
            if wants_page(request):
                return await _conversation_screen(
                    resources.uow(),
                    resources.timezones,
                    actor,
                    conversation_id,
                    status_code=400,
                    errors=errors,
                    editing=True,
                    draft_text=text[:4096],
                )
            return error_answer(request, 400, str(exc))
        return _done(request, conversation_id)

    @post("/discard")
    async def discard(
        self, request: HTMXRequest, actor: Actor, uow: UnitOfWork, conversation_id: UUID, draft_id: UUID
    ) -> Response[Any]:
        async with uow:
            await drafts.discard_draft(uow, actor.hotel_id, conversation_id, draft_id, actor.staff_id)
        return _done(request, conversation_id)
