"""server-side web sessions, login throttles, idempotency keys; API tokens expire and can be revoked

Revision ID: 1101
Revises: 1301
"""
from alembic import op
import sqlalchemy as sa
import backoffice.db


revision = "1101"
down_revision = "1301"
branch_labels = None
depends_on = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.add_column(sa.Column("expires_wall", backoffice.db.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column("revoked_wall", backoffice.db.UTCDateTime(), nullable=True))

    op.create_table("web_sessions",
    sa.Column("id", BIG_ID, nullable=False),
    sa.Column("sid_hash", sa.String(length=64), nullable=False),
    sa.Column("user_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
    sa.Column("data", sa.JSON(), nullable=False),
    sa.Column("created_wall", backoffice.db.UTCDateTime(), nullable=False),
    sa.Column("expires_wall", backoffice.db.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_web_sessions_user_id_users"), ondelete="CASCADE"),
    sa.PrimaryKeyConstraint("id", name=op.f("pk_web_sessions")),
    sa.UniqueConstraint("sid_hash", name=op.f("uq_web_sessions_sid_hash"))
    )
    with op.batch_alter_table("web_sessions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_web_sessions_user_id"), ["user_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_web_sessions_expires_wall"), ["expires_wall"], unique=False)

    op.create_table("login_throttles",
    sa.Column("id", BIG_ID, nullable=False),
    sa.Column("key", sa.String(length=80), nullable=False),
    sa.Column("failures", sa.Integer(), nullable=False),
    sa.Column("window_start", backoffice.db.UTCDateTime(), nullable=False),
    sa.Column("locked_until", backoffice.db.UTCDateTime(), nullable=True),
    sa.PrimaryKeyConstraint("id", name=op.f("pk_login_throttles")),
    sa.UniqueConstraint("key", name=op.f("uq_login_throttles_key"))
    )

    op.create_table("idempotency_keys",
    sa.Column("id", BIG_ID, nullable=False),
    sa.Column("user_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
    sa.Column("key", sa.String(length=200), nullable=False),
    sa.Column("request_hash", sa.String(length=64), nullable=False),
    sa.Column("status", sa.Integer(), nullable=False),
    sa.Column("body", sa.Text(), nullable=True),
    sa.Column("created_wall", backoffice.db.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_idempotency_keys_user_id_users"), ondelete="CASCADE"),
    sa.PrimaryKeyConstraint("id", name=op.f("pk_idempotency_keys")),
    sa.UniqueConstraint("user_id", "key", name=op.f("uq_idempotency_keys_user_id_key"))
    )
    with op.batch_alter_table("idempotency_keys", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_idempotency_keys_user_id"), ["user_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_idempotency_keys_created_wall"), ["created_wall"], unique=False)


def downgrade() -> None:
    op.drop_table("idempotency_keys")
    op.drop_table("login_throttles")
    op.drop_table("web_sessions")
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.drop_column("revoked_wall")
        batch_op.drop_column("expires_wall")
