"""FAQ 7 (如何设置打印机): a refused printer setting changes nothing — the saved settings stay valid
— so it is only ever a note, with the FAQ's how-to and a setting that would be accepted."""
from __future__ import annotations

from ..wangpiao import queries as wq
from .registry import NOTE, Finding, rule
from .view import View, args_of, retry, t


def _offset(value, margin: int) -> int:
    return max(-margin, min(margin, value)) if isinstance(value, int) and not isinstance(value, bool) else 0


@rule("printer")
def printer(v: View):
    e = v.last(["set_printer"])
    if e is None or e.error_code != "INVALID_INPUT":
        return
    margin = wq.printer_margin_mm()
    args = args_of(e)
    types = {it.type_code for it in wq.wangpiao_types(v.s, v.w)}
    kind, right, down = args.get("invoice_type"), args.get("right"), args.get("down")
    when = t(e.sim_time)
    fixed = {"invoice_type": kind if kind in types else min(types), "right": _offset(right, margin),
             "down": _offset(down, margin)}
    yield Finding("INVALID_INPUT", (
        f"the printer setting at {when} (type {kind}, right {right}, down {down}) was refused on {e.error_field} and "
        f"changed nothing: offsets are whole millimetres from -{margin} to {margin} (the print keeps a {margin} mm "
        f"margin) for one of the 网票 invoice types",
        f"{when} 的打印机设置（发票类型 {kind}，右平移 {right}，下平移 {down}）未被接受（{e.error_field}），原设置不变："
        f"平移为整毫米，范围 -{margin} 至 {margin}（打印内容须在纸张上保留 {margin} 毫米边距），发票类型须为网票发票类型"),
        NOTE, [f"set_printer at {when}: INVALID_INPUT ({e.error_field})"],
        fixed, probe=[v.login_step(), retry(e)],
        check=[v.login_step(), {"actor": e.actor, "op": "set_printer", "args": fixed}])
