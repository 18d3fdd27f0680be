"""The soak's verdict, from what PostgreSQL stored, what the Green API simulator sent, and what the
live sockets showed.

A guest turn, as ``domain/assistant/service.py`` answers it: the guest's messages that were stored
while the conversation was with the AI since the AI last spoke. Every guest message enqueues an AI
job after ``AI_DEBOUNCE_SECONDS``; a job whose message is no longer the latest guest message does
nothing (the newer message's job answers the whole burst), and the job that answers re-checks under
the conversation's row lock that the conversation is still the AI's and that no newer guest message
arrived. Every writer of a conversation (ingest, the AI, staff) takes that lock, so the order in
which their transactions committed is the order the product saw them in. The checker replays each
conversation in commit order:

- a guest message while the AI has the conversation joins the open turn;
- an AI message must find an open turn, must be triggered by its latest message (else it answered
  while a newer message was already stored: a second answer to one turn is coming), and closes it;
- an AI message while the conversation is not the AI's is an AI message after a take-over;
- a transition away from the AI closes the open turn unanswered, which is right (a person has it);
  a hand-off by the AI carries exactly one AI message in its own transaction (the hand-off
  message, or the holding message when the LLM failed);
- at the end (after the drain) an open turn in a conversation still with the AI was never answered.
"""

from __future__ import annotations

import datetime
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

from bench.common import table
from bench.soak_traffic import LiveSocket, Sent

EXAMPLES = 5


@dataclass
class Check:
    name: str
    rows: list[list[object]] = field(default_factory=list)
    failures: Counter[str] = field(default_factory=Counter)
    examples: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))

    def fail(self, kind: str, example: str) -> None:
        self.failures[kind] += 1
        if len(self.examples[kind]) < EXAMPLES:
            self.examples[kind].append(example)

    @property
    def passed(self) -> bool:
        return not self.failures

    def render(self) -> str:
        lines = [f"check: {self.name}: {'ok' if self.passed else 'FAILED'}"]
        if self.rows:
            lines.append(table(["", "count"], self.rows))
        for kind, count in self.failures.items():
            lines.append(f"  FAILURE {kind}: {count}")
            lines.extend(f"    e.g. {example}" for example in self.examples[kind])
        return "\n".join(lines)


@dataclass
class Event:
    kind: str  # guest, ai, staff, system, move
    row: Any
    commit: tuple[datetime.datetime, int]  # commit time, transaction id

    @property
    def order(self) -> int:
        return {"guest": 0, "ai": 1, "staff": 2, "system": 2, "move": 3}[self.kind]


async def load(dsn: str, hotel_ids: list[Any]) -> tuple[list[Any], list[Any]]:
    import asyncpg

    conn = await asyncpg.connect(dsn)
    try:
        messages = await conn.fetch(
            "SELECT m.id, m.hotel_id, m.conversation_id, m.chat_id, m.author::text AS author, "
            "m.direction::text AS direction, m.text, m.provider_message_id, m.status::text AS status, "
            "m.ai_trigger_message_id, m.created_at, r.xmin::text::bigint AS xid, "
            "pg_xact_commit_timestamp(r.xmin) AS committed "
            "FROM messages m LEFT JOIN soak_rows r ON r.row_id = m.id WHERE m.hotel_id = ANY($1::uuid[])",
            hotel_ids,
        )
        moves = await conn.fetch(
            "SELECT t.id, t.conversation_id, t.from_state::text AS from_state, t.to_state::text AS to_state, "
            "t.reason, t.actor, t.created_at, r.xmin::text::bigint AS xid, "
            "pg_xact_commit_timestamp(r.xmin) AS committed "
            "FROM state_transitions t LEFT JOIN soak_rows r ON r.row_id = t.id "
            "WHERE t.hotel_id = ANY($1::uuid[])",
            hotel_ids,
        )
    finally:
        await conn.close()
    return list(messages), list(moves)


