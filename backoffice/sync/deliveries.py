"""Everything that travels for one taxpayer, channel by channel, each with when it was made, when
its channel was due to carry it and when it was delivered (docs/behaviour.md §5).

One delivery is a mapping: ``kind``; ``what`` / ``what_zh``; ``from`` and ``to`` (金三 ``jinsan``,
清分库 ``clearing``, 网票 ``wangpiao``, the taxpayer's ``pc``); ``channel``; ``made``, ``due``,
``delivered`` (ISO times, null when not known or not yet); ``status``: ``delivered``, ``pending``
(its channel will carry it at ``due``), ``blocked`` (no channel will by itself: ``note`` says what
is needed) or ``state`` (how something stands now, e.g. files an uninstall left on the PC).

``due`` is when the channel carries (or carried) it by the rules: the first run after it was ready.
A delivery earlier than that was pushed by 同步信息. Lists are bounded: the newest
:data:`LIMIT` of each kind.
"""
from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import select
from sqlalchemy.orm import Session

from jobs import schedules

from ..audit.models import AuditEntry
from ..clock import EPSILON, fmt, local
from ..jinsan.models import Change, Industry, Item, ItemRequest, Sale, Taxpayer, TaxpayerIndustry, UsedInvoice
from ..seed import clients
from ..wangpiao.models import PcInstall, PcLeftover, PcMachine, WpAccount, WpItem
from ..worlds.models import InvoiceType
from .models import WorkItem

LIMIT = 50
OPS, UPLOAD, PC, SYNC_INFO = "ops", "upload", "pc", "sync_info"
NIGHTLY, INCREMENTAL, INDUSTRY = schedules.NIGHTLY_CLEARING, schedules.INCREMENTAL, schedules.INDUSTRY_INCREMENTAL


def run_after(job: str, ready: datetime, now: datetime | None = None) -> datetime:
    """The run of ``job`` that carries what is ready at ``ready``: the first at or after it, or — when
    ``now`` is given and ``ready`` has passed — the first after ``now`` (those at now have run)."""
    trigger = schedules.schedules()[job].trigger
    start = ready if now is None or ready > now else now + EPSILON
    return trigger.get_next_fire_time(None, local(start)).astimezone(timezone.utc)


def _no(n: int) -> str:
    return f"{n:08d}"


def _range(code: str, start: int, end: int) -> str:
    return f"{code} {_no(start)}–{_no(end)}"


def item(kind: str, what: tuple[str, str], src: str, dst: str, channel: str | None, made, due, delivered,
         status: str | None = None, note: tuple[str, str] | None = None, short: tuple[str, str] | None = None) -> dict:
    if status is None:
        status = "delivered" if delivered is not None else ("pending" if due is not None else "blocked")
    short = short or what
    return {"kind": kind, "what": what[0], "what_zh": what[1], "short": short[0], "short_zh": short[1],
            "from": src, "to": dst, "channel": channel,
            "made": fmt(made), "due": fmt(due), "delivered": fmt(delivered), "status": status,
            "note": note[0] if note else None, "note_zh": note[1] if note else None}


