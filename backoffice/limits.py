"""seed_data/limits.yaml: the bounds every door applies to input (amounts, the clock's horizon,
durations, scenario files, nesting). Read once; a malformed file is refused at first use."""
from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field

from .config import default_seed_path


class Limits(BaseModel):
    model_config = ConfigDict(extra="forbid")

    max_amount: Decimal = Decimal("9999999999.99")
    clock_earliest: datetime = datetime.fromisoformat("2000-01-01T00:00:00+08:00")
    clock_latest: datetime = datetime.fromisoformat("2099-12-31T23:59:59+08:00")
    max_advance_days: int = Field(3660, ge=1)
    scenario_max_bytes: int = Field(262144, ge=1024)
    scenario_max_steps: int = Field(2000, ge=1)
    scenario_max_taxpayers: int = Field(500, ge=1)
    max_nesting: int = Field(32, ge=4, le=200)
    worlds_per_user: int = Field(20, ge=0)

    @property
    def max_advance(self) -> timedelta:
        return timedelta(days=self.max_advance_days)


@lru_cache(maxsize=4)
def _load(path: str) -> Limits:
    file = Path(path) / "limits.yaml"
    data = yaml.safe_load(file.read_text(encoding="utf-8")) if file.exists() else {}
    return Limits.model_validate(data or {})


def limits() -> Limits:
    return _load(str(default_seed_path()))


def nesting_depth(value, limit: int) -> int:
    """How deep a parsed JSON/YAML value nests, counting no further than ``limit + 1``."""
    depth, level = 0, [value]
    while level and depth <= limit:
        depth += 1
        nxt = []
        for v in level:
            if isinstance(v, dict):
                nxt.extend(v.values())
            elif isinstance(v, (list, tuple)):
                nxt.extend(v)
        level = [v for v in nxt if isinstance(v, (dict, list, tuple))]
        if not level:
            break
    return depth