def stored_once(sent: list[Sent], messages: list[Any], undelivered: set[str]) -> Check:
    """``undelivered``: the idMessages still in the simulator's webhook queue (late, not lost)."""
    check = Check("every guest message stored exactly once")
    stored: Counter[tuple[str, str]] = Counter(
        (m["chat_id"], m["provider_message_id"]) for m in messages if m["author"] == "guest"
    )
    ours = {(s.chat_id, s.id_message): s for s in sent}
    for key, s in ours.items():
        if stored[key] == 0:
            kind = (
                "missing: still queued at the simulator" if s.id_message in undelivered else "missing: lost"
            )
            check.fail(kind, f"{s.chat_id} {s.id_message} {s.text!r} (sent {_clock(s.at)})")
        elif stored[key] > 1:
            check.fail("stored more than once", f"{s.chat_id} {s.id_message} x{stored[key]}")
    for key, count in stored.items():
        if key not in ours:
            check.fail("stored but never sent by a guest", f"{key[0]} {key[1]} x{count}")
    once = sum(1 for key in ours if stored[key] == 1)
    check.rows = [["accepted by the simulator", len(ours)], ["stored exactly once", once]]
    return check


def turns(sent: list[Sent], messages: list[Any], moves: list[Any], waiting: set[Any]) -> tuple[Check, Check]:
    """``waiting``: conversations whose AI turn is still pending (``ai_pending_since``) when checked."""
    answered = Check("every guest turn answered exactly once, or handed off with one message")
    after = Check("no AI message after a take-over or hand-off")
    kinds = {s.id_message: s.kind for s in sent}
    events: dict[Any, list[Event]] = defaultdict(list)
    unobserved = 0
    for m in messages:
        if m["committed"] is None:
            unobserved += 1
            continue
        events[m["conversation_id"]].append(Event(m["author"], m, (m["committed"], m["xid"])))
    for t in moves:
        if t["committed"] is None:
            unobserved += 1
            continue
        events[t["conversation_id"]].append(Event("move", t, (t["committed"], t["xid"])))
    if unobserved:
        answered.fail("rows without a commit time (soak triggers missing?)", f"{unobserved} rows")
    stats: Counter[str] = Counter()
    ended: Counter[str] = Counter()
    for conversation_id, evs in events.items():
        evs.sort(key=lambda e: (e.commit, e.order, e.row["created_at"]))
        _replay(conversation_id, evs, kinds, answered, after, stats, ended, conversation_id in waiting)
    answered.rows = [
        ["conversations", len(events)],
        ["turns answered by the AI", stats["answered"]],
        ["  of them bursts (2+ messages, one answer)", stats["burst answered"]],
        ["turns closed by a transition before an answer", sum(ended.values())],
        *[[f"  {reason}", count] for reason, count in sorted(ended.items())],
        ["AI hand-offs (one message each)", stats["hand-offs"]],
        *[
            [f"  {k.removeprefix('hand-off: ')}", v]
            for k, v in sorted(stats.items())
            if k.startswith("hand-off: ")
        ],
        ["guest messages while a person had the conversation", stats["with staff"]],
    ]
    after.rows = [
        ["conversations taken from the AI", stats["left ai"]],
        ["AI messages in them after that", stats["ai after"]],
    ]
    return answered, after


