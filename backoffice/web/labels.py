"""Words for what the pages show: result keys, enum values, operation help, readable arguments.

Every key an operation returns and every coded value a page prints (status, kind, CA, edition,
role …) has a label here in Chinese, translated by Babel, so no raw key or code word reaches a
page. A key without a label is shown as it is — ``test_web_i18n_pages`` fails on it.
"""
from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l

from .forms import CHOICE_LABELS, FIELD_LABELS, ROLE_LABELS, is_en

# Keys of operation results (and of the pipeline, audit and timeline rows) beyond the form fields.
RESULT_LABELS = {
    "sale_id": _l("发售编号"),
    "return_id": _l("退票编号"),
    "request_id": _l("上报编号"),
    "item_id": _l("品目编号"),
    "requests": _l("上报编号"),
    "returns": _l("退回号段"),
    "sold_at": _l("发售时间"),
    "returned_at": _l("退票时间"),
    "enabled_at": _l("开通时间"),
    "enabled_at_sale": _l("发售时已开通网票"),
    "already_enabled": _l("此前已开通"),
    "red_limit": _l("冲红限额"),
    "requested_at": _l("申请时间"),
    "due_at": _l("预计完成时间"),
    "already_requested": _l("此前已申请"),
    "status": _l("状态"),
    "ygz": _l("营改增标识"),
    "dual": _l("国地税同时开票标识"),
    "wangpiao_updated": _l("已同时更新网票"),
    "was_stuck": _l("原CA缓存未上传"),
    "count": _l("条数"),
    "sold": _l("本次发售份数"),
    "purchases": _l("领购号段"),
    "invoicers": _l("开票员人数"),
    "red_total": _l("已冲红金额"),
    "ds_blank_invoices": _l("空白地税发票"),
    "month": _l("月份"),
    "installed": _l("已安装的客户端"),
    "leftovers": _l("卸载残留文件"),
    "removed": _l("卸载份数"),
    "leftovers_cleared": _l("已清除残留"),
    "broken": _l("安装时有旧版本残留文件"),
    "delivered": _l("已送达"),
    "waiting": _l("等待网票账户"),
    "admin": _l("系统管理员"),
    "upgraded": _l("已接受“营改增”升级"),
    "password_state": _l("密码状态"),
    "at": _l("时间"),
    "faq": _l("常见问题"),
    "cause": _l("原因"),
    "cause_zh": _l("原因"),
    "steps": _l("解决办法"),
    "steps_en": _l("解决办法"),
    "problems": _l("全部问题"),
    "by": _l("推进"),
    "until": _l("前进到"),
    "from": _l("从"),
    "to": _l("到"),
    "events": _l("事件数"),
    "actor": _l("执行者"),
    "op": _l("操作"),
    "world": _l("世界"),
    "speed": _l("倍速"),
    "mode": _l("模式"),
    "spec": _l("场景世界块"),
    "csrf_token": _l("表单令牌"),
    "method": _l("请求方法"),
}

# Coded values, by the key they appear under ("*" for any key).
VALUE_LABELS = {
    "status": {"active": _l("有效"), "returned": _l("已退"), "pending": _l("待审核"), "approved": _l("已通过"),
               "rejected": _l("已驳回"), "issued": _l("已开具"), "voided": _l("已作废"), "red": _l("已冲红")},
    "kind": {"sale": _l("发售"), "return": _l("退票"), "red_limit": _l("冲红限额"),
             "password_reset": _l("初始化密码"), "unit": _l("单位"), "individual": _l("个体")},
    "event": {"issued": _l("开具"), "voided": _l("作废"), "red": _l("冲红")},
    "ca": {"none": _l("无CA"), "pc": _l("PC版CA"), "device": _l("机具CA")},
    "password_state": {"default": _l("默认密码"), "ds": _l("原地税密码"), "set": _l("已修改")},
    "channel": {"incremental": _l("增量同步"), "nightly": _l("夜间清分"), "sync_info": _l("同步信息"),
                "nightly_clearing": _l("夜间清分同步")},
    "mode": {"manual": _l("手动"), "live": _l("实时")},
    "*": CHOICE_LABELS,
}

