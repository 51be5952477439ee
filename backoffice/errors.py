"""Typed errors. Every error a user can see has a stable code from the failure catalogue."""
from __future__ import annotations

import re

from .failures import messages

# A reason given in English only must not leak into the Chinese message: it gets this instead.
NEUTRAL_ZH = "不符合该字段的规则"
_LATIN_WORD = re.compile(r"[A-Za-z]{2,}")


class OperationError(Exception):
    """An operation refused: ``code`` is from seed_data/failures.yaml; ``field`` names the input."""

    # Normally a refusal changes nothing (dispatch rolls back). An operation sets this on an error
    # whose earlier effects must stand anyway: a 国税 login accepts the 营改增 upgrade once the
    # account and password pass, whatever it then says (FAQ 5.1, docs/behaviour.md §6).
    keep_changes: bool = False

    def __init__(self, code: str, field: str | None = None, reason: str | None = None, **details):
        self.code = code
        self.field = field
        self.reason = reason
        self.details = details
        super().__init__(f"{code}" + (f" ({field}: {reason})" if field else ""))

    @property
    def message_zh(self) -> str:
        return messages(self.code, field=self.field, reason=self.reason_zh, **self.details)[0]

    @property
    def message_en(self) -> str:
        return messages(self.code, field=self.field, reason=self.reason, **self.details)[1]

    @property
    def reason_zh(self) -> str | None:
        zh = self.details.get("reason_zh")
        if zh:
            return zh
        if self.reason and _LATIN_WORD.search(self.reason):
            return NEUTRAL_ZH
        return self.reason

    def to_dict(self) -> dict:
        out = {"code": self.code, "message_zh": self.message_zh, "message_en": self.message_en,
               "field": self.field}
        if self.reason:
            out["reason"] = self.reason
        return out


def invalid(field: str, reason: str, reason_zh: str | None = None) -> OperationError:
    return OperationError("INVALID_INPUT", field=field, reason=reason, reason_zh=reason_zh)
