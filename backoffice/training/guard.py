"""What an attempt world refuses, through every door.

Dispatch runs :func:`check_operation` before every operation and clock move (it is registered
with :func:`backoffice.dispatch.register_guard` when the catalogue loads); the world doors (fork,
reset, delete, clock mode, the pipeline view) call :func:`check_world`. The rules hold for
whoever acts — web page, JSON API, CLI or answer file — because they belong to the world:

- a submitted attempt is read-only: every operation and clock move answers ATTEMPT_SUBMITTED;
- past its assignment's deadline an open attempt answers ATTEMPT_DEADLINE_PASSED (提交 still works);
- the trainee acts only as the officers the exercise lets it play (``plays``): any other officer's
  operation answers FORBIDDEN on ``actor``. Operations that change nothing (the diagnoser) are not
  playing a part, and taxpayers are free: in the portal anyone logs in with 网票 credentials;
- in an exam the diagnoser answers FORBIDDEN, and so do the pipeline's explanations and forking;
- an attempt world is never reset (a reset rebuilds the world block without the exercise's setup)
  nor deleted by a trainee.

A world that is not an attempt costs one indexed look-up and nothing else.
"""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..clock import wall_now
from ..dispatch import register_guard
from ..errors import OperationError
from .models import Assignment, Attempt


class AttemptRefusal(OperationError):
    """A refusal with a message that says which rule of the attempt applies (both languages)."""

    def __init__(self, code: str, field: str, zh: str, en: str):
        super().__init__(code, field=field, reason=en, reason_zh=zh)
        self._zh, self._en = zh, en

    @property
    def message_zh(self) -> str:
        return self._zh

    @property
    def message_en(self) -> str:
        return self._en


def rules(session: Session, world_id: int):
    """(attempt id, status, mode, plays, deadline) of the attempt played in this world, or None."""
    return session.execute(
        select(Attempt.id, Attempt.status, Assignment.mode, Assignment.plays, Assignment.deadline)
        .join(Assignment, Assignment.id == Attempt.assignment_id)
        .where(Attempt.attempt_world_id == world_id)
    ).first()


def _closed(r) -> None:
    if r.status == "submitted":
        raise AttemptRefusal("ATTEMPT_SUBMITTED", "world", "该练习已提交，世界只读：不能再操作或推进时钟",
                             "This attempt has been submitted: its world is read-only")
    if r.deadline is not None and wall_now() > r.deadline:
        raise AttemptRefusal("ATTEMPT_DEADLINE_PASSED", "world", "该练习已过截止时间，不能再操作；请提交",
                             "The deadline of this exercise has passed: no more operations; submit it")


@register_guard
def check_operation(session: Session, world, actor_name: str | None, op) -> None:
    """Dispatch's guard: ``op`` is the catalogue operation, or None for a clock move."""
    r = rules(session, world.id)
    if r is None:
        return
    _closed(r)
    if op is None:
        return
    if r.mode == "exam" and op.name == "diagnose":
        raise AttemptRefusal("FORBIDDEN", "op", "考试模式下不能使用诊断器", "The diagnoser is closed during an exam")
    if op.side == "jinsan" and op.mutates and actor_name not in (r.plays or []):
        played = "、".join(r.plays or [])
        raise AttemptRefusal("FORBIDDEN", "actor", f"本练习只能扮演以下税务人员：{played}",
                             f"In this exercise you may act only as: {', '.join(r.plays or [])}")


WORLD_ACTIONS = ("fork", "reset", "delete", "clock_mode", "pipeline")


def check_world(session: Session, world, action: str, user=None) -> None:
    """The world doors' guard: ``action`` is one of WORLD_ACTIONS. ``user`` is the simulator user
    (None on the command line, the administrator's door)."""
    if action not in WORLD_ACTIONS:  # pragma: no cover - a door naming an action that does not exist
        raise ValueError(action)
    r = rules(session, world.id)
    if r is None:
        return
    if action == "reset":
        raise AttemptRefusal("FORBIDDEN", "world", "练习世界不能重置（重置会丢失练习的初始设置）",
                             "An attempt's world cannot be reset (a reset would drop the exercise's setup)")
    if action == "delete":
        if user is not None and not getattr(user, "is_instructor", False):
            raise AttemptRefusal("FORBIDDEN", "world", "练习世界只能由教员删除",
                                 "Only an instructor may delete an attempt's world")
        return
    if action == "clock_mode":
        _closed(r)
        return
    if r.mode == "exam" and r.status != "submitted":
        what_zh = {"fork": "复制世界", "pipeline": "同步管道与诊断说明"}[action]
        what_en = {"fork": "forking the world", "pipeline": "the pipeline and its explanations"}[action]
        raise AttemptRefusal("FORBIDDEN", "world", f"考试模式下不提供{what_zh}", f"During an exam {what_en} is closed")


def is_attempt_world(session: Session, world_id: int) -> bool:
    return rules(session, world_id) is not None
