"""诊断: which FAQ entry applies to a taxpayer, why (evidence from the world's data) and what to do.

The diagnoser reads every part of a world — 金三, the 清分库, 网票, the simulated PC, the outbox
of changes still on their way and the due work items — and the audit log where the question is
what the taxpayer tried (an item it wanted, an install that failed). Each problem found carries its
FAQ section, failure code, a cause written from the data ("sold 09:00, 网票 enabled 10:00: …"),
the evidence, when a pending delivery will arrive, and the FAQ's steps from seed_data/failures.yaml.
The result's ``faq``/``code``/``cause``/``steps`` are those of the first problem in FAQ order.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from functools import lru_cache
from typing import Iterable

from apscheduler.triggers.cron import CronTrigger
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..audit.models import AuditEntry
from ..catalogue import Args, Text, operation
from ..clock import SHANGHAI, fmt, local
from ..errors import invalid
from ..failures import entry as failure_entry
from ..identifiers import default_passwords
from ..jinsan.models import Change, Industry, Item, ItemRequest, Sale, Taxpayer, TaxpayerIndustry
from ..seed import clients, load_base, sync_config
from ..sync.models import WorkItem
from ..wangpiao import queries as wq
from ..wangpiao.models import (PcInstall, PcLeftover, PcMachine, WpAccount, WpDsInvoice, WpInvoice, WpInvoicer,
                               WpItem, WpPurchase, WpRedReversal, WpSegment, WpSession, WpTaxpayerIndustry)
from ..worlds.models import InvoiceType

EDITION_NAMES = {"guoshui": "国税版(营改增)", "dishui": "地税版", "dishui_void": "地税作废冲红版"}
# FAQ 7 has no failure code of its own; its how-to steps, verbatim.
PRINTER_STEPS_ZH = ["点击右上角的“系统设置”，“常规设置”下就包括了打印机设置。",
                    "发票类型：选择需要打印设置的发票类型",
                    "右平移：正数为向右平移，负数为向左平移",
                    "下平移：正数为向下平移，负数为向上平移"]
PRINTER_STEPS_EN = ["Click “系统设置” (system settings) at the top right; printer settings are under “常规设置”.",
                    "Invoice type: choose the invoice type to set up",
                    "Right offset: positive moves right, negative moves left",
                    "Down offset: positive moves down, negative moves up"]
# 4.1 / 4.2 are how-tos too: which 开票员 a login names is not a state the FAQ gives a code for.
RENAME_STEPS_ZH = ["以系统管理员身份登录；", "双击左边菜单“系统维护”，使其展开子目录；", "单击“维护开票员信息”；",
                   "选中右窗口中 系统管理员，在上方的姓名栏后修改为实名纳税人，而后点击“修改”确认。"]
RENAME_STEPS_EN = ["Log in as the 系统管理员;", "Double-click “系统维护” in the left menu to expand it;",
                   "Click “维护开票员信息”;",
                   "Select 系统管理员 in the right window, change the name above to the real-name taxpayer, "
                   "then click “修改” to confirm."]
ADD_STEPS_ZH = ["以系统管理员身份登录；", "双击左边菜单“系统维护”，使其展开子目录；", "单击“维护开票员信息”；",
                "在右面窗口的上方单击“添加”；", "请输入开票员姓名，并为其设置密码；", "确认成功添加即可。"]
ADD_STEPS_EN = ["Log in as the 系统管理员;", "Double-click “系统维护” in the left menu to expand it;",
                "Click “维护开票员信息”;", "Click “添加” at the top of the right window;",
                "Enter the invoicer's name and set its password;", "Confirm it was added."]


class DiagnoseArgs(Args):
    taxpayer: Text


@dataclass
class Problem:
    faq: str
    code: str
    cause: str
    evidence: list[str] = field(default_factory=list)
    pending: datetime | None = None
    steps_zh: list[str] | None = None
    steps_en: list[str] | None = None

    def as_dict(self) -> dict:
        e = failure_entry(self.code)
        return {"faq": self.faq, "code": self.code, "message_zh": e["message_zh"], "message_en": e["message_en"],
                "cause": self.cause, "evidence": self.evidence, "pending": fmt(self.pending),
                "steps": self.steps_zh if self.steps_zh is not None else list(e.get("steps_zh") or []),
                "steps_en": self.steps_en if self.steps_en is not None else list(e.get("steps_en") or [])}


def faq_key(section: str) -> tuple[int, ...]:
    return tuple(int(p) for p in section.split("."))


def t(dt: datetime | None) -> str:
    return "—" if dt is None else local(dt).strftime("%Y-%m-%d %H:%M")


def _no(n: int) -> str:
    return f"{n:08d}"


# --- when will the channels run ------------------------------------------------------------------

@lru_cache(maxsize=8)
def _trigger(job: str) -> CronTrigger:
    """The job's trigger as declared once in jobs/schedules.py (the same the clock fires)."""
    try:
        from jobs import schedules
    except ModuleNotFoundError:   # a build without the jobs package: the same cron from sync.yaml
        return CronTrigger(timezone=SHANGHAI, **sync_config()["jobs"][job]["cron"])
    return schedules.schedules()[job].trigger


