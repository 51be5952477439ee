"""The failure catalogue (seed_data/failures.yaml): every code's messages, FAQ section and remedy.

The file's ``diagnosis`` section is not a code: it holds the diagnoser's rules (their order and
the steps of each remedy), read by :func:`diagnosis_config`.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import yaml

from ..config import default_seed_path

REQUIRED_KEYS = ("faq", "message_zh", "message_en", "causes_zh", "causes_en", "steps_zh", "steps_en")
DIAGNOSIS = "diagnosis"   # the section that is not a failure code


class _SafeDict(dict):
    def __missing__(self, key):
        return ""


@lru_cache(maxsize=4)
def _load(path: str | None = None) -> dict:
    file = Path(path) if path else default_seed_path() / "failures.yaml"
    return yaml.safe_load(file.read_text(encoding="utf-8"))


@lru_cache(maxsize=4)
def load_catalogue(path: str | None = None) -> dict[str, dict]:
    file = Path(path) if path else default_seed_path() / "failures.yaml"
    data = {code: e for code, e in _load(path).items() if code != DIAGNOSIS}
    for code, entry in data.items():
        missing = [k for k in REQUIRED_KEYS if k not in entry]
        if missing:
            raise ValueError(f"{file}: failure {code} lacks {', '.join(missing)}")
    return data


def diagnosis_config(path: str | None = None) -> dict:
    """The diagnoser's rules, texts and proposals (validated by backoffice.diagnosis.remedy)."""
    return _load(path).get(DIAGNOSIS) or {"rules": {}, "texts": {}}


def entry(code: str) -> dict:
    cat = load_catalogue()
    return cat.get(code) or {"faq": None, "message_zh": code, "message_en": code, "causes_zh": [],
                             "causes_en": [], "steps_zh": [], "steps_en": []}


def code_matches(got: str, expected: str) -> bool:
    """Whether an outcome ``got`` satisfies an expected code: the same code, or a domain code that
    ``refines`` it (a precondition once answered as INVALID_INPUT now has its own code; scenario
    files written for the old code keep passing)."""
    if got == expected:
        return True
    return (load_catalogue().get(got) or {}).get("refines") == expected


def messages(code: str, **fields) -> tuple[str, str]:
    e = entry(code)
    fmt = _SafeDict({k: ("" if v is None else v) for k, v in fields.items()})
    return e["message_zh"].format_map(fmt), e["message_en"].format_map(fmt)
