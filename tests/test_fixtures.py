"""The shared test fixtures behave as their docstrings say."""

def test_op_fixture_passes_an_operations_own_name_argument(op, make_world):
    w = make_world({"taxpayers": [{"ref": "acme", "kind": "unit", "name": "重庆某某广告有限公司",
                                   "tax_id": "91500000MA5U0A0A2M", "registration_no": "11500000000000000001",
                                   "enabled": True,
                                   "purchases": [{"code": "150001320410", "start": "00000001", "end": "00000010"}]}]})
    token = op(w, "acme", "login", account="11500000000000000001", password="000001")["session"]
    op(w, "acme", "rename_admin", token=token, name="重庆某某广告有限公司")
    result = op(w, "acme", "add_invoicer", token=token, name="李四", password="pw123456")
    assert "李四" in str(result)
