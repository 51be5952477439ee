"""FAQ 5.1 (地税用户误切换), 5.2 (同时开具国、地税网票, and the clients' folders) and 5.3 (“营改增”后
作废、冲红地税发票): the 营改增 and dual flags, the 地税 clients and the old 地税 invoices."""
from __future__ import annotations

from ..seed import clients
from .client import edition_name, mistaken_switch
from .registry import HIT, WILL, Finding, rule
from .view import View, args_of, client_of, retry, t

DS_CLIENTS = ("dishui", "dishui_void")


def _ds_login(v: View):
    """The last login with a 地税 client (地税版 or 作废冲红版)."""
    return v.last_login(lambda e: client_of(e) in DS_CLIENTS)


@rule("mistaken_switch")
def mistaken_switch_rule(v: View):
    a = v.account
    if a is None or not mistaken_switch(v):
        return
    installed = bool(v.copies("dishui"))
    if installed and not a.ygz:
        return   # the 地税 client is there and 网票 still knows it as 地税: nothing is wrong yet
    code = "DS_INVOICING_DISABLED" if installed else "CLIENT_NOT_INSTALLED"
    switch = v.last_login(lambda e: client_of(e) == "guoshui" and e.error_code in (None, "NO_PURCHASE_INFO"))
    upgraded = next((c for c in v.copies("guoshui") if c.upgraded_from == "dishui"), None)
    parts_en, parts_zh = [], []
    if a.ygz:
        since = f" at {t(switch.sim_time)}" if switch else ""
        parts_en.append(f"its 网票 account carries the 营改增 flag (the 国税 client's upgrade was accepted{since})")
        parts_zh.append(f"网票帐号带有“营改增”标识（{t(switch.sim_time) + ' ' if switch else ''}使用国税客户端登录时接受了升级）")
    if upgraded is not None:
        parts_en.append(f"its 地税 client was upgraded to the 国税 one at {t(upgraded.installed_at)} in {upgraded.folder}")
        parts_zh.append(f"地税客户端已于 {t(upgraded.installed_at)} 在 {upgraded.folder} 升级为国税客户端")
    elif not installed:
        parts_en.append("no 地税 client is installed")
        parts_zh.append("电脑上没有地税客户端")
    e = v.last_login(lambda e: client_of(e) == "dishui")
    yield Finding(code, (
        f"a 地税 user (not 营改增 in 金三) switched to 国税 网票 by mistake: {'; '.join(parts_en)}. The 地税专管员 asks "
        f"网票 ops to reset the flag, then the taxpayer logs in with the 地税版 and declines any upgrade prompt",
        f"地税用户不属于“营改增”，但误升级至国税网票：{'；'.join(parts_zh)}。请地税专管员联系网票后台运维更改“营改增”标识，"
        f"然后使用地税版客户端登录，如再提示升级，选择取消"),
        HIT if e is not None and e.error_code == code else WILL,
        [f"金三 ygz = false; 网票 ygz = {'true' if a.ygz else 'false'}", f"installed: {v.installed()}"],
        {"taxpayer": v.tp.ref, "flag_set": a.ygz, "install": not installed},
        probe=[v.login_step(client="dishui")])


@rule("folder_conflict")
def folder_conflict(v: View):
    e = v.last(["install_client", "upgrade_client"])
    if e is None or e.error_code != "CLIENT_FOLDER_CONFLICT":
        return
    ed, folder = args_of(e).get("edition"), args_of(e).get("folder")
    there = [c for c in v.installs if c.folder == folder and c.edition != ed]
    if not there or v.copies(ed) or ed not in clients():
        return
    name, other = edition_name(ed), edition_name(there[0].edition)
    installed = sorted({c.edition for c in v.installs})
    when = t(e.sim_time)
    yield Finding("CLIENT_FOLDER_CONFLICT", (
        f"the {name[0]} client was being installed at {when} into {folder}, which holds the {other[0]} client: "
        f"国、地税 clients cannot share a folder; each goes into a folder of its own ({clients()[ed].folder})",
        f"{when} 将{name[1]}客户端安装到已有{other[1]}客户端的目录 {folder}：国、地税 PC 客户端不能安装在同一目录，"
        f"请分别安装到各自的目录（{clients()[ed].folder}）"),
        HIT, [f"{c.edition} {c.version} in {c.folder}" for c in v.installs],
        {"installed": installed, "reinstall": sorted(set(installed) | {ed}), "void": ed == "dishui_void"},
        probe=[retry(e)], check=[v.login_step(client=ed)])


