"""The knowledge base in the browser: entries, import and export, as admins and managers use them."""

from __future__ import annotations

import datetime
import re
from typing import Any

import pytest
from sqlalchemy import select

from domain.knowledge.models import KnowledgeEntry
from domain.staff.models import Role
from tests.support.web import make_staff, sign_in

ALEX = "alex@aurora.example"  # admin at Aurora
BELLA = "bella@borealis.example"  # admin at Borealis
ANNA = "anna@aurora.example"  # agent at Aurora


def form(csrf: str, **fields: str) -> dict[str, str]:
    base = {"title": "", "body": "", "tags": "", "language": "en", "valid_from": "", "valid_until": ""}
    return {**base, "_csrf": csrf, **fields}


async def entries(sessions: Any, hotel_id: Any) -> dict[str, KnowledgeEntry]:
    async with sessions() as db:
        rows = await db.execute(select(KnowledgeEntry).where(KnowledgeEntry.hotel_id == hotel_id))
        return {entry.title: entry for entry in rows.scalars()}


async def snapshot(sessions: Any, hotel_id: Any) -> dict[str, tuple[Any, ...]]:
    return {
        title: (e.body, e.tags, e.language, e.valid_from, e.valid_until)
        for title, e in (await entries(sessions, hotel_id)).items()
    }


async def entry_id(sessions: Any, hotel_id: Any, title: str) -> Any:
    return (await entries(sessions, hotel_id))[title].id


# --------------------------------------------------------------------------- list, create, edit, delete


async def test_an_admin_adds_an_entry_and_finds_it_by_word_and_tag(client, world, sessions) -> None:
    csrf = await sign_in(client, ALEX)
    created = await client.post(
        "/admin/knowledge",
        data=form(
            csrf, title="Bicycle rental", body="City bikes cost 12 EUR a day.", tags="Outdoor, Summer Fun"
        ),
    )
    assert created.status_code == 303
    assert created.headers["location"].startswith("/admin/knowledge#entry-")

    saved = (await entries(sessions, world.aurora.id))["Bicycle rental"]
    assert saved.tags == ["outdoor", "summer-fun"]
    page = await client.get("/admin/knowledge")
    assert "Bicycle rental" in page.text
    assert "Breakfast" in page.text
    found = await client.get("/admin/knowledge", params={"q": "bikes"})
    assert "Bicycle rental" in found.text
    assert "Breakfast" not in found.text
    tagged = await client.get("/admin/knowledge", params={"tag": "outdoor"})
    assert "Bicycle rental" in tagged.text
    assert "Parking" not in tagged.text
    assert "1 entry" in tagged.text


async def test_search_finds_a_word_stem_and_treats_wildcards_as_text(client, world) -> None:
    await sign_in(client, ALEX)
    assert "Pets" in (await client.get("/admin/knowledge", params={"q": "dog"})).text
    assert "No entry matches" in (await client.get("/admin/knowledge", params={"q": "%"})).text


async def test_expired_and_upcoming_entries_are_marked(client, world, sessions) -> None:
    csrf = await sign_in(client, ALEX)
    today = datetime.date.today()
    past, future = today - datetime.timedelta(days=40), today + datetime.timedelta(days=40)
    for title, start, end in (
        ("Winter market", past - datetime.timedelta(days=10), past),
        ("Summer terrace", future, future + datetime.timedelta(days=60)),
    ):
        response = await client.post(
            "/admin/knowledge",
            data=form(csrf, title=title, body="Seasonal.", valid_from=str(start), valid_until=str(end)),
        )
        assert response.status_code == 303
    page = (await client.get("/admin/knowledge")).text
    assert f"Expired {past.isoformat()}: the AI no longer uses it" in page
    assert f"From {future.isoformat()}: the AI does not use it yet" in page


@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        ({"title": "", "body": "Text"}, "needs a title"),
        ({"title": "Sauna", "body": "  "}, "the text is empty"),
        ({"title": "x" * 201, "body": "Text"}, "longer than 200"),
        ({"title": "Sauna", "body": "y" * 20_001}, "longer than 20,000"),
        ({"title": "Sauna", "body": "Text", "valid_from": "2027-05-01", "valid_until": "2027-04"}, "date"),
        ({"title": "Sauna", "body": "Text", "valid_from": "next week"}, "must be a date"),
        ({"title": "Sauna", "body": "Text", "language": "English!"}, "language must be a code"),
        ({"title": "Sauna", "body": "Text", "tags": "ok, not/ok"}, "only letters, digits and hyphens"),
        ({"title": "Sauna", "body": "Text", "tags": ",".join(f"t{i}" for i in range(11))}, "at most 10 tags"),
        ({"title": "Sauna", "body": "Text\n## Another"}, "starts a new entry"),
        ({"title": "Sauna", "body": "z" * 40_000}, "far too long"),
    ],
)  # fmt: skip
async def test_an_invalid_entry_is_refused_with_the_reason(client, world, sessions, fields, reason) -> None:
    csrf = await sign_in(client, ALEX)
    before = await snapshot(sessions, world.aurora.id)
    page = await client.post("/admin/knowledge", data=form(csrf, **fields), headers={"Accept": "text/html"})
    assert page.status_code == 400
    assert reason in page.text
    api = await client.post("/admin/knowledge", data=form(csrf, **fields))
    assert api.status_code == 400
    assert reason in api.json()["detail"]
    assert await snapshot(sessions, world.aurora.id) == before


