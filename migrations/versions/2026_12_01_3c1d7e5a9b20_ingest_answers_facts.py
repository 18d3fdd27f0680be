"""ingest_guest_message() stores and answers facts; the reopen is Python's to decide

Revision ID: 3c1d7e5a9b20
Revises: 956820b90eba
Create Date: 2026-12-01 14:00:00

The function decided a rule of the state machine itself: a guest message reopened a resolved
conversation to the AI, in plpgsql, a second time beside ``rules.py``. It now stores the guest, the
conversation and the message as before, in one call, and answers the conversation's facts as the
message found them (state, whose hands, the hand-off, the AI's pending mark); ``rules.transition``
decides, and ingest applies a change (rare: a resolved conversation) with one more statement.
Its arguments are unchanged, its answer is not, so DROP and CREATE.
"""

from collections.abc import Sequence

from alembic import context, op

revision: str = "3c1d7e5a9b20"
down_revision: str | None = "956820b90eba"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SIGNATURE = (
    "ingest_guest_message(uuid, uuid, text, text, text, boolean, timestamptz, uuid, uuid, text, text, "
    "text, text, text, text, text, double precision, double precision, jsonb, text, text, text, bigint, "
    "text, boolean, text)"
)

INGEST_GUEST_MESSAGE = r"""
CREATE FUNCTION ingest_guest_message(
    p_guest_id uuid, p_hotel_id uuid, p_chat_id text, p_phone text, p_name text, p_is_group boolean,
    p_now timestamptz, p_conversation_id uuid, p_message_id uuid,
    p_type_message text, p_text text, p_sender_name text, p_sender_id text,
    p_media_url text, p_media_mime text, p_media_file_name text,
    p_latitude double precision, p_longitude double precision, p_details jsonb,
    p_quoted_provider_id text, p_quoted_text text, p_provider_message_id text,
    p_provider_timestamp bigint, p_preview text, p_may_wake_ai boolean, p_other_chat_id text
) RETURNS TABLE (
    message_id uuid, conversation_id uuid, state text, assigned_staff_id uuid,
    needs_human_since timestamptz, handoff_reason text, handoff_summary text,
    ai_pending_since timestamptz, guest uuid, guest_alt_chat_id text, guest_created boolean
)
LANGUAGE plpgsql AS $$
DECLARE
    v_guest uuid;
    v_fresh boolean;
    v_alt text;
    v_created boolean := false;
    v_conversation uuid;
    v_opened boolean := false;
    v_state text;
    v_assigned uuid;
    v_waiting_since timestamptz;
    v_reason text;
    v_summary text;
    v_pending timestamptz;
BEGIN
    -- The guest, by the id this message came from: the one they first wrote from (nearly every
    -- message finds it here, on one index probe), else the other id the worker linked to them.
    -- Each lookup reads the guest's id, whether its row needs no rewrite for this message (the
    -- name did not change and it wrote less than a minute ago), and its other id.
    SELECT g.id, g.last_inbound_at >= p_now - interval '1 minute'
                 AND (coalesce(p_name, '') = '' OR p_name = g.name),
           g.alt_chat_id
      INTO v_guest, v_fresh, v_alt
      FROM guests g WHERE g.hotel_id = p_hotel_id AND g.chat_id = p_chat_id;
    IF v_guest IS NULL THEN
        SELECT g.id, g.last_inbound_at >= p_now - interval '1 minute'
                     AND (coalesce(p_name, '') = '' OR p_name = g.name),
               g.alt_chat_id
          INTO v_guest, v_fresh, v_alt
          FROM guests g WHERE g.hotel_id = p_hotel_id AND g.alt_chat_id = p_chat_id;
    END IF;
    -- A lid message whose webhook named the sender's number: whoever the hotel knows by that
    -- number is the same person (the worker then links the lid to them).
    IF v_guest IS NULL AND p_other_chat_id IS NOT NULL THEN
        SELECT g.id, g.last_inbound_at >= p_now - interval '1 minute'
                     AND (coalesce(p_name, '') = '' OR p_name = g.name),
               g.alt_chat_id
          INTO v_guest, v_fresh, v_alt
          FROM guests g
         WHERE g.hotel_id = p_hotel_id
           AND (g.chat_id = p_other_chat_id OR g.alt_chat_id = p_other_chat_id)
         LIMIT 1;
    END IF;
    -- A known guest is rewritten only when the name changed or a minute has passed: most messages
    -- cost no guest row version, and no row lock either.
    IF v_guest IS NULL THEN
        INSERT INTO guests AS g (
            id, hotel_id, chat_id, alt_chat_id, phone, name, is_group, last_inbound_at, created_at,
            updated_at
        ) VALUES (
            p_guest_id, p_hotel_id, p_chat_id, p_other_chat_id, p_phone, p_name, p_is_group, p_now,
            p_now, p_now
        )
        ON CONFLICT (hotel_id, chat_id) DO UPDATE SET
            name = coalesce(nullif(EXCLUDED.name, ''), g.name),
            last_inbound_at = greatest(g.last_inbound_at, EXCLUDED.last_inbound_at),
            updated_at = EXCLUDED.updated_at
        RETURNING g.id, g.alt_chat_id, g.xmax = 0 INTO v_guest, v_alt, v_created;  -- xmax 0: inserted
    ELSIF v_fresh IS NOT TRUE THEN
        UPDATE guests g SET
            name = coalesce(nullif(p_name, ''), g.name),
            last_inbound_at = greatest(g.last_inbound_at, p_now),
            updated_at = p_now
          WHERE g.id = v_guest;
    END IF;

    -- The conversation: the guest's one conversation, opened by the first message.
    SELECT c.id INTO v_conversation
      FROM conversations c WHERE c.hotel_id = p_hotel_id AND c.guest_id = v_guest;
    IF v_conversation IS NULL THEN
        INSERT INTO conversations AS c (
            id, hotel_id, guest_id, state, last_message_preview, last_message_at, last_guest_message_at,
            ai_pending_since, created_at, updated_at
        ) VALUES (
            p_conversation_id, p_hotel_id, v_guest, 'ai', p_preview, p_now, p_now,
            CASE WHEN p_may_wake_ai THEN p_now END, p_now, p_now
        )
        ON CONFLICT (hotel_id, guest_id) DO NOTHING
        RETURNING c.id INTO v_conversation;
        IF v_conversation IS NULL THEN
            -- Another message of this guest opened it a moment ago; it is committed by now.
            SELECT c.id INTO STRICT v_conversation
              FROM conversations c WHERE c.hotel_id = p_hotel_id AND c.guest_id = v_guest;
        ELSE
            v_opened := true;  -- opened here, already up to date
        END IF;
    END IF;

    -- The message, under the id it came from; nothing more for a duplicate.
    INSERT INTO messages (
        id, hotel_id, conversation_id, chat_id, direction, author, type_message, text,
        sender_name, sender_id, media_url, media_mime, media_file_name, latitude, longitude,
        details, quoted_provider_id, quoted_text, provider_message_id, provider_timestamp,
        status, attempts, sources, created_at, updated_at
    ) VALUES (
        p_message_id, p_hotel_id, v_conversation, p_chat_id, 'in', 'guest', p_type_message, p_text,
        p_sender_name, p_sender_id, p_media_url, p_media_mime, p_media_file_name, p_latitude,
        p_longitude, p_details, p_quoted_provider_id, p_quoted_text, p_provider_message_id,
        p_provider_timestamp, 'received', 0, '{}', p_now, p_now
    )
    ON CONFLICT (hotel_id, chat_id, provider_message_id) DO NOTHING;
    IF NOT FOUND THEN
        RETURN;
    END IF;
    IF v_opened THEN
        RETURN QUERY SELECT p_message_id, v_conversation, 'ai'::text, NULL::uuid, NULL::timestamptz,
            NULL::text, NULL::text, CASE WHEN p_may_wake_ai THEN p_now END, v_guest, v_alt, v_created;
        RETURN;
    END IF;

    -- Bring the conversation up to date and answer its facts as this message found them: the
    -- UPDATE re-reads the row's newest version under its row lock, even in a race with staff.
    -- Whether the message moves the conversation (a resolved one reopens) is Python's to decide
    -- (domain/conversations/rules.py); only the AI's pending mark is kept here, where it costs no
    -- round trip: a guest message to a conversation with the AI starts (or keeps) its clock.
    UPDATE conversations c SET
        last_message_at = p_now,
        last_guest_message_at = p_now,
        last_message_preview = p_preview,
        ai_pending_since = CASE WHEN p_may_wake_ai AND c.state = 'ai'
                                THEN coalesce(c.ai_pending_since, p_now)
                                ELSE c.ai_pending_since END,
        updated_at = p_now
      WHERE c.id = v_conversation
      RETURNING c.state::text, c.assigned_staff_id, c.needs_human_since, c.handoff_reason,
                c.handoff_summary, c.ai_pending_since
           INTO v_state, v_assigned, v_waiting_since, v_reason, v_summary, v_pending;
    RETURN QUERY SELECT p_message_id, v_conversation, v_state, v_assigned, v_waiting_since, v_reason,
        v_summary, v_pending, v_guest, v_alt, v_created;
END
$$
"""


def upgrade() -> None:
    op.execute(f"DROP FUNCTION {SIGNATURE}")
    op.execute(INGEST_GUEST_MESSAGE)


def downgrade() -> None:
    op.execute(f"DROP FUNCTION {SIGNATURE}")
    # The function as the previous revision created it, from that migration itself.
    previous = context.script.get_revision("956820b90eba")
    op.execute(previous.module.INGEST_GUEST_MESSAGE)  # type: ignore[union-attr]
