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

The index keeps its pending list (``fastupdate``, PostgreSQL's default) but a small one
(``gin_pending_list_limit`` 256 kB): a new message goes into the list with one cheap write, and
the list is merged into the index by autovacuum or, once it is full, by the insert that fills it.
Entering every message straight into the index (``fastupdate = off``) wrote four times the WAL per
webhook and cost ingest about a tenth of its throughput (``bench.ingest``, 1,774 against 1,942
webhooks/s); the default 4 MB list would make that one unlucky insert merge sixteen times as much.

Building the index on an existing installation reads every message once and blocks writes to
``messages`` meanwhile (about half a minute per million messages); run it in a quiet hour.
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
        "USING gin (to_tsvector('simple'::regconfig, text))"
        " WITH (fastupdate = on, gin_pending_list_limit = 256)"
    )


def downgrade() -> None:
    op.execute("DROP INDEX ix_messages_text_words")
