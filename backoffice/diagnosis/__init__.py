"""诊断: why a taxpayer sees an error, which FAQ case it is, and the remedy, step by step.

Reading (no audit row, nothing written)::

    from backoffice.diagnosis import diagnose
    result = diagnose(session, world, "acme")            # at the world's clock
    result = diagnose(session, world, "acme", now=at)    # at another simulated time

Pages and API reads use this. The ``diagnose`` operation of the catalogue (module
:mod:`.operation`, same name, args ``{taxpayer}`` and result) is what an officer does, and is
audited like every operation.

The result: ``taxpayer``, ``at``; ``faq``, ``code``, ``status``, ``cause``/``cause_zh``,
``steps``/``steps_en`` (texts) and ``remedy`` (structured steps) of the first problem; ``problems``,
every problem the taxpayer has *hit* or *will* hit on its ordinary path, in FAQ order; ``notes``,
what is only worth knowing (an action not tried, a refused input that left nothing wrong). Each
problem has ``faq``, ``code``, ``rule``, ``status``, messages, ``cause``, ``evidence``, ``pending``
(when what it waits for arrives), ``steps``/``steps_en``, ``remedy`` (each step: ``zh``/``en``,
``faq``, ``added`` with ``why_zh``/``why_en``, ``do`` — the operations as scenario steps — and
``needs``), ``probe`` (scenario steps that show the failure now) and ``check`` (steps that no
longer fail with ``code`` once the remedy is done).

The diagnoser is made of small rules, one per FAQ case, each in the module of its FAQ section:

=================  =============================================================
``client``         2 (client missing), 3.3 (broken, doubled or old client)
``account``        3.1 (not enabled, account on its way, wrong account or password, reset on its way)
``purchases``      3.2 (nothing delivered)
``invoicers``      4.1, 4.2 (开票员 names), 4.3 (permission, cache amount)
``red``            4.4 (冲红限额 and the 开票员's red amount; a note when none is possible)
``industries``     4.5 (items), 4.6 (no industries)
``dishui``         5.1, 5.2, 5.3 (营改增 and dual flags, 地税 clients and invoices)
``ca``             6.1, 6.2
``printer``        7 (a note)
=================  =============================================================

Rules register with :func:`.registry.rule`; their order and every step's text come from the
``diagnosis`` section of seed_data/failures.yaml (:mod:`.remedy` renders them).
"""
from __future__ import annotations

from . import account, ca, client, dishui, industries, invoicers, printer, purchases, red  # noqa: F401
from . import operation  # noqa: F401  (registers the diagnose operation)
from .engine import diagnose

__all__ = ["diagnose"]