async def test_a_refused_form_keeps_what_was_typed(client, world) -> None:
    csrf = await sign_in(client, ALEX)
    page = await client.post(
        "/admin/knowledge",
        data=form(csrf, title="Sauna", body="Open late", valid_from="2027-05-01", valid_until="2027-04-01"),
        headers={"Accept": "text/html"},
    )
    assert 'value="Sauna"' in page.text
    assert ">Open late</textarea>" in page.text


async def test_inline_edit_with_htmx_swaps_the_card(client, world, sessions) -> None:
    csrf = await sign_in(client, ALEX)
    parking = await entry_id(sessions, world.aurora.id, "Parking")
    htmx = {"HX-Request": "true", "X-CSRF-Token": csrf}
    edit = await client.get(f"/admin/knowledge/{parking}/edit", headers=htmx)
    assert edit.status_code == 200
    assert edit.text.startswith(f'<form id="entry-{parking}"')
    assert "<html" not in edit.text
    saved = await client.post(
        f"/admin/knowledge/{parking}",
        data={"title": "Parking", "body": "Parking costs 20 EUR per night.", "tags": "car", "language": "en"},
        headers=htmx,
    )
    assert saved.status_code == 200
    assert saved.text.startswith(f'<article id="entry-{parking}"')
    assert "20 EUR" in saved.text
    assert "#car" in saved.text
    assert (await entries(sessions, world.aurora.id))["Parking"].body == "Parking costs 20 EUR per night."

    refused = await client.post(
        f"/admin/knowledge/{parking}", data={"title": "Parking", "body": "", "language": "en"}, headers=htmx
    )
    assert refused.status_code == 400
    assert 'hx-swap-oob="true"' in refused.text
    assert "the text is empty" in refused.text
    cancel = await client.get(f"/admin/knowledge/{parking}", headers={"HX-Request": "true"})
    assert cancel.text.startswith(f'<article id="entry-{parking}"')
    assert "20 EUR" in cancel.text


async def test_edit_works_without_javascript(client, world, sessions) -> None:
    csrf = await sign_in(client, ALEX)
    pets = await entry_id(sessions, world.aurora.id, "Pets")
    page = await client.get(f"/admin/knowledge/{pets}/edit")
    assert page.status_code == 200
    assert "<html" in page.text
    assert "Dogs and cats" in page.text
    saved = await client.post(
        f"/admin/knowledge/{pets}",
        data=form(csrf, title="Pets and animals", body="Dogs are welcome for 15 EUR per night."),
    )
    assert saved.status_code == 303
    assert saved.headers["location"] == f"/admin/knowledge#entry-{pets}"
    assert "Pets and animals" in await entries(sessions, world.aurora.id)


async def test_delete_asks_first_then_removes_the_entry(client, world, sessions) -> None:
    csrf = await sign_in(client, ALEX)
    pets = await entry_id(sessions, world.aurora.id, "Pets")
    confirm = await client.get(f"/admin/knowledge/{pets}/delete")
    assert confirm.status_code == 200
    assert "Delete “Pets”?" in confirm.text
    assert "Pets" in await entries(sessions, world.aurora.id), "asking deletes nothing"
    deleted = await client.post(f"/admin/knowledge/{pets}/delete", data={"_csrf": csrf})
    assert deleted.status_code == 303
    assert "Pets" not in await entries(sessions, world.aurora.id)
    assert (await client.post(f"/admin/knowledge/{pets}/delete", data={"_csrf": csrf})).status_code == 404


async def test_a_change_without_the_csrf_token_is_refused(client, world, sessions) -> None:
    await sign_in(client, ALEX)
    pets = await entry_id(sessions, world.aurora.id, "Pets")
    assert (await client.post(f"/admin/knowledge/{pets}/delete", data={})).status_code == 403
    assert "Pets" in await entries(sessions, world.aurora.id)