def next_run(job: str, after: datetime, *, not_before: datetime | None = None) -> datetime:
    """The first occurrence of ``job`` strictly after ``after`` and at or after ``not_before``."""
    start = after + timedelta(microseconds=1)
    if not_before is not None and not_before > start:
        start = not_before
    return _trigger(job).get_next_fire_time(None, local(start))


# --- the world, read -----------------------------------------------------------------------------

class View:
    """Everything the checks look at for one taxpayer, read once."""

    def __init__(self, session: Session, world, tp: Taxpayer, now: datetime):
        self.s, self.w, self.tp, self.now = session, world.id, tp, now
        w = world.id
        self.account: WpAccount | None = session.execute(select(WpAccount).where(
            WpAccount.world_id == w, WpAccount.source_taxpayer_id == tp.id)).scalar_one_or_none()
        self.machine: PcMachine | None = session.execute(select(PcMachine).where(
            PcMachine.world_id == w, PcMachine.taxpayer_ref == tp.ref)).scalar_one_or_none()
        self.installs: list[PcInstall] = list(session.scalars(select(PcInstall).where(
            PcInstall.world_id == w, PcInstall.machine_id == self.machine.id).order_by(PcInstall.id))) \
            if self.machine else []
        self.leftovers: list[PcLeftover] = list(session.scalars(select(PcLeftover).where(
            PcLeftover.world_id == w, PcLeftover.machine_id == self.machine.id))) if self.machine else []
        self.sales: list[Sale] = list(session.scalars(select(Sale).where(
            Sale.world_id == w, Sale.taxpayer_id == tp.id).order_by(Sale.sold_at, Sale.id)))
        self.changes: list[Change] = list(session.scalars(select(Change).where(
            Change.world_id == w, Change.taxpayer_id == tp.id, Change.delivered_at.is_(None)).order_by(Change.seq)))
        self.wp_codes = set(session.scalars(select(InvoiceType.code).where(InvoiceType.world_id == w,
                                                                           InvoiceType.wangpiao.is_(True))))
        self.history: list[AuditEntry] = list(session.scalars(select(AuditEntry).where(
            AuditEntry.world_id == w, AuditEntry.taxpayer_ref == tp.ref).order_by(AuditEntry.id)))
        a = self.account
        self.purchases: list[WpPurchase] = list(session.scalars(select(WpPurchase).where(
            WpPurchase.world_id == w, WpPurchase.account_id == a.id))) if a else []
        self.invoicers: list[WpInvoicer] = list(session.scalars(select(WpInvoicer).where(
            WpInvoicer.world_id == w, WpInvoicer.account_id == a.id)
            .order_by(WpInvoicer.is_admin.desc(), WpInvoicer.id))) if a else []
        self.wp_industries: list[str] = list(session.scalars(select(WpTaxpayerIndustry.industry_code).where(
            WpTaxpayerIndustry.world_id == w, WpTaxpayerIndustry.account_id == a.id)
            .order_by(WpTaxpayerIndustry.slot))) if a else []
        self.js_industries: list[Industry] = list(session.scalars(
            select(Industry).join(TaxpayerIndustry, TaxpayerIndustry.industry_id == Industry.id)
            .where(TaxpayerIndustry.world_id == w, TaxpayerIndustry.taxpayer_id == tp.id)
            .order_by(TaxpayerIndustry.slot)))

    # the audit log: what this taxpayer (or an officer about it) last did
    def last(self, ops: Iterable[str], pred=None) -> AuditEntry | None:
        ops = set(ops)
        for e in reversed(self.history):
            if e.operation in ops and (pred is None or pred(e)):
                return e
        return None

    def when_done(self, op: str) -> AuditEntry | None:
        return self.last([op], lambda e: e.error_code is None)

    @property
    def ygz(self) -> bool:
        """Whether 金三 holds the taxpayer as a 国税 网票 user (营改增)."""
        return bool(self.tp.ygz)


# --- the checks, in FAQ order --------------------------------------------------------------------

def check_client(v: View) -> list[Problem]:
    """FAQ 2 and 3.3: the client each edition the taxpayer needs, present once, whole and latest."""
    out: list[Problem] = []
    eds = clients()
    needed = ["guoshui"] if v.ygz else ["dishui"]
    if v.account is not None and v.account.dual and "dishui" not in needed:
        needed.append("dishui")
    leftovers = {lo.edition for lo in v.leftovers}
    for ed in needed:
        if not any(c.edition == ed for c in v.installs):
            why = f"no {EDITION_NAMES[ed]} client is installed on the taxpayer's PC"
            if ed in leftovers:
                why += " (an uninstalled copy left files behind: reboot before installing the latest)"
            if ed == "guoshui" and any(c.edition == "dishui" for c in v.installs):
                why += ("; a 营改增 taxpayer on the 地税 client upgrades it (upgrade_client)"
                        + (", which carries its 地税 CA cache over — installing the 国税 client fresh would "
                           "leave the cache unable to upload (FAQ 6.1)" if v.machine and v.machine.ds_ca_cache else ""))
            out.append(Problem("2", "CLIENT_NOT_INSTALLED", why, [f"installed: {_installed(v) or 'nothing'}"]))
    for ed in eds:
        copies = [c for c in v.installs if c.edition == ed]
        if not copies:
            continue
        latest = eds[ed].versions[0]
        broken = [c for c in copies if c.broken]
        if broken:
            out.append(Problem("3.3", "BAD_SERVER_RESPONSE",
                               f"the {EDITION_NAMES[ed]} client was installed at {t(broken[0].installed_at)} over an "
                               f"old version's left-over files (no reboot after the uninstall): uninstall it, "
                               f"reboot, install the latest {latest}",
                               [f"{c.edition} {c.version} in {c.folder} (broken)" for c in broken]))
        if len(copies) > 1:
            out.append(Problem("3.3", "NETWORK_CONGESTION",
                               f"{len(copies)} copies of the {EDITION_NAMES[ed]} client are installed "
                               f"({', '.join(c.version for c in copies)}): a version conflict; uninstall, reboot, "
                               f"install the latest {latest}",
                               [f"{c.edition} {c.version} in {c.folder}" for c in copies]))
        elif copies[0].version != latest:
            out.append(Problem("3.3", "NETWORK_CONGESTION",
                               f"the {EDITION_NAMES[ed]} client is version {copies[0].version}, older than the latest "
                               f"{latest}: uninstall, reboot, install the latest",
                               [f"{copies[0].edition} {copies[0].version} in {copies[0].folder}"]))
    return out


