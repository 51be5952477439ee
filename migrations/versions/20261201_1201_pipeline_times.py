"""Pipeline times and the upgraded client: when industries were assigned and delivered (and by
which channel), when an approved item reached 网票, and which edition a PC client was upgraded from

Revision ID: 1201
Revises: 0003
"""
from alembic import op
import sqlalchemy as sa
import backoffice.db

revision = "1201"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("js_taxpayers") as batch:
        batch.add_column(sa.Column("industries_at", backoffice.db.UTCDateTime(), nullable=True))
    with op.batch_alter_table("wp_accounts") as batch:
        batch.add_column(sa.Column("industries_at", backoffice.db.UTCDateTime(), nullable=True))
        batch.add_column(sa.Column("industries_by", sa.String(length=30), nullable=True))
    with op.batch_alter_table("wp_items") as batch:
        batch.add_column(sa.Column("delivered_at", backoffice.db.UTCDateTime(), nullable=True))
    with op.batch_alter_table("pc_installs") as batch:
        batch.add_column(sa.Column("upgraded_from", sa.String(length=12), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("pc_installs") as batch:
        batch.drop_column("upgraded_from")
    with op.batch_alter_table("wp_items") as batch:
        batch.drop_column("delivered_at")
    with op.batch_alter_table("wp_accounts") as batch:
        batch.drop_column("industries_by")
        batch.drop_column("industries_at")
    with op.batch_alter_table("js_taxpayers") as batch:
        batch.drop_column("industries_at")
