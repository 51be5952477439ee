"""Who may do what in 金三 (docs/behaviour.md §4): roles from seed_data/roles.yaml, checked before the input,
and a specialist held to the taxpayers assigned to it."""
from __future__ import annotations

import pytest
import yaml
from stdnum.cn import uscc

from backoffice import catalogue
from backoffice.config import default_seed_path
from backoffice.errors import OperationError

ROLES = ["specialist", "ds_specialist", "collection_section", "ops", "instructor"]
# one base officer per role (seed_data/base/officers.yaml)
OFFICER = {"specialist": "zhang_wei", "ds_specialist": "chen_jing", "collection_section": "zhao_min",
           "ops": "yang_fan", "instructor": "zhou_hong"}
RULES = yaml.safe_load((default_seed_path() / "roles.yaml").read_text(encoding="utf-8"))["operations"]


def _code(op, w, actor: str, name: str, **args) -> str | None:
    """The error code of an operation, or None when it succeeded."""
    try:
        op(w, actor, name, **args)
    except OperationError as exc:
        return exc.code
    return None


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", sorted(RULES))
def test_role_is_checked_before_the_input(world, op, role, name):
    if name not in catalogue.load_all():
        pytest.skip(f"{name} is not registered yet")
    code = _code(op, world, OFFICER[role], name)   # no arguments at all
    if role in RULES[name]:
        assert code != "FORBIDDEN"
        assert code == "INVALID_INPUT"   # every 金三 operation needs arguments
    else:
        assert code == "FORBIDDEN"


def test_every_officer_operation_has_its_roles():
    officer_ops = {n for n, o in catalogue.load_all().items() if o.side == "jinsan"}
    assert officer_ops <= set(RULES), officer_ops - set(RULES)
    assert all(set(roles) <= set(ROLES) for roles in RULES.values())


# --- a specialist acts only for its own taxpayers ------------------------------------------------

def _taxpayer(ref: str, n: int, specialist: str, **kw) -> dict:
    base = f"91500000MA5U{n:05d}"
    return {"ref": ref, "kind": "unit", "name": f"重庆{ref}有限公司", "tax_id": base + uscc.calc_check_digit(base),
            "registration_no": f"1150{n:016d}", "specialist": specialist, **kw}


SPECIALIST_CALLS = {
    "open_wangpiao": {},
    "sell_invoices": {"code": "150001320410", "start": "00000011", "end": "00000020"},
    "return_invoices": {"code": "150001320410", "start": "00000001", "end": "00000010"},
    "set_red_limit": {"amount": "500.00"},
    "assign_industries": {"main": "4700", "secondary": []},
    "request_item": {"item": "无人机航拍服务"},
    "reset_password": {},
}


@pytest.fixture
def two_specialists(make_world):
    return make_world({
        "officers": [{"login": "h_mine", "name": "张明", "role": "specialist"},
                     {"login": "h_theirs", "name": "李强", "role": "specialist"}],
        "taxpayers": [_taxpayer("mine", 1, "h_mine", enabled=True,
                                purchases=[{"code": "150001320410", "start": "00000001", "end": "00000010"}]),
                      _taxpayer("unassigned", 2, None, enabled=True, ca="pc")],
    })


@pytest.mark.parametrize("name", sorted(SPECIALIST_CALLS))
def test_a_specialist_acts_only_for_its_own_taxpayers(two_specialists, op, name):
    w = two_specialists
    args = {"taxpayer": "mine", **SPECIALIST_CALLS[name]}
    assert _code(op, w, "h_theirs", name, **args) == "FORBIDDEN"
    assert _code(op, w, "h_mine", name, **args) is None


@pytest.mark.parametrize("name", sorted(SPECIALIST_CALLS))
def test_an_instructor_acts_for_any_taxpayer(two_specialists, op, name):
    args = {"taxpayer": "mine", **SPECIALIST_CALLS[name]}
    assert _code(op, two_specialists, "zhou_hong", name, **args) is None


def test_a_taxpayer_without_a_specialist_is_nobody_s_own(two_specialists, op):
    assert _code(op, two_specialists, "h_mine", "reset_password", taxpayer="unassigned") == "FORBIDDEN"


def test_ops_serve_every_taxpayer(two_specialists, op):
    # 网票 ops act on a request from a 地税专管员 or the taxpayer, whoever its specialist is
    for name, args in (("set_ygz_flag", {"value": False}), ("set_dual_flag", {"value": True}),
                       ("cancel_ca", {}), ("remake_ukey", {})):
        assert _code(op, two_specialists, "yang_fan", name, taxpayer="unassigned", **args) is None


def test_an_unknown_taxpayer_is_invalid_input_even_for_a_specialist(two_specialists, op):
    with pytest.raises(OperationError) as info:
        op(two_specialists, "h_mine", "set_red_limit", taxpayer="ghost", amount="1.00")
    assert (info.value.code, info.value.field) == ("INVALID_INPUT", "taxpayer")
