"""ingest_guest_message(): a guest message stored in one call

Revision ID: e41b9f0a6c27
Revises: d2a8c7e31f04
Create Date: 2026-11-30 08:40:00

Every webhook carrying a guest message calls this function once (domain/conversations/ingest_sql.py).
It replaces one large statement with data-modifying CTEs: PostgreSQL planned that statement anew
on every call (more CPU than running it), and found the conversation by scanning all of the hotel's
conversations. Here each step is a small statement on a unique index, planned once per connection,
and each sees what concurrent transactions committed before it (read committed), so a race with
another message of the same guest needs no second round trip.

A later change to guests, conversations or messages that this function writes needs a migration
that replaces it (CREATE OR REPLACE).
"""

from collections.abc import Sequence

from alembic import op

revision: str = "e41b9f0a6c27"
down_revision: str | None = "d2a8c7e31f04"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INGEST_GUEST_MESSAGE = r"""
CREATE OR REPLACE FUNCTION ingest_guest_message(
    p_guest_id uuid, p_hotel_id uuid, p_chat_id text, p_phone text, p_name text, p_is_group boolean,
    p_now timestamptz, p_conversation_id uuid, p_message_id uuid,
    p_type_message text, p_text text, p_sender_name text, p_sender_id text,
    p_media_url text, p_media_mime text, p_media_file_name text,
    p_latitude double precision, p_longitude double precision, p_details jsonb,
    p_quoted_provider_id text, p_quoted_text text, p_provider_message_id text,
    p_provider_timestamp bigint, p_preview text, p_may_wake_ai boolean
) RETURNS TABLE (message_id uuid, conversation_id uuid, previous_state text)
LANGUAGE plpgsql AS $$
DECLARE
    v_guest uuid;
    v_fresh boolean;
    v_conversation uuid;
    v_state conversation_state;
    v_tries integer := 0;
    v_opened boolean := false;
BEGIN
    -- The guest. A known one is rewritten only when the name changed or a minute has passed:
    -- most messages cost no guest row version, and no row lock either.
    SELECT g.id, g.last_inbound_at >= p_now - interval '1 minute'
                 AND (coalesce(p_name, '') = '' OR p_name = g.name)
      INTO v_guest, v_fresh
      FROM guests g WHERE g.hotel_id = p_hotel_id AND g.chat_id = p_chat_id;
    IF v_guest IS NULL OR v_fresh IS NOT TRUE THEN
        INSERT INTO guests AS g (
            id, hotel_id, chat_id, phone, name, is_group, last_inbound_at, created_at, updated_at
        ) VALUES (p_guest_id, p_hotel_id, p_chat_id, p_phone, p_name, p_is_group, p_now, p_now, p_now)
        ON CONFLICT (hotel_id, chat_id) DO UPDATE SET
            name = coalesce(nullif(EXCLUDED.name, ''), g.name),
            last_inbound_at = greatest(g.last_inbound_at, EXCLUDED.last_inbound_at),
            updated_at = EXCLUDED.updated_at
        RETURNING g.id INTO v_guest;
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

    -- The message; nothing more for a duplicate.
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
        RETURN QUERY SELECT p_message_id, v_conversation, 'ai'::text;
        RETURN;
    END IF;

    -- Bring the conversation up to date. Each UPDATE re-reads the row's newest version under its
    -- row lock, so the state returned is the one this message found, even in a race with staff.
    LOOP
        UPDATE conversations c SET
            last_message_at = p_now,
            last_guest_message_at = p_now,
            last_message_preview = p_preview,
            ai_pending_since = CASE WHEN p_may_wake_ai AND c.state = 'ai'
                                    THEN coalesce(c.ai_pending_since, p_now)
                                    ELSE c.ai_pending_since END,
            updated_at = p_now
          WHERE c.id = v_conversation AND c.state <> 'resolved'
          RETURNING c.state INTO v_state;
        IF v_state IS NOT NULL THEN
            RETURN QUERY SELECT p_message_id, v_conversation, v_state::text;
            RETURN;
        END IF;
        -- A resolved conversation reopens to the AI.
        UPDATE conversations c SET
            state = 'ai',
            last_message_at = p_now,
            last_guest_message_at = p_now,
            last_message_preview = p_preview,
            ai_pending_since = CASE WHEN p_may_wake_ai THEN coalesce(c.ai_pending_since, p_now)
                                    ELSE c.ai_pending_since END,
            assigned_staff_id = NULL,
            needs_human_since = NULL,
            handoff_reason = NULL,
            updated_at = p_now
          WHERE c.id = v_conversation AND c.state = 'resolved';
        IF FOUND THEN
            RETURN QUERY SELECT p_message_id, v_conversation, 'resolved'::text;
            RETURN;
        END IF;
        v_tries := v_tries + 1;  -- the state changed between the two: read it again
        IF v_tries >= 5 THEN
            RAISE EXCEPTION 'conversation % kept changing state', v_conversation
                USING ERRCODE = 'serialization_failure';
        END IF;
    END LOOP;
END
$$
"""


def upgrade() -> None:
    op.execute(INGEST_GUEST_MESSAGE)


def downgrade() -> None:
    op.execute(
        "DROP FUNCTION ingest_guest_message(uuid, uuid, text, text, text, boolean, timestamptz, uuid, uuid, "
        "text, text, text, text, text, text, text, double precision, double precision, jsonb, text, text, "
        "text, bigint, text, boolean)"
    )
