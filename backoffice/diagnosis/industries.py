"""FAQ 4.5 (品目问题) and 4.6 (行业及品目为空白): the items a taxpayer issues with must be in the
industries 网票 holds for it; a first assignment waits for the nightly clearing, a changed one for
the industry incremental sync, an approved new item for the nightly clearing."""
from __future__ import annotations

from sqlalchemy import select

from ..audit.models import AuditEntry
from ..jinsan.models import Industry, Item, ItemRequest
from ..wangpiao.models import WpItem
from .registry import HIT, WILL, Finding, rule
from .remedy import MISSING, channel_name
from .view import View, args_of, t

MAX_SECONDARY = 3   # FAQ 4.5: one main and three 附行业


def _homes(v: View, item: str) -> list[Industry]:
    return list(v.s.scalars(select(Industry).join(Item, (Item.world_id == Industry.world_id) & (Item.industry_id == Industry.id)).where(
        Item.world_id == v.w, Item.name == item).order_by(Industry.code)))


def _in_wangpiao(v: View, item: str) -> bool:
    return bool(v.wp_industries) and v.s.execute(select(WpItem.id).where(
        WpItem.world_id == v.w, WpItem.name == item, WpItem.industry_code.in_(v.wp_industries))).first() is not None


def _in_catalogue(v: View, item: str, industry_code: str) -> bool:
    return v.s.execute(select(WpItem.id).where(WpItem.world_id == v.w, WpItem.name == item,
                                               WpItem.industry_code == industry_code)).first() is not None


def wanted_items(v: View) -> dict[str, AuditEntry | ItemRequest]:
    """Items the taxpayer tried (the last refused issue) or had reported, with what tells of each."""
    wanted: dict = {}
    tried = v.last(["issue_invoice"], lambda e: e.error_code in (None, "ITEM_NOT_AVAILABLE"))
    if tried is not None and tried.error_code == "ITEM_NOT_AVAILABLE" and args_of(tried).get("item"):
        wanted[args_of(tried)["item"]] = tried
    for req in v.s.scalars(select(ItemRequest).where(ItemRequest.world_id == v.w, ItemRequest.taxpayer_id == v.tp.id)
                           .order_by(ItemRequest.id.desc()).limit(20)):
        wanted.setdefault(req.item, req)
    return wanted


def _arrival(v: View) -> tuple[str, object]:
    """When a changed assignment reaches 网票: a first one with the nightly clearing."""
    job = "industry_incremental" if v.wp_industries else "nightly_clearing"
    return job, v.next_run(job)


