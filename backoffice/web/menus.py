"""FAQ-style navigation: the menu paths the FAQ names, laid over the catalogue's operations.

The menus only place operations; an operation missing from them still appears under
"其他操作", and a menu entry whose operation is not registered is shown as unavailable.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l


@dataclass
class Node:
    label: object
    op: str | None = None
    children: list["Node"] = field(default_factory=list)
    page: str | None = None          # an endpoint to link instead of an operation form


def op(name: str, label=None) -> Node:
    return Node(label=label, op=name)


# 金三: FAQ 4.4 "系统管理 → 网络发票管理 → 网络发票功能核定 → 查询到纳税人 → 发票核定信息 → 冲红限额",
# and 3.1/3.2's "网络发票功能核定中进行‘初始化密码’/‘同步信息’".
CONSOLE_MENU = [
    Node(_l("系统管理"), children=[
        Node(_l("网络发票管理"), children=[
            Node(_l("网络发票功能核定"), children=[
                op("open_wangpiao", _l("开通纳税人")),
                Node(_l("发票核定信息"), children=[op("set_red_limit", _l("冲红限额"))]),
                op("sync_info", _l("同步信息")),
                op("reset_password", _l("初始化密码")),
            ]),
        ]),
    ]),
    Node(_l("发票管理"), children=[
        op("sell_invoices", _l("发票发售")),
        op("return_invoices", _l("发票退回（退票）")),
    ]),
    Node(_l("行业及品目"), page="console.catalogue_page", children=[
        op("assign_industries", _l("行业核定")),
        op("request_item", _l("品目上报")),
        op("approve_item", _l("品目审核（通过）")),
        op("reject_item", _l("品目审核（驳回）")),
    ]),
    Node(_l("网票后台运维"), children=[
        op("set_ygz_flag", _l("“营改增”标识")),
        op("set_dual_flag", _l("国、地税同时开票标识")),
        op("cancel_ca", _l("取消CA")),
        op("remake_ukey", _l("重新制作U-Key")),
    ]),
    Node(_l("地税税务机关"), children=[op("sell_ds_blank_invoices", _l("发售空白地税发票"))]),
    Node(_l("问题诊断"), children=[op("diagnose", _l("诊断纳税人"))]),
]

# 网票: FAQ 4.1–4.3 "系统维护 → 维护开票员信息" (修改, 添加, 分配发票号段, 分配月冲红和缓存金额),
# FAQ 7 "系统设置 → 常规设置".
PORTAL_MENU = [
    Node(_l("发票领购信息"), page="portal.purchases"),
    Node(_l("系统维护"), children=[
        Node(_l("维护开票员信息"), page="portal.invoicers", children=[
            op("rename_admin", _l("修改")),
            op("add_invoicer", _l("添加")),
            op("allocate_segment", _l("分配发票号段")),
            op("allocate_amounts", _l("分配月冲红和缓存金额")),
        ]),
        op("change_password", _l("修改密码")),
    ]),
    Node(_l("发票管理"), page="portal.invoices", children=[
        op("issue_invoice", _l("发票开具")),
        op("red_reverse", _l("发票冲红")),
        op("void_invoice", _l("发票作废")),
    ]),
    Node(_l("系统设置"), children=[Node(_l("常规设置"), page="portal.settings", children=[
        op("set_printer", _l("打印机设置")),
        op("get_printer", _l("查看打印机设置")),
    ])]),
]


def placed_ops(menu: list[Node]) -> set[str]:
    out: set[str] = set()
    for n in menu:
        if n.op:
            out.add(n.op)
        out |= placed_ops(n.children)
    return out


def path_to(menu: list[Node], op_name: str) -> list[str]:
    """The breadcrumb of an operation in a menu (labels as strings), [] when not placed."""
    for n in menu:
        if n.op == op_name:
            return [str(n.label)]
        sub = path_to(n.children, op_name)
        if sub:
            return [str(n.label)] + sub
    return []


def menu_order(menu: list[Node]) -> list[str]:
    """The operations of a menu in the order a reader meets them."""
    out: list[str] = []
    for n in menu:
        if n.op:
            out.append(n.op)
        out.extend(menu_order(n.children))
    return out


JOB_LABELS = {
    "nightly_clearing": _l("夜间清分同步"),
    "incremental": _l("增量同步"),
    "industry_incremental": _l("行业增量同步"),
    "ca_cancel": _l("取消CA处理"),
    "delayed_run": _l("延迟的同步运行"),
    "upload_release": _l("发票上传（故障后送达）"),
    "sync_info_push": _l("同步信息（延迟送达）"),
}


def job_label(name: str) -> str:
    return str(JOB_LABELS.get(name, name))
