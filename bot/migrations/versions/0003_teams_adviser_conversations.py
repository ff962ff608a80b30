"""Teams: stored 1:1 conversations with advisers (never with reporters).

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "teams_adviser_conversations",
        sa.Column("adviser_aad_id", sa.String(64), primary_key=True),
        sa.Column("tenant_id", sa.String(64), primary_key=True),
        sa.Column("conversation_id", sa.String(512), nullable=False),
        sa.Column("service_url", sa.String(512), nullable=False),
        sa.Column("stored_on", sa.Date(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("teams_adviser_conversations")