@rule("item_not_available")
def item_not_available(v: View):
    a = v.account
    if a is None or not v.ygz or not v.wp_industries:
        return   # no industries at all is FAQ 4.6
    mine = [i.code for i in v.js_industries]
    for item, source in wanted_items(v).items():
        if _in_wangpiao(v, item):
            continue
        homes = _homes(v, item)
        names = "、".join(f"{h.code} {h.name}" for h in homes)
        facts: dict = {"taxpayer": v.tp.ref, "item": item}
        pending = None
        if homes and any(h.code in mine for h in homes):
            home = next(h for h in homes if h.code in mine)
            if not _in_catalogue(v, item, home.code):
                job, until = "nightly_clearing", v.next_run("nightly_clearing")
                facts["wait_item"] = True
                cause = (f"item {item!r} was approved into {names}; the item catalogue reaches 网票 with the nightly "
                         f"clearing at {t(until)}",
                         f"品目“{item}”已审核增加到行业 {names}，将随每天凌晨的清分库同步到达网票，预计 {t(until)}")
            else:
                job, until = _arrival(v)
                facts["wait_industry"] = True
                cause = (f"item {item!r} is in {names}, assigned in 金三 but not yet in 网票: the changed assignment "
                         f"arrives with {channel_name(job)[0]} at {t(until)}",
                         f"品目“{item}”所在行业 {names} 已在金三中核定但尚未同步到网票，预计 {t(until)} 随"
                         f"{channel_name(job)[1]}到达（行业同步一般需要半小时至一天）")
            facts["waiting"], pending = True, until
        elif homes:
            home = homes[0]
            secondary = mine[1:]
            full = len(secondary) >= MAX_SECONDARY
            job, until = _arrival(v)
            if not _in_catalogue(v, item, home.code):
                job, until = "nightly_clearing", v.next_run("nightly_clearing")
            facts.update(add_industry=True, main=mine[0] if mine else home.code,
                         secondary=MISSING if full else secondary + ([home.code] if mine else []),
                         wait_industry=True)
            cause = (f"item {item!r} is in industry {names}, which is not among the taxpayer's industries "
                     f"({', '.join(mine) or 'none'}): the specialist adds it as a 附行业 (assign_industries)"
                     + (" (it already has three: replace one, at most three 附行业)" if full else ""),
                     f"品目“{item}”存在于行业 {names}，不在纳税人已核定的行业（{', '.join(mine) or '无'}）中：请国税专管员增加该"
                     f"行业为附行业" + ("（已有三个附行业：每个纳税人只能拥有一个主行业和三个附行业，请替换其一）" if full else ""))
        else:
            req = source if isinstance(source, ItemRequest) else None
            job, until = "nightly_clearing", v.next_run("nightly_clearing")
            facts.update(report=req is None or req.status == "rejected", approve=True, wait_item=True,
                         industry=mine[0] if mine else MISSING)
            if req is None:
                cause = (f"item {item!r} is in no industry: the specialist reports it to 征管科 (request_item), 征管科 "
                         f"approves it into an industry (approve_item); it then reaches 网票 with the nightly clearing",
                         f"品目“{item}”在所有行业中都不存在：请专管员整理汇总上报国税局征管科（request_item），征管科审核"
                         f"通过后（approve_item）品目增加在对应行业，并随每天凌晨的清分库同步到达网票")
            elif req.status == "pending":
                cause = (f"item {item!r} is in no industry; reported at {t(req.requested_at)}, awaiting 征管科 "
                         f"(approve_item)",
                         f"品目“{item}”在所有行业中都不存在，已于 {t(req.requested_at)} 上报，等待征管科审核（approve_item）")
            else:
                cause = (f"item {item!r} is in no industry; its report was rejected at {t(req.decided_at)}"
                         + (f": {req.reason}" if req.reason else ""),
                         f"品目“{item}”在所有行业中都不存在，上报已于 {t(req.decided_at)} 被驳回"
                         + (f"：{req.reason}" if req.reason else ""))
        facts.update(until=until, channel=channel_name(job))
        tried = isinstance(source, AuditEntry)
        evidence = [f"网票 industries: {', '.join(v.wp_industries) or '—'}; 金三 industries: {', '.join(mine) or '—'}"]
        if tried:
            evidence.append(f"issue_invoice of {item!r} at {t(source.sim_time)}: ITEM_NOT_AVAILABLE")
        probe = v.retry_step(source) if tried else v.issue_step(item=item)
        yield Finding("ITEM_NOT_AVAILABLE", cause, HIT if tried else WILL, evidence, facts, pending=pending,
                      probe=probe)


@rule("industry_blank")
def industry_blank(v: View):
    if v.account is None or not v.ygz or v.wp_industries:
        return
    wanted = wanted_items(v)
    tried = v.last(["issue_invoice"], lambda e: e.error_code in (None, "INDUSTRY_BLANK"))
    until = v.next_run("nightly_clearing")
    facts: dict = {"taxpayer": v.tp.ref, "until": until, "assign": not v.js_industries}
    if not v.js_industries:
        items = list(wanted) + ([args_of(tried)["item"]] if tried is not None and args_of(tried).get("item") else [])
        home = next((h for item in items for h in _homes(v, item)), None)
        facts["main"] = home.code if home else MISSING
        cause = ("no industry is assigned in 金三: the specialist assigns them (assign_industries, 行业核定); a first "
                 "assignment reaches 网票 with the nightly clearing",
                 "金三中尚未为纳税人核定行业：请国税专管员重新核定行业（assign_industries），首次核定随每天凌晨的清分库同步到达网票")
        evidence, pending = ["金三: no industries", "网票: no industries"], None
    else:
        done = v.tp.industries_at
        listed = ", ".join(f"{i.code} {i.name}" for i in v.js_industries)
        at_en, at_zh = (f" at {t(done)}", f"于 {t(done)} ") if done else ("", "")
        cause = (f"industries {listed} assigned in 金三{at_en}; a first assignment waits for the nightly clearing "
                 f"(每天凌晨), at {t(until)}",
                 f"行业 {listed} 已{at_zh}在金三中核定；首次核定需等待每天凌晨的国税清分库数据同步，预计 {t(until)}")
        evidence, pending = ["网票: no industries"], until
    hit = tried is not None and tried.error_code == "INDUSTRY_BLANK"
    yield Finding("INDUSTRY_BLANK", cause, HIT if hit else WILL, evidence, facts, pending=pending,
                  probe=v.retry_step(tried) if hit else v.issue_step(item=next(iter(wanted), None)))