def _installed(v: View) -> str:
    return ", ".join(f"{c.edition} {c.version}{' (broken)' if c.broken else ''}" for c in v.installs)


def _login_rule(v: View) -> str:
    a, tp = v.account, v.tp
    if a is not None and a.password_state == "ds":
        return f"a former 地税 网票 user keeping its login: account {a.ds_account} with its old 地税 password"
    accounts = f"account {tp.taxpayer_code}" + (f" or {tp.registration_no}" if tp.registration_no != tp.taxpayer_code
                                                 else "")
    if a is not None and a.password_state == "set":
        pw = f"the password it set itself (default state left at {t(_password_set_at(v))})"
    else:
        pw = ("the default password " + " or ".join(sorted(default_passwords(tp.tax_id, tp.registration_no)))
              + " (last 6 of the 识别号 or 登记序号, letters → 0)")
    extra = " — a former 地税 user given the new login: its old 地税 password no longer works" \
        if tp.former_ds_wangpiao and not tp.keeps_ds_login else ""
    return f"{accounts} with {pw}{extra}"


def _password_set_at(v: View) -> datetime | None:
    e = v.last(["change_password"], lambda e: e.error_code is None and e.actor.partition("/")[2] == "")
    return e.sim_time if e else None


def _valid_accounts(v: View) -> set[str]:
    tp = v.tp
    if tp.former_ds_wangpiao and tp.keeps_ds_login:
        return {tp.ds_account} if tp.ds_account else set()
    return {tp.taxpayer_code, tp.registration_no}


def _reset_since(v: View, at: datetime) -> bool:
    """A 初始化密码 delivered after ``at``: the default password works again."""
    return v.s.execute(select(Change.id).where(
        Change.world_id == v.w, Change.taxpayer_id == v.tp.id, Change.kind == "password_reset",
        Change.delivered_at.is_not(None), Change.delivered_at >= at)).first() is not None


def check_account(v: View) -> list[Problem]:
    """FAQ 3.1: not enabled, enabled but not yet delivered, wrong account or password, a reset on its way."""
    tp, a = v.tp, v.account
    out: list[Problem] = []
    if not tp.wangpiao_enabled:
        out.append(Problem("3.1", "INVOICER_NOT_FOUND",
                           "网票 is not enabled for this taxpayer in 金三: its specialist must 开通网票 "
                           "(open_wangpiao); the account then reaches 网票 with the sync",
                           [f"金三: {tp.ref} wangpiao_enabled = false"]))
        return out
    if a is None:
        if tp.former_ds_wangpiao:
            when = next_run("incremental", v.now)
            why = (f"网票 enabled at {t(tp.enabled_at)}; a former 地税 网票 user's account reaches 网票 with the "
                   f"next incremental sync, at {t(when)}")
        else:
            when = next_run("nightly_clearing", v.now)
            why = (f"网票 enabled at {t(tp.enabled_at)}; a new 网票 taxpayer's account reaches 网票 with the "
                   f"nightly clearing (about a day), at {t(when)}")
        out.append(Problem("3.1", "INVOICER_NOT_FOUND", why, [f"金三: enabled at {t(tp.enabled_at)}",
                                                              "网票: no account yet"], pending=when))
        return out
    valid = _valid_accounts(v)
    login = v.last(["login"])
    if login is not None and login.error_code == "INVOICER_NOT_FOUND" and (login.args or {}).get("account") not in valid:
        out.append(Problem("3.1", "INVOICER_NOT_FOUND",
                           f"the last login at {t(login.sim_time)} used account {login.args.get('account')!r}, "
                           f"which is not this taxpayer's: it logs in with {_login_rule(v)}",
                           [f"login at {t(login.sim_time)}: {login.error_code}"]))
    if login is not None and login.error_code == "BAD_CREDENTIALS" and not _reset_since(v, login.sim_time):
        out.append(Problem("3.1", "BAD_CREDENTIALS",
                           f"the last login at {t(login.sim_time)} was refused (用户名或密码错): this taxpayer logs in "
                           f"with {_login_rule(v)}; a forgotten password is put back to the default by 初始化密码 "
                           f"(reset_password)",
                           [f"login at {t(login.sim_time)} as account {login.args.get('account')!r}: BAD_CREDENTIALS",
                            f"网票 password state: {a.password_state}"]))
    resets = [c for c in v.changes if c.kind == "password_reset"]
    if resets:
        when = next_run("incremental", v.now, not_before=resets[0].ready_at)
        out.append(Problem("3.1", "BAD_CREDENTIALS",
                           f"初始化密码 was done at {t(resets[0].created_at)}; the default password reaches 网票 with "
                           f"the incremental sync at {t(when)} (or at once with 同步信息); until then the old "
                           f"password stays",
                           [f"金三 change #{resets[0].seq} password_reset waiting"], pending=when))
    return out


