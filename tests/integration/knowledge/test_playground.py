""" "Try the bot": the guests' AI turn, asked by an admin, stored and sent nowhere. Routed as a
guest's turn is: a restricted topic hands off without asking the model, draft mode drafts."""

from __future__ import annotations

import re
from typing import Any

import httpx
from sqlalchemy import func, select, update

from domain.assistant.models import LlmCall
from domain.conversations import guest_texts
from domain.conversations.models import Conversation, Message
from domain.guests.models import Guest
from domain.hotels.models import Hotel
from domain.knowledge.models import KnowledgeEntry
from domain.staff.models import Role
from tests.support.web import make_staff, sign_in

ALEX = "alex@aurora.example"
BELLA = "bella@borealis.example"


async def ask(client: Any, csrf: str, question: str, **headers: str) -> httpx.Response:
    return await client.post(
        "/admin/knowledge/playground",
        data={"_csrf": csrf, "question": question},
        headers={"Accept": "text/html", **headers},
    )


async def count(sessions: Any, model: Any) -> int:
    async with sessions() as db:
        return int((await db.execute(select(func.count()).select_from(model))).scalar_one())


async def calls(sessions: Any, hotel_id: Any) -> list[LlmCall]:
    async with sessions() as db:
        rows = await db.execute(select(LlmCall).where(LlmCall.hotel_id == hotel_id))
        return list(rows.scalars())


async def breakfast_id(sessions: Any, hotel_id: Any) -> Any:
    async with sessions() as db:
        return (
            await db.execute(
                select(KnowledgeEntry.id).where(
                    KnowledgeEntry.hotel_id == hotel_id, KnowledgeEntry.title == "Breakfast"
                )
            )
        ).scalar_one()


async def test_the_answer_cites_its_source_and_nothing_is_stored_or_sent(
    client, world, sessions, green_url, llm_url
) -> None:
    csrf = await sign_in(client, ALEX)
    page = await ask(client, csrf, "When is breakfast?")
    assert page.status_code == 200
    assert "7:00 to 10:30" in page.text
    assert "[kb:" not in page.text
    entry = await breakfast_id(sessions, world.aurora.id)
    assert re.search(rf'<a class="source" href="/admin/knowledge/{entry}">Breakfast</a>', page.text)
    assert "No, the AI answers this itself" in page.text

    for model in (Conversation, Message, Guest):
        assert await count(sessions, model) == 0, f"the playground stored a {model.__name__}"
    async with httpx.AsyncClient() as http:
        instance = world.aurora.green_api_instance_id
        journal = await http.get(f"{green_url}/waInstance{instance}/lastOutgoingMessages/api-token")
        asked = (await http.get(f"{llm_url}/sim/requests")).json()
    assert journal.status_code == 200
    assert journal.json() == [], "nothing reaches WhatsApp"
    assert any("When is breakfast?" in str(request) for request in asked), "the real LLM was asked"
    [call] = await calls(sessions, world.aurora.id)
    assert (call.purpose, call.ok, call.conversation_id) == ("playground", True, None)
    assert call.prompt_tokens > 0
    assert call.completion_tokens > 0


async def test_a_source_link_opens_the_entry(client, world, sessions) -> None:
    await sign_in(client, ALEX)
    entry = await breakfast_id(sessions, world.aurora.id)
    page = await client.get(f"/admin/knowledge/{entry}")
    assert page.status_code == 200
    assert "Breakfast is served daily from 7:00 to 10:30" in page.text


async def test_a_question_for_a_person_would_hand_off(client, world) -> None:
    csrf = await sign_in(client, ALEX)
    page = await ask(client, csrf, "Can I talk to a person please?")
    assert "Would hand off to staff</strong>: guest asked for a person" in page.text


async def set_aurora(sessions: Any, world: Any, **values: Any) -> None:
    async with sessions() as db, db.begin():
        await db.execute(update(Hotel).where(Hotel.id == world.aurora.id).values(**values))


async def test_a_restricted_topic_would_hand_off_with_the_holding_message_and_no_model_call(
    client, world, sessions, llm_url
) -> None:
    csrf = await sign_in(client, ALEX)
    page = await ask(client, csrf, "I want a refund")
    assert page.status_code == 200
    assert "Would hand off to staff</strong>: refunds (always a person)" in page.text
    assert guest_texts.HOLDING["en"] in page.text, "what the guest would read"
    assert "No, the guest would read it at once" in page.text
    async with httpx.AsyncClient() as http:
        asked = (await http.get(f"{llm_url}/sim/requests")).json()
    assert not any("refund" in str(request) for request in asked), "the word check decided"
    assert await calls(sessions, world.aurora.id) == []


async def test_in_draft_mode_the_answer_would_wait_for_a_persons_approval(client, world, sessions) -> None:
    await set_aurora(sessions, world, ai_mode="draft")
    csrf = await sign_in(client, ALEX)
    page = await ask(client, csrf, "When is breakfast?")
    assert "7:00 to 10:30" in page.text
    assert "would draft, for a person to approve" in page.text
    assert (
        "Would wait for a person's approval</strong>: this hotel approves every AI reply before it is sent"
        in page.text
    )
    assert "No, the AI answers this itself" in page.text
    # A restricted topic goes to a person all the same: no draft of it.
    refund = await ask(client, csrf, "I want a refund")
    assert "Would hand off to staff</strong>: refunds (always a person)" in refund.text
    assert "No, the guest would read it at once" in refund.text


