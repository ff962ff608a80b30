"""Fast receipt index, per-signal KDF parameters, no insertion order, opens and meta tables.

* ``signals``: the old Argon2id-derived ``lookup_key`` becomes ``legacy_lookup_key`` and the
  row is marked ``receipt_scheme = 1``; it still opens through the old path and moves to the
  new scheme (fast ``lookup_key``, own salt and KDF parameters) on its first open.
* ``signals``, ``signal_messages``, ``signal_wraps`` are rebuilt ``WITHOUT ROWID`` on SQLite
  (stored in primary-key order, so no rowid tells the order of submissions), rows copied in
  key order (which also reshuffles PostgreSQL's heap); ``signal_messages`` loses its
  autoincrement ``id`` and is keyed by (signal_id, sequence).
* ``signal_opens`` counts successful opens per signal and hour; ``receipt_attempts`` is
  rebuilt (empty) ``WITHOUT ROWID`` like it; ``meta`` keeps the fingerprint of the server
  secret in force.

The children are parked in plain tables while ``signals`` is rebuilt: dropping a parent
table runs an implicit DELETE, which would cascade into them (https://sqlite.org/lang_droptable.html).

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from bot.errors import StorageError

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

NO_ROWID = {"sqlite_with_rowid": False}
_SIGNAL_COLUMNS = (
    "id, public_key, receipt_wrap, status, adviser_id, created_on, acknowledged_on, "
    "closed_on, next_sequence, reporter_seen"
)


def upgrade() -> None:
    _park("signal_messages", "signal_id, sequence, author, created_on, sealed")
    _park("signal_wraps", "signal_id, adviser_id, sealed")
    op.drop_table("signal_messages")
    op.drop_table("signal_wraps")
    _rebuild_signals()
    _create_children()
    op.execute(
        "INSERT INTO signal_wraps (signal_id, adviser_id, sealed) "
        "SELECT signal_id, adviser_id, sealed FROM parked_signal_wraps "
        "ORDER BY signal_id, adviser_id"
    )
    op.execute(
        "INSERT INTO signal_messages (signal_id, sequence, author, created_on, sealed) "
        "SELECT signal_id, sequence, author, created_on, sealed FROM parked_signal_messages "
        "ORDER BY signal_id, sequence"
    )
    op.drop_table("parked_signal_wraps")
    op.drop_table("parked_signal_messages")
    _create_counters_and_meta()


def _park(table: str, columns: str) -> None:
    op.execute(f"CREATE TABLE parked_{table} AS SELECT {columns} FROM {table}")  # noqa: S608


def _rebuild_signals() -> None:
    op.create_table(
        "signals_0004",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("lookup_key", sa.LargeBinary(), nullable=True, unique=True),
        sa.Column("legacy_lookup_key", sa.LargeBinary(), nullable=True, unique=True),
        sa.Column("receipt_scheme", sa.Integer(), nullable=False),
        sa.Column("receipt_salt", sa.LargeBinary(), nullable=True),
        sa.Column("receipt_kdf", sa.String(200), nullable=True),
        sa.Column("public_key", sa.LargeBinary(), nullable=False),
        sa.Column("receipt_wrap", sa.LargeBinary(), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column(
            "adviser_id",
            sa.String(32),
            sa.ForeignKey("advisers.id", ondelete="SET NULL"),
            nullable=True,
        ),
        sa.Column("created_on", sa.Date(), nullable=False),
        sa.Column("acknowledged_on", sa.Date(), nullable=True),
        sa.Column("closed_on", sa.Date(), nullable=True),
        sa.Column("next_sequence", sa.Integer(), nullable=False),
        sa.Column("reporter_seen", sa.Integer(), nullable=False),
        **NO_ROWID,
    )
    op.execute(
        f"INSERT INTO signals_0004 (legacy_lookup_key, receipt_scheme, {_SIGNAL_COLUMNS}) "  # noqa: S608
        f"SELECT lookup_key, 1, {_SIGNAL_COLUMNS} FROM signals ORDER BY id"
    )
    op.drop_table("signals")
    op.rename_table("signals_0004", "signals")
    if op.get_bind().dialect.name == "postgresql":
        # Renaming a table keeps its constraints' names; give them the usual ones.
        for suffix in ("pkey", "lookup_key_key", "legacy_lookup_key_key"):
            op.execute(
                f"ALTER TABLE signals RENAME CONSTRAINT signals_0004_{suffix} TO signals_{suffix}"
            )
    op.create_index("ix_signals_status", "signals", ["status"])
    op.create_index("ix_signals_adviser_id", "signals", ["adviser_id"])
    op.create_index("ix_signals_closed_on", "signals", ["closed_on"])


def _create_children() -> None:
    op.create_table(
        "signal_wraps",
        sa.Column(
            "signal_id",
            sa.String(32),
            sa.ForeignKey("signals.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column(
            "adviser_id",
            sa.String(32),
            sa.ForeignKey("advisers.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("sealed", sa.LargeBinary(), nullable=False),
        **NO_ROWID,
    )
    op.create_table(
        "signal_messages",
        sa.Column(
            "signal_id",
            sa.String(32),
            sa.ForeignKey("signals.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("sequence", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("author", sa.String(10), nullable=False),
        sa.Column("created_on", sa.Date(), nullable=False),
        sa.Column("sealed", sa.LargeBinary(), nullable=False),
        **NO_ROWID,
    )


def _create_counters_and_meta() -> None:
    # Counts of the last quarter of an hour only: rebuilt empty rather than copied.
    op.drop_table("receipt_attempts")
    for table in ("receipt_attempts", "signal_opens"):
        op.create_table(
            table,
            sa.Column("bucket", sa.String(64), primary_key=True),
            sa.Column("window", sa.Integer(), primary_key=True),
            sa.Column("count", sa.Integer(), nullable=False),
            **NO_ROWID,
        )
    op.create_table(
        "meta",
        sa.Column("key", sa.String(64), primary_key=True),
        sa.Column("value", sa.String(200), nullable=False),
    )


def downgrade() -> None:
    # Signals sealed under scheme 2 have no lookup key the 0003 code could find, so going
    # back would orphan their receipts; restore the backup taken before upgrading instead.
    raise StorageError("revision 0004 cannot be undone without orphaning receipts")
