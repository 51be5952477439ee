"""Matching what the trainee did against an exercise's checkpoints and forbidden moves.

Pure functions over :class:`Done` records (read from the attempt world's audit trail). A
checkpoint or forbidden entry matches an operation when the operation's name is the same, its
``actor`` (if the entry names one) is the same, and every argument the entry gives matches the
argument the trainee gave — the others are free. Values are compared as a trainee means them:
an industry by code or by name alike, amounts as numbers ("500" is "500.00"), a list in the entry
matches when the trainee's list holds each of its elements (in any order), and an argument the
trainee left out matches its default.

The procedure is matched in order: the largest set of checkpoints that the trainee's *successful*
operations show in the procedure's order (a longest common subsequence, non-optional checkpoints
first), each matched to the earliest operation that keeps the set largest.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any, Iterable

from pydantic_core import PydanticUndefined

from .. import catalogue
from ..clock import parse_time
from ..errors import OperationError
from .exercise import Checkpoint, Forbidden, Match

INDUSTRY_KEYS = ("main", "secondary", "industry")
_NUMBER = re.compile(r"^-?\d+(\.\d+)?$")


@dataclass(frozen=True)
class Done:
    """One entry of the attempt's audit trail: an operation (ok or refused) or a clock move."""

    n: int                      # its place among the trainee's steps, from 1
    at: datetime
    actor: str
    op: str
    args: dict = field(default_factory=dict)
    error: str | None = None
    field: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None

    @property
    def is_operation(self) -> bool:
        return self.op != "advance"


def _number(v: Any) -> Decimal | None:
    if isinstance(v, bool):
        return None
    if isinstance(v, (int, float)):
        return Decimal(str(v))
    if isinstance(v, str) and _NUMBER.match(v.strip()):
        try:
            return Decimal(v.strip())
        except InvalidOperation:  # pragma: no cover - the pattern guarantees a number
            return None
    return None


def value_matches(expected: Any, got: Any, industries: dict[str, str] | None = None, key: str = "") -> bool:
    industries = industries or {}
    if key in INDUSTRY_KEYS:
        expected = _industry(expected, industries)
        got = _industry(got, industries)
    if isinstance(expected, dict):
        return isinstance(got, dict) and all(k in got and value_matches(v, got[k], industries, k)
                                             for k, v in expected.items())
    if isinstance(expected, list):
        return isinstance(got, list) and all(any(value_matches(e, g, industries) for g in got) for e in expected)
    if isinstance(expected, bool) or isinstance(got, bool):
        return isinstance(expected, bool) and isinstance(got, bool) and expected == got
    if expected is None or got is None:
        return expected is got
    if isinstance(expected, datetime):
        try:
            return parse_time(got) == expected
        except OperationError:
            return False
    a, b = _number(expected), _number(got)
    if a is not None and b is not None:
        return a == b
    return str(expected).strip() == str(got).strip()


def _industry(value: Any, industries: dict[str, str]) -> Any:
    if isinstance(value, list):
        return [industries.get(v, v) if isinstance(v, str) else v for v in value]
    return industries.get(value, value) if isinstance(value, str) else value


def _defaults(op_name: str) -> dict:
    op = catalogue.load_all().get(op_name)
    if op is None:
        return {}
    return {k: f.default for k, f in op.args_model.model_fields.items()
            if f.default is not PydanticUndefined and f.default is not None}


def matches(m: Match, done: Done, industries: dict[str, str] | None = None) -> bool:
    if done.op != m.op or (m.actor is not None and done.actor != m.actor):
        return False
    given = dict(_defaults(m.op))
    given.update(done.args or {})
    return all(k in given and value_matches(v, given[k], industries, k) for k, v in m.args.items())


def checkpoint_matches(cp: Checkpoint, done: Done, industries: dict[str, str] | None = None) -> bool:
    return any(matches(o, done, industries) for o in cp.options)


# --- the procedure -----------------------------------------------------------------------------

REQUIRED_WEIGHT = 1000     # a non-optional checkpoint always outweighs every optional one


def align(procedure: list[Checkpoint], done: list[Done], industries: dict[str, str] | None = None
          ) -> dict[int, Done]:
    """Checkpoint index → the successful operation it is matched to, for the largest in-order set."""
    ops = [d for d in done if d.ok and d.is_operation]
    n, m = len(procedure), len(ops)
    if not n or not m:
        return {}
    hit = [[checkpoint_matches(cp, d, industries) for d in ops] for cp in procedure]
    weight = [1 if cp.optional else REQUIRED_WEIGHT for cp in procedure]
    best = [[0] * (m + 1) for _ in range(n + 1)]
    for i in range(n - 1, -1, -1):
        row, below = best[i], best[i + 1]
        for j in range(m - 1, -1, -1):
            b = max(below[j], row[j + 1])
            if hit[i][j]:
                b = max(b, weight[i] + below[j + 1])
            row[j] = b
    out: dict[int, Done] = {}
    i = j = 0
    while i < n and j < m:
        if hit[i][j] and best[i][j] == weight[i] + best[i + 1][j + 1]:
            out[i] = ops[j]
            i, j = i + 1, j + 1
        elif best[i][j] == best[i][j + 1]:
            j += 1
        else:
            i += 1
    return out


def first_match(m: Match | Checkpoint, done: Iterable[Done], industries: dict[str, str] | None = None, *,
                only_ok: bool = True) -> Done | None:
    for d in done:
        if not d.is_operation or (only_ok and not d.ok):
            continue
        if checkpoint_matches(m, d, industries) if isinstance(m, Checkpoint) else matches(m, d, industries):
            return d
    return None


def forbidden_done(entries: list[Forbidden], done: list[Done], industries: dict[str, str] | None = None, *,
                   only_ok: bool = True) -> list[tuple[Forbidden, Done]]:
    """Each forbidden entry the trainee did (once per entry: its first occurrence)."""
    out = []
    for f in entries:
        d = first_match(f.match, done, industries, only_ok=only_ok)
        if d is not None:
            out.append((f, d))
    return out
