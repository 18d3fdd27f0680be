"""guests known by their lid and their number: a second chat id, and ingest that finds either

Revision ID: 956820b90eba
Revises: 800ce680b78c
Create Date: 2026-12-01 09:56:39

WhatsApp now names people ``…@lid`` as well as ``<number>@c.us``, and one person can reach the hotel
under both (docs/external-apis.md §A9). A guest gets ``alt_chat_id`` (the other id, once learnt) and
``ids_checked_at`` (when the worker asked Green API for it); ``chat_id``, ``alt_chat_id`` and
``phone`` are each unique per hotel, so one person is one guest.

``ingest_guest_message()`` is replaced (its arguments and answer change, so DROP and CREATE): it
finds the guest by either id, or by the number a lid message's webhook names, and answers what the
worker needs to decide whether to link the guest's ids.
"""

from collections.abc import Sequence

import advanced_alchemy.types
import sqlalchemy as sa
from alembic import context, op

revision: str = "956820b90eba"
down_revision: str | None = "800ce680b78c"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PREVIOUS_SIGNATURE = (
    "ingest_guest_message(uuid, uuid, text, text, text, boolean, timestamptz, uuid, uuid, text, text, "
    "text, text, text, text, text, double precision, double precision, jsonb, text, text, text, bigint, "
    "text, boolean)"
)
SIGNATURE = PREVIOUS_SIGNATURE.removesuffix(")") + ", text)"

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
    message_id uuid, conversation_id uuid, previous_state text,
    guest uuid, guest_alt_chat_id text, guest_created boolean
)
LANGUAGE plpgsql AS $$
DECLARE
    v_guest uuid;
    v_fresh boolean;
    v_alt text;
    v_created boolean := false;
    v_conversation uuid;
    v_state conversation_state;
    v_tries integer := 0;
    v_opened boolean := false;
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
        RETURN QUERY SELECT p_message_id, v_conversation, 'ai'::text, v_guest, v_alt, v_created;
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
            RETURN QUERY SELECT p_message_id, v_conversation, v_state::text, v_guest, v_alt, v_created;
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
            RETURN QUERY SELECT p_message_id, v_conversation, 'resolved'::text, v_guest, v_alt, v_created;
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
    op.add_column("guests", sa.Column("alt_chat_id", sa.String(length=120), nullable=True))
    op.add_column(
        "guests",
        sa.Column(
            "ids_checked_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=True
        ),
    )
    op.create_index(
        "uq_guests_hotel_id_alt_chat_id",
        "guests",
        ["hotel_id", "alt_chat_id"],
        unique=True,
        postgresql_where=sa.text("alt_chat_id IS NOT NULL"),
    )
    # phone is derived from chat_id for every existing row (the number, or the chat id), so it is
    # unique already.
    op.create_index("uq_guests_hotel_id_phone", "guests", ["hotel_id", "phone"], unique=True)
    # Guests of before are not asked about (a checkWhatsapp each would be a burst of calls, and the
    # partial index above would hold them all): an echo or a status of our next send to them names
    # their lid (docs/external-apis.md §A9).
    op.execute("UPDATE guests SET ids_checked_at = now()")
    op.create_index(
        "ix_guests_ids_unchecked",
        "guests",
        ["created_at"],
        unique=False,
        postgresql_where=sa.text("ids_checked_at IS NULL"),
    )
    op.execute(f"DROP FUNCTION {PREVIOUS_SIGNATURE}")
    op.execute(INGEST_GUEST_MESSAGE)


def downgrade() -> None:
    op.execute(f"DROP FUNCTION {SIGNATURE}")
    # The function as the previous revision created it, from that migration itself.
    previous = context.script.get_revision("e41b9f0a6c27")
    op.execute(previous.module.INGEST_GUEST_MESSAGE)  # type: ignore[union-attr]
    op.drop_index("uq_guests_hotel_id_phone", table_name="guests")
    op.drop_index(
        "uq_guests_hotel_id_alt_chat_id",
        table_name="guests",
        postgresql_where=sa.text("alt_chat_id IS NOT NULL"),
    )
    op.drop_index(
        "ix_guests_ids_unchecked", table_name="guests", postgresql_where=sa.text("ids_checked_at IS NULL")
    )
    op.drop_column("guests", "ids_checked_at")
    op.drop_column("guests", "alt_chat_id")
