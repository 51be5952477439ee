"""FAQ 6.1 (CA 用户升级问题: CA cache that never uploads) and 6.2 (取消 CA: PC CA users may cancel
it and log in online; device CA users cannot)."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from ..seed import sync_config
from ..sync.ca_overdue import ca_cancel_overdue
from ..sync.models import WorkItem
from ..sync.ops import CA_CANCEL
from .registry import HIT, WILL, Finding, rule
from .view import View, args_of, retry, t


def _online(e) -> bool:
    return not args_of(e).get("with_ca")


def _ca_login_since(v: View, e) -> bool:
    """A successful U-Key login after ``e``: the taxpayer follows the device CA remedy."""
    return v.after(e, ["login"], lambda x: bool(args_of(x).get("with_ca")) and x.error_code is None)


@rule("ca_cache")
def ca_cache(v: View):
    m = v.machine
    if m is None or not m.ca_cache_stuck or v.tp.ca != "pc" or not v.uses_ca:
        return
    gs = next(iter(v.copies("guoshui")), None)
    at_en, at_zh = (f" at {t(gs.installed_at)}", f"于 {t(gs.installed_at)} ") if gs else ("", "")
    e = v.last_login(lambda e: not _online(e))
    yield Finding("CA_CACHE_NOT_UPLOADED", (
        f"the 国税 client was installed fresh{at_en} while the PC held 地税 CA cache, instead of upgrading from the "
        f"地税 client (upgrade_client): the cache never uploads until the U-Key is remade (remake_ukey)",
        f"PC 客户端“营改增”CA 用户没有从地税客户端升级，而是{at_zh}直接安装了国税客户端，CA 缓存数据无法上传到服务器："
        f"请联系厂商重新制作 U-Key"),
        HIT if e is not None and e.error_code == "CA_CACHE_NOT_UPLOADED" else WILL, ["PC: CA cache stuck"],
        {"taxpayer": v.tp.ref}, probe=[v.login_step()])


@rule("ca_cannot_cancel")
def ca_cannot_cancel(v: View):
    e = v.last(["cancel_ca"])
    if e is None or e.error_code != "CA_CANNOT_CANCEL" or _ca_login_since(v, e):
        return
    yield Finding("CA_CANNOT_CANCEL", (
        f"CA cancellation was asked at {t(e.sim_time)}, but a device (机具) CA user cannot cancel CA: it logs in with "
        f"its U-Key (with_ca)",
        f"{t(e.sim_time)} 申请取消 CA，但机具 CA 用户不可取消 CA，否则无法开票：请使用 CA（U-Key）登录"),
        HIT, [f"金三 ca = {v.tp.ca}"], {"taxpayer": v.tp.ref, "login": v.login(with_ca=True)},
        probe=[retry(e)], check=[v.login_step(with_ca=True)])


@rule("ca_device")
def ca_device(v: View):
    if v.tp.ca != "device":
        return
    e = v.last_login(_online)
    if e is None or e.error_code != "CA_REQUIRED" or _ca_login_since(v, e):
        return
    yield Finding("CA_REQUIRED", (
        "a device (机具) CA user cannot cancel CA and must log in with its U-Key (with_ca)",
        "机具 CA 用户不可取消 CA，须使用 CA（U-Key）登录"),
        HIT, [f"金三 ca = {v.tp.ca}", f"online login at {t(e.sim_time)}: CA_REQUIRED"],
        {"taxpayer": v.tp.ref, "login": v.login(with_ca=True)}, probe=[retry(e)], check=[v.login_step(with_ca=True)])


@rule("ca_cancel_overdue")
def ca_cancel_overdue_rule(v: View):
    """FAQ 6.2 step 4: asked more than 2 hours ago and never done (the request was lost)."""
    tp = v.tp
    overdue = ca_cancel_overdue(v.s, v.w, tp, v.now) if tp.ca == "pc" and v.uses_ca else None
    if overdue is None:
        return
    e = v.last_login(_online)
    tried = e is not None and e.error_code == "CA_REQUIRED" and e.sim_time >= tp.ca_cancel_requested_at
    login = v.login(with_ca=False)
    yield Finding("CA_CANCEL_OVERDUE", overdue["cause"], HIT if tried else WILL, overdue["evidence"],
                  {"taxpayer": tp.ref, "wait": f"{sync_config()['delays']['ca_cancel_max_minutes']}m",
                   "login": login},
                  probe=[{"actor": tp.ref, "op": "login", "args": login}])


@rule("ca_cancel")
def ca_cancel(v: View):
    tp = v.tp
    if tp.ca != "pc" or not v.uses_ca:
        return
    if ca_cancel_overdue(v.s, v.w, tp, v.now) is not None:
        return      # FAQ 6.2's last step answers it (ca_cancel_overdue)
    e = v.last_login(_online)
    tried = e is not None and e.error_code == "CA_REQUIRED"
    work = v.s.scalars(select(WorkItem).where(WorkItem.world_id == v.w, WorkItem.taxpayer_ref == tp.ref,
                                              WorkItem.kind == CA_CANCEL, WorkItem.done_at.is_(None))
                       .order_by(WorkItem.due_at).limit(1)).first()
    if not (tried or work is not None or tp.ca_cancel_requested_at is not None):
        return
    delays = sync_config()["delays"]
    requested = t(tp.ca_cancel_requested_at)
    if work is not None:
        cause = (f"CA cancellation requested at {requested}; 网票 ops finish it at {t(work.due_at)} (30–60 minutes); "
                 f"until then only the CA login works",
                 f"已于 {requested} 申请取消 CA，运维人员处理数据库标识预计 {t(work.due_at)} 完成（30-60 分钟），在此之前只能使用 CA 登录")
    elif tp.ca_cancel_requested_at is not None:
        late = v.now >= tp.ca_cancel_requested_at + timedelta(minutes=delays["ca_call_after_minutes"])
        cause = (f"CA cancellation requested at {requested} is not done"
                 + (" and more than 2 hours have passed: call 023-88812366" if late else ""),
                 f"{requested} 申请的取消 CA 尚未完成" + ("，已超过 2 个小时：请致电 023-88812366 查询情况" if late else ""))
    else:
        cause = ("a PC CA user logs in online only after its CA is cancelled: call 023-88812366 with the 识别号 so that "
                 "网票 ops cancel it (cancel_ca), then wait 30–60 minutes",
                 "PC 客户端 CA 用户取消 CA 后才能在线登录：请致电 023-88812366，告知需要取消 CA 并提供纳税人识别号，"
                 "等候 30-60 分钟")
    login = v.login(with_ca=False)
    yield Finding("CA_REQUIRED", cause, HIT if tried else WILL,
                  [f"金三 ca = {tp.ca}"] + ([f"online login at {t(e.sim_time)}: CA_REQUIRED"] if tried else []),
                  {"taxpayer": tp.ref, "requested": work is not None, "until": work.due_at if work else None,
                   "wait": f"{delays['ca_cancel_max_minutes']}m", "login": login},
                  pending=work.due_at if work is not None else None,
                  probe=[{"actor": tp.ref, "op": "login", "args": login}])