@rule("dual_refused")
def dual_refused(v: View):
    a, e = v.account, _ds_login(v)
    if a is None or not v.ygz or not a.ygz or a.dual or v.open_ds_invoices:
        return
    if e is None or e.error_code != "DS_INVOICING_DISABLED" or client_of(e) != "dishui":
        return
    yield Finding("DS_INVOICING_DISABLED", (
        f"a 营改增 taxpayer's 地税 client login at {t(e.sim_time)} was refused: to issue 国税 and 地税 invoices both, "
        f"the 地税专管员 asks 网票 ops to set the dual flag (set_dual_flag)",
        f"“营改增”纳税人于 {t(e.sim_time)} 登录地税客户端被拒：如需同时开具国、地税发票，请联系地税专管员申请继续开具地税网票，"
        f"由网票后台运维更改纳税人标识"),
        HIT, ["网票 ygz = true, dual = false"], {"taxpayer": v.tp.ref}, probe=[retry(e)])


@rule("ds_void")
def ds_void(v: View):
    a, e = v.account, _ds_login(v)
    if a is None or not v.ygz or not a.ygz or a.dual or not v.open_ds_invoices:
        return
    if e is None or e.error_code != "DS_INVOICING_DISABLED" or client_of(e) != "dishui":
        return
    open_ds, installed = v.open_ds_invoices, bool(v.copies("dishui_void"))
    yield Finding("DS_INVOICING_DISABLED", (
        f"after 营改增 the 地税 client is refused (login at {t(e.sim_time)}); the {len(open_ds)} old 地税 invoice(s) are "
        f"voided or red-reversed in the 作废冲红版"
        + ("" if installed else ", installed in a folder of its own (install_client dishui_void)") + ", no dual flag needed",
        f"“营改增”后无法登录地税网票系统（{t(e.sim_time)}）；{len(open_ds)} 张原地税发票请在“重庆市地税网票系统(作废冲红版)”中"
        f"作废、冲红" + ("" if installed else "，并安装至不同于其他PC网票客户端的目录")),
        HIT, [f"地税 {d.code} {d.number} {d.amount} issued {t(d.issued_at)}" for d in open_ds[:5]],
        {"taxpayer": v.tp.ref, "install": not installed, "login": v.login(client="dishui_void"),
         "account": v.login_account, "password_rule": v.password_rule()},
        probe=[retry(e)], check=[v.login_step(client="dishui_void")])


@rule("ds_no_blank")
def ds_no_blank(v: View):
    a = v.account
    e = v.last(["red_reverse"])
    if a is None or e is None or e.error_code != "DS_NO_BLANK_INVOICES" or a.ds_blank_invoices >= 1:
        return
    number, when = args_of(e).get("number"), t(e.sim_time)
    yield Finding("DS_NO_BLANK_INVOICES", (
        f"the 冲红 of 地税 invoice {number} at {when} needs a blank 地税 invoice and none is left: apply to the 地税 "
        f"office for blank invoices (voiding in the issuing month needs none)",
        f"{when} 冲红地税发票 {number} 需要一张空白地税发票，但已没有：冲红发票需向地税税务机关申请领购空白发票"
        f"（开具当月作废不需要空白发票）"),
        HIT, [f"网票: blank 地税 invoices {a.ds_blank_invoices}"], {"taxpayer": v.tp.ref},
        probe=[v.login_step(client="dishui_void"), retry(e)])
