"""The error of a file built on scenario steps (scenarios, explorations, exercises) that cannot run."""
from __future__ import annotations


class ScenarioError(ValueError):
    """A scenario file that cannot run. ``str()`` names the file, the step, the field and why."""

    def __init__(self, path: str, reason: str, *, step: int | None = None, field: str | None = None,
                 reason_zh: str | None = None):
        self.path, self.step, self.field, self.reason, self.reason_zh = path, step, field, reason, reason_zh
        where = [path]
        if step is not None:
            where.append(f"step {step}")
        if field:
            where.append(field)
        super().__init__(": ".join(where) + f": {reason}")
