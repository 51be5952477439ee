"""Reading is not acting: pages and API reads show a diagnosis without an audit row; the
``diagnose`` operation an officer does stays audited. And no false alarm where a class is looked at."""
from __future__ import annotations

from sqlalchemy import func, select

from backoffice.audit.models import AuditEntry
from backoffice.dispatch import execute
from backoffice.users.service import create_token
from web_support import STORY, make_user, text, web_for

READY = {"enabled": True, "industries": {"main": "7240"}, "red_limit": "0.00",
         "purchases": [{"code": "150001320410", "start": "00000001", "end": "00000100"}]}


def audit_rows(db, world_id: int, operation: str | None = None) -> int:
    q = select(func.count()).select_from(AuditEntry).where(AuditEntry.world_id == world_id)
    if operation:
        q = q.where(AuditEntry.operation == operation)
    n = db.scalar(q)
    db.rollback()
    return n


def test_looking_at_a_taxpayer_in_the_control_room_writes_no_audit_row(app, db, make_world):
    web = web_for(app, db, make_world, role="instructor")
    web.console_op("sell_invoices", taxpayer="acme", code="150001320410", start="00000001", end="00000100")
    web.console_op("open_wangpiao", taxpayer="acme")
    before = audit_rows(db, web.world.id)
    for _ in range(3):
        html = text(web.get("/control/taxpayers/acme"))
        assert "NO_PURCHASE_INFO" in html and "3.2" in html
    assert audit_rows(db, web.world.id) == before
    # the officer's own diagnose, from the console, is an operation like any other: audited
    assert "op-result" in text(web.console_op("diagnose", taxpayer="acme"))
    assert audit_rows(db, web.world.id, "diagnose") == 1


def test_the_api_taxpayer_view_carries_the_diagnosis_without_an_audit_row(app, db, make_world):
    user = make_user(db, "instructor")
    raw = create_token(db, user, "reads")
    db.commit()
    wid = make_world({**STORY, "taxpayers": [{**STORY["taxpayers"][0], **READY}]}).id
    db.rollback()   # end the read before the requests (SQLite)
    headers = {"Authorization": f"Bearer {raw}"}
    client = app.test_client()
    before = audit_rows(db, wid)
    view = client.get(f"/api/v1/worlds/{wid}/taxpayers/acme", headers=headers).get_json()
    assert audit_rows(db, wid) == before
    assert view["diagnosis"]["taxpayer"] == "acme" and view["diagnosis"]["faq"] is None
    assert view["diagnosis"]["problems"] == []
    assert view["pipeline"]["taxpayer"] == "acme"
    # the same question as an operation is audited
    resp = client.post(f"/api/v1/worlds/{wid}/ops/diagnose", headers=headers,
                       json={"actor": "h_zhang", "args": {"taxpayer": "acme"}})
    assert resp.get_json()["result"]["faq"] is None
    assert audit_rows(db, wid, "diagnose") == 1


def test_a_refused_printer_input_is_no_alarm_in_the_class_view(app, db, make_world):
    web = web_for(app, db, make_world, role="instructor",
                  spec={**STORY, "taxpayers": [{**STORY["taxpayers"][0], **READY}]})
    token = execute(db, web.world.id, "acme", "login", {"account": "11500000000000000001", "password": "000001"})
    for name, args in (("allocate_segment", {"invoicer": "系统管理员", "code": "150001320410", "start": "00000001",
                                             "end": "00000100"}),
                       ("allocate_amounts", {"invoicer": "系统管理员", "red_amount": "0.00", "cache_amount": "100.00"})):
        execute(db, web.world.id, "acme", name, args, wp_token=token["session"])
    try:   # 右平移 11: off the roll's 10 mm margin, refused, the saved settings unchanged
        execute(db, web.world.id, "acme", "set_printer", {"invoice_type": "32010", "right": 11, "down": 0},
                wp_token=token["session"])
    except Exception as exc:
        assert getattr(exc, "code", None) == "INVALID_INPUT"
    db.rollback()
    html = text(web.c.get("/control/class"))
    block = html.split(f'href="/worlds/{web.world.id}/control"', 1)[1].split("class-world", 1)[0]
    assert "acme" in block and "INVALID_INPUT" not in block and "常见问题 7" not in block
    # a red limit of 0 with nothing red-reversed is no alarm either
    assert "RED_AMOUNT_INSUFFICIENT" not in block
    page = text(web.get("/control/taxpayers/acme"))
    assert "未发现问题" in page and "INVALID_INPUT" in page   # shown as a note beside "no problem"