async def test_hostile_text_is_shown_as_text(client, world, sessions) -> None:
    csrf = await sign_in(client, ALEX)
    script = '<script>alert("kb")</script>'
    await client.post(
        "/admin/knowledge", data=form(csrf, title=f"Spa {script}", body=f"Open {script}", tags="spa")
    )
    page = (await client.get("/admin/knowledge")).text
    assert script not in page
    assert "&lt;script&gt;alert(" in page
    new = await client.get("/admin/knowledge/new", params={"title": '"><img src=x onerror=alert(1)>'})
    assert "<img src=x" not in new.text


# --------------------------------------------------------------------------- roles and tenants


async def test_a_manager_reads_but_cannot_change(client, world, sessions) -> None:
    await make_staff(sessions, world.aurora.id, "mona@aurora.example", Role.MANAGER, "Mona")
    csrf = await sign_in(client, "mona@aurora.example")
    page = await client.get("/admin/knowledge")
    assert page.status_code == 200
    assert "Breakfast" in page.text
    assert "New entry" not in page.text
    assert "/edit" not in page.text
    assert (await client.get("/admin/knowledge/export.yaml")).status_code == 200
    pets = await entry_id(sessions, world.aurora.id, "Pets")
    assert (await client.post("/admin/knowledge", data=form(csrf, title="X", body="Y"))).status_code == 403
    assert (await client.get(f"/admin/knowledge/{pets}/edit")).status_code == 403
    assert (
        await client.post(f"/admin/knowledge/{pets}", data=form(csrf, title="X", body="Y"))
    ).status_code == 403
    assert (await client.post(f"/admin/knowledge/{pets}/delete", data={"_csrf": csrf})).status_code == 403
    assert "Pets" in await entries(sessions, world.aurora.id)


async def test_an_agent_has_no_knowledge_pages(client, world, sessions) -> None:
    csrf = await sign_in(client, ANNA)
    inbox = await client.get("/inbox")
    assert 'href="/admin/knowledge"' not in inbox.text
    pets = await entry_id(sessions, world.aurora.id, "Pets")
    for url in (
        "/admin/knowledge", f"/admin/knowledge/{pets}", "/admin/knowledge/export.md",
        "/admin/knowledge/gaps", "/admin/knowledge/playground",
    ):  # fmt: skip
        assert (await client.get(url)).status_code == 403, url
    assert (await client.post(f"/admin/knowledge/{pets}/delete", data={"_csrf": csrf})).status_code == 403


async def test_another_hotels_admin_cannot_read_or_change_aurora_entries(client, world, sessions) -> None:
    pets = await entry_id(sessions, world.aurora.id, "Pets")
    async with sessions() as db, db.begin():
        (await db.get(KnowledgeEntry, pets)).body = "Aurora welcomes dogs and cats, 15 EUR."
    csrf = await sign_in(client, BELLA)
    for url in (
        f"/admin/knowledge/{pets}",
        f"/admin/knowledge/{pets}/edit",
        f"/admin/knowledge/{pets}/delete",
    ):
        response = await client.get(url)
        assert response.status_code == 404, url
        assert "Aurora welcomes" not in response.text
    changed = await client.post(f"/admin/knowledge/{pets}", data=form(csrf, title="Pets", body="No pets."))
    assert changed.status_code == 404
    assert (await client.post(f"/admin/knowledge/{pets}/delete", data={"_csrf": csrf})).status_code == 404
    assert (await entries(sessions, world.aurora.id))["Pets"].body.startswith("Aurora welcomes")
    # Her own list, search and export hold Borealis's entries only.
    await client.post(
        "/admin/knowledge", data=form(csrf, title="Northern lights", body="Seen from the roof.")
    )
    listed = (await client.get("/admin/knowledge", params={"q": "dogs"})).text
    assert "Aurora welcomes" not in listed
    assert str(pets) not in listed
    exported = (await client.get("/admin/knowledge/export.yaml")).text
    assert "Northern lights" in exported
    assert "Aurora welcomes" not in exported


# --------------------------------------------------------------------------- import and export

MARKDOWN = """# Our knowledge

## Bicycle rental
<!-- tags: outdoor -->
City bikes cost 12 EUR a day.

## Parking
Underground parking is available for 18 EUR per night; the entrance is on Lindenstrasse.

## Breakfast
Breakfast is served 6:30-10:00 now.
"""


