"""How the command line prints: aligned tables (Chinese characters count two columns), human
values instead of Python reprs, and "did you mean" for a mistyped name."""
from __future__ import annotations

import difflib
import unicodedata
from datetime import datetime
from decimal import Decimal
from typing import Any, Iterable, Sequence


def width(text: str) -> int:
    """Terminal columns: wide and full-width characters (汉字, full-width punctuation) take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 0 if unicodedata.combining(ch) else 1
               for ch in text)


def pad(text: str, cols: int, right: bool = False) -> str:
    gap = " " * max(0, cols - width(text))
    return gap + text if right else text + gap


def table(headers: Sequence[str], rows: Iterable[Sequence[Any]], *, right: Sequence[int] = ()) -> str:
    """Rows under a header line and a rule, each column as wide as its widest cell."""
    cells = [[human(c) for c in row] for row in rows]
    cols = [max([width(h)] + [width(r[i]) for r in cells]) for i, h in enumerate(headers)]

    def line(values):
        parts = [pad(v, cols[i], i in right) for i, v in enumerate(values)]
        return "  ".join(parts).rstrip()

    out = [line(headers), "  ".join("-" * c for c in cols)]
    out += [line(r) for r in cells]
    return "\n".join(out)


def human(value: Any) -> str:
    """A value as a person reads it: yes/no, "—" for nothing, times without microseconds."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    if isinstance(value, datetime):
        from .clock import fmt
        return fmt(value)
    if isinstance(value, (list, tuple)):
        return ", ".join(human(v) for v in value) or "—"
    return str(value)


def suggest(name: str, choices: Iterable[str]) -> str | None:
    """The closest known name to a mistyped one, if any is close."""
    found = difflib.get_close_matches(name, list(choices), n=1, cutoff=0.6)
    return found[0] if found else None


def did_you_mean(name: str, choices: Iterable[str]) -> str:
    close = suggest(name, choices)
    return f" Did you mean {close!r}?" if close else ""