def _before(sale: Sale, tp: Taxpayer) -> str:
    if tp.enabled_at is not None and local(sale.sold_at).replace(second=0, microsecond=0) == \
            local(tp.enabled_at).replace(second=0, microsecond=0):
        return f"sold {t(sale.sold_at)}, just before 网票 was enabled in the same minute"
    return f"sold {t(sale.sold_at)}, 网票 enabled {t(tp.enabled_at) if tp.enabled_at else 'only later'}"


def check_purchases(v: View) -> list[Problem]:
    """FAQ 3.2: nothing delivered — none sold, not yet synced, sold before enablement, or not a 网票 code."""
    if not v.ygz or v.purchases:
        return []
    tp = v.tp
    active = [s for s in v.sales if s.status == "active"]
    wp = [s for s in active if s.code in v.wp_codes]
    paper = [s for s in active if s.code not in v.wp_codes]
    pending_by_sale = {c.sale_id: c for c in v.changes if c.kind == "sale"}
    causes, evidence, arrivals = [], [], []
    for s in wp:
        change = pending_by_sale.get(s.id) or (pending_by_sale.get(s.parent_id) if s.parent_id else None)
        rng = f"{s.code} {_no(s.start_no)}–{_no(s.end_no)}"
        evidence.append(f"金三: sold {rng} at {t(s.sold_at)} (enabled then: {'yes' if s.enabled_at_sale else 'no'})")
        if v.account is None:
            when = next_run("nightly_clearing", v.now)
            if s.enabled_at_sale or (change is not None and change.forced):
                causes.append(f"sold {t(s.sold_at)}: it follows the account, which reaches 网票 at {t(when)}")
                arrivals.append(when)
            else:
                causes.append(f"{_before(s, tp)}: the automatic sync skips sales made before enablement; "
                              f"同步信息 (sync_info) delivers it once the account exists ({t(when)}), or return it "
                              f"and sell again")
            continue
        if change is not None and change.forced:
            when = next_run("incremental", v.now)
            causes.append(f"同步信息 requested for the sale of {t(s.sold_at)}: delivered at {t(when)}")
            arrivals.append(when)
        elif s.enabled_at_sale:
            ready = s.sold_at + timedelta(minutes=sync_config()["delays"]["sale_min_age_minutes"])
            when = next_run("incremental", v.now, not_before=ready)
            causes.append(f"sold {t(s.sold_at)}: the incremental sync delivers a sale once it is "
                          f"{sync_config()['delays']['sale_min_age_minutes']} minutes old, at {t(when)} "
                          f"(同步信息 delivers it at once)")
            arrivals.append(when)
        else:
            causes.append(f"{_before(s, tp)}: the automatic sync skips sales made before enablement; ask the "
                          f"specialist for 同步信息 (sync_info), or return the invoices and sell them again")
    for s in paper:
        evidence.append(f"金三: sold {s.code} {_no(s.start_no)}–{_no(s.end_no)} at {t(s.sold_at)}")
        causes.append(f"code {s.code} is a paper (手工) invoice, which never reaches 网票: return it and sell one "
                      f"of the valid 网票 codes ({', '.join(sorted(v.wp_codes))})")
    if not active:
        returned = [s for s in v.sales if s.status == "returned"]
        if returned:
            causes.append(f"every range sold was returned (last at {t(max(s.closed_at or s.sold_at for s in returned))}): "
                          f"nothing is left to deliver; sell again")
        else:
            causes.append("no invoices were sold to this taxpayer (未到税务机关领购发票): buy them at the tax office")
    if v.account is not None:
        evidence.append("网票: no purchase delivered")
    pending = min(arrivals) if arrivals and len(arrivals) == len(causes) else None
    return [Problem("3.2", "NO_PURCHASE_INFO", "; ".join(causes), evidence, pending=pending)]


def check_invoicer_names(v: View) -> list[Problem]:
    """FAQ 4.1 / 4.2: a login named a 开票员 that the account does not hold (yet)."""
    if v.account is None:
        return []
    login = v.last(["login"])
    if login is None or login.error_code != "INVOICER_NOT_FOUND":
        return []
    args = login.args or {}
    name = args.get("invoicer") or login.actor.partition("/")[2]
    if args.get("account") not in _valid_accounts(v) or not name:
        return []
    if any(i.name == name for i in v.invoicers):
        return []
    admin = next((i for i in v.invoicers if i.is_admin), None)
    if name == v.tp.name and admin is not None:
        return [Problem("4.1", "INVOICER_NOT_FOUND",
                        f"the login at {t(login.sim_time)} named the real-name taxpayer {name!r}, but the 系统管理员 is "
                        f"still called {admin.name!r}: rename it (rename_admin) after logging in as 系统管理员",
                        [f"开票员: {', '.join(i.name for i in v.invoicers)}"], steps_zh=RENAME_STEPS_ZH,
                        steps_en=RENAME_STEPS_EN)]
    return [Problem("4.2", "INVOICER_NOT_FOUND",
                    f"the login at {t(login.sim_time)} named 开票员 {name!r}, whom the 系统管理员 has not added: add it "
                    f"(add_invoicer) with a password",
                    [f"开票员: {', '.join(i.name for i in v.invoicers)}"], steps_zh=ADD_STEPS_ZH, steps_en=ADD_STEPS_EN)]


