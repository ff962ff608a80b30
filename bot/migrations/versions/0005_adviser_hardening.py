"""Adviser hardening: unlock limits, remembered recusals, disabling, a keyed audit chain.

Revision ID: 0005
Revises: 0004

Rows already in ``audit_log`` keep their plain SHA-256 digests (version 1); the first keyed
row (version 2) chains onto the last of them, so they stay anchored without the server key
(which a migration does not have). ``audit_head`` starts at the chain's current end.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

GENESIS = "0" * 64


def upgrade() -> None:
    op.add_column("advisers", sa.Column("disabled_on", sa.Date(), nullable=True))
    with op.batch_alter_table("audit_log") as audit_log:
        audit_log.add_column(
            sa.Column("version", sa.Integer(), nullable=False, server_default=sa.text("1"))
        )
    op.create_table(
        "audit_head",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("digest", sa.String(64), nullable=False),
        sa.Column("on", sa.Date(), nullable=True),
    )
    _start_head()
    op.create_table(
        "signal_recusals",
        sa.Column(
            "signal_id",
            sa.String(32),
            sa.ForeignKey("signals.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("adviser_id", sa.String(32), primary_key=True),
    )
    op.create_table(
        "adviser_unlock_guard",
        sa.Column(
            "adviser_id",
            sa.String(32),
            sa.ForeignKey("advisers.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("streak", sa.Integer(), nullable=False),
        sa.Column("wait_until", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_table(
        "adviser_failed_unlocks",
        sa.Column(
            "adviser_id",
            sa.String(32),
            sa.ForeignKey("advisers.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("on", sa.Date(), primary_key=True),
        sa.Column("count", sa.Integer(), nullable=False),
    )


def _start_head() -> None:
    connection = op.get_bind()
    audit_log = sa.table(
        "audit_log", sa.column("id", sa.Integer), sa.column("digest"), sa.column("on", sa.Date)
    )
    count = connection.execute(sa.select(sa.func.count()).select_from(audit_log)).scalar_one()
    last = connection.execute(
        sa.select(audit_log.c.digest, audit_log.c.on).order_by(audit_log.c.id.desc()).limit(1)
    ).one_or_none()
    head = sa.table(
        "audit_head",
        sa.column("id", sa.Integer),
        sa.column("rows", sa.Integer),
        sa.column("digest"),
        sa.column("on", sa.Date),
    )
    connection.execute(
        head.insert().values(
            id=1,
            rows=count,
            digest=last.digest if last else GENESIS,
            on=last.on if last else None,
        )
    )


def downgrade() -> None:
    op.drop_table("adviser_failed_unlocks")
    op.drop_table("adviser_unlock_guard")
    op.drop_table("signal_recusals")
    op.drop_table("audit_head")
    with op.batch_alter_table("audit_log") as audit_log:
        audit_log.drop_column("version")
    op.drop_column("advisers", "disabled_on")
