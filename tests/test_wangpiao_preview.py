"""Print preview (FAQ 7): the paper of the invoice's type, the printed block moved by the offsets."""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest

from backoffice.errors import OperationError
from backoffice.wangpiao.preview import invoice_svg, preview_svg
from test_wangpiao_support import ROLL, login, ready_invoicer, spec

NS = "{http://www.w3.org/2000/svg}"


def _parse(svg: str):
    root = ET.fromstring(svg)
    group = root.find(f"{NS}g")
    shift = tuple(int(v) for v in re.fullmatch(r"translate\((-?\d+),(-?\d+)\)", group.get("transform")).groups())
    return root, group, shift


@pytest.mark.parametrize("type_code,width,height", [("32010", "76mm", "177.8mm"), ("23130", "210mm", "139.7mm"),
                                                    ("22040", "241mm", "177.8mm")])
def test_paper_size_of_each_type(db, world, type_code, width, height):
    root, _, shift = _parse(preview_svg(db, world, type_code))
    assert (root.get("width"), root.get("height"), shift) == (width, height, (0, 0))


def test_offsets_shift_the_printed_block(db, world):
    _, group, shift = _parse(preview_svg(db, world, "23130", right=-7, down=4))
    assert shift == (-7, 4)
    block = group.find(f"{NS}rect")
    assert (block.get("x"), block.get("y")) == ("10", "10")        # inside the 10 mm margin before the shift


def test_unknown_type_is_refused(db, world):
    with pytest.raises(OperationError) as exc:
        preview_svg(db, world, "03010")                           # a paper 手工票, not 网票
    assert exc.value.field == "invoice_type"


def test_issued_invoice_preview_uses_saved_offsets(op, db, make_world):
    world = make_world(spec())
    token = login(op, world)
    ready_invoicer(op, world, token)
    op(world, "acme", "issue_invoice", token, code=ROLL, item="广告设计", amount="1234.50")
    op(world, "acme", "set_printer", token, invoice_type="32010", right=5, down=-3)
    root, group, shift = _parse(invoice_svg(db, world.id, "acme", ROLL, "00000001"))
    assert shift == (5, -3) and root.get("width") == "76mm"
    values = {t.get("data-field"): t.text for t in group.iter(f"{NS}tspan") if t.get("data-field")}
    assert values["发票号码"] == "00000001" and values["金额"] == "¥1,234.50" and values["品目"] == "广告设计"
    assert values["收款方"] == "重庆某某广告有限公司"


def test_text_is_escaped(db, world):
    root, group, _ = _parse(preview_svg(db, world, "22040", fields=[("品目", "A&B <C>")]))
    assert [t.text for t in group.iter(f"{NS}tspan") if t.get("data-field")] == ["A&B <C>"]