def _segments(v: View, invoicer: WpInvoicer) -> list[WpSegment]:
    return list(v.s.scalars(select(WpSegment).where(WpSegment.world_id == v.w, WpSegment.invoicer_id == invoicer.id)))


def check_permissions(v: View) -> list[Problem]:
    """FAQ 4.3: a 开票员 without a segment or without its monthly red and cache amounts."""
    if v.account is None or not v.ygz:
        return []
    lacking, evidence = [], []
    # The 系统管理员 starts without segment or amounts (FAQ 4.1); it lacks permission only once it
    # works as an invoicer (logs in with the 国税 client). An added 开票员 is there to issue.
    issuing_admins = set(v.s.scalars(select(WpSession.invoicer_id).where(
        WpSession.world_id == v.w, WpSession.account_id == v.account.id, WpSession.client == "guoshui")))
    for inv in v.invoicers:
        if inv.is_admin and inv.id not in issuing_admins:
            continue
        segs = _segments(v, inv)
        missing = []
        if not segs:
            missing.append("no invoice segment")
        elif all(wq.next_number(v.s, v.w, v.account.id, inv.id, code) is None for code in {s.code for s in segs}):
            missing.append("no number left in its segments (all issued, or no longer delivered after a return)")
        if inv.red_amount is None or inv.cache_amount is None:
            missing.append("no monthly red / cache amounts")
        if missing:
            lacking.append(f"{inv.name}: {' and '.join(missing)}")
        evidence.append(f"{inv.name}: segments {', '.join(f'{s.code} {_no(s.start_no)}–{_no(s.end_no)}' for s in segs) or '—'}; "
                        f"red {inv.red_amount if inv.red_amount is not None else '—'}, "
                        f"cache {inv.cache_amount if inv.cache_amount is not None else '—'}")
    if not lacking:
        return []
    return [Problem("4.3", "NO_PERMISSION_TO_SAVE",
                    "开票员 not yet given enough permission to issue (开票员无权限保存): " + "; ".join(lacking)
                    + ". The 系统管理员 allocates segments (allocate_segment) and amounts (allocate_amounts)",
                    evidence)]


def _month(at: datetime) -> str:
    return local(at).strftime("%Y-%m")


def _red_used(v: View, **where) -> Decimal:
    q = select(func.sum(WpRedReversal.amount)).where(WpRedReversal.world_id == v.w,
                                                     WpRedReversal.month == _month(v.now))
    for col, value in where.items():
        q = q.where(getattr(WpRedReversal, col) == value)
    return v.s.execute(q).scalar() or Decimal("0")


def check_red(v: View) -> list[Problem]:
    """FAQ 4.4: the monthly red-reversal amount is zero, used up, or short of what a 冲红 needs."""
    a = v.account
    if a is None or not v.ygz:
        return []
    limit = a.red_limit or Decimal(0)
    used = _red_used(v, account_id=a.id)
    pending = [c for c in v.changes if c.kind == "red_limit"]
    arrival = next_run("incremental", v.now, not_before=pending[-1].ready_at) if pending else None
    on_way = (f"; 冲红限额 {pending[-1].amount} set in 金三 at {t(pending[-1].created_at)} reaches 网票 at "
              f"{t(arrival)}") if pending else ""
    evidence = [f"网票 冲红限额 {limit}, used this month {used}"] + \
        [f"{i.name}: red {i.red_amount if i.red_amount is not None else '—'}, used "
         f"{_red_used(v, invoicer_id=i.id)}" for i in v.invoicers]
    out: list[Problem] = []
    failed = v.last(["red_reverse"], lambda e: e.error_code in (None, "RED_AMOUNT_INSUFFICIENT"))
    if failed is not None and failed.error_code == "RED_AMOUNT_INSUFFICIENT":
        name = failed.actor.partition("/")[2]
        inv = next((i for i in v.invoicers if (i.name == name if name else i.is_admin)), None)
        wanted = Decimal(str((failed.args or {}).get("amount", "0")))
        mine = (inv.red_amount or Decimal(0)) - _red_used(v, invoicer_id=inv.id) if inv else Decimal(0)
        ours = limit - used
        if min(mine, ours) < wanted:
            who = inv.name if inv else name or "系统管理员"
            out.append(Problem("4.4", "RED_AMOUNT_INSUFFICIENT",
                               f"the 冲红 of {wanted} at {t(failed.sim_time)} by {who} needs more than is left this "
                               f"month: the 开票员 has {mine} of its red amount, the taxpayer {ours} of its 冲红限额; "
                               f"the specialist raises the 冲红限额 (set_red_limit), then the 系统管理员 re-allocates "
                               f"(allocate_amounts){on_way}", evidence, pending=arrival))
            return out
    reversible = v.s.execute(select(func.count()).select_from(WpInvoice).where(
        WpInvoice.world_id == v.w, WpInvoice.account_id == a.id, WpInvoice.status == "issued",
        WpInvoice.red_total < WpInvoice.amount)).scalar()
    if reversible and limit - used <= 0:
        why = ("the monthly 冲红限额 in 网票 is 0" if limit == 0 else
               f"this month's 冲红限额 {limit} is used up")
        out.append(Problem("4.4", "RED_AMOUNT_INSUFFICIENT",
                           f"{why}: no invoice can be red-reversed (可冲红负数不足); the specialist sets it in 金三 "
                           f"(系统管理 → 网络发票管理 → 网络发票功能核定 → 发票核定信息 → 冲红限额){on_way}",
                           evidence, pending=arrival))
    return out