class Reader:
    """One taxpayer's deliveries at the world's clock."""

    def __init__(self, session: Session, world, tp: Taxpayer, acc: WpAccount | None):
        self.s, self.w, self.now, self.tp, self.acc = session, world.id, world.clock_now, tp, acc

    def account_arrival(self) -> tuple[str | None, datetime | None]:
        """Which channel brings (or brought) the 网票 account, and when by the rules."""
        tp = self.tp
        if not tp.wangpiao_enabled:
            return None, None
        job = INCREMENTAL if tp.former_ds_wangpiao else NIGHTLY
        if self.acc is not None:
            return self.acc.created_by, self.acc.created_at
        return job, run_after(job, tp.enabled_at or self.now, self.now)

    # --- 金三 → 网票 --------------------------------------------------------------------------

    def account(self) -> list[dict]:
        tp, acc = self.tp, self.acc
        what = ("网票 account with its 系统管理员", "网票帐号及系统管理员")
        short = ("account", "网票帐号")
        if not tp.wangpiao_enabled:
            return [item("account", what, "jinsan", "wangpiao", None, None, None, None,
                         note=("网票 not enabled: needs 开通网票", "未开通网票：需先“开通网票”"), short=short)]
        job = INCREMENTAL if tp.former_ds_wangpiao else NIGHTLY
        due = run_after(job, tp.enabled_at, tp.enabled_at) if tp.enabled_at else None
        if acc is not None:
            if acc.created_by == "setup":   # there before step 0, as the world's spec says
                due = acc.created_at
            return [item("account", what, "jinsan", "wangpiao", acc.created_by, tp.enabled_at, due or acc.created_at,
                         acc.created_at, short=short)]
        return [item("account", what, "jinsan", "wangpiao", job, tp.enabled_at, run_after(job, self.now, self.now)
                     if due is None or due <= self.now else due, None, short=short)]

    def changes(self) -> list[dict]:
        """Sales, returns, red limits and password resets: 金三's outbox."""
        rows = list(self.s.execute(
            select(Change, Sale).outerjoin(Sale, (Sale.world_id == Change.world_id) & (Sale.id == Change.sale_id))
            .where(Change.world_id == self.w, Change.taxpayer_id == self.tp.id)
            .order_by(Change.seq.desc(), Change.id.desc()).limit(LIMIT)).all())[::-1]
        _job, account_at = self.account_arrival()
        out = []
        for change, sale in rows:
            what = describe(change, sale)
            # the runs at the instant it was made had run before it: the first one after that, once ready
            due = run_after(INCREMENTAL, max(change.ready_at, change.created_at + EPSILON))
            note = None
            if change.delivered_at is not None:
                pass
            elif not change.auto and not change.forced:
                due, note = None, ("sold before 网票 was enabled: only 同步信息 delivers it",
                                   "开通网票前发售：仅“同步信息”可送达")
            elif account_at is None:
                due, note = None, ("网票 not enabled: needs 开通网票", "未开通网票：需先“开通网票”")
            else:
                ready = self.now if change.forced else change.ready_at
                due = run_after(INCREMENTAL, max(ready, account_at), self.now)
                if self.acc is None and max(ready, account_at) == account_at:
                    due = account_at   # it rides with the account, in the same instant
            channel = change.delivered_by or INCREMENTAL
            out.append(item(change.kind, what, "jinsan", "wangpiao", channel, change.created_at, due,
                            change.delivered_at, note=note, short=brief(change, sale)))
        paper = self.s.execute(select(Sale).where(
            Sale.world_id == self.w, Sale.taxpayer_id == self.tp.id, Sale.status == "active",
            Sale.code.not_in(select(InvoiceType.code).where(InvoiceType.world_id == self.w,
                                                             InvoiceType.wangpiao.is_(True))))
            .order_by(Sale.id.desc()).limit(LIMIT)).scalars()
        for s in paper:
            nos = f"{_no(s.start_no)}–{_no(s.end_no)}"
            out.append(item("sale", (f"sale {_range(s.code, s.start_no, s.end_no)}",
                                     f"发售 {_range(s.code, s.start_no, s.end_no)}"), "jinsan", "wangpiao", None,
                            s.sold_at, None, None, note=("a paper code: never reaches 网票", "非网票号段：不会同步到网票"),
                            short=(f"sale {nos}", f"发售 {nos}")))
        return out

    def industries(self) -> list[dict]:
        tp, acc = self.tp, self.acc
        if not tp.industries_seq:
            return []
        codes = ", ".join(self.s.scalars(select(Industry.code).join(
            TaxpayerIndustry, (Industry.world_id == TaxpayerIndustry.world_id) & (Industry.id == TaxpayerIndustry.industry_id))
            .where(TaxpayerIndustry.world_id == self.w, TaxpayerIndustry.taxpayer_id == tp.id)
            .order_by(TaxpayerIndustry.slot)))
        what = (f"industry assignment {codes}", f"行业核定 {codes}")
        short = (f"industries {codes}", f"行业 {codes}")
        if acc is not None and acc.industries_seq is not None and acc.industries_seq >= tp.industries_seq:
            return [item("industries", what, "jinsan", "wangpiao", acc.industries_by or "setup", tp.industries_at,
                         acc.industries_at, acc.industries_at, status="delivered", short=short)]
        _job, account_at = self.account_arrival()
        if account_at is None:
            return [item("industries", what, "jinsan", "wangpiao", None, tp.industries_at, None, None,
                         note=("网票 not enabled: needs 开通网票", "未开通网票：需先“开通网票”"), short=short)]
        if acc is not None and acc.industries_seq is not None:
            job, due = INDUSTRY, run_after(INDUSTRY, self.now, self.now)
        else:   # a first assignment waits for the nightly clearing
            job, due = NIGHTLY, max(account_at, run_after(NIGHTLY, self.now, self.now))
        return [item("industries", what, "jinsan", "wangpiao", job, tp.industries_at, due, None, short=short)]

    def items(self) -> list[dict]:
        """Items approved for this taxpayer's reports: the catalogue reaches 网票 nightly."""
        rows = self.s.execute(select(Item, Industry.code).join(Industry, (Industry.world_id == Item.world_id) & (Industry.id == Item.industry_id))
                              .join(ItemRequest, (ItemRequest.world_id == Item.world_id) & (ItemRequest.item == Item.name)
                                    & (ItemRequest.industry_id == Item.industry_id))
                              .where(Item.world_id == self.w, ItemRequest.world_id == self.w,
                                     ItemRequest.taxpayer_id == self.tp.id, ItemRequest.status == "approved")
                              .order_by(Item.id.desc()).limit(LIMIT)).all()
        out = []
        for it, code in rows[::-1]:
            delivered = self.s.scalar(select(WpItem.delivered_at).where(
                WpItem.world_id == self.w, WpItem.industry_code == code, WpItem.name == it.name))
            in_wp = delivered is not None or self.s.scalar(select(WpItem.id).where(
                WpItem.world_id == self.w, WpItem.industry_code == code, WpItem.name == it.name)) is not None
            due = run_after(NIGHTLY, it.added_at) if it.added_at else None
            if not in_wp:
                due = run_after(NIGHTLY, self.now, self.now)
            out.append(item("item", (f"item {it.name} ({code})", f"品目 {it.name}（{code}）"), "jinsan", "wangpiao",
                            NIGHTLY, it.added_at, due, delivered if in_wp else None))
        return out

    # --- ops and upload ----------------------------------------------------------------------

    def _audit(self, ops: list[str]) -> list[AuditEntry]:
        return list(self.s.scalars(select(AuditEntry).where(
            AuditEntry.world_id == self.w, AuditEntry.taxpayer_ref == self.tp.ref, AuditEntry.operation.in_(ops),
            AuditEntry.error_code.is_(None)).order_by(AuditEntry.id.desc()).limit(LIMIT)))[::-1]

    def flags(self) -> list[dict]:
        out = []
        channel, account_at = self.account_arrival()
        for e in self._audit(["set_ygz_flag", "set_dual_flag", "remake_ukey"]):
            args, result = e.args or {}, e.result or {}
            if e.operation == "remake_ukey":
                out.append(item("ukey", ("U-Key remade", "重新制作 U-Key"), "jinsan", "pc", OPS, e.sim_time, e.sim_time,
                                e.sim_time))
                continue
            name = "营改增" if e.operation == "set_ygz_flag" else "dual (国税 + 地税)"
            name_zh = "“营改增”标识" if e.operation == "set_ygz_flag" else "国地税同时开票标识"
            value = "true" if args.get("value") else "false"
            what = (f"{name} flag {value}", f"{name_zh} {value}")
            if result.get("wangpiao_updated"):
                out.append(item("flag", what, "jinsan", "wangpiao", OPS, e.sim_time, e.sim_time, e.sim_time))
            elif self.acc is not None:   # no account then: the account brought the flag when it was made
                out.append(item("flag", what, "jinsan", "wangpiao", self.acc.created_by, e.sim_time,
                                self.acc.created_at, self.acc.created_at))
            else:
                out.append(item("flag", what, "jinsan", "wangpiao", channel, e.sim_time, account_at, None,
                                note=None if account_at else ("网票 not enabled: needs 开通网票", "未开通网票：需先“开通网票”")))
        if self.acc is not None and self.acc.ygz != self.tp.ygz:
            out.append(item("flag", (f"网票 营改增 flag {str(self.acc.ygz).lower()}, 金三 {str(self.tp.ygz).lower()}",
                                     f"网票“营改增”标识 {str(self.acc.ygz).lower()}，金三 {str(self.tp.ygz).lower()}"),
                            "wangpiao", "wangpiao", None, None, None, None, status="state",
                            note=("the 国税 client's upgrade was accepted (FAQ 5.1)" if self.acc.ygz else None,
                                  "使用国税客户端登录时接受了升级（5.1）" if self.acc.ygz else None)))
        return out

    def ca(self) -> list[dict]:
        rows = self.s.scalars(select(WorkItem).where(WorkItem.world_id == self.w, WorkItem.kind == "ca_cancel",
                                                     WorkItem.taxpayer_ref == self.tp.ref)
                              .order_by(WorkItem.id.desc()).limit(LIMIT))
        return [item("ca_cancel", ("CA cancellation", "取消 CA"), "jinsan", "wangpiao", OPS, w.created_at, w.due_at,
                     w.done_at) for w in list(rows)[::-1]]

    def uploads(self) -> list[dict]:
        rows = self.s.scalars(select(UsedInvoice).where(UsedInvoice.world_id == self.w,
                                                        UsedInvoice.taxpayer_id == self.tp.id)
                              .order_by(UsedInvoice.id.desc()).limit(LIMIT))
        names = {"issued": ("issued", "开具"), "voided": ("voided", "作废"), "red": ("red-reversed", "冲红")}
        out = []
        for u in list(rows)[::-1]:
            en, zh = names.get(u.event, (u.event, u.event))
            out.append(item("upload", (f"invoice {u.code} {_no(u.number)} {en} {u.amount}",
                                       f"发票 {u.code} {_no(u.number)} {zh} {u.amount}"), "wangpiao", "jinsan", UPLOAD,
                            u.received_at, u.received_at, u.received_at,
                            short=(f"{en} {_no(u.number)}", f"{zh} {_no(u.number)}")))
        return out

    # --- the PC ------------------------------------------------------------------------------

    def pc(self) -> list[dict]:
        machine = self.s.scalar(select(PcMachine).where(PcMachine.world_id == self.w,
                                                        PcMachine.taxpayer_ref == self.tp.ref))
        if machine is None:
            return []
        eds = clients()
        out = []
        for c in self.s.scalars(select(PcInstall).where(PcInstall.world_id == self.w, PcInstall.machine_id == machine.id)
                                .order_by(PcInstall.id)):
            name = eds[c.edition]
            latest = name.versions[0]
            notes = []
            if c.broken:
                notes.append(("broken: installed over left-over files", "安装时有旧版本残留文件，无法使用"))
            if c.version != latest:
                notes.append((f"not the latest ({latest})", f"不是最新版（{latest}）"))
            if c.upgraded_from:
                notes.append((f"upgraded from the {eds[c.upgraded_from].name_en}", f"由{eds[c.upgraded_from].name_zh}升级"))
            note = ("; ".join(n[0] for n in notes), "；".join(n[1] for n in notes)) if notes else None
            out.append(item("client", (f"{name.name_en} {c.version} in {c.folder}", f"{name.name_zh} {c.version}（{c.folder}）"),
                            PC, PC, PC, c.installed_at, c.installed_at, c.installed_at, note=note,
                            short=(f"{name.name_en} {c.version}", f"{name.name_zh} {c.version}")))
        for lo in self.s.scalars(select(PcLeftover).where(PcLeftover.world_id == self.w,
                                                          PcLeftover.machine_id == machine.id)):
            name = eds[lo.edition]
            out.append(item("client", (f"left-over files of the {name.name_en}", f"{name.name_zh}卸载残留文件"), PC, PC,
                            PC, None, None, None, status="state",
                            note=("until the computer restarts (reboot)", "重启电脑后清除")))
        if machine.ds_ca_cache or machine.ca_cache_stuck:
            what = (("CA cache that never uploads: the U-Key must be remade (FAQ 6.1)", "CA 缓存数据无法上传：须重新制作 U-Key（6.1）")
                    if machine.ca_cache_stuck else
                    ("地税 CA cache, carried over by upgrading the 地税 client", "地税 CA 缓存数据（从地税客户端升级时带走）"))
            out.append(item("client", what, PC, PC, PC, None, None, None, status="state"))
        return out


