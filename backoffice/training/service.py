"""What the doors share: users by name, personal attempts, a user's attempts, who may see what."""
from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..errors import OperationError
from ..users.models import User
from .attempts import new_assignment, start_attempts
from .exercise import find
from .models import Assignment, Attempt, ClassMember, TrainingClass


def user_named(session: Session, username: str, field: str = "user") -> User:
    user = session.execute(select(User).where(User.username == username)).scalar_one_or_none()
    if user is None:
        raise OperationError("NOT_FOUND", field=field, reason=f"no user {username!r}", reason_zh=f"没有用户 {username}")
    return user


def start_personal(session: Session, exercise_id: str, user: User | str, mode: str = "practice") -> Attempt:
    """An attempt a user starts on its own (no class): its own assignment, its own world."""
    if isinstance(user, str):
        user = user_named(session, user)
    ex = find(exercise_id)
    assignment = new_assignment(session, ex, mode=mode, created_by=user.id)
    (attempt,) = start_attempts(session, assignment, [user])
    return attempt


def my_attempts(session: Session, user: User) -> list[tuple[Attempt, Assignment, str | None]]:
    """A user's attempts, newest first, with their assignment and class name."""
    rows = session.execute(
        select(Attempt, Assignment, TrainingClass.name)
        .join(Assignment, Assignment.id == Attempt.assignment_id)
        .outerjoin(TrainingClass, TrainingClass.id == Assignment.class_id)
        .where(Attempt.user_id == user.id)
        .order_by(Attempt.id.desc()))
    return [(a, asg, cname) for a, asg, cname in rows]


def may_view(user: User, attempt: Attempt) -> bool:
    return user.is_instructor or attempt.user_id == user.id


def class_rows(session: Session) -> list[tuple]:
    members = (select(ClassMember.class_id, func.count().label("n")).group_by(ClassMember.class_id).subquery())
    assigned = (select(Assignment.class_id, func.count().label("n")).group_by(Assignment.class_id).subquery())
    return list(session.execute(
        select(TrainingClass.id, TrainingClass.name, func.coalesce(members.c.n, 0), func.coalesce(assigned.c.n, 0))
        .outerjoin(members, members.c.class_id == TrainingClass.id)
        .outerjoin(assigned, assigned.c.class_id == TrainingClass.id)
        .order_by(TrainingClass.id)).all())
