"""What the rules read about one taxpayer, each part read once and only when a rule asks for it.

A view covers 金三, the 清分库 outbox, 网票, the simulated PC, the due work items and — where the
question is what someone tried (an item, an install, a login) — the audit log, read newest first
and bounded. It also answers the questions several rules share: how this taxpayer logs in, when a
channel will next carry something, which officer of the world plays a role.
"""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from functools import cached_property
from typing import Callable, Iterable

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..audit.models import AuditEntry
from ..clock import local
from ..identifiers import default_passwords
from ..jinsan.models import Change, Industry, Officer, Sale, Taxpayer, TaxpayerIndustry
from ..sync.pipeline import next_fire
from ..wangpiao import queries as wq
from ..wangpiao.models import (PcInstall, PcLeftover, PcMachine, WpAccount, WpDsInvoice, WpInvoicer, WpItem,
                               WpPurchase, WpRedReversal, WpTaxpayerIndustry)
from ..worlds.models import InvoiceType
from .registry import Bi
from .remedy import MISSING

HISTORY_LIMIT = 200   # audit entries looked at per question: the diagnosis stays bounded


def t(dt: datetime | None) -> str:
    """A time as causes show it."""
    return "—" if dt is None else local(dt).strftime("%Y-%m-%d %H:%M")


def no(n: int) -> str:
    return f"{n:08d}"