async def test_a_draft_topic_would_wait_for_approval_and_says_which(client, world, sessions) -> None:
    await set_aurora(sessions, world, draft_topics=["wifi"])
    csrf = await sign_in(client, ALEX)
    page = await ask(client, csrf, "What is the wifi password?")
    assert "sunrise2024" in page.text
    assert "the guest wrote about wifi, a topic drafted for approval" in page.text
    breakfast = await ask(client, csrf, "When is breakfast?")
    assert "would draft" not in breakfast.text
    assert "No, the guest would read it at once" in breakfast.text


async def test_a_question_the_knowledge_cannot_answer_offers_the_missing_entry(client, world) -> None:
    csrf = await sign_in(client, ALEX)
    page = await ask(client, csrf, "Can I borrow a bicycle?")
    assert "Would hand off to staff</strong>: the knowledge has no answer" in page.text
    assert "none: no knowledge entry was used" in page.text
    assert (
        'href="/admin/knowledge/new?title=Can%20I%20borrow%20a%20bicycle%3F&amp;gap=bicycle%20borrow"'
        in page.text
    )


async def test_an_entry_written_in_the_page_answers_the_playground(client, world) -> None:
    csrf = await sign_in(client, ALEX)
    await client.post(
        "/admin/knowledge",
        data={
            "_csrf": csrf,
            "title": "Bicycle rental",
            "body": "City bikes cost 12 EUR a day.",
            "language": "en",
        },
    )
    page = await ask(client, csrf, "Can I borrow a bicycle?")
    assert "City bikes cost 12 EUR a day." in page.text
    assert ">Bicycle rental</a>" in page.text


async def test_htmx_gets_the_answer_region_only(client, world) -> None:
    csrf = await sign_in(client, ALEX)
    response = await ask(client, csrf, "What is the wifi password?", **{"HX-Request": "true"})
    assert response.status_code == 200
    assert response.text.startswith('<section id="answer"')
    assert "sunrise2024" in response.text
    assert "<html" not in response.text


async def test_an_empty_or_oversized_question_is_a_400_and_calls_no_model(client, world, sessions) -> None:
    csrf = await sign_in(client, ALEX)
    empty = await ask(client, csrf, "   ")
    assert empty.status_code == 400
    assert "write a question first" in empty.text
    long = await client.post("/admin/knowledge/playground", data={"_csrf": csrf, "question": "x" * 2001})
    assert long.status_code == 400
    assert "longer than 2000" in long.json()["detail"]
    htmx = await ask(client, csrf, "", **{"HX-Request": "true"})
    assert htmx.status_code == 400
    assert 'hx-swap-oob="true"' in htmx.text
    assert await calls(sessions, world.aurora.id) == []


async def test_the_ai_down_says_so_and_the_failed_call_is_recorded(client, world, sessions, llm_url) -> None:
    csrf = await sign_in(client, ALEX)
    async with httpx.AsyncClient() as http:
        await http.post(f"{llm_url}/sim/faults", json={"mode": "503", "count": -1})
    page = await ask(client, csrf, "When is breakfast?")
    assert page.status_code == 503
    assert "the AI could not answer just now" in page.text
    assert "sk-test" not in page.text, "the provider's key is never shown"
    api = await client.post("/admin/knowledge/playground", data={"_csrf": csrf, "question": "Breakfast?"})
    assert api.status_code == 503
    assert "could not answer" in api.json()["detail"]
    recorded = await calls(sessions, world.aurora.id)
    assert recorded
    assert not any(call.ok for call in recorded)


async def test_the_hotels_own_model_answers(client, world, sessions, llm_url) -> None:
    async with sessions() as db, db.begin():
        (await db.get(Hotel, world.aurora.id)).llm_model = "deepseek-v4-pro"
    csrf = await sign_in(client, ALEX)
    assert (await ask(client, csrf, "When is breakfast?")).status_code == 200
    async with httpx.AsyncClient() as http:
        asked = (await http.get(f"{llm_url}/sim/requests")).json()
    assert "deepseek-v4-pro" in str(asked)
    [call] = await calls(sessions, world.aurora.id)
    assert call.model == "deepseek-v4-pro"


async def test_another_hotels_admin_asks_her_own_knowledge_only(client, world, sessions) -> None:
    async with sessions() as db, db.begin():
        entry = await db.get(KnowledgeEntry, await breakfast_id(sessions, world.aurora.id))
        entry.body = "Aurora's breakfast runs 6:00 to 9:00 in the winter garden."
    csrf = await sign_in(client, BELLA)
    page = await ask(client, csrf, "When is breakfast?")
    assert page.status_code == 200
    assert "winter garden" not in page.text
    assert str(entry.id) not in page.text
    assert await calls(sessions, world.aurora.id) == []
    assert len(await calls(sessions, world.borealis.id)) == 1


async def test_a_manager_may_try_the_bot(client, world, sessions) -> None:
    await make_staff(sessions, world.aurora.id, "mona@aurora.example", Role.MANAGER, "Mona")
    csrf = await sign_in(client, "mona@aurora.example")
    assert (await client.get("/admin/knowledge/playground")).status_code == 200
    page = await ask(client, csrf, "Can I borrow a bicycle?")
    assert page.status_code == 200
    assert "Write the missing entry" not in page.text, "only an admin writes entries"


async def test_hostile_question_is_shown_as_text(client, world) -> None:
    csrf = await sign_in(client, ALEX)
    page = await ask(client, csrf, '<img src=x onerror="alert(1)"> breakfast?')
    assert '<img src=x onerror="alert(1)">' not in page.text
    assert "&lt;img src=x" in page.text
