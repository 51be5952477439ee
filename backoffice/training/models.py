"""Classes, their trainees, assignments and attempts. None of these is per world: an attempt
refers to its world (``attempt_world_id``), and an assignment to the prepared world its attempts
were forked from. (The columns are deliberately not called ``world_id``: tables with that column
are the per-world tables a fork copies.)"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, BigInteger, Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base, BigId, UTCDateTime

MODES = ("exam", "practice", "rehearsal")


class TrainingClass(Base):
    """A class: an instructor's group of trainees."""

    __tablename__ = "training_classes"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    instructor_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("users.id", ondelete="SET NULL"), index=True)
    created_wall: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ClassMember(Base):
    __tablename__ = "training_class_members"
    __table_args__ = (UniqueConstraint("class_id", "user_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    class_id: Mapped[int] = mapped_column(BigId, ForeignKey("training_classes.id", ondelete="CASCADE"),
                                          index=True)
    user_id: Mapped[int] = mapped_column(BigId, ForeignKey("users.id", ondelete="CASCADE"), index=True)


class Assignment(Base):
    """One exercise given to a class (or, without a class, started by one user) in one mode.

    ``source`` keeps the exercise file as it was when assigned: attempts are graded against it,
    so editing the library later never changes a grade already given."""

    __tablename__ = "training_assignments"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    class_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("training_classes.id", ondelete="CASCADE"),
                                                 index=True)
    exercise_id: Mapped[str] = mapped_column(String(120))
    title_zh: Mapped[str] = mapped_column(String(200))
    title_en: Mapped[str] = mapped_column(String(200))
    faq: Mapped[str] = mapped_column(String(10))
    stars: Mapped[int] = mapped_column(Integer)
    mode: Mapped[str] = mapped_column(String(12))
    deadline: Mapped[datetime | None] = mapped_column(UTCDateTime)
    plays: Mapped[list] = mapped_column(JSON, default=list)
    source: Mapped[str] = mapped_column(Text)
    digest: Mapped[str] = mapped_column(String(64))
    prepared_world_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("worlds.id", ondelete="SET NULL"))
    position: Mapped[int] = mapped_column(Integer, default=0)
    created_by: Mapped[int | None] = mapped_column(BigId, ForeignKey("users.id", ondelete="SET NULL"))
    created_wall: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Attempt(Base):
    """A trainee's attempt at an assignment: its own world, forked from the prepared world.

    Submitting grades it once and keeps the result (and the board's summary columns); grading
    again from the world and its audit gives the same result."""

    __tablename__ = "training_attempts"
    __table_args__ = (UniqueConstraint("assignment_id", "user_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    assignment_id: Mapped[int] = mapped_column(BigId, ForeignKey("training_assignments.id", ondelete="CASCADE"),
                                               index=True)
    # None for an attempt that belongs to nobody: ``exercise try`` and ``exercise check`` runs
    user_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("users.id", ondelete="CASCADE"), index=True)
    attempt_world_id: Mapped[int] = mapped_column(BigId, ForeignKey("worlds.id", ondelete="CASCADE"), unique=True)
    status: Mapped[str] = mapped_column(String(12), default="open")      # open | submitted
    start_sim: Mapped[datetime] = mapped_column(UTCDateTime)
    end_sim: Mapped[datetime | None] = mapped_column(UTCDateTime)
    hints_used: Mapped[int] = mapped_column(Integer, default=0)
    # the last audit entry graded: entries written later (refusals of a read-only world) never count
    audit_upto: Mapped[int | None] = mapped_column(BigInteger)
    started_wall: Mapped[datetime | None] = mapped_column(UTCDateTime)
    submitted_wall: Mapped[datetime | None] = mapped_column(UTCDateTime)
    score: Mapped[int | None] = mapped_column(Integer)
    passed: Mapped[bool | None] = mapped_column(Boolean)
    time_used_s: Mapped[int | None] = mapped_column(BigInteger)
    missed: Mapped[list | None] = mapped_column(JSON)          # labels of the checkpoints not earned
    forbidden_done: Mapped[list | None] = mapped_column(JSON)  # operations of the forbidden entries done
    result: Mapped[dict | None] = mapped_column(JSON)