def _js_item_homes(v: View, item: str) -> list[Industry]:
    return list(v.s.scalars(select(Industry).join(Item, Item.industry_id == Industry.id).where(
        Item.world_id == v.w, Item.name == item).order_by(Industry.code)))


def _wp_has_item(v: View, item: str) -> bool:
    if not v.wp_industries:
        return False
    return v.s.execute(select(WpItem.id).where(WpItem.world_id == v.w, WpItem.name == item,
                                               WpItem.industry_code.in_(v.wp_industries))).first() is not None


def check_items(v: View) -> list[Problem]:
    """FAQ 4.5: an item the taxpayer wanted (tried or reported) that its industries in 网票 lack."""
    if v.account is None or not v.ygz:
        return []
    wanted: dict[str, AuditEntry | ItemRequest] = {}
    tried = v.last(["issue_invoice"], lambda e: e.error_code in (None, "ITEM_NOT_AVAILABLE"))
    if tried is not None and tried.error_code == "ITEM_NOT_AVAILABLE":
        wanted[(tried.args or {}).get("item")] = tried
    for req in v.s.scalars(select(ItemRequest).where(ItemRequest.world_id == v.w, ItemRequest.taxpayer_id == v.tp.id)
                           .order_by(ItemRequest.id)):
        wanted.setdefault(req.item, req)
    out = []
    js_codes = [i.code for i in v.js_industries]
    for item, source in wanted.items():
        if not item or _wp_has_item(v, item):
            continue
        homes = _js_item_homes(v, item)
        evidence = [f"网票 industries: {', '.join(v.wp_industries) or '—'}; 金三 industries: {', '.join(js_codes) or '—'}"]
        if isinstance(source, AuditEntry):
            evidence.append(f"issue_invoice of {item!r} at {t(source.sim_time)}: ITEM_NOT_AVAILABLE")
        pending = None
        if not homes:
            req = v.s.scalars(select(ItemRequest).where(ItemRequest.world_id == v.w, ItemRequest.item == item,
                                                        ItemRequest.taxpayer_id == v.tp.id)
                              .order_by(ItemRequest.id.desc()).limit(1)).first()
            if req is None:
                why = (f"item {item!r} is in no industry: the specialist reports it to 征管科 (request_item) and "
                       f"征管科 approves it into an industry (approve_item); it then reaches 网票 with the nightly clearing")
            elif req.status == "pending":
                why = f"item {item!r} is in no industry; reported at {t(req.requested_at)}, awaiting 征管科 (approve_item)"
            else:
                why = (f"item {item!r} is in no industry; its report was rejected at {t(req.decided_at)}"
                       + (f": {req.reason}" if req.reason else ""))
            out.append(Problem("4.5", "ITEM_NOT_AVAILABLE", why, evidence))
            continue
        home_codes = [h.code for h in homes]
        in_js = [c for c in home_codes if c in js_codes]
        names = "、".join(f"{h.code} {h.name}" for h in homes)
        if in_js:
            new = v.s.scalars(select(Item).join(Industry, Item.industry_id == Industry.id).where(
                Item.world_id == v.w, Item.name == item, Industry.code.in_(in_js))).first()
            catalogue_waits = new is not None and new.seq and not v.s.execute(select(WpItem.id).where(
                WpItem.world_id == v.w, WpItem.name == item)).first()
            if catalogue_waits:
                pending = next_run("nightly_clearing", v.now)
                why = (f"item {item!r} was approved into {names} at {t(new.added_at)}; the item catalogue reaches "
                       f"网票 with the nightly clearing at {t(pending)}")
            else:
                job = "industry_incremental" if v.wp_industries else "nightly_clearing"
                pending = next_run(job, v.now)
                why = (f"item {item!r} is in {names}, assigned in 金三 but not yet in 网票: the changed assignment "
                       f"arrives with the {'industry incremental sync' if v.wp_industries else 'nightly clearing'} "
                       f"at {t(pending)}")
        else:
            room = "" if len(js_codes) < 4 else " (it already has three: replace one, at most three 附行业)"
            why = (f"item {item!r} is in industry {names}, which is not among the taxpayer's industries "
                   f"({', '.join(js_codes) or 'none'}): the specialist adds it as a 附行业 (assign_industries){room}")
        out.append(Problem("4.5", "ITEM_NOT_AVAILABLE", why, evidence, pending=pending))
    return out


