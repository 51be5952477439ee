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
from ..catalogue import Args, Ref, operation
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
    taxpayer: Ref


Bi = tuple[str, str]   # (English, 中文)


def join(parts: list[Bi]) -> Bi:
    return "; ".join(p[0] for p in parts), "；".join(p[1] for p in parts)


@dataclass
class Problem:
    faq: str
    code: str
    cause: Bi
    evidence: list[str] = field(default_factory=list)
    pending: datetime | None = None
    steps_zh: list[str] | None = None
    steps_en: list[str] | None = None

    def as_dict(self) -> dict:
        e = failure_entry(self.code)
        return {"faq": self.faq, "code": self.code, "message_zh": e["message_zh"], "message_en": e["message_en"],
                "cause": self.cause[0], "cause_zh": self.cause[1], "evidence": self.evidence,
                "pending": fmt(self.pending),
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
        if any(c.edition == ed for c in v.installs):
            continue
        name = EDITION_NAMES[ed]
        en, zh = f"no {name} client is installed on the taxpayer's PC", f"纳税人电脑上未安装{name}客户端"
        if ed in leftovers:
            en += " (an uninstalled copy left files behind: reboot before installing the latest)"
            zh += "（卸载的旧版本仍有残留文件：安装最新版前请先重启电脑）"
        if ed == "guoshui" and any(c.edition == "dishui" for c in v.installs):
            en += "; a 营改增 taxpayer on the 地税 client upgrades it (upgrade_client)"
            zh += "；使用地税客户端的“营改增”纳税人应从地税客户端升级（upgrade_client）"
            if v.machine and v.machine.ds_ca_cache:
                en += (", which carries its 地税 CA cache over — installing the 国税 client fresh would leave the "
                       "cache unable to upload (FAQ 6.1)")
                zh += "，升级会带走地税 CA 缓存数据；直接安装国税客户端将导致 CA 缓存数据无法上传（6.1）"
        out.append(Problem("2", "CLIENT_NOT_INSTALLED", (en, zh), [f"installed: {_installed(v) or 'nothing'}"]))
    for ed in eds:
        copies = [c for c in v.installs if c.edition == ed]
        if not copies:
            continue
        name, latest = EDITION_NAMES[ed], eds[ed].versions[0]
        broken = [c for c in copies if c.broken]
        if broken:
            when = t(broken[0].installed_at)
            out.append(Problem("3.3", "BAD_SERVER_RESPONSE", (
                f"the {name} client was installed at {when} over an old version's left-over files (no reboot after "
                f"the uninstall): uninstall it, reboot, install the latest {latest}",
                f"{name}客户端于 {when} 安装时旧版本残留文件尚未清除（卸载后未重启电脑）：请卸载、重启电脑，再安装最新版 {latest}"),
                [f"{c.edition} {c.version} in {c.folder} (broken)" for c in broken]))
        versions = ", ".join(c.version for c in copies)
        if len(copies) > 1:
            out.append(Problem("3.3", "NETWORK_CONGESTION", (
                f"{len(copies)} copies of the {name} client are installed ({versions}): a version conflict; "
                f"uninstall, reboot, install the latest {latest}",
                f"安装了 {len(copies)} 个版本的{name}客户端（{versions}），多版本安装导致版本冲突：请卸载、重启电脑，"
                f"再安装最新版 {latest}"),
                [f"{c.edition} {c.version} in {c.folder}" for c in copies]))
        elif copies[0].version != latest:
            out.append(Problem("3.3", "NETWORK_CONGESTION", (
                f"the {name} client is version {versions}, older than the latest {latest}: uninstall, reboot, "
                f"install the latest",
                f"{name}客户端版本 {versions} 不是最新版 {latest}：请卸载、重启电脑，再安装最新版"),
                [f"{copies[0].edition} {copies[0].version} in {copies[0].folder}"]))
    return out


def _installed(v: View) -> str:
    return ", ".join(f"{c.edition} {c.version}{' (broken)' if c.broken else ''}" for c in v.installs)


def _login_rule(v: View) -> Bi:
    a, tp = v.account, v.tp
    if a is not None and a.password_state == "ds":
        return (f"a former 地税 网票 user keeping its login: account {a.ds_account} with its old 地税 password",
                f"原账号 {a.ds_account} 和原地税网票密码（原地税网票用户沿用原账号和密码）")
    other = tp.registration_no != tp.taxpayer_code
    accounts_en = f"account {tp.taxpayer_code}" + (f" or {tp.registration_no}" if other else "")
    accounts_zh = f"账号 {tp.taxpayer_code}" + (f" 或 {tp.registration_no}" if other else "")
    if a is not None and a.password_state == "set":
        since = t(_password_set_at(v))
        pw_en, pw_zh = f"the password it set itself (default state left at {since})", f"纳税人自行设置的密码（{since} 修改）"
    else:
        defaults = sorted(default_passwords(tp.tax_id, tp.registration_no))
        pw_en = ("the default password " + " or ".join(defaults)
                 + " (last 6 of the 识别号 or 登记序号, letters → 0)")
        pw_zh = "默认密码 " + " 或 ".join(defaults) + "（纳税人识别号或国税登记序号的后 6 位，有字母的以“0”代替）"
    if tp.former_ds_wangpiao and not tp.keeps_ds_login:
        pw_en += " — a former 地税 user given the new login: its old 地税 password no longer works"
        pw_zh += "——该纳税人属于使用新账号的极少部分原地税网票用户，原地税密码已不再有效"
    return f"{accounts_en} with {pw_en}", f"{accounts_zh}，{pw_zh}"


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
        out.append(Problem("3.1", "INVOICER_NOT_FOUND", (
            "网票 is not enabled for this taxpayer in 金三: its specialist must 开通网票 (open_wangpiao); the account "
            "then reaches 网票 with the sync",
            "国税专管员尚未在金三系统中为纳税人开通网络发票功能：请专管员“开通网票”（open_wangpiao），帐号随后同步到网票系统"),
            [f"金三: {tp.ref} wangpiao_enabled = false"]))
        return out
    if a is None:
        enabled = t(tp.enabled_at)
        if tp.former_ds_wangpiao:
            when = next_run("incremental", v.now)
            why = (f"网票 enabled at {enabled}; a former 地税 网票 user's account reaches 网票 with the next incremental "
                   f"sync, at {t(when)}",
                   f"网票已于 {enabled} 开通；原地税网票用户的帐号随下一次增量同步到达网票，预计 {t(when)}")
        else:
            when = next_run("nightly_clearing", v.now)
            why = (f"网票 enabled at {enabled}; a new 网票 taxpayer's account reaches 网票 with the nightly clearing "
                   f"(about a day), at {t(when)}",
                   f"网票已于 {enabled} 开通；新增网票纳税人的帐号随每天凌晨的清分库同步到达网票（约需一天），预计 {t(when)}")
        out.append(Problem("3.1", "INVOICER_NOT_FOUND", why, [f"金三: enabled at {enabled}", "网票: no account yet"],
                           pending=when))
        return out
    valid = _valid_accounts(v)
    login = v.last(["login"])
    rule_en, rule_zh = _login_rule(v)
    if login is not None and login.error_code == "INVOICER_NOT_FOUND" and (login.args or {}).get("account") not in valid:
        when, account = t(login.sim_time), (login.args or {}).get("account")
        out.append(Problem("3.1", "INVOICER_NOT_FOUND", (
            f"the last login at {when} used account {account!r}, which is not this taxpayer's: it logs in with "
            f"{rule_en}",
            f"{when} 登录所用账号 {account} 不是该纳税人的账号：应使用{rule_zh}"),
            [f"login at {when}: {login.error_code}"]))
    if login is not None and login.error_code == "BAD_CREDENTIALS" and not _reset_since(v, login.sim_time):
        when, account = t(login.sim_time), (login.args or {}).get("account")
        out.append(Problem("3.1", "BAD_CREDENTIALS", (
            f"the last login at {when} was refused (用户名或密码错): this taxpayer logs in with {rule_en}; a forgotten "
            f"password is put back to the default by 初始化密码 (reset_password)",
            f"{when} 登录提示“用户名或密码错”：该纳税人应使用{rule_zh}；忘记密码请国税专管员进行“初始化密码”"),
            [f"login at {when} as account {account!r}: BAD_CREDENTIALS", f"网票 password state: {a.password_state}"]))
    resets = [c for c in v.changes if c.kind == "password_reset"]
    if resets:
        when = next_run("incremental", v.now, not_before=resets[0].ready_at)
        done = t(resets[0].created_at)
        out.append(Problem("3.1", "BAD_CREDENTIALS", (
            f"初始化密码 was done at {done}; the default password reaches 网票 with the incremental sync at {t(when)} "
            f"(or at once with 同步信息); until then the old password stays",
            f"专管员已于 {done} 进行“初始化密码”，默认密码将随 {t(when)} 的增量同步生效（“同步信息”可立即生效），在此之前原密码仍有效"),
            [f"金三 change #{resets[0].seq} password_reset waiting"], pending=when))
    return out


def _before(sale: Sale, tp: Taxpayer) -> Bi:
    sold = t(sale.sold_at)
    if tp.enabled_at is not None and local(sale.sold_at).replace(second=0, microsecond=0) == \
            local(tp.enabled_at).replace(second=0, microsecond=0):
        return (f"sold {sold}, just before 网票 was enabled in the same minute",
                f"{sold} 发售，在同一分钟内先于开通网票")
    enabled = t(tp.enabled_at) if tp.enabled_at else None
    return (f"sold {sold}, 网票 enabled {enabled or 'only later'}",
            f"{sold} 发售，网票{f'于 {enabled} ' if enabled else '此后才'}开通")


def check_purchases(v: View) -> list[Problem]:
    """FAQ 3.2: nothing delivered — none sold, not yet synced, sold before enablement, or not a 网票 code."""
    if not v.ygz or v.purchases:
        return []
    tp = v.tp
    active = [s for s in v.sales if s.status == "active"]
    wp = [s for s in active if s.code in v.wp_codes]
    paper = [s for s in active if s.code not in v.wp_codes]
    pending_by_sale = {c.sale_id: c for c in v.changes if c.kind == "sale"}
    minutes = sync_config()["delays"]["sale_min_age_minutes"]
    causes: list[Bi] = []
    evidence, arrivals = [], []
    for s in wp:
        change = pending_by_sale.get(s.id) or (pending_by_sale.get(s.parent_id) if s.parent_id else None)
        sold = t(s.sold_at)
        evidence.append(f"金三: sold {s.code} {_no(s.start_no)}–{_no(s.end_no)} at {sold} "
                        f"(enabled then: {'yes' if s.enabled_at_sale else 'no'})")
        before_en, before_zh = _before(s, tp)
        if v.account is None:
            when = t(next_run("nightly_clearing", v.now))
            if s.enabled_at_sale or (change is not None and change.forced):
                causes.append((f"sold {sold}: it follows the account, which reaches 网票 at {when}",
                               f"{sold} 发售的发票随帐号一起同步，帐号预计 {when} 到达网票"))
                arrivals.append(next_run("nightly_clearing", v.now))
            else:
                causes.append((f"{before_en}: the automatic sync skips sales made before enablement; 同步信息 "
                               f"(sync_info) delivers it once the account exists ({when}), or return it and sell again",
                               f"{before_zh}：开通网票前发售的发票不会自动同步；帐号到达后（{when}）由专管员“同步信息”，"
                               f"或退票后重新发售"))
            continue
        if change is not None and change.forced:
            when = next_run("incremental", v.now)
            causes.append((f"同步信息 requested for the sale of {sold}: delivered at {t(when)}",
                           f"{sold} 的发售已申请“同步信息”，预计 {t(when)} 到达"))
            arrivals.append(when)
        elif s.enabled_at_sale:
            when = next_run("incremental", v.now, not_before=s.sold_at + timedelta(minutes=minutes))
            causes.append((f"sold {sold}: the incremental sync delivers a sale once it is {minutes} minutes old, at "
                           f"{t(when)} (同步信息 delivers it at once)",
                           f"{sold} 发售的领购信息至少需要等待 {minutes} 分钟才能同步到网票，预计 {t(when)} 到达"
                           f"（急用请专管员“同步信息”）"))
            arrivals.append(when)
        else:
            causes.append((f"{before_en}: the automatic sync skips sales made before enablement; ask the specialist "
                           f"for 同步信息 (sync_info), or return the invoices and sell them again",
                           f"{before_zh}：开通网票前发售的发票不会自动同步；请专管员进行“同步信息”，或先退票再重新发售"))
    valid = ", ".join(sorted(v.wp_codes))
    for s in paper:
        evidence.append(f"金三: sold {s.code} {_no(s.start_no)}–{_no(s.end_no)} at {t(s.sold_at)}")
        causes.append((f"code {s.code} is a paper (手工) invoice, which never reaches 网票: return it and sell one of "
                       f"the valid 网票 codes ({valid})",
                       f"发票号段 {s.code} 不属于网票有效号段，不会同步到网票：请退票后重新发售有效号段（{valid}）"))
    if not active:
        returned = [s for s in v.sales if s.status == "returned"]
        if returned:
            last = t(max(s.closed_at or s.sold_at for s in returned))
            causes.append((f"every range sold was returned (last at {last}): nothing is left to deliver; sell again",
                           f"已发售的发票已全部退票（最后一次 {last}），没有可同步的领购信息：请重新发售"))
        else:
            causes.append(("no invoices were sold to this taxpayer (未到税务机关领购发票): buy them at the tax office",
                           "纳税人未到税务机关领购发票：只有领购发票后才能在网票客户端中开具发票"))
    if v.account is not None:
        evidence.append("网票: no purchase delivered")
    pending = min(arrivals) if arrivals and len(arrivals) == len(causes) else None
    return [Problem("3.2", "NO_PURCHASE_INFO", join(causes), evidence, pending=pending)]


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
    when = t(login.sim_time)
    listed = [f"开票员: {', '.join(i.name for i in v.invoicers)}"]
    admin = next((i for i in v.invoicers if i.is_admin), None)
    if name == v.tp.name and admin is not None:
        return [Problem("4.1", "INVOICER_NOT_FOUND", (
            f"the login at {when} named the real-name taxpayer {name!r}, but the 系统管理员 is still called "
            f"{admin.name!r}: rename it (rename_admin) after logging in as 系统管理员",
            f"{when} 以实名纳税人“{name}”登录，但系统管理员仍名为“{admin.name}”：请以系统管理员身份登录，将其修改为实名纳税人"),
            listed, steps_zh=RENAME_STEPS_ZH, steps_en=RENAME_STEPS_EN)]
    return [Problem("4.2", "INVOICER_NOT_FOUND", (
        f"the login at {when} named 开票员 {name!r}, whom the 系统管理员 has not added: add it (add_invoicer) with a "
        f"password",
        f"{when} 以开票员“{name}”登录，但系统管理员尚未添加该开票员：请系统管理员在“维护开票员信息”中添加并设置密码"),
        listed, steps_zh=ADD_STEPS_ZH, steps_en=ADD_STEPS_EN)]


def _segments(v: View, invoicer: WpInvoicer) -> list[WpSegment]:
    return list(v.s.scalars(select(WpSegment).where(WpSegment.world_id == v.w, WpSegment.invoicer_id == invoicer.id)))


def check_permissions(v: View) -> list[Problem]:
    """FAQ 4.3: a 开票员 without a segment or without its monthly red and cache amounts."""
    if v.account is None or not v.ygz:
        return []
    lacking: list[Bi] = []
    evidence = []
    # The 系统管理员 starts without segment or amounts (FAQ 4.1); it lacks permission only once it
    # works as an invoicer (logs in with the 国税 client). An added 开票员 is there to issue.
    issuing_admins = set(v.s.scalars(select(WpSession.invoicer_id).where(
        WpSession.world_id == v.w, WpSession.account_id == v.account.id, WpSession.client == "guoshui")))
    for inv in v.invoicers:
        if inv.is_admin and inv.id not in issuing_admins:
            continue
        segs = _segments(v, inv)
        missing: list[Bi] = []
        if not segs:
            missing.append(("no invoice segment", "未分配发票号段"))
        elif all(wq.next_number(v.s, v.w, v.account.id, inv.id, code) is None for code in {s.code for s in segs}):
            missing.append(("no number left in its segments (all issued, or no longer delivered after a return)",
                            "已分配号段中没有可用号码（已全部开具，或退票后已不在领购信息中）"))
        if inv.red_amount is None or inv.cache_amount is None:
            missing.append(("no monthly red / cache amounts", "未分配月冲红和缓存金额"))
        if missing:
            lacking.append((f"{inv.name}: {' and '.join(m[0] for m in missing)}",
                            f"{inv.name}：{'、'.join(m[1] for m in missing)}"))
        segments = ", ".join(f"{s.code} {_no(s.start_no)}–{_no(s.end_no)}" for s in segs) or "—"
        evidence.append(f"{inv.name}: segments {segments}; "
                        f"red {inv.red_amount if inv.red_amount is not None else '—'}, "
                        f"cache {inv.cache_amount if inv.cache_amount is not None else '—'}")
    if not lacking:
        return []
    en, zh = join(lacking)
    return [Problem("4.3", "NO_PERMISSION_TO_SAVE", (
        f"开票员 not yet given enough permission to issue (开票员无权限保存): {en}. The 系统管理员 allocates segments "
        f"(allocate_segment) and amounts (allocate_amounts)",
        f"开票员未被分配足够权限开具发票：{zh}。请系统管理员“分配发票号段”并“分配月冲红和缓存金额”"), evidence)]


def _month(at: datetime) -> str:
    return local(at).strftime("%Y-%m")


def _red_used(v: View, **where) -> Decimal:
    q = select(func.sum(WpRedReversal.amount)).where(WpRedReversal.world_id == v.w,
                                                     WpRedReversal.month == _month(v.now))
    for col, value in where.items():
        q = q.where(getattr(WpRedReversal, col) == value)
    return v.s.execute(q).scalar() or Decimal("0")


RED_LIMIT_MENU = "系统管理 → 网络发票管理 → 网络发票功能核定 → 发票核定信息 → 冲红限额"


def check_red(v: View) -> list[Problem]:
    """FAQ 4.4: the monthly red-reversal amount is zero, used up, or short of what a 冲红 needs."""
    a = v.account
    if a is None or not v.ygz:
        return []
    limit = a.red_limit or Decimal(0)
    used = _red_used(v, account_id=a.id)
    pending = [c for c in v.changes if c.kind == "red_limit"]
    arrival = next_run("incremental", v.now, not_before=pending[-1].ready_at) if pending else None
    on_way: Bi = ("", "")
    if pending:
        amount, set_at = pending[-1].amount, t(pending[-1].created_at)
        on_way = (f"; 冲红限额 {amount} set in 金三 at {set_at} reaches 网票 at {t(arrival)}",
                  f"；金三已于 {set_at} 将冲红限额设为 {amount}，预计 {t(arrival)} 同步到网票")
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
            who, when = (inv.name if inv else name or "系统管理员"), t(failed.sim_time)
            out.append(Problem("4.4", "RED_AMOUNT_INSUFFICIENT", (
                f"the 冲红 of {wanted} at {when} by {who} needs more than is left this month: the 开票员 has {mine} of "
                f"its red amount, the taxpayer {ours} of its 冲红限额; the specialist raises the 冲红限额 "
                f"(set_red_limit), then the 系统管理员 re-allocates (allocate_amounts){on_way[0]}",
                f"{who} 于 {when} 冲红 {wanted}，超过本月剩余额度：开票员剩余月冲红金额 {mine}，纳税人剩余冲红限额 {ours}；"
                f"请专管员在金三中修改月冲红金额（{RED_LIMIT_MENU}），同步后系统管理员重新“分配月冲红和缓存金额”{on_way[1]}"),
                evidence, pending=arrival))
            return out
    reversible = v.s.execute(select(func.count()).select_from(WpInvoice).where(
        WpInvoice.world_id == v.w, WpInvoice.account_id == a.id, WpInvoice.status == "issued",
        WpInvoice.red_total < WpInvoice.amount)).scalar()
    if reversible and limit - used <= 0:
        why = (("the monthly 冲红限额 in 网票 is 0", "网票中的月冲红限额为 0") if limit == 0 else
               (f"this month's 冲红限额 {limit} is used up", f"本月冲红限额 {limit} 已用完"))
        out.append(Problem("4.4", "RED_AMOUNT_INSUFFICIENT", (
            f"{why[0]}: no invoice can be red-reversed (可冲红负数不足); the specialist sets it in 金三 "
            f"({RED_LIMIT_MENU}){on_way[0]}",
            f"{why[1]}，开具冲红发票将提示“可冲红负数不足”：请专管员在金三中修改月冲红金额（{RED_LIMIT_MENU}）{on_way[1]}"),
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
    mine = ", ".join(js_codes) or "none"
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
                why = (f"item {item!r} is in no industry: the specialist reports it to 征管科 (request_item) and 征管科 "
                       f"approves it into an industry (approve_item); it then reaches 网票 with the nightly clearing",
                       f"品目“{item}”在所有行业中都不存在：请专管员整理汇总上报国税局征管科（request_item），征管科审核通过后"
                       f"（approve_item）品目增加在对应行业，并随每天凌晨的清分库同步到达网票")
            elif req.status == "pending":
                why = (f"item {item!r} is in no industry; reported at {t(req.requested_at)}, awaiting 征管科 "
                       f"(approve_item)",
                       f"品目“{item}”在所有行业中都不存在，已于 {t(req.requested_at)} 上报，等待征管科审核（approve_item）")
            else:
                reason = f": {req.reason}" if req.reason else ""
                why = (f"item {item!r} is in no industry; its report was rejected at {t(req.decided_at)}{reason}",
                       f"品目“{item}”在所有行业中都不存在，上报已于 {t(req.decided_at)} 被驳回{reason.replace(': ', '：')}")
            out.append(Problem("4.5", "ITEM_NOT_AVAILABLE", why, evidence))
            continue
        in_js = [h.code for h in homes if h.code in js_codes]
        names = "、".join(f"{h.code} {h.name}" for h in homes)
        if in_js:
            new = v.s.scalars(select(Item).join(Industry, Item.industry_id == Industry.id).where(
                Item.world_id == v.w, Item.name == item, Industry.code.in_(in_js))).first()
            catalogue_waits = new is not None and new.seq and not v.s.execute(select(WpItem.id).where(
                WpItem.world_id == v.w, WpItem.name == item)).first()
            if catalogue_waits:
                pending = next_run("nightly_clearing", v.now)
                why = (f"item {item!r} was approved into {names} at {t(new.added_at)}; the item catalogue reaches 网票 "
                       f"with the nightly clearing at {t(pending)}",
                       f"品目“{item}”已于 {t(new.added_at)} 审核增加到行业 {names}，将随每天凌晨的清分库同步到达网票，预计 "
                       f"{t(pending)}")
            else:
                nightly = not v.wp_industries
                pending = next_run("nightly_clearing" if nightly else "industry_incremental", v.now)
                why = (f"item {item!r} is in {names}, assigned in 金三 but not yet in 网票: the changed assignment "
                       f"arrives with the {'nightly clearing' if nightly else 'industry incremental sync'} at "
                       f"{t(pending)}",
                       f"品目“{item}”所在行业 {names} 已在金三中核定但尚未同步到网票，预计 {t(pending)} 到达"
                       f"（行业同步一般需要半小时至一天）")
        else:
            full = len(js_codes) >= 4
            why = (f"item {item!r} is in industry {names}, which is not among the taxpayer's industries ({mine}): the "
                   f"specialist adds it as a 附行业 (assign_industries)"
                   + (" (it already has three: replace one, at most three 附行业)" if full else ""),
                   f"品目“{item}”存在于行业 {names}，不在纳税人已核定的行业（{mine}）中：请国税专管员增加该行业为附行业"
                   + ("（已有三个附行业：每个纳税人只能拥有一个主行业和三个附行业，请替换其一）" if full else ""))
        out.append(Problem("4.5", "ITEM_NOT_AVAILABLE", why, evidence, pending=pending))
    return out


def check_industries(v: View) -> list[Problem]:
    """FAQ 4.6: 网票 holds no industries for the taxpayer."""
    if v.account is None or not v.ygz or v.wp_industries:
        return []
    if not v.js_industries:
        return [Problem("4.6", "INDUSTRY_BLANK", (
            "no industry is assigned in 金三: the specialist assigns them (assign_industries, 行业核定); a first "
            "assignment reaches 网票 with the nightly clearing",
            "金三中尚未为纳税人核定行业：请国税专管员重新核定行业（assign_industries），首次核定随每天凌晨的清分库同步到达网票"),
            ["金三: no industries", "网票: no industries"])]
    done = v.when_done("assign_industries")
    when = t(next_run("nightly_clearing", v.now))
    listed = ", ".join(f"{i.code} {i.name}" for i in v.js_industries)
    at_en, at_zh = (f" at {t(done.sim_time)}", f"于 {t(done.sim_time)} ") if done else ("", "")
    return [Problem("4.6", "INDUSTRY_BLANK", (
        f"industries {listed} assigned in 金三{at_en}; a first assignment waits for the nightly clearing (每天凌晨), "
        f"at {when}",
        f"行业 {listed} 已{at_zh}在金三中核定；首次核定需等待每天凌晨的国税清分库数据同步，预计 {when}"),
        ["网票: no industries"], pending=next_run("nightly_clearing", v.now))]


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
        since_en = f" since the 国税-client login at {t(switch.sim_time)} accepted the upgrade" if switch else ""
        since_zh = f"（{t(switch.sim_time)} 使用国税客户端登录时接受了升级）" if switch else ""
        out.append(Problem("5.1", "DS_INVOICING_DISABLED", (
            f"a 地税 user (not 营改增 in 金三) whose 网票 account carries the 营改增 flag{since_en}: the 地税 client is "
            f"refused; the 地税专管员 asks 网票 ops to reset the flag (set_ygz_flag false), then log in with the 地税版 "
            f"and decline any upgrade prompt",
            f"地税用户不属于“营改增”，但误升级至国税网票{since_zh}，无法继续开具地税发票：请地税专管员联系网票后台运维更改"
            f"“营改增”标识，然后使用地税版客户端登录，如再提示升级，选择取消"),
            ["金三 ygz = false; 网票 ygz = true"]))
    elif v.ygz and a.ygz and not a.dual and ds_login is not None and ds_login.error_code == "DS_INVOICING_DISABLED" \
            and (ds_login.args or {}).get("client") == "dishui":
        open_ds = _open_ds_invoices(v)
        when = t(ds_login.sim_time)
        if open_ds and not any(c.edition == "dishui_void" for c in v.installs):
            out.append(Problem("5.3", "DS_INVOICING_DISABLED", (
                f"after 营改增 the 地税 client is refused (login at {when}); the {len(open_ds)} old 地税 invoice(s) are "
                f"voided or red-reversed with the 作废冲红版, installed in a folder of its own (install_client "
                f"dishui_void), no dual flag needed",
                f"“营改增”后无法登录地税网票系统（{when}）；{len(open_ds)} 张原地税发票请使用“重庆市地税网票系统(作废冲红版)”"
                f"作废、冲红，并安装至不同于其他PC网票客户端的目录"),
                [f"地税 {d.code} {d.number} {d.amount} issued {t(d.issued_at)}" for d in open_ds[:5]]))
        else:
            out.append(Problem("5.2", "DS_INVOICING_DISABLED", (
                f"a 营改增 taxpayer's 地税 client login at {when} was refused: to issue 国税 and 地税 invoices both, the "
                f"地税专管员 asks 网票 ops to set the dual flag (set_dual_flag)",
                f"“营改增”纳税人于 {when} 登录地税客户端被拒：如需同时开具国、地税发票，请联系地税专管员申请继续开具地税网票，"
                f"由网票后台运维更改纳税人标识"),
                ["网票 ygz = true, dual = false"]))
    conflict = v.last(["install_client", "upgrade_client"])
    if conflict is not None and conflict.error_code == "CLIENT_FOLDER_CONFLICT":
        ed = (conflict.args or {}).get("edition")
        folder = (conflict.args or {}).get("folder")
        there = [c for c in v.installs if c.folder == folder and c.edition != ed]
        if there and not any(c.edition == ed for c in v.installs):
            name, other = EDITION_NAMES.get(ed, ed), EDITION_NAMES.get(there[0].edition)
            own = clients()[ed].folder if ed in clients() else "its default"
            when = t(conflict.sim_time)
            out.append(Problem("5.2", "CLIENT_FOLDER_CONFLICT", (
                f"the {name} client was being installed at {when} into {folder}, which holds the {other} client: 国、地税 "
                f"clients cannot share a folder; install it into a folder of its own ({own})",
                f"{when} 将{name}客户端安装到已有{other}客户端的目录 {folder}：国、地税 PC 客户端不能安装在同一目录，"
                f"请安装到单独的目录（{own}）"),
                [f"{c.edition} {c.version} in {c.folder}" for c in v.installs]))
    red = v.last(["red_reverse"])
    if red is not None and red.error_code == "DS_NO_BLANK_INVOICES" and a.ds_blank_invoices < 1:
        number, when = (red.args or {}).get("number"), t(red.sim_time)
        out.append(Problem("5.3", "DS_NO_BLANK_INVOICES", (
            f"the 冲红 of 地税 invoice {number} at {when} needs a blank 地税 invoice and none is left: apply to the 地税 "
            f"office for blank invoices (voiding in the issuing month needs none)",
            f"{when} 冲红地税发票 {number} 需要一张空白地税发票，但已没有：冲红发票需向地税税务机关申请领购空白发票"
            f"（开具当月作废不需要空白发票）"),
            [f"网票: blank 地税 invoices {a.ds_blank_invoices}"]))
    return out


def check_ca(v: View) -> list[Problem]:
    """FAQ 6.1 (CA cache that never uploads) and 6.2 (CA not cancelled; device CA cannot be)."""
    out: list[Problem] = []
    tp, a = v.tp, v.account
    if v.machine is not None and v.machine.ca_cache_stuck:
        gs = next((c for c in v.installs if c.edition == "guoshui"), None)
        at_en, at_zh = (f" at {t(gs.installed_at)}", f"于 {t(gs.installed_at)} ") if gs else ("", "")
        out.append(Problem("6.1", "CA_CACHE_NOT_UPLOADED", (
            f"the 国税 client was installed fresh{at_en} while the PC held 地税 CA cache, instead of upgrading from the "
            f"地税 client (upgrade_client): the cache never uploads until the U-Key is remade (remake_ukey)",
            f"PC 客户端“营改增”CA 用户没有从地税客户端升级，而是{at_zh}直接安装了国税客户端，CA 缓存数据无法上传到服务器："
            f"请联系厂商重新制作 U-Key"),
            ["PC: CA cache stuck"]))
    refused = v.last(["cancel_ca"])
    if refused is not None and refused.error_code == "CA_CANNOT_CANCEL":
        when = t(refused.sim_time)
        out.append(Problem("6.2", "CA_CANNOT_CANCEL", (
            f"CA cancellation was asked at {when}, but a device (机具) CA user cannot cancel CA: it logs in with its "
            f"U-Key (with_ca)",
            f"{when} 申请取消 CA，但机具 CA 用户不可取消 CA，否则无法开票：请使用 CA（U-Key）登录"),
            [f"金三 ca = {tp.ca}"]))
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
        out.append(Problem("6.2", "CA_REQUIRED", (
            "a device (机具) CA user cannot cancel CA and must log in with its U-Key (with_ca)",
            "机具 CA 用户不可取消 CA，须使用 CA（U-Key）登录"), evidence))
        return out
    pending = work.due_at if work is not None else None
    requested = t(tp.ca_cancel_requested_at)
    if pending is not None:
        why = (f"CA cancellation requested at {requested}; 网票 ops finish it at {t(pending)} (30–60 minutes); until "
               f"then only the CA login works",
               f"已于 {requested} 申请取消 CA，运维人员处理数据库标识预计 {t(pending)} 完成（30-60 分钟），在此之前只能使用 CA 登录")
    elif tp.ca_cancel_requested_at is not None:
        call = tp.ca_cancel_requested_at + timedelta(minutes=sync_config()["delays"]["ca_call_after_minutes"])
        late = v.now >= call
        why = (f"CA cancellation requested at {requested} is not done"
               + (" and more than 2 hours have passed: call 023-88812366" if late else ""),
               f"{requested} 申请的取消 CA 尚未完成" + ("，已超过 2 个小时：请致电 023-88812366 查询情况" if late else ""))
    else:
        why = ("a PC CA user logs in online only after its CA is cancelled: call 023-88812366 with the 识别号 so that "
               "网票 ops cancel it (cancel_ca), then wait 30–60 minutes",
               "PC 客户端 CA 用户取消 CA 后才能在线登录：请致电 023-88812366，告知需要取消 CA 并提供纳税人识别号，"
               "等候 30-60 分钟")
    out.append(Problem("6.2", "CA_REQUIRED", why, evidence, pending=pending))
    return out


def check_printer(v: View) -> list[Problem]:
    """FAQ 7: the last printer setting was refused (an offset off the paper or a wrong type)."""
    e = v.last(["set_printer"])
    if e is None or e.error_code != "INVALID_INPUT":
        return []
    margin = load_base().printer.margin_mm
    args = e.args or {}
    when, kind, right, down = t(e.sim_time), args.get("invoice_type"), args.get("right"), args.get("down")
    return [Problem("7", "INVALID_INPUT", (
        f"the printer setting at {when} (type {kind}, right {right}, down {down}) was refused on {e.error_field}: "
        f"offsets are whole millimetres from -{margin} to {margin} (the print keeps a {margin} mm margin) for one of "
        f"the 网票 invoice types",
        f"{when} 的打印机设置（发票类型 {kind}，右平移 {right}，下平移 {down}）未被接受（{e.error_field}）：平移为整毫米，"
        f"范围 -{margin} 至 {margin}（打印内容须在纸张上保留 {margin} 毫米边距），发票类型须为网票发票类型"),
        [f"set_printer at {when}: INVALID_INPUT ({e.error_field})"],
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
            "cause": first["cause"] if first else None, "cause_zh": first["cause_zh"] if first else None,
            "steps": first["steps"] if first else [],
            "steps_en": first["steps_en"] if first else [], "problems": rows}


@operation("diagnose", zh="诊断", en="Diagnose", args=DiagnoseArgs, side="jinsan", mutates=False)
def diagnose(ctx, args: DiagnoseArgs) -> dict:
    """Which FAQ entry applies to the taxpayer, the cause found in the data, and the FAQ's steps."""
    return diagnose_taxpayer(ctx.session, ctx.world, args.taxpayer, ctx.now)
