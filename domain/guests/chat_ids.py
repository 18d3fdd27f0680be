"""What a WhatsApp chat id says about the person behind it. Pure functions, no I/O.

A person's chat is ``<number>@c.us`` (their phone number) or, now that WhatsApp phases numbers out
as ids, ``<digits>@lid``: digits that are not a phone number and must never be turned into one.
One person can reach the hotel under both (docs/external-apis.md §A9). Groups are ``…@g.us``.
"""

from __future__ import annotations

import hashlib

PHONE_SUFFIX = "@c.us"
LID_SUFFIX = "@lid"
GROUP_SUFFIX = "@g.us"


def is_lid(chat_id: str) -> bool:
    return chat_id.endswith(LID_SUFFIX)


def number_of(chat_id: str) -> str | None:
    """The phone number's digits of a ``…@c.us`` chat id; None for a lid or a group."""
    digits = chat_id.removesuffix(PHONE_SUFFIX)
    return digits if chat_id.endswith(PHONE_SUFFIX) and digits.isdigit() else None


def chat_of_number(digits: str) -> str:
    return digits + PHONE_SUFFIX


MAX_PHONE = 40  # the width of guests.phone; a chat id may be up to 120 characters


def phone_of(chat_id: str) -> str:
    """``491701234567@c.us`` → ``+491701234567``. A lid or a group has no number: its id stands in,
    and one longer than the column keeps its start and a digest of the whole (phones are unique per
    hotel, so two long ids with the same start must not become one)."""
    digits = number_of(chat_id)
    phone = "+" + digits if digits else chat_id
    if len(phone) <= MAX_PHONE:
        return phone
    digest = hashlib.sha256(phone.encode()).hexdigest()[:12]
    return f"{phone[: MAX_PHONE - len(digest) - 1]}~{digest}"


def is_phone_number(phone: str) -> bool:
    """True for ``+491701234567``; False for the chat id that stands in where no number is known."""
    return phone.startswith("+") and phone[1:].isdigit()


def chat_from_sender_phone(chat_id: str, sender_phone: str | None) -> str | None:
    """The ``…@c.us`` id a lid message's ``senderPhoneNumber`` names, when the webhook carried one."""
    if not sender_phone or not is_lid(chat_id):
        return None
    return chat_of_number(sender_phone)


def lookup_keys(given: str) -> list[str]:
    """What a guest named by staff (``+49 170 1234567``, ``491701234567@c.us``, ``…@lid``) may be
    stored as, in ``phone``, ``chat_id`` or ``alt_chat_id``. Empty when it names nobody."""
    text = given.strip()
    if is_lid(text):
        digits = text.removesuffix(LID_SUFFIX)
        return [digits + LID_SUFFIX] if digits.isdigit() else []
    digits = "".join(ch for ch in text.removesuffix(PHONE_SUFFIX) if ch.isdigit())
    return ["+" + digits, chat_of_number(digits)] if digits else []


def should_link(chat_id: str, *, created: bool, alt_chat_id: str | None, other_chat_id: str | None) -> bool:
    """Whether the worker should look at a guest's ids after a message of theirs: when the message
    made the guest (``checkWhatsapp`` tells a number's lid), or when the webhook named an id the
    guest does not have yet (link it, or merge the two guests who go by them). Not for every
    message: one job per guest keeps the webhook cheap."""
    if chat_id.endswith(GROUP_SUFFIX):
        return False
    return created or (other_chat_id is not None and alt_chat_id is None)
