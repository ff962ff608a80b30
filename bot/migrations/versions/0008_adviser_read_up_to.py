"""Each adviser's place in a signal's thread, so "new" means not yet opened by them.

Revision ID: 0008
Revises: 0007

``signal_wraps.read_up_to`` is the last thread sequence the adviser opened (-1: not even the
signal itself). Existing wraps start at the last adviser message (or the signal itself), so
the upgrade changes no count the desk showed before: what came after an adviser's answer
stays new.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "signal_wraps",
        sa.Column("read_up_to", sa.Integer(), nullable=False, server_default=sa.text("-1")),
    )
    op.execute(
        """
        UPDATE signal_wraps SET read_up_to = COALESCE(
            (SELECT MAX(m.sequence) FROM signal_messages m
             WHERE m.signal_id = signal_wraps.signal_id AND m.author = 'adviser'),
            0)
        """
    )


def downgrade() -> None:
    with op.batch_alter_table("signal_wraps") as signal_wraps:
        signal_wraps.drop_column("read_up_to")