def _replay(
    conversation_id: Any,
    evs: list[Event],
    kinds: dict[str, str],
    answered: Check,
    after: Check,
    stats: Counter[str],
    ended: Counter[str],
    waiting: bool,
) -> None:
    state = "ai"
    pending: list[Any] = []
    chat = next((e.row["chat_id"] for e in evs if e.kind != "move"), "?")
    groups: dict[int, list[Event]] = defaultdict(list)
    for e in evs:
        groups[e.commit[1]].append(e)
    for e in evs:
        row = e.row
        if e.kind == "guest":
            if state == "ai":
                pending.append(row)
            else:
                stats["with staff"] += 1
        elif e.kind == "ai":
            if state != "ai":
                stats["ai after"] += 1
                after.fail(
                    f"AI message while the conversation was {state}",
                    f"{chat} conversation {conversation_id}: {(row['text'] or '')[:60]!r}",
                )
            elif not pending:
                answered.fail(
                    "a turn answered twice",
                    f"{chat}: AI {(row['text'] or '')[:50]!r} with no guest message since the last answer",
                )
            else:
                latest = max(pending, key=lambda m: (m["created_at"], m["id"]))
                if row["ai_trigger_message_id"] != latest["id"]:
                    trigger = next((m for m in pending if m["id"] == row["ai_trigger_message_id"]), None)
                    answered.fail(
                        "answered while a newer guest message was stored (a second answer follows)",
                        f"{chat}: answered {trigger['text'] if trigger else row['ai_trigger_message_id']!r}, "
                        f"newest was {latest['text']!r}",
                    )
                stats["answered"] += 1
                if len(pending) > 1:
                    stats["burst answered"] += 1
                pending = []
        elif e.kind == "move":
            if row["from_state"] == "ai" and row["to_state"] != "ai":
                stats["left ai"] += 1
                ais = [x for x in groups[e.commit[1]] if x.kind == "ai"]
                if row["actor"] == "ai" or row["reason"] == "ai_failure":
                    stats["hand-offs"] += 1
                    stats[f"hand-off: {row['reason']}"] += 1
                    if len(ais) != 1:
                        answered.fail(
                            f"hand-off ({row['reason']}) with {len(ais)} messages to the guest",
                            f"{chat} conversation {conversation_id}",
                        )
                if pending:
                    ended[f"{row['to_state']} ({row['reason']})"] += 1
                    pending = []
            state = row["to_state"]
    if state == "ai" and pending:
        latest = max(pending, key=lambda m: (m["created_at"], m["id"]))
        answered.fail(
            # still pending: the drain ran out first; never: nothing will answer it
            "turn not answered yet (its AI turn still pending)" if waiting else "turn never answered",
            f"{chat}: {len(pending)} message(s), latest {latest['text']!r} "
            f"({kinds.get(latest['provider_message_id'], '?')}, stored {latest['created_at']:%H:%M:%S})",
        )


async def sent_once(http: Any, green_url: str, instances: dict[Any, int], messages: list[Any]) -> Check:
    """Per chat and text, sends in the simulator's journal against our outgoing rows. Run with the
    worker stopped: a row still ``sending`` may have gone out (its id not recorded yet), so the
    multiset of texts decides: more sends of a text than rows with it is a second send.
    ``instances``: each hotel's Green API instance."""
    check = Check("no message sent twice (the simulator's journal against our outbox)")
    ours: dict[str, list[Any]] = defaultdict(list)
    instance_of: dict[str, int] = {}
    for m in messages:
        if m["direction"] == "out":
            ours[m["chat_id"]].append(m)
            instance_of[m["chat_id"]] = instances[m["hotel_id"]]
    journal_total = 0
    for chat_id, rows in ours.items():
        response = await http.get(f"{green_url}/sim/chats/{instance_of[chat_id]}/{chat_id}")
        journal = [e for e in response.json()["messages"] if e["direction"] == "outgoing" and e["sendByApi"]]
        journal_total += len(journal)
        ids = Counter(e["idMessage"] for e in journal)
        sends = Counter(e["text"] for e in journal)
        texts = Counter(m["text"] for m in rows)
        for text, count in sends.items():
            if count > texts[text]:
                check.fail(
                    "sent more often than we wrote it (a second send)",
                    f"{chat_id} {text[:50]!r}: {count} sends, {texts[text]} of our messages",
                )
        shared = Counter(m["provider_message_id"] for m in rows if m["provider_message_id"])
        for id_message, count in shared.items():
            if count > 1:  # one send adopted by two rows: the other reply never went out
                both = [(m["text"] or "")[:40] for m in rows if m["provider_message_id"] == id_message]
                check.fail(
                    "one send recorded for several of our messages", f"{chat_id} {id_message} {both!r}"
                )
        for m in rows:
            if m["status"] in ("queued", "sending", "failed"):
                check.fail(f"not sent ({m['status']})", f"{chat_id} {m['author']} {(m['text'] or '')[:50]!r}")
            elif ids[m["provider_message_id"]] != 1:
                check.fail(
                    f"at the simulator {ids[m['provider_message_id']]} times",
                    f"{chat_id} {m['provider_message_id']} {(m['text'] or '')[:50]!r}",
                )
    outbound = sum(len(rows) for rows in ours.values())
    check.rows = [["our outgoing messages", outbound], ["sends in the simulator's journal", journal_total]]
    return check