def brief(change: Change, sale: Sale | None) -> tuple[str, str]:
    """A few words for the picture's label (the numbers without the code)."""
    if change.kind in ("sale", "return") and sale is not None:
        nos = f"{_no(sale.start_no)}–{_no(sale.end_no)}"
        return (f"sale {nos}", f"发售 {nos}") if change.kind == "sale" else (f"return {nos}", f"退票 {nos}")
    return describe(change, sale)


def describe(change: Change, sale: Sale | None) -> tuple[str, str]:
    if change.kind == "sale" and sale is not None:
        r = _range(sale.code, sale.start_no, sale.end_no)
        return f"sale {r}", f"发售 {r}"
    if change.kind == "return" and sale is not None:
        r = _range(sale.code, sale.start_no, sale.end_no)
        return f"return affecting sale {r}", f"退票（发售 {r}）"
    if change.kind == "red_limit":
        amount = None if change.amount is None else f"{change.amount:.2f}"
        return f"red limit {amount}", f"冲红限额 {amount}"
    if change.kind == "password_reset":
        return "password reset (初始化密码)", "初始化密码"
    return change.kind, change.kind


def deliveries(session: Session, world, tp: Taxpayer, acc: WpAccount | None) -> list[dict]:
    """Every channel's deliveries for the taxpayer, oldest first (those without a time last)."""
    r = Reader(session, world, tp, acc)
    out = r.account() + r.changes() + r.industries() + r.items() + r.flags() + r.ca() + r.uploads() + r.pc()
    return sorted(out, key=lambda d: (d["made"] is None, d["made"] or "", d["kind"]))
