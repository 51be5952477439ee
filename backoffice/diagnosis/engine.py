"""Running the rules for one taxpayer and shaping their findings into the diagnosis."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..clock import fmt
from ..db import scoped_to_world
from ..errors import invalid
from ..failures import entry
from ..jinsan.models import Taxpayer
from .registry import HIT, NOTE, Finding, Rule, ordered_rules
from .remedy import MISSING, render
from .view import View


def _plain(value):
    """Probe and check steps as JSON: a value the diagnoser cannot know is null."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return None if value is MISSING else value


def problem(view: View, rule: Rule, f: Finding) -> dict:
    e = entry(f.code)
    actors = dict(view.actors)
    invoicer = f.facts.get("invoicer")
    admin = view.admin
    if invoicer and not (admin is not None and admin.name == invoicer):
        actors["invoicer"] = f"{view.tp.ref}/{invoicer}"
    remedy = render(rule.name, rule.faq, f.facts, actors)
    return {"faq": rule.faq, "code": f.code, "rule": rule.name, "status": f.status,
            "message_zh": e["message_zh"], "message_en": e["message_en"],
            "cause": f.cause[0], "cause_zh": f.cause[1], "evidence": f.evidence, "pending": fmt(f.pending),
            "steps": [s["text_zh"] for s in remedy], "steps_en": [s["text_en"] for s in remedy],
            "remedy": remedy, "probe": _plain(f.probe), "check": _plain(f.check if f.check is not None else f.probe)}


def diagnose(session: Session, world, taxpayer_ref: str, now: datetime | None = None) -> dict:
    """The diagnosis of ``taxpayer_ref`` in ``world`` at ``now`` (default: the world's clock).

    Reads only: it writes nothing, not even an audit entry (the ``diagnose`` operation is the
    audited way for an officer to ask). Every ORM query it makes sees ``world`` only.
    """
    with scoped_to_world(session, world.id):
        return _diagnose(session, world, taxpayer_ref, now)


def _diagnose(session: Session, world, taxpayer_ref: str, now: datetime | None) -> dict:
    now = now or world.clock_now
    tp = session.execute(select(Taxpayer).where(Taxpayer.world_id == world.id, Taxpayer.ref == taxpayer_ref)
                         ).scalar_one_or_none()
    if tp is None:
        raise invalid("taxpayer", f"no taxpayer {taxpayer_ref!r} in this world", f"本世界没有纳税人 {taxpayer_ref}")
    view = View(session, world, tp, now)
    problems, notes = [], []
    for rule in ordered_rules():
        # within one FAQ case, what the taxpayer has hit comes before what it will hit
        for finding in sorted(rule.func(view) or (), key=lambda f: f.status != HIT):
            (notes if finding.status == NOTE else problems).append(problem(view, rule, finding))
    first = problems[0] if problems else None
    return {"taxpayer": tp.ref, "at": fmt(now),
            "faq": first["faq"] if first else None, "code": first["code"] if first else None,
            "status": first["status"] if first else None,
            "cause": first["cause"] if first else None, "cause_zh": first["cause_zh"] if first else None,
            "steps": first["steps"] if first else [], "steps_en": first["steps_en"] if first else [],
            "remedy": first["remedy"] if first else [], "problems": problems, "notes": notes}
