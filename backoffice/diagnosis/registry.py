"""Rules register here, the way operations register with the catalogue.

A rule is a short function ``rule(view) -> iterable of Finding`` for one FAQ case, registered
under its name with :func:`rule`. Its FAQ section, its place in the report and every step of its
remedy come from the ``diagnosis.rules`` section of seed_data/failures.yaml; a rule only reads the
world (through :class:`~backoffice.diagnosis.view.View`) and says what it found: the code the
taxpayer sees, whether it has *hit* it, *will* hit it on its ordinary path, or whether it is only
a *note*, the cause, and the facts its remedy's steps are filled with.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Callable, Iterable

from ..failures import diagnosis_config

Bi = tuple[str, str]   # (English, 中文)

HIT = "hit"      # the taxpayer (or an officer for it) tried and got this failure, and it still stands
WILL = "will"    # not tried yet, but its ordinary path (login, purchases, issuing its items) will show it
NOTE = "note"    # about an action not tried, or a refused input that left nothing wrong
STATUSES = (HIT, WILL, NOTE)


@dataclass
class Finding:
    """What a rule found: ``facts`` fill its remedy's steps; ``probe`` (scenario steps) shows the
    failure now; ``check`` (default: the probe) no longer fails with ``code`` once it is cured."""

    code: str
    cause: Bi
    status: str = WILL
    evidence: list[str] = field(default_factory=list)
    facts: dict = field(default_factory=dict)
    pending: datetime | None = None
    probe: list[dict] = field(default_factory=list)
    check: list[dict] | None = None

    def __post_init__(self) -> None:
        if self.status not in STATUSES:
            raise ValueError(f"unknown status {self.status!r}")


@dataclass(frozen=True)
class Rule:
    name: str
    faq: str
    func: Callable[..., Iterable[Finding]]


RULES: dict[str, Rule] = {}


def rule(name: str):
    """Register ``func`` as the rule ``name`` of seed_data/failures.yaml's ``diagnosis.rules``."""
    def register(func: Callable) -> Callable:
        spec = diagnosis_config()["rules"].get(name)
        if spec is None:
            raise RuntimeError(f"diagnosis rule {name} is not in seed_data/failures.yaml")
        if name in RULES and RULES[name].func is not func:
            raise RuntimeError(f"diagnosis rule {name} registered twice")
        RULES[name] = Rule(name, str(spec["faq"]), func)
        return func
    return register


def ordered_rules() -> list[Rule]:
    """The registered rules in the order seed_data/failures.yaml lists them (FAQ order)."""
    return [RULES[name] for name in diagnosis_config()["rules"] if name in RULES]


def unregistered() -> list[str]:
    """Rules the YAML names that no module registers (a test keeps this empty)."""
    return [name for name in diagnosis_config()["rules"] if name not in RULES]
