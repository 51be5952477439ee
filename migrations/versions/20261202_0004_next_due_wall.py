"""worlds.next_due_wall: when a live world is next due, on the wall clock (the live tick's question)

Revision ID: 0004
Revises: 1101
"""
from alembic import op
import sqlalchemy as sa
import backoffice.db

revision = "0004"
down_revision = "1101"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("worlds") as batch:
        batch.add_column(sa.Column("next_due_wall", backoffice.db.UTCDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("worlds") as batch:
        batch.drop_column("next_due_wall")