def check_industries(v: View) -> list[Problem]:
    """FAQ 4.6: 网票 holds no industries for the taxpayer."""
    if v.account is None or not v.ygz or v.wp_industries:
        return []
    if not v.js_industries:
        return [Problem("4.6", "INDUSTRY_BLANK",
                        "no industry is assigned in 金三: the specialist assigns them (assign_industries, 行业核定); "
                        "a first assignment reaches 网票 with the nightly clearing",
                        ["金三: no industries", "网票: no industries"])]
    done = v.when_done("assign_industries")
    when = next_run("nightly_clearing", v.now)
    return [Problem("4.6", "INDUSTRY_BLANK",
                    f"industries {', '.join(f'{i.code} {i.name}' for i in v.js_industries)} assigned in 金三"
                    + (f" at {t(done.sim_time)}" if done else "")
                    + f"; a first assignment waits for the nightly clearing (每天凌晨), at {t(when)}",
                    ["网票: no industries"], pending=when)]


def _open_ds_invoices(v: View) -> list[WpDsInvoice]:
    if v.account is None:
        return []
    return list(v.s.scalars(select(WpDsInvoice).where(WpDsInvoice.world_id == v.w,
                                                      WpDsInvoice.account_id == v.account.id,
                                                      WpDsInvoice.status == "issued",
                                                      WpDsInvoice.red_total < WpDsInvoice.amount)))


def check_ds(v: View) -> list[Problem]:
    """FAQ 5.1–5.3: the 营改增 and dual flags, client folders, the 作废冲红版 and blank 地税 invoices."""
    a = v.account
    out: list[Problem] = []
    if a is None:
        return out
    ds_login = v.last(["login"], lambda e: (e.args or {}).get("client") in ("dishui", "dishui_void"))
    if not v.ygz and a.ygz:
        switch = v.last(["login"], lambda e: (e.args or {}).get("client", "guoshui") == "guoshui")
        out.append(Problem("5.1", "DS_INVOICING_DISABLED",
                           "a 地税 user (not 营改增 in 金三) whose 网票 account carries the 营改增 flag"
                           + (f" since the 国税-client login at {t(switch.sim_time)} accepted the upgrade" if switch else "")
                           + ": the 地税 client is refused; the 地税专管员 asks 网票 ops to reset the flag (set_ygz_flag "
                             "false), then log in with the 地税版 and decline any upgrade prompt",
                           [f"金三 ygz = false; 网票 ygz = true"]))
    elif v.ygz and a.ygz and not a.dual and ds_login is not None and ds_login.error_code == "DS_INVOICING_DISABLED" \
            and (ds_login.args or {}).get("client") == "dishui":
        open_ds = _open_ds_invoices(v)
        if open_ds and not any(c.edition == "dishui_void" for c in v.installs):
            out.append(Problem("5.3", "DS_INVOICING_DISABLED",
                               f"after 营改增 the 地税 client is refused (login at {t(ds_login.sim_time)}); the "
                               f"{len(open_ds)} old 地税 invoice(s) are voided or red-reversed with the 作废冲红版, "
                               f"installed in a folder of its own (install_client dishui_void), no dual flag needed",
                               [f"地税 {d.code} {d.number} {d.amount} issued {t(d.issued_at)}" for d in open_ds[:5]]))
        else:
            out.append(Problem("5.2", "DS_INVOICING_DISABLED",
                               f"a 营改增 taxpayer's 地税 client login at {t(ds_login.sim_time)} was refused: to issue "
                               f"国税 and 地税 invoices both, the 地税专管员 asks 网票 ops to set the dual flag "
                               f"(set_dual_flag)", ["网票 ygz = true, dual = false"]))
    conflict = v.last(["install_client", "upgrade_client"])
    if conflict is not None and conflict.error_code == "CLIENT_FOLDER_CONFLICT":
        ed = (conflict.args or {}).get("edition")
        folder = (conflict.args or {}).get("folder")
        there = [c for c in v.installs if c.folder == folder and c.edition != ed]
        if there and not any(c.edition == ed for c in v.installs):
            out.append(Problem("5.2", "CLIENT_FOLDER_CONFLICT",
                               f"the {EDITION_NAMES.get(ed, ed)} client was being installed at {t(conflict.sim_time)} "
                               f"into {folder}, which holds the {EDITION_NAMES.get(there[0].edition)} client: 国、地税 "
                               f"clients cannot share a folder; install it into a folder of its own "
                               f"({clients()[ed].folder if ed in clients() else 'its default'})",
                               [f"{c.edition} {c.version} in {c.folder}" for c in v.installs]))
    red = v.last(["red_reverse"])
    if red is not None and red.error_code == "DS_NO_BLANK_INVOICES" and a.ds_blank_invoices < 1:
        out.append(Problem("5.3", "DS_NO_BLANK_INVOICES",
                           f"the 冲红 of 地税 invoice {(red.args or {}).get('number')} at {t(red.sim_time)} needs a "
                           f"blank 地税 invoice and none is left: apply to the 地税 office for blank invoices "
                           f"(voiding in the issuing month needs none)",
                           [f"网票: blank 地税 invoices {a.ds_blank_invoices}"]))
    return out


