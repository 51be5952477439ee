"""training: classes, their trainees, assignments and attempts

Revision ID: 1301
Revises: 1401
"""
from alembic import op
import sqlalchemy as sa

import backoffice.db

revision = "1301"
down_revision = "1401"
branch_labels = None
depends_on = None

BIG = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "training_classes",
        sa.Column("id", BIG, nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("instructor_id", BIG, nullable=True),
        sa.Column("created_wall", backoffice.db.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["instructor_id"], ["users.id"], name=op.f("fk_training_classes_instructor_id_users"),
                                ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_training_classes")),
        sa.UniqueConstraint("name", name=op.f("uq_training_classes_name")),
    )
    op.create_index(op.f("ix_training_classes_instructor_id"), "training_classes", ["instructor_id"], unique=False)

    op.create_table(
        "training_class_members",
        sa.Column("id", BIG, nullable=False),
        sa.Column("class_id", BIG, nullable=False),
        sa.Column("user_id", BIG, nullable=False),
        sa.ForeignKeyConstraint(["class_id"], ["training_classes.id"],
                                name=op.f("fk_training_class_members_class_id_training_classes"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_training_class_members_user_id_users"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_training_class_members")),
        sa.UniqueConstraint("class_id", "user_id", name=op.f("uq_training_class_members_class_id_user_id")),
    )
    op.create_index(op.f("ix_training_class_members_class_id"), "training_class_members", ["class_id"], unique=False)
    op.create_index(op.f("ix_training_class_members_user_id"), "training_class_members", ["user_id"], unique=False)

    op.create_table(
        "training_assignments",
        sa.Column("id", BIG, nullable=False),
        sa.Column("class_id", BIG, nullable=True),
        sa.Column("exercise_id", sa.String(length=120), nullable=False),
        sa.Column("title_zh", sa.String(length=200), nullable=False),
        sa.Column("title_en", sa.String(length=200), nullable=False),
        sa.Column("faq", sa.String(length=10), nullable=False),
        sa.Column("stars", sa.Integer(), nullable=False),
        sa.Column("mode", sa.String(length=12), nullable=False),
        sa.Column("deadline", backoffice.db.UTCDateTime(), nullable=True),
        sa.Column("plays", sa.JSON(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("prepared_world_id", BIG, nullable=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("created_by", BIG, nullable=True),
        sa.Column("created_wall", backoffice.db.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["class_id"], ["training_classes.id"],
                                name=op.f("fk_training_assignments_class_id_training_classes"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["created_by"], ["users.id"], name=op.f("fk_training_assignments_created_by_users"),
                                ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["prepared_world_id"], ["worlds.id"],
                                name=op.f("fk_training_assignments_prepared_world_id_worlds"), ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_training_assignments")),
    )
    op.create_index(op.f("ix_training_assignments_class_id"), "training_assignments", ["class_id"], unique=False)

    op.create_table(
        "training_attempts",
        sa.Column("id", BIG, nullable=False),
        sa.Column("assignment_id", BIG, nullable=False),
        sa.Column("user_id", BIG, nullable=True),
        sa.Column("attempt_world_id", BIG, nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("start_sim", backoffice.db.UTCDateTime(), nullable=False),
        sa.Column("end_sim", backoffice.db.UTCDateTime(), nullable=True),
        sa.Column("hints_used", sa.Integer(), nullable=False),
        sa.Column("audit_upto", sa.BigInteger(), nullable=True),
        sa.Column("started_wall", backoffice.db.UTCDateTime(), nullable=True),
        sa.Column("submitted_wall", backoffice.db.UTCDateTime(), nullable=True),
        sa.Column("score", sa.Integer(), nullable=True),
        sa.Column("passed", sa.Boolean(), nullable=True),
        sa.Column("time_used_s", sa.BigInteger(), nullable=True),
        sa.Column("missed", sa.JSON(), nullable=True),
        sa.Column("forbidden_done", sa.JSON(), nullable=True),
        sa.Column("result", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(["assignment_id"], ["training_assignments.id"],
                                name=op.f("fk_training_attempts_assignment_id_training_assignments"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["attempt_world_id"], ["worlds.id"],
                                name=op.f("fk_training_attempts_attempt_world_id_worlds"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_training_attempts_user_id_users"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_training_attempts")),
        sa.UniqueConstraint("assignment_id", "user_id", name=op.f("uq_training_attempts_assignment_id_user_id")),
        sa.UniqueConstraint("attempt_world_id", name=op.f("uq_training_attempts_attempt_world_id")),
    )
    op.create_index(op.f("ix_training_attempts_assignment_id"), "training_attempts", ["assignment_id"], unique=False)
    op.create_index(op.f("ix_training_attempts_user_id"), "training_attempts", ["user_id"], unique=False)


def downgrade() -> None:
    op.drop_table("training_attempts")
    op.drop_table("training_assignments")
    op.drop_table("training_class_members")
    op.drop_table("training_classes")
