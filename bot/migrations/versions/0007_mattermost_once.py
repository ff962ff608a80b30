"""Mattermost: single use of callbacks and posts, remembered as keyed hashes.

Revision ID: 0007
Revises: 0006

``mattermost_once`` holds an HMAC of what was used (a button's nonce, a post id) and an
expiry rounded up to the hour, nothing else. Like the signal and outbox tables it has no
rowid on SQLite: a rowid would tell in which order, and so roughly when, people clicked.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

NO_ROWID = {"sqlite_with_rowid": False}


def upgrade() -> None:
    op.create_table(
        "mattermost_once",
        sa.Column("digest", sa.LargeBinary(32), primary_key=True),
        sa.Column("expires_on", sa.DateTime(timezone=True), nullable=False),
        **NO_ROWID,
    )
    op.create_index("ix_mattermost_once_expires_on", "mattermost_once", ["expires_on"])


def downgrade() -> None:
    op.drop_table("mattermost_once")
