"""Reading and strictly validating exercise files (``seed_data/exercises/*.yaml``).

An exercise is written by hand and grades people, so the whole file is checked before anything
runs, as strictly as a scenario: a bad file is reported with its path, the field (``goal.2.op``,
``procedure.1.args.taxpayer``) and the reason, with "did you mean" for a misspelt key, operation
or officer. The ``world`` block and the steps of ``setup``, ``goal`` and ``solution`` are checked
by the scenario loader itself, so they accept exactly what a scenario accepts. Beyond the shape,
the loader refuses what could never be fair: a checkpoint or solution step done by an officer the
trainee may not play, a checkpoint no played officer has the role for, parts of the score that do
not add up to 100. (That the solution scores 100 and an untouched attempt does not pass is
proven by running them: ``backoffice exercise check``.)
"""
from __future__ import annotations

import difflib
import hashlib
from dataclasses import dataclass, field
from datetime import timedelta
from functools import lru_cache
from pathlib import Path

from ..clock import parse_duration
from ..errors import OperationError
from ..scenarios.loader import ScenarioError, Step, _actors, read_yaml
from ..worlds.spec import parse_world_spec


class ExerciseError(ValueError):
    """An exercise file that cannot be used. ``str()`` names the file, the field and why."""

    def __init__(self, path: str, reason: str, field: str | None = None):
        self.path, self.field, self.reason = path, field, reason
        super().__init__(f"{path}: {field}: {reason}" if field else f"{path}: {reason}")


@dataclass(frozen=True)
class Match:
    """One operation a checkpoint or a forbidden entry recognises; ``args`` given must match."""

    op: str
    args: dict
    actor: str | None = None


@dataclass(frozen=True)
class Checkpoint:
    n: int                          # its place in the procedure, from 1
    options: tuple[Match, ...]      # one, or the steps of an any_of
    optional: bool = False
    label: dict | None = None       # {zh, en}: the FAQ's words for this step


@dataclass(frozen=True)
class Forbidden:
    n: int
    match: Match
    why: dict
    penalty: int


@dataclass(frozen=True)
class Hint:
    zh: str
    en: str
    cost: int


@dataclass
class Exercise:
    path: str
    id: str
    title: dict
    faq: str
    stars: int
    brief: dict
    plays: list[str]
    world: dict
    setup: list[Step]
    goal: list[Step]
    procedure: list[Checkpoint]
    forbidden: list[Forbidden]
    hints: list[Hint]
    solution: list[Step]
    scoring: dict
    time_limit: str | None = None
    raw_solution: list = field(default_factory=list)
    source: str = ""
    officers: dict[str, str] = field(default_factory=dict)   # login → role, in this exercise's world

    @property
    def limit(self) -> timedelta | None:
        return parse_duration(self.time_limit) if self.time_limit else None

    @property
    def digest(self) -> str:
        return digest(self.source)


def digest(source: str) -> str:
    return hashlib.sha256(source.encode("utf-8")).hexdigest()


def did_you_mean(word: str, choices) -> str:
    close = difflib.get_close_matches(str(word), [str(c) for c in choices], n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


# --- reading -----------------------------------------------------------------------------------

def load_file(path: str | Path) -> Exercise:
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as exc:
        raise ExerciseError(str(path), f"cannot read the file ({exc.strerror or exc})") from None
    return load_text(text, str(path))


@lru_cache(maxsize=256)
def _cached(text: str, path: str) -> Exercise:
    return _load(text, path)


def load_text(text: str, path: str = "<exercise>") -> Exercise:
    """Validate an exercise's YAML text (cached by text: an assignment's copy is re-read often)."""
    return _cached(text, path)


def _load(text: str, path: str) -> Exercise:
    try:
        data = read_yaml(text, path)
    except ScenarioError as exc:
        raise ExerciseError(path, exc.reason) from None
    from .reader import Reader
    return Reader(path, text).read(data)


# --- the library ---------------------------------------------------------------------------------

def exercise_dir() -> Path:
    from ..config import default_seed_path
    return default_seed_path() / "exercises"


def library_files(folder: str | Path | None = None) -> list[Path]:
    root = Path(folder) if folder else exercise_dir()
    return sorted(root.glob("*.yaml")) + sorted(root.glob("*.yml"))


def load_library(folder: str | Path | None = None) -> tuple[list[Exercise], list[ExerciseError]]:
    """Every exercise of a folder, and the errors of the files that do not validate.

    Two files with one id: the second is an error (ids are what assignments and the CLI name)."""
    good: list[Exercise] = []
    bad: list[ExerciseError] = []
    seen: dict[str, str] = {}
    for f in library_files(folder):
        try:
            ex = load_file(f)
        except ExerciseError as exc:
            bad.append(exc)
            continue
        if ex.id in seen:
            bad.append(ExerciseError(str(f), f"the id {ex.id!r} is already used by {seen[ex.id]}", "id"))
            continue
        seen[ex.id] = str(f)
        good.append(ex)
    return good, bad


def find(exercise_id: str, folder: str | Path | None = None) -> Exercise:
    """The library's exercise with this id; NOT_FOUND (with "did you mean") otherwise."""
    good, _bad = load_library(folder)
    for ex in good:
        if ex.id == exercise_id:
            return ex
    hint = did_you_mean(exercise_id, [e.id for e in good])
    raise OperationError("NOT_FOUND", field="exercise", reason=f"no exercise {exercise_id!r} in the library{hint}",
                         reason_zh=f"练习库中没有练习 {exercise_id}{hint}")


ANSWER_KEYS = ("steps",)


def read_answer(text: str, path: str, ex: Exercise) -> list[Step]:
    """An answer file (``exercise try --answer``): ``steps:``, scenario steps run as the trainee."""
    try:
        data = read_yaml(text, path)
    except ScenarioError as exc:
        raise ExerciseError(path, exc.reason) from None
    from .reader import Reader
    reader = Reader(path, text)
    if not isinstance(data, dict):
        raise reader.bad(None, "an answer is a mapping with steps: (a list of scenario steps)")
    reader.keys(data, ANSWER_KEYS, None)
    spec = parse_world_spec(ex.world)
    reader.actors, reader.officers, reader.plays = _actors(spec), dict(ex.officers), list(ex.plays)
    return reader.steps(data.get("steps"), "steps", allow_empty=True)
