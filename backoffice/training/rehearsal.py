"""The rehearsal (演练) checklist: the FAQ's steps of an exercise, each ticked the moment the
attempt's audit trail shows it done, with a warning for a step done out of order and for every
forbidden operation *tried* (a refused one too: the rehearsal warns, the grade only counts those
that succeeded). Read live from the audit on every page and by the page's own polling."""
from __future__ import annotations

from sqlalchemy.orm import Session

from ..clock import fmt
from .attempts import exercise_of
from .grader import audit_trail, industry_codes, procedure_view
from .matching import forbidden_done
from .models import Assignment, Attempt


def checklist(session: Session, attempt: Attempt, assignment: Assignment) -> dict:
    ex = exercise_of(assignment)
    done = audit_trail(session, attempt.attempt_world_id, attempt.audit_upto)
    industries = industry_codes(session, attempt.attempt_world_id)
    proc = procedure_view(ex, done, industries)
    warnings = []
    for c in proc["checkpoints"]:
        if not c["done"] and c.get("out_of_order_at"):
            warnings.append({"kind": "order", "n": c["n"], "label": c["label"], "at": c["out_of_order_at"]})
    for f, d in forbidden_done(ex.forbidden, done, industries, only_ok=False):
        warnings.append({"kind": "forbidden", "n": f.n, "op": f.match.op, "label": f.why, "at": fmt(d.at),
                         "refused": not d.ok, "penalty": f.penalty})
    warnings.sort(key=lambda w: w["at"] or "")
    return {"attempt": attempt.id, "world_id": attempt.attempt_world_id, "exercise": ex.id, "faq": ex.faq,
            "status": attempt.status, "checkpoints": proc["checkpoints"], "done": proc["earned"],
            "of": proc["required"], "warnings": warnings}