class View:
    """One taxpayer of one world at one simulated time."""

    def __init__(self, session: Session, world, tp: Taxpayer, now: datetime):
        self.s, self.world, self.w, self.tp, self.now = session, world, world.id, tp, now

    # --- 金三 ---------------------------------------------------------------------------------

    @property
    def ygz(self) -> bool:
        """Whether 金三 holds the taxpayer as a 国税 网票 user (营改增)."""
        return bool(self.tp.ygz)

    @cached_property
    def sales(self) -> list[Sale]:
        return list(self.s.scalars(select(Sale).where(Sale.world_id == self.w, Sale.taxpayer_id == self.tp.id)
                                   .order_by(Sale.sold_at, Sale.id)))

    @cached_property
    def changes(self) -> list[Change]:
        """Changes still waiting in 金三's outbox."""
        return list(self.s.scalars(select(Change).where(
            Change.world_id == self.w, Change.taxpayer_id == self.tp.id, Change.delivered_at.is_(None))
            .order_by(Change.seq, Change.id)))

    @cached_property
    def wp_codes(self) -> set[str]:
        return set(self.s.scalars(select(InvoiceType.code).where(InvoiceType.world_id == self.w,
                                                                 InvoiceType.wangpiao.is_(True))))

    @cached_property
    def js_industries(self) -> list[Industry]:
        return list(self.s.scalars(
            select(Industry).join(TaxpayerIndustry, (TaxpayerIndustry.world_id == Industry.world_id)
                                   & (TaxpayerIndustry.industry_id == Industry.id))
            .where(TaxpayerIndustry.world_id == self.w, TaxpayerIndustry.taxpayer_id == self.tp.id)
            .order_by(TaxpayerIndustry.slot)))

    # --- 网票 ---------------------------------------------------------------------------------

    @cached_property
    def account(self) -> WpAccount | None:
        return self.s.execute(select(WpAccount).where(WpAccount.world_id == self.w,
                                                      WpAccount.source_taxpayer_id == self.tp.id)).scalar_one_or_none()

    @cached_property
    def has_purchases(self) -> bool:
        a = self.account
        return a is not None and self.s.execute(select(WpPurchase.id).where(
            WpPurchase.world_id == self.w, WpPurchase.account_id == a.id).limit(1)).first() is not None

    @cached_property
    def invoicers(self) -> list[WpInvoicer]:
        a = self.account
        return [] if a is None else list(self.s.scalars(select(WpInvoicer).where(
            WpInvoicer.world_id == self.w, WpInvoicer.account_id == a.id)
            .order_by(WpInvoicer.is_admin.desc(), WpInvoicer.id)))

    @property
    def admin(self) -> WpInvoicer | None:
        return next((i for i in self.invoicers if i.is_admin), None)

    def invoicer_named(self, name: str | None) -> WpInvoicer | None:
        """The 开票员 of that name; no name is the 系统管理员."""
        if not name:
            return self.admin
        return next((i for i in self.invoicers if i.name == name), None)

    @cached_property
    def wp_industries(self) -> list[str]:
        a = self.account
        return [] if a is None else list(self.s.scalars(select(WpTaxpayerIndustry.industry_code).where(
            WpTaxpayerIndustry.world_id == self.w, WpTaxpayerIndustry.account_id == a.id)
            .order_by(WpTaxpayerIndustry.slot)))

    @cached_property
    def open_ds_invoices(self) -> list[WpDsInvoice]:
        a = self.account
        return [] if a is None else list(self.s.scalars(select(WpDsInvoice).where(
            WpDsInvoice.world_id == self.w, WpDsInvoice.account_id == a.id, WpDsInvoice.status == "issued",
            WpDsInvoice.red_total < WpDsInvoice.amount).order_by(WpDsInvoice.issued_at)))

    def red_used(self, **where) -> Decimal:
        """What was red-reversed this month (Asia/Shanghai), by the account or one invoicer."""
        q = select(func.sum(WpRedReversal.amount)).where(WpRedReversal.world_id == self.w,
                                                         WpRedReversal.month == wq.month_of(self.now))
        for col, value in where.items():
            q = q.where(getattr(WpRedReversal, col) == value)
        return self.s.execute(q).scalar() or Decimal("0")

    # --- the PC ------------------------------------------------------------------------------

    @cached_property
    def machine(self) -> PcMachine | None:
        return self.s.execute(select(PcMachine).where(PcMachine.world_id == self.w,
                                                      PcMachine.taxpayer_ref == self.tp.ref)).scalar_one_or_none()

    @cached_property
    def installs(self) -> list[PcInstall]:
        m = self.machine
        return [] if m is None else list(self.s.scalars(select(PcInstall).where(
            PcInstall.world_id == self.w, PcInstall.machine_id == m.id).order_by(PcInstall.id)))

    @cached_property
    def leftovers(self) -> set[str]:
        m = self.machine
        return set() if m is None else set(self.s.scalars(select(PcLeftover.edition).where(
            PcLeftover.world_id == self.w, PcLeftover.machine_id == m.id)))

    def copies(self, edition: str) -> list[PcInstall]:
        return [c for c in self.installs if c.edition == edition]

    def installed(self) -> str:
        return ", ".join(f"{c.edition} {c.version}{' (broken)' if c.broken else ''}" for c in self.installs) \
            or "nothing"

    # --- the audit log: what was tried --------------------------------------------------------

    def last(self, ops: Iterable[str], pred: Callable[[AuditEntry], bool] | None = None) -> AuditEntry | None:
        """The newest audit entry about this taxpayer of one of ``ops`` that ``pred`` accepts."""
        rows = self.s.scalars(select(AuditEntry).where(
            AuditEntry.world_id == self.w, AuditEntry.taxpayer_ref == self.tp.ref,
            AuditEntry.operation.in_(list(ops))).order_by(AuditEntry.id.desc()).limit(HISTORY_LIMIT))
        return next((e for e in rows if pred is None or pred(e)), None)

    def last_login(self, pred: Callable[[AuditEntry], bool] | None = None) -> AuditEntry | None:
        return self.last(["login"], pred)

    def after(self, entry: AuditEntry, ops: Iterable[str], pred: Callable[[AuditEntry], bool]) -> bool:
        """Whether an entry of ``ops`` accepted by ``pred`` came after ``entry``."""
        later = self.last(ops, pred)
        return later is not None and later.id > entry.id


    # --- logging in ---------------------------------------------------------------------------

    @property
    def keeps_ds_login(self) -> bool:
        return bool(self.tp.former_ds_wangpiao and self.tp.keeps_ds_login)

    def valid_accounts(self) -> set[str]:
        if self.keeps_ds_login:
            return {self.tp.ds_account} if self.tp.ds_account else set()
        return {self.tp.taxpayer_code, self.tp.registration_no}

    @property
    def login_account(self) -> str:
        return self.tp.ds_account if self.keeps_ds_login else self.tp.registration_no

    @property
    def password_state(self) -> str:
        a = self.account
        if a is not None:
            return a.password_state
        return "ds" if self.keeps_ds_login else "default"

    @property
    def default_password(self) -> str:
        return sorted(default_passwords(self.tp.tax_id, self.tp.registration_no))[0]

    @property
    def uses_ca(self) -> bool:
        """A CA user whose CA still stands logs in with its U-Key."""
        a = self.account
        cancelled = self.tp.ca_cancelled_at is not None or (a is not None and a.ca_cancelled)
        return self.tp.ca != "none" and not cancelled

    def login(self, *, client: str | None = None, default: bool = False, with_ca: bool | None = None,
              invoicer: str | None = None) -> dict:
        """Login arguments by the FAQ 3.1 rule; a password the diagnoser cannot know is MISSING."""
        client = client or ("guoshui" if self.ygz else "dishui")
        with_ca = self.uses_ca if with_ca is None else with_ca
        args: dict = {"account": self.login_account}
        if invoicer:
            args["password"], args["invoicer"] = MISSING, invoicer
        elif with_ca:
            args["password"] = ""
        elif default or self.password_state == "default":
            args["password"] = self.default_password
        else:
            args["password"] = MISSING
        if client != "guoshui":
            args["client"] = client
        if with_ca:
            args["with_ca"] = True
        return args

    def password_rule(self, default: bool = False) -> Bi:
        if self.uses_ca:
            return "with its CA U-Key", "使用 CA（U-Key）登录"
        if default or self.password_state == "default":
            return f"default password {self.default_password}", f"默认密码 {self.default_password}"
        if self.password_state == "ds":
            return "its old 地税 网票 password", "原地税网票密码"
        return "the password it set itself", "纳税人自行设置的密码"

    def login_step(self, **kw) -> dict:
        """A login as a scenario step (for probes and checks)."""
        actor = self.tp.ref + (f"/{kw['invoicer']}" if kw.get("invoicer") else "")
        return {"actor": actor, "op": "login", "args": self.login(**kw)}

    def issue_step(self, *, invoicer: str | None = None, item: str | None = None, amount: str = "1.00") -> list[dict]:
        """A login and an invoice issued as the ordinary path does it (a probe): the invoicer's own
        segment code (else a delivered one), an item of its industries (else ``item``)."""
        inv = self.invoicer_named(invoicer)
        code = None
        if inv is not None and self.account is not None:
            code = next((seg.code for seg in wq.segments(self.s, self.w, self.account.id, invoicer_id=inv.id)), None)
            if code is None:
                code = next((p.code for p in wq.purchases(self.s, self.w, self.account.id)), None)
        code = code or min(self.wp_codes, default="150001320410")
        if item is None:
            item = self.s.scalar(select(WpItem.name).where(WpItem.world_id == self.w,
                                                           WpItem.industry_code.in_(self.wp_industries))
                                 .order_by(WpItem.id).limit(1)) or "—"
        actor = self.tp.ref + (f"/{invoicer}" if invoicer and not (inv is not None and inv.is_admin) else "")
        login = self.login_step(invoicer=invoicer if actor != self.tp.ref else None)
        return [login, {"actor": actor, "op": "issue_invoice", "args": {"code": code, "item": item, "amount": amount}}]

    def retry_step(self, e: AuditEntry) -> list[dict]:
        """A refused 网票 operation again, after its actor logs in as the ordinary path does."""
        invoicer = e.actor.partition("/")[2] or None
        return [self.login_step(invoicer=invoicer) if invoicer else self.login_step(), retry(e)]

    # --- time -------------------------------------------------------------------------------

    def next_run(self, job: str, ready: datetime | None = None) -> datetime:
        """When ``job`` will carry something ready at ``ready`` (now when omitted)."""
        return next_fire(job, ready or self.now, self.now)

    def account_arrival(self) -> tuple[str, datetime]:
        """Which channel brings the 网票 account, and when (once 网票 is enabled)."""
        job = "incremental" if self.tp.former_ds_wangpiao else "nightly_clearing"
        return job, self.next_run(job)

    # --- who plays a role -------------------------------------------------------------------

    @cached_property
    def actors(self) -> dict[str, str | None]:
        """The world's officer for each role a remedy names (an instructor where none has it)."""
        officers = list(self.s.execute(select(Officer.id, Officer.login, Officer.role)
                                       .where(Officer.world_id == self.w).order_by(Officer.id)))
        first = {}
        for oid, login, role in officers:
            first.setdefault(role, login)
        specialist = next((login for oid, login, role in officers if oid == self.tp.specialist_id), None)
        fallback = first.get("instructor")
        return {"specialist": specialist or fallback, "ops": first.get("ops") or fallback,
                "collection_section": first.get("collection_section") or fallback,
                "ds_specialist": first.get("ds_specialist") or fallback, "taxpayer": self.tp.ref}


def args_of(e: AuditEntry | None) -> dict:
    return dict(e.args or {}) if e is not None else {}


def client_of(e: AuditEntry) -> str:
    return args_of(e).get("client") or "guoshui"


def retry(e: AuditEntry) -> dict:
    """The attempt an audit entry records, as a scenario step (a probe: it fails again while the
    problem stands)."""
    return {"actor": e.actor, "op": e.operation, "args": args_of(e)}
