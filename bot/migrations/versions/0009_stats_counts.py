"""The yearly picture's counters, and what each conversation has already been counted for.

Revision ID: 0009
Revises: 0008

``stats_counts`` holds a count per organisation, year, quarter, measure and fixed category,
nothing else (no date, no id); like the signal tables it has no rowid on SQLite.
``conversations.counted`` is the set of categories a conversation was already counted in,
so a person who opens the same topic twice is counted once; it goes with the conversation.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

NO_ROWID = {"sqlite_with_rowid": False}


def upgrade() -> None:
    op.create_table(
        "stats_counts",
        sa.Column("organisation", sa.String(64), primary_key=True),
        sa.Column("year", sa.Integer(), primary_key=True),
        sa.Column("quarter", sa.Integer(), primary_key=True),
        sa.Column("measure", sa.String(32), primary_key=True),
        sa.Column("category", sa.String(64), primary_key=True),
        sa.Column("count", sa.Integer(), nullable=False),
        **NO_ROWID,
    )
    op.add_column(
        "conversations",
        sa.Column("counted", sa.Text(), nullable=False, server_default=sa.text("''")),
    )


def downgrade() -> None:
    with op.batch_alter_table("conversations") as conversations:
        conversations.drop_column("counted")
    op.drop_table("stats_counts")