@dataclass
class Probe:
    number: int
    after: str  # the fault it follows
    sent: Sent | None


def live(probes: list[Probe], sockets: list[LiveSocket], messages: list[Any], within: float) -> Check:
    """Each probe, from the moment its row was committed (a webhook backlog at the simulator delays
    the storing, which the other checks judge), on every socket."""
    check = Check(f"live sockets showed the message stored after each fault (within {within:g} s)")
    stored = {m["provider_message_id"]: m["committed"] for m in messages if m["author"] == "guest"}
    rows: list[list[object]] = []
    for probe in probes:
        name = f"probe {probe.number} after {probe.after}"
        if probe.sent is None:
            check.fail("probe not accepted by the simulator", name)
            continue
        committed = stored.get(probe.sent.id_message)
        if committed is None:
            check.fail("probe never stored", name)
            rows.append([name, "never stored"])
            continue
        at = committed.timestamp()
        delays = []
        for sock in sockets:
            seen = sock.probes.get(probe.number)
            if seen is None or seen - at > within:
                late = "never" if seen is None else f"after {seen - at:.1f} s"
                check.fail("not shown", f"{name} on {sock.name}: {late}")
            else:
                delays.append(seen - at)
        worst = f"{max(delays):.2f} s" if delays else "-"
        rows.append(
            [
                name,
                f"stored {at - probe.sent.at:.1f} s after sending; "
                f"on {len(delays)}/{len(sockets)}, slowest {worst}",
            ]
        )
    check.rows = rows
    return check


async def keep_evidence(dsn: str, hotel_ids: list[Any], log_dir: Any) -> None:
    """On failure: the hotels' messages and transitions with their commit times, beside the logs."""
    import asyncpg

    queries = {
        "messages.csv": "SELECT m.*, r.xmin::text AS xid, pg_xact_commit_timestamp(r.xmin) AS committed "
        "FROM messages m LEFT JOIN soak_rows r ON r.row_id = m.id WHERE m.hotel_id IN ({h}) "
        "ORDER BY m.chat_id, committed",
        "state_transitions.csv": "SELECT t.*, r.xmin::text AS xid, "
        "pg_xact_commit_timestamp(r.xmin) AS committed FROM state_transitions t "
        "LEFT JOIN soak_rows r ON r.row_id = t.id WHERE t.hotel_id IN ({h}) "
        "ORDER BY t.conversation_id, committed",
    }
    hotels = ", ".join(f"'{h}'" for h in hotel_ids)
    conn = await asyncpg.connect(dsn)
    try:
        for name, query in queries.items():
            await conn.copy_from_query(
                query.format(h=hotels), output=str(log_dir / name), format="csv", header=True
            )
    finally:
        await conn.close()


def _clock(at: float) -> str:
    return datetime.datetime.fromtimestamp(at, datetime.UTC).strftime("%H:%M:%S")


async def waiting_turns(dsn: str, hotel_ids: list[Any]) -> set[Any]:
    import asyncpg

    conn = await asyncpg.connect(dsn)
    try:
        rows = await conn.fetch(
            "SELECT id FROM conversations WHERE hotel_id = ANY($1::uuid[]) AND ai_pending_since IS NOT NULL",
            hotel_ids,
        )
    finally:
        await conn.close()
    return {r["id"] for r in rows}