def check_ca(v: View) -> list[Problem]:
    """FAQ 6.1 (CA cache that never uploads) and 6.2 (CA not cancelled; device CA cannot be)."""
    out: list[Problem] = []
    tp, a = v.tp, v.account
    if v.machine is not None and v.machine.ca_cache_stuck:
        gs = next((c for c in v.installs if c.edition == "guoshui"), None)
        out.append(Problem("6.1", "CA_CACHE_NOT_UPLOADED",
                           "the 国税 client was installed fresh"
                           + (f" at {t(gs.installed_at)}" if gs else "")
                           + " while the PC held 地税 CA cache, instead of upgrading from the 地税 client "
                             "(upgrade_client): the cache never uploads until the U-Key is remade (remake_ukey)",
                           ["PC: CA cache stuck"]))
    refused = v.last(["cancel_ca"])
    if refused is not None and refused.error_code == "CA_CANNOT_CANCEL":
        out.append(Problem("6.2", "CA_CANNOT_CANCEL",
                           f"CA cancellation was asked at {t(refused.sim_time)}, but a device (机具) CA user cannot "
                           f"cancel CA: it logs in with its U-Key (with_ca)", [f"金三 ca = {tp.ca}"]))
    cancelled = tp.ca_cancelled_at is not None or (a is not None and a.ca_cancelled)
    if tp.ca == "none" or cancelled:
        return out
    online = v.last(["login"], lambda e: not (e.args or {}).get("with_ca"))
    tried_online = online is not None and online.error_code == "CA_REQUIRED"
    work = v.s.scalars(select(WorkItem).where(WorkItem.world_id == v.w, WorkItem.taxpayer_ref == tp.ref,
                                              WorkItem.kind == "ca_cancel", WorkItem.done_at.is_(None))
                       .order_by(WorkItem.due_at)).first()
    if not (tried_online or work is not None or tp.ca_cancel_requested_at is not None):
        return out
    evidence = [f"金三 ca = {tp.ca}"] + ([f"online login at {t(online.sim_time)}: CA_REQUIRED"] if tried_online else [])
    if tp.ca == "device":
        why = "a device (机具) CA user cannot cancel CA and must log in with its U-Key (with_ca)"
        out.append(Problem("6.2", "CA_REQUIRED", why, evidence))
        return out
    pending = work.due_at if work is not None else None
    if pending is not None:
        why = (f"CA cancellation requested at {t(tp.ca_cancel_requested_at)}; 网票 ops finish it at {t(pending)} "
               f"(30–60 minutes); until then only the CA login works")
    elif tp.ca_cancel_requested_at is not None:
        call = tp.ca_cancel_requested_at + timedelta(minutes=sync_config()["delays"]["ca_call_after_minutes"])
        why = (f"CA cancellation requested at {t(tp.ca_cancel_requested_at)} is not done"
               + (" and more than 2 hours have passed: call 023-88812366" if v.now >= call else ""))
    else:
        why = ("a PC CA user logs in online only after its CA is cancelled: call 023-88812366 with the 识别号 so that "
               "网票 ops cancel it (cancel_ca), then wait 30–60 minutes")
    out.append(Problem("6.2", "CA_REQUIRED", why, evidence, pending=pending))
    return out


def check_printer(v: View) -> list[Problem]:
    """FAQ 7: the last printer setting was refused (an offset off the paper or a wrong type)."""
    e = v.last(["set_printer"])
    if e is None or e.error_code != "INVALID_INPUT":
        return []
    margin = load_base().printer.margin_mm
    args = e.args or {}
    return [Problem("7", "INVALID_INPUT",
                    f"the printer setting at {t(e.sim_time)} (type {args.get('invoice_type')}, right "
                    f"{args.get('right')}, down {args.get('down')}) was refused on {e.error_field}: offsets are whole "
                    f"millimetres from -{margin} to {margin} (the print keeps a {margin} mm margin) for one of the "
                    f"网票 invoice types", [f"set_printer at {t(e.sim_time)}: INVALID_INPUT ({e.error_field})"],
                    steps_zh=PRINTER_STEPS_ZH, steps_en=PRINTER_STEPS_EN)]


CHECKS = (check_client, check_account, check_purchases, check_invoicer_names, check_permissions, check_red,
          check_items, check_industries, check_ds, check_ca, check_printer)


def diagnose_taxpayer(session: Session, world, ref: str, now: datetime) -> dict:
    tp = session.execute(select(Taxpayer).where(Taxpayer.world_id == world.id, Taxpayer.ref == ref)).scalar_one_or_none()
    if tp is None:
        raise invalid("taxpayer", f"no taxpayer {ref!r} in this world", f"本世界没有纳税人 {ref}")
    v = View(session, world, tp, now)
    problems: list[Problem] = []
    for check in CHECKS:
        problems.extend(check(v))
    problems.sort(key=lambda p: faq_key(p.faq))   # stable: within a section, the order found
    rows = [p.as_dict() for p in problems]
    first = rows[0] if rows else None
    return {"taxpayer": tp.ref, "at": fmt(now),
            "faq": first["faq"] if first else None, "code": first["code"] if first else None,
            "cause": first["cause"] if first else None, "steps": first["steps"] if first else [],
            "steps_en": first["steps_en"] if first else [], "problems": rows}


@operation("diagnose", zh="诊断", en="Diagnose", args=DiagnoseArgs, side="jinsan", mutates=False)
def diagnose(ctx, args: DiagnoseArgs) -> dict:
    """Which FAQ entry applies to the taxpayer, the cause found in the data, and the FAQ's steps."""
    return diagnose_taxpayer(ctx.session, ctx.world, args.taxpayer, ctx.now)
