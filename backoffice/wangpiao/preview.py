"""Print preview (FAQ 7): an invoice drawn as SVG on its type's paper, with the printer offsets applied.

Read-only. Units are millimetres (the SVG's viewBox is the paper), so what the web shows is to scale:
the printed block keeps the seed's margin on every side and moves right/down by the offsets
(negative = left/up), exactly as 系统设置 → 常规设置 → 右平移/下平移 would move the print.
"""
from __future__ import annotations

from decimal import Decimal
from xml.sax.saxutils import escape, quoteattr

from sqlalchemy.orm import Session

from ..clock import local
from ..errors import invalid
from . import queries as q
from .models import WpInvoicer

def _world_id(world) -> int:
    return world if isinstance(world, int) else world.id


def preview_svg(session: Session, world, invoice_type: str, right: int = 0, down: int = 0, *,
                fields: list[tuple[str, str]] | None = None) -> str:
    """The preview of ``invoice_type`` (type code "32010" or invoice code) at the given offsets.
    ``fields`` are the (label, value) lines printed; a sample invoice when omitted."""
    itype = q.invoice_type(session, _world_id(world), invoice_type)
    if itype is None:
        raise invalid("invoice_type", f"not a 网票 invoice type: {invoice_type!r}", f"不是网票发票类型：{invoice_type}")
    width, height = float(itype.paper_width_mm), float(itype.paper_height_mm)
    lines = fields if fields is not None else [
        ("发票代码", itype.code), ("发票号码", "00000000"), ("开票日期", "2016-05-01"),
        ("收款方", "（纳税人名称）"), ("品目", "（品目）"), ("金额", "0.00"), ("开票人", "（开票员）")]
    return _draw(width, height, itype.name, lines, int(right), int(down))


def invoice_svg(session: Session, world, ref: str, code: str, number: int | str) -> str:
    """The preview of an issued invoice of taxpayer ``ref``, at the offsets it saved for that type."""
    w = _world_id(world)
    account = q.account_by_ref(session, w, ref)
    inv = q.invoice(session, w, account.id, code, int(number)) if account else None
    if inv is None:
        raise invalid("number", f"no invoice {code} {number}", f"没有发票 {code} {number}")
    itype = q.invoice_type(session, w, code)
    setting = q.printer(session, w, account.id, itype.type_code) if itype else None
    invoicer = session.get(WpInvoicer, (inv.world_id, inv.invoicer_id))
    fields = [("发票代码", inv.code), ("发票号码", f"{inv.number:08d}"),
              ("开票日期", local(inv.issued_at).strftime("%Y-%m-%d")), ("收款方", account.name),
              ("品目", inv.item), ("金额", _yuan(inv.amount)), ("开票人", invoicer.name if invoicer else "")]
    if inv.status == "voided":
        fields.append(("状态", "作废"))
    if inv.red_total:
        fields.append(("已冲红", _yuan(inv.red_total)))
    return preview_svg(session, w, code, setting.right_mm if setting else 0, setting.down_mm if setting else 0,
                       fields=fields)


def _yuan(amount: Decimal) -> str:
    return f"¥{amount:,.2f}"


def _num(x: float) -> str:
    return f"{x:.2f}".rstrip("0").rstrip(".")


def _fit(text: str, size: float, room: float) -> str:
    # a CJK glyph is about one em wide: squeeze a long type name (the 76 mm roll's) into the print area
    return f' textLength="{_num(room)}" lengthAdjust="spacingAndGlyphs"' if len(text) * size > room else ""


def _draw(width: float, height: float, title: str, lines: list[tuple[str, str]], right: int, down: int) -> str:
    m = q.printer_margin_mm()
    inner_w, inner_h = width - 2 * m, height - 2 * m
    # text scales with the paper: the 76 mm roll gets small type, the wide forms larger
    size = max(2.5, min(5.0, inner_w / 18))
    step = min(size * 1.6, (inner_h - size * 2.2) / max(len(lines), 1))
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{_num(width)}mm" height="{_num(height)}mm" '
           f'viewBox="0 0 {_num(width)} {_num(height)}" font-family="sans-serif" '
           f'data-right="{right}" data-down="{down}">',
           f'<rect class="paper" x="0" y="0" width="{_num(width)}" height="{_num(height)}" fill="#fff" '
           f'stroke="#888" stroke-width="0.3"/>',
           f'<rect class="print-area" x="{m}" y="{m}" width="{_num(inner_w)}" height="{_num(inner_h)}" fill="none" '
           f'stroke="#bbb" stroke-width="0.2" stroke-dasharray="1,1"/>',
           f'<g class="print" transform="translate({right},{down})">',
           f'<rect x="{m}" y="{m}" width="{_num(inner_w)}" height="{_num(inner_h)}" fill="#eef3ff" '
           f'fill-opacity="0.6" stroke="#36c" stroke-width="0.3"/>',
           f'<text x="{_num(width / 2)}" y="{_num(m + size * 1.3)}" font-size="{_num(size)}" '
           f'text-anchor="middle" font-weight="bold"{_fit(title, size, inner_w - 2)}>{escape(title)}</text>']
    y = m + size * 2.2 + step * 0.8
    for label, value in lines:
        out.append(f'<text x="{_num(m + 2)}" y="{_num(y)}" font-size="{_num(size * 0.85)}">'
                   f'<tspan fill="#555">{escape(label)}：</tspan>'
                   f'<tspan data-field={quoteattr(label)}>{escape(str(value))}</tspan></text>')
        y += step
    out.append("</g></svg>")
    return "".join(out)