# What each operation does, in the page's language (the catalogue's docstrings are for developers).
OP_HELP = {
    "open_wangpiao": _l("将纳税人标记为已开通网票（常见问题 3.1）。新网票户的账户在下一次夜间清分（约一天）后出现；原地税网票户的账户随下一次增量同步出现。"),
    "sell_invoices": _l("从本局库存中按发票代码发售一段号码（常见问题 3.2）。号段不得重叠；一个号码同一时间只属于一个纳税人。"),
    "return_invoices": _l("把未使用的号码退回库存；网票已上传为已用的号码不能退（常见问题 3.2）。"),
    "sync_info": _l("立即把该纳税人的领购、退票、冲红限额和待送达的初始化密码推送到网票，包括开通网票前的发售（常见问题 3.2）。"),
    "set_red_limit": _l("设置纳税人每月可冲红的金额（常见问题 4.4），随增量同步送达网票。"),
    "assign_industries": _l("核定一个主行业和至多三个附行业（常见问题 4.5、4.6），替换原有核定。"),
    "request_item": _l("把任何行业都没有的品目上报征管科（常见问题 4.5）。先在“行业及品目”中核实品目是否在某个行业中存在。"),
    "approve_item": _l("征管科把上报的品目加入一个行业；网票在夜间清分后收到。"),
    "reject_item": _l("征管科驳回该品目的全部上报，并写明理由；不新增品目。"),
    "reset_password": _l("把网票密码恢复为默认状态（识别号或登记序号后 6 位），随下一次增量同步送达（常见问题 3.1）。"),
    "set_ygz_flag": _l("网票后台运维修改“营改增”标识，例如为误升级的地税户恢复（常见问题 5.1）。"),
    "set_dual_flag": _l("网票后台运维允许营改增纳税人同时开具地税发票（常见问题 5.2）。"),
    "cancel_ca": _l("网票后台运维在申请后 30–60 分钟内取消 PC 版 CA（常见问题 6.2）；机具 CA 不能取消。"),
    "remake_ukey": _l("代替设备厂商重新制作 U-Key：从未上传的 CA 缓存立即恢复（常见问题 6.1）。"),
    "diagnose": _l("说明纳税人为什么看到某个错误、数据中的原因，以及常见问题的解决步骤。"),
    "login": _l("用所选的 PC 客户端登录网票。"),
    "change_password": _l("系统管理员修改账户密码（不再是默认密码）；开票员修改自己的密码。"),
    "list_purchases": _l("金三已送达网票的发票领购号段（常见问题 3.2）。"),
    "rename_admin": _l("把“系统管理员”改为实名纳税人（常见问题 4.1）。"),
    "add_invoicer": _l("添加开票员：姓名和密码（常见问题 4.2）。"),
    "allocate_segment": _l("把已送达的领购号段分给开票员，每个号码只属于一个开票员（常见问题 4.3）。"),
    "allocate_amounts": _l("设置开票员的月冲红金额和缓存金额（常见问题 4.3）；各开票员的月冲红金额合计不超过纳税人的冲红限额。"),
    "issue_invoice": _l("按开票员号段的下一个号码开具发票（常见问题 4.3、4.5、4.6），并立即上传金三。"),
    "red_reverse": _l("开具冲红发票（常见问题 4.4）：不超过原发票金额和本月可冲红金额。"),
    "void_invoice": _l("作废发票：只能在开具当月作废。"),
    "set_printer": _l("打印机设置（常见问题 7）：右平移、下平移，单位毫米，负数为向左、向上。"),
    "install_client": _l("安装网票 PC 客户端（常见问题 2）：每个目录只能安装一个版本类型（常见问题 5.2）。"),
    "uninstall_client": _l("卸载该版本类型的全部客户端；残留文件在重启电脑后才清除（常见问题 2）。"),
    "reboot": _l("重启电脑，清除卸载留下的残留文件（常见问题 2）。"),
    "upgrade_client": _l("把地税版客户端升级为最新的国税版，并带上 CA 缓存（常见问题 6.1）。"),
}


