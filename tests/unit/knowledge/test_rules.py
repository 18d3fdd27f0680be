"""The knowledge base's pure rules: valid entries, validity marks, the same question in other words,
and files the importer reads as the exporter wrote them."""

from __future__ import annotations

import datetime

import pytest

from domain.knowledge.exporter import to_markdown, to_yaml
from domain.knowledge.importer import KnowledgeFormatError, parse_markdown, read_entries
from domain.knowledge.rules import (
    EntryDraft,
    InvalidEntry,
    Validity,
    check_entry,
    parse_tags,
    question_key,
    validity,
)

D = datetime.date


def test_an_entry_is_trimmed_and_its_tags_normalised() -> None:
    checked = check_entry(
        EntryDraft("  Spa ", "Open 7-21.\r\nSauna too.\r\n", " DE ", tags=("Spa", " Summer  Fun", "spa"))
    )
    assert checked == EntryDraft("Spa", "Open 7-21.\nSauna too.", "de", tags=("spa", "summer-fun"))


@pytest.mark.parametrize(
    ("draft", "reason"),
    [
        (EntryDraft("", "Text"), "needs a title"),
        (EntryDraft("Spa", ""), "the text is empty"),
        (EntryDraft("Two\nlines", "Text"), "one line"),
        (EntryDraft("Spa", "Text", "english"), "language"),
        (
            EntryDraft("Spa", "Text", valid_from=D(2027, 5, 2), valid_until=D(2027, 5, 1)),
            "valid_from is after",
        ),
        (EntryDraft("Spa", "a\n## b"), "starts a new entry"),
    ],
)
def test_an_invalid_entry_says_why(draft: EntryDraft, reason: str) -> None:
    with pytest.raises(InvalidEntry, match=reason):
        check_entry(draft)


def test_one_day_validity_is_valid_on_that_day() -> None:
    day = D(2027, 1, 10)
    assert check_entry(EntryDraft("Spa", "Text", valid_from=day, valid_until=day)).valid_until == day


def test_tags_from_text_and_their_limits() -> None:
    assert parse_tags("a, b; c\nd") == ("a", "b", "c", "d")
    assert parse_tags(["Été", "ÉTÉ"]) == ("été",)
    with pytest.raises(InvalidEntry, match="at most 10"):
        parse_tags(",".join(str(i) for i in range(11)))
    with pytest.raises(InvalidEntry, match="longer than 40"):
        parse_tags("x" * 41)
    with pytest.raises(InvalidEntry, match="letters, digits and hyphens"):
        parse_tags("<b>")


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        (None, None, Validity.CURRENT),
        (D(2027, 1, 10), D(2027, 1, 10), Validity.CURRENT),
        (D(2027, 1, 11), None, Validity.UPCOMING),
        (None, D(2027, 1, 9), Validity.EXPIRED),
    ],
)
def test_validity_on_a_day(start: D | None, end: D | None, expected: Validity) -> None:
    assert validity(start, end, D(2027, 1, 10)) is expected


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("Do you have a sauna?", "is there a SAUNA??"),
        ("Can I borrow a bicycle?", "can i borrow bicycles"),
        ("Gibt es eine Sauna?", "Sauna?"),
        ("¿Hay piscina?", "piscina"),
    ],
)
def test_the_same_question_in_other_words_has_one_key(one: str, other: str) -> None:
    assert question_key(one) == question_key(other)


def test_different_questions_have_different_keys() -> None:
    assert question_key("Do you have a sauna?") != question_key("Do you have a gym?")
    assert question_key("What is it?") == "is it what", "filler only: all its words"
    assert len(question_key("word " * 200 + "x" * 300)) <= 200


TERRACE = "Open 12-22.\n\n- drinks: yes\n<!-- a note -->"
ENTRIES = [
    EntryDraft("Terrace", TERRACE, "de", D(2027, 6, 1), D(2027, 9, 30), ("food", "summer")),
    EntryDraft('Quote "this" <b>', "'yes' #1: null", "en"),
    EntryDraft("yes", "no", "en"),
]


def test_markdown_and_yaml_exports_read_back_the_same() -> None:
    assert read_entries(to_markdown("Hotel", ENTRIES), "markdown") == read_entries(to_yaml(ENTRIES), "yaml")
    assert read_entries(to_markdown("Hotel", ENTRIES), "markdown").entries == ENTRIES
    assert read_entries(to_yaml(ENTRIES), "yaml").entries == ENTRIES


def test_a_file_reads_every_entry_and_names_each_problem() -> None:
    read = read_entries("- title: A\n  body: a\n- title: B\n  body:\n- just text\n", "yaml")
    assert [entry.title for entry in read.entries] == ["A"]
    assert [(problem.number, problem.title) for problem in read.problems] == [(2, "B"), (3, "")]
    with pytest.raises(KnowledgeFormatError, match="entry 2"):
        parse_markdown("## A\na\n## B\n")
