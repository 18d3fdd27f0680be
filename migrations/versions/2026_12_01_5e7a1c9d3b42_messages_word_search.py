"""messages: a full-text index for the inbox's search by a word of a message

Revision ID: 5e7a1c9d3b42
Revises: a7c3e1f20b64
Create Date: 2026-12-01 17:00:00

The inbox search looked for a guest's words with ``ILIKE '%…%'`` over every message of the hotel:
no index can serve that, so it read them all (a million messages: seconds). It now finds the
messages holding each word of the query (a word, or the start of one) through this GIN index of
``to_tsvector('simple', text)``, and keeps ``ILIKE`` only to check the whole query against those
few (``domain/conversations/inbox.py``). ``simple``: every language the guests write, no stemming
and no stop words, so a word is found as it was written.

pg_trgm would also serve substrings inside words, but it is an extension the embedded PostgreSQL
the demo and tests run (the pgserver wheel) does not ship; full-text search is built in.

``fastupdate = off``: each message enters the index as it is stored, instead of a pending list
that some unlucky webhook then merges (a latency spike in the ingest path). Building the index on
an existing installation reads every message once and blocks writes to ``messages`` meanwhile
(about half a minute per million messages); run it in a quiet hour.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "5e7a1c9d3b42"
down_revision: str | None = "a7c3e1f20b64"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute(
        "CREATE INDEX ix_messages_text_words ON messages "
        "USING gin (to_tsvector('simple'::regconfig, text)) WITH (fastupdate = off)"
    )


def downgrade() -> None:
    op.execute("DROP INDEX ix_messages_text_words")
