"""FAQ 2 (保持最新 PC 客户端) and 3.3 (网络堵塞 / 服务器返回信息格式有误): the 网票 clients on the
taxpayer's PC, as login step 1 checks them."""
from __future__ import annotations

from ..seed import clients
from .registry import HIT, NOTE, WILL, Finding, rule
from .view import View, client_of, t


def edition_name(edition: str) -> tuple[str, str]:
    spec = clients()[edition]
    return spec.name_en, spec.name_zh


def needed(v: View) -> list[str]:
    """The editions the taxpayer logs in with: 国税 for 营改增 (plus 地税 when dual), else 地税."""
    if not v.ygz:
        return ["dishui"]
    return ["guoshui", "dishui"] if v.account is not None and v.account.dual else ["guoshui"]


def on_path(v: View) -> set[str]:
    """Editions its ordinary work uses: those it logs in with, and the 作废冲红版 while old 地税
    invoices are still open."""
    return set(needed(v)) | ({"dishui_void"} if v.open_ds_invoices else set())


def mistaken_switch(v: View) -> bool:
    """A 地税 user whose 网票 flag or PC shows the 营改增 upgrade: FAQ 5.1 owns its missing 地税 client."""
    a = v.account
    upgraded = any(c.edition == "guoshui" and c.upgraded_from == "dishui" for c in v.installs)
    return not v.ygz and ((a is not None and a.ygz) or upgraded)


def _tried(v: View, edition: str, code: str) -> bool:
    e = v.last_login(lambda e: client_of(e) == edition)
    return e is not None and e.error_code == code


@rule("client_missing")
def client_missing(v: View):
    for ed in needed(v):
        if v.copies(ed) or (ed == "dishui" and mistaken_switch(v)):
            continue
        en, zh = edition_name(ed)
        upgrade = ed == "guoshui" and bool(v.copies("dishui")) and bool(v.machine and v.machine.ds_ca_cache)
        cause_en, cause_zh = f"no {en} client is installed on the taxpayer's PC", f"纳税人电脑上未安装{zh}客户端"
        if ed in v.leftovers:
            cause_en += " (an uninstalled copy left files behind: reboot before installing)"
            cause_zh += "（卸载的旧版本仍有残留文件：安装前请先重启电脑）"
        if upgrade:
            cause_en += ("; it holds 地税 CA cache on the 地税 client: upgrade that client (installing the 国税 client "
                         "fresh would leave the cache unable to upload, FAQ 6.1)")
            cause_zh += "；电脑上的地税客户端存有地税 CA 缓存：请从地税客户端升级（直接安装国税客户端将导致 CA 缓存数据无法上传，6.1）"
        yield Finding("CLIENT_NOT_INSTALLED", (cause_en, cause_zh),
                      HIT if _tried(v, ed, "CLIENT_NOT_INSTALLED") else WILL,
                      [f"installed: {v.installed()}"],
                      {"edition": ed, "leftovers": ed in v.leftovers, "upgrade": upgrade,
                       "install_guoshui": ed == "guoshui" and not upgrade, "install_dishui": ed == "dishui"},
                      probe=[v.login_step(client=ed)])


@rule("client_fault")
def client_fault(v: View):
    path = on_path(v)
    for ed, spec in clients().items():
        copies = v.copies(ed)
        if not copies:
            continue
        en, zh = edition_name(ed)
        latest, versions = spec.versions[0], ", ".join(c.version for c in copies)
        if any(c.broken for c in copies):
            code = "BAD_SERVER_RESPONSE"
            when = next(c for c in copies if c.broken).installed_at
            cause = (f"the {en} client was installed at {t(when)} over an old version's left-over files (no reboot "
                     f"after the uninstall)",
                     f"{zh}客户端于 {t(when)} 安装时旧版本残留文件尚未清除（卸载后未重启电脑）")
        elif len(copies) > 1:
            code = "NETWORK_CONGESTION"
            cause = (f"{len(copies)} copies of the {en} client are installed ({versions}): a version conflict",
                     f"安装了 {len(copies)} 个版本的{zh}客户端（{versions}），多版本安装导致版本冲突")
        elif copies[0].version != latest:
            code = "NETWORK_CONGESTION"
            cause = (f"the {en} client is version {versions}, older than the latest {latest}",
                     f"{zh}客户端版本 {versions} 不是最新版 {latest}")
        else:
            continue
        status = HIT if _tried(v, ed, code) else (WILL if ed in path else NOTE)
        if status == NOTE:
            cause = (cause[0] + "; the taxpayer does not use this client now", cause[1] + "；纳税人目前不使用该客户端")
        yield Finding(code, cause, status, [f"{c.edition} {c.version} in {c.folder}" + (" (broken)" if c.broken else "")
                                            for c in copies],
                      {"edition": ed, ed: True}, probe=[v.login_step(client=ed)])
