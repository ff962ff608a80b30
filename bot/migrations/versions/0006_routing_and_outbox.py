"""Routing and delivery: advisers' e-mail and absences, the outbox, digests run.

Revision ID: 0006
Revises: 0005

The outbox tables are ``WITHOUT ROWID`` on SQLite with random keys, like the signal tables:
a rowid would tell in which order notices, and so the reporters' actions, came in.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

NO_ROWID = {"sqlite_with_rowid": False}


def upgrade() -> None:
    op.add_column("advisers", sa.Column("email", sa.String(254), nullable=True))
    op.create_table(
        "adviser_absences",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column(
            "adviser_id",
            sa.String(32),
            sa.ForeignKey("advisers.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
    )
    op.create_index("ix_adviser_absences_adviser_id", "adviser_absences", ["adviser_id"])
    op.create_table(
        "deliveries",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("recipient", sa.String(32), nullable=False),
        sa.Column("channel", sa.String(20), nullable=False),
        sa.Column("local_date", sa.Date(), nullable=False),
        sa.Column("idempotency_key", sa.String(64), nullable=False, unique=True),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.String(200), nullable=True),
        **NO_ROWID,
    )
    op.create_index("ix_deliveries_recipient", "deliveries", ["recipient"])
    op.create_index("ix_deliveries_status", "deliveries", ["status"])
    op.create_index("ix_deliveries_next_attempt_at", "deliveries", ["next_attempt_at"])
    op.create_table(
        "delivery_items",
        sa.Column("item_key", sa.String(64), primary_key=True),
        sa.Column(
            "delivery_id",
            sa.String(32),
            sa.ForeignKey("deliveries.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column(
            "signal_id",
            sa.String(32),
            sa.ForeignKey("signals.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("kind", sa.String(20), nullable=False),
        **NO_ROWID,
    )
    op.create_index("ix_delivery_items_delivery_id", "delivery_items", ["delivery_id"])
    op.create_index("ix_delivery_items_signal_id", "delivery_items", ["signal_id"])
    op.create_table(
        "digest_runs",
        sa.Column("recipient", sa.String(32), primary_key=True),
        sa.Column("local_date", sa.Date(), primary_key=True),
    )


def downgrade() -> None:
    op.drop_table("digest_runs")
    op.drop_table("delivery_items")
    op.drop_table("deliveries")
    op.drop_table("adviser_absences")
    with op.batch_alter_table("advisers") as advisers:
        advisers.drop_column("email")
