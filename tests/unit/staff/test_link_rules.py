"""The pure rules behind invite and reset links."""

from __future__ import annotations

import datetime
import hashlib

import pytest

from domain.errors import Invalid
from domain.staff.rules import (
    LinkState,
    invite_days,
    link_state,
    new_token,
    normalise_email,
    plausible_token,
)

NOW = datetime.datetime(2026, 12, 1, 12, 0, tzinfo=datetime.UTC)
LATER = NOW + datetime.timedelta(days=7)


def test_a_new_token_is_random_and_only_its_digest_is_kept() -> None:
    (one, digest), (two, _) = new_token(), new_token()
    assert one != two
    assert digest == hashlib.sha256(one.encode()).hexdigest()
    assert one not in digest
    assert plausible_token(one)


@pytest.mark.parametrize("token", ["", "short", "<script>alert(1)</script>", "a" * 101, "a/b" * 10, "é" * 30])
def test_what_is_not_shaped_like_a_token_is_not_looked_up(token: str) -> None:
    assert not plausible_token(token)


@pytest.mark.parametrize(
    ("used", "revoked", "now", "state"),
    [
        (None, None, NOW, LinkState.PENDING),
        (None, None, LATER, LinkState.EXPIRED),
        (NOW, None, NOW, LinkState.USED),
        (NOW, None, LATER + datetime.timedelta(days=1), LinkState.USED),  # used says more than expired
        (None, NOW, NOW, LinkState.REVOKED),
        (None, NOW, LATER, LinkState.REVOKED),
    ],
)
def test_link_state(used, revoked, now, state) -> None:
    assert link_state(expires_at=LATER, used_at=used, revoked_at=revoked, now=now) is state


def test_invite_days() -> None:
    assert invite_days("") == 7
    assert invite_days("30") == 30
    for bad in ("0", "31", "-1", "seven", "1e3"):
        with pytest.raises(Invalid):
            invite_days(bad)


def test_emails_are_normalised_or_refused() -> None:
    assert normalise_email("  Maria@Aurora.Example ") == "maria@aurora.example"
    for bad in ("", "maria", "maria@", "@aurora.example", "a b@c.d", "<x>@y.z", "x" * 250 + "@a.bc"):
        with pytest.raises(Invalid):
            normalise_email(bad)
