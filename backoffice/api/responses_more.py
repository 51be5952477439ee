"""Response bodies of the QA and training routes, typed like :mod:`.responses` (objects allow
properties not listed; the ones listed are always there with the types given)."""
from __future__ import annotations

from typing import Any

from pydantic import Field

from .responses import NullableTime, Out, Time


# --- QA: consistency checks, faults, explorations ----------------------------------------------

class Violation(Out):
    invariant: str = Field(description="issued_outside_holding | double_holding | wangpiao_ahead_of_jinsan | "
                                       "lost_delivery")
    taxpayers: list[str]
    summary: str
    summary_zh: str


class CheckReport(Out):
    world_id: int
    at: Time
    ok: bool
    counts: dict[str, int]
    violated: list[str]
    truncated: list[str] = Field(description="invariants with more violations than the report lists")
    violations: list[Violation]


class Fault(Out):
    id: int
    channel: str
    kind: str = Field(description="fail | delay")
    starts_at: Time
    ends_at: NullableTime


class FailedRun(Out):
    job: str
    scheduled_for: Time
    status: str = Field(description="failed | delayed")
    reason: str | None
    detail: dict[str, Any]


class FaultOverview(Out):
    world_id: int
    at: Time
    active: list[Fault]
    recent: list[Fault]
    failed_runs: list[FailedRun]


class FaultChange(Out):
    """A fault injected (its id, channel, kind, starts_at, ends_at …) or every fault cleared
    (``cleared``: their ids), at the world's time ``at``."""

    at: Time


class ExplorationJob(Out):
    id: int
    name: str | None
    state: str = Field(description="queued | running | done | failed | interrupted")
    runs_done: int
    runs_total: int | None
    max: int
    seed: int
    error: str | None
    created: str | None
    result: dict[str, Any] | None = Field(description="when done: runs, space, exhaustive, classes")


class ExplorationScenario(Out):
    scenario: dict[str, Any]
    yaml: str


# --- training: exercises, attempts, classes ----------------------------------------------------

class Bilingual(Out):
    zh: str
    en: str


class ExerciseSummary(Out):
    id: str
    faq: str
    stars: int
    title: Bilingual
    plays: list[str]
    time_limit: str | None
    hints: int


class ExerciseList(Out):
    exercises: list[ExerciseSummary]


class AttemptSummary(Out):
    id: int
    world_id: int
    exercise: str
    title: Bilingual
    faq: str
    stars: int
    mode: str = Field(description="exam | practice | rehearsal")
    class_id: int | None
    status: str
    deadline: NullableTime
    score: int | None
    passed: bool | None
    hints_used: int
    time_used: str


class AttemptList(Out):
    attempts: list[AttemptSummary]


class Hint(Out):
    n: int
    zh: str
    en: str
    cost: int


class AttemptDetail(AttemptSummary):
    brief: Bilingual
    plays: list[str]
    time_limit: str | None
    started_at: Time
    clock: Time
    hints: list[Hint]
    hints_left: int


class GradedResult(Out):
    """The grading result (the exercises document's shape)."""

    exercise: str
    score: int
    passed: bool
    goal: dict[str, Any]
    procedure: dict[str, Any]
    forbidden: list[dict[str, Any]]
    hints_used: int
    hint_points: int
    time: dict[str, Any]


class ClassRow(Out):
    id: int
    name: str
    trainees: int
    exercises: int


class ClassList(Out):
    classes: list[ClassRow]


class ClassCreated(Out):
    id: int
    name: str
    trainees: list[str]


class MembersAdded(Out):
    added: list[str]


class AssignmentRow(Out):
    id: int
    exercise: str
    mode: str
    deadline: NullableTime


class Assignments(Out):
    assignments: list[AssignmentRow]


class BoardColumn(Out):
    assignment: int
    exercise: str
    title: Bilingual
    faq: str
    stars: int
    mode: str
    submitted: int
    mean: float | None
    pass_rate: float | None


class BoardTrainee(Out):
    username: str
    name: str
    attempts: list[dict[str, Any] | None]


class ClassBoard(Out):
    exercises: list[BoardColumn]
    trainees: list[BoardTrainee]