async def test_import_preview_shows_what_changes_and_stores_nothing(client, world, sessions) -> None:
    csrf = await sign_in(client, ALEX)
    before = await snapshot(sessions, world.aurora.id)
    preview = await client.post(
        "/admin/knowledge/import",
        data={"_csrf": csrf, "language": "en", "action": "preview"},
        files={"file": ("kb.md", MARKDOWN.encode(), "text/markdown")},
    )
    assert preview.status_code == 200
    assert "1 new, 1 changed, 1 unchanged" in preview.text
    assert await snapshot(sessions, world.aurora.id) == before

    source = re.search(r'name="source" value="([^"]*)"', preview.text, re.S)
    assert source
    applied = await client.post(
        "/admin/knowledge/import",
        data={"_csrf": csrf, "action": "apply", "kind": "markdown", "language": "en", "source": MARKDOWN},
    )
    assert applied.status_code == 303
    assert applied.headers["location"] == "/admin/knowledge?imported=1&updated=1"
    after = await entries(sessions, world.aurora.id)
    assert after["Bicycle rental"].tags == ["outdoor"]
    assert after["Breakfast"].body == "Breakfast is served 6:30-10:00 now."
    assert len(after) == len(before) + 1


async def test_an_import_with_a_bad_entry_names_it_and_imports_nothing(client, world, sessions) -> None:
    csrf = await sign_in(client, ALEX)
    text = (
        "- title: Sauna\n  body: Open 7-21.\n"
        "- title: Pool\n  body: Open.\n  valid_from: 2027-05-01\n  valid_until: 2027-04-01\n"
        "- title: ''\n  body: no title\n"
    )
    preview = await client.post(
        "/admin/knowledge/import",
        data={"_csrf": csrf, "action": "preview"},
        files={"file": ("kb.yaml", text.encode(), "application/yaml")},
    )
    assert preview.status_code == 200
    assert "Entry 2 “Pool”: &#39;Pool&#39;: valid_from is after valid_until" in preview.text
    assert "Entry 3" in preview.text
    assert "needs a title" in preview.text
    assert re.search(r'value="apply"\s+disabled', preview.text)
    applied = await client.post(
        "/admin/knowledge/import", data={"_csrf": csrf, "action": "apply", "kind": "yaml", "source": text}
    )
    assert applied.status_code == 400
    assert "Sauna" not in await entries(sessions, world.aurora.id)


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("kb.yaml", b"- title: [unclosed\n", "not valid YAML"),
        ("kb.md", "## Frühstück\nAb 7.\n".encode("latin-1"), "not a UTF-8 text file"),
        ("kb.md", b"no headings at all", "no entries found"),
        ("kb.md", b"## Big\n" + b"x" * (1024 * 1024), "larger than 1 MiB"),
    ],
)
async def test_a_file_that_cannot_be_read_is_a_400(client, world, name, content, reason) -> None:
    csrf = await sign_in(client, ALEX)
    response = await client.post(
        "/admin/knowledge/import",
        data={"_csrf": csrf, "action": "preview"},
        files={"file": (name, content, "text/plain")},
    )
    assert response.status_code == 400
    assert reason in response.json()["detail"]


async def test_an_upload_far_over_the_limit_is_refused_before_it_is_read(client, world) -> None:
    csrf = await sign_in(client, ALEX)
    response = await client.post(
        "/admin/knowledge/import",
        data={"_csrf": csrf, "action": "preview"},
        files={"file": ("kb.md", b"x" * (3 * 1024 * 1024), "text/plain")},
    )
    assert response.status_code == 413


@pytest.mark.parametrize("extension", ["md", "yaml"])
async def test_export_then_import_changes_nothing(client, world, sessions, extension) -> None:
    csrf = await sign_in(client, ALEX)
    await client.post(
        "/admin/knowledge",
        data=form(
            csrf,
            title='Terrace "Sky" <8th floor>',
            body="Open 12:00-22:00.\r\n\r\n- drinks: yes\n- food: 'snacks' #1\n<!-- not a field -->",
            tags="food, summer",
            language="de",
            valid_from="2027-06-01",
            valid_until="2027-09-30",
        ),
    )
    before = await snapshot(sessions, world.aurora.id)
    exported = await client.get(f"/admin/knowledge/export.{extension}")
    assert exported.status_code == 200
    assert "attachment" in exported.headers["content-disposition"]
    preview = await client.post(
        "/admin/knowledge/import",
        data={"_csrf": csrf, "action": "preview"},
        files={"file": (f"kb.{extension}", exported.content, "text/plain")},
    )
    assert f"0 new, 0 changed, {len(before)} unchanged" in preview.text
    applied = await client.post(
        "/admin/knowledge/import",
        data={
            "_csrf": csrf,
            "action": "apply",
            "kind": "yaml" if extension == "yaml" else "markdown",
            "source": exported.text,
        },
    )
    assert applied.status_code == 303
    assert await snapshot(sessions, world.aurora.id) == before


async def test_an_export_holds_no_secrets(client, world) -> None:
    await sign_in(client, ALEX)
    for extension in ("md", "yaml"):
        text = (await client.get(f"/admin/knowledge/export.{extension}")).text
        assert "api-token" not in text
        assert "hook-a" not in text
        assert "Breakfast" in text