def field_label(key: str) -> str:
    label = FIELD_LABELS.get(key) or RESULT_LABELS.get(key)
    return str(label) if label is not None else key


def value_label(value: Any, key: str = "*") -> str:
    """A value in words: a coded value by its label, yes/no, "—" for nothing, lists joined."""
    if isinstance(value, bool):
        return str(_l("是")) if value else str(_l("否"))
    if value is None or value == "":
        return "—"
    if key == "by" and isinstance(value, str):
        return duration_label(value)
    if isinstance(value, (list, tuple)):
        return _sep().join(value_label(v, key) for v in value) or "—"
    if isinstance(value, dict):
        return _sep("; ", "；").join(f"{field_label(k)} {value_label(v, k)}" for k, v in value.items())
    for table in (VALUE_LABELS.get(key, {}), VALUE_LABELS["*"]):
        if isinstance(value, str) and value in table:
            return str(table[value])
    return str(value)


def _sep(en: str = ", ", zh: str = "、") -> str:
    return en if is_en() else zh


def role_word(role: str) -> str:
    return str(ROLE_LABELS.get(role, role))


# The actors that are not officers: who moved a clock or injected a fault from outside the world.
SYSTEM_ACTORS = {"scenario": _l("场景"), "exploration": _l("探索器"), "cli": _l("命令行"), "api": _l("接口"),
                 "scheduler": _l("定时任务")}


def actor_label(actor: str | None, kind: str | None = None) -> str:
    """An audit entry's actor: an officer's login as it is, a system actor in the page's language."""
    if kind not in (None, "system"):
        return actor or ""
    return str(SYSTEM_ACTORS.get(actor or "", actor or ""))


def op_help(name: str) -> str:
    text = OP_HELP.get(name)
    return str(text) if text is not None else ""


def readable(mapping: dict | None, skip: tuple[str, ...] = ("session",)) -> list[tuple[str, str]]:
    """(label, value) pairs of an argument or result mapping, for tables and one-line summaries."""
    return [(field_label(k), value_label(v, k)) for k, v in (mapping or {}).items() if k not in skip]


def summary(mapping: dict | None, limit: int = 4) -> str:
    """One line: 标签 值，标签 值 … (plain values only: lists and mappings are left to the detail)."""
    pairs = [(field_label(k), value_label(v, k)) for k, v in (mapping or {}).items()
             if k != "session" and not isinstance(v, (dict, list))]
    return _sep(", ", "，").join(f"{k} {v}" for k, v in pairs[:limit])


UNITS = {"m": _l("%(n)s 分钟"), "h": _l("%(n)s 小时"), "d": _l("%(n)s 天")}


def duration_label(text: str) -> str:
    """``20m`` → 20 分钟, ``1d`` → 1 天 (the clock buttons' words for the durations they send)."""
    import re
    parts = re.findall(r"(\d+)([dhm])", text or "")
    if not parts or "".join(n + u for n, u in parts) != text:
        return text
    return " ".join(str(UNITS[u]) % {"n": n} for n, u in parts)


def init_labels(app) -> None:
    app.jinja_env.filters["duration_label"] = duration_label
    app.jinja_env.filters["field_label"] = field_label
    app.jinja_env.filters["value_label"] = value_label
    app.jinja_env.filters["role_label"] = role_word
    app.jinja_env.filters["actor_label"] = actor_label
    app.jinja_env.filters["readable"] = readable
    app.jinja_env.globals["op_help"] = op_help
    app.jinja_env.globals["is_en"] = is_en   # the page's language (a ?lang= or the session's choice)
