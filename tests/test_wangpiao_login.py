"""网票 login (docs/behaviour.md §6): the checks and their order, credentials, CA, 营改增 flags, sessions."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from backoffice.errors import OperationError
from backoffice.wangpiao.models import PcInstall, PcMachine, WpAccount, WpSession
from test_wangpiao_support import REG_NO, account, call, counts, login, spec, taxpayer


def code_of(fn, *a, **kw) -> str:
    with pytest.raises(OperationError) as exc:
        fn(*a, **kw)
    return exc.value.code


def _machine(db, world, ref="acme") -> PcMachine:
    return db.execute(select(PcMachine).where(PcMachine.world_id == world.id,
                                              PcMachine.taxpayer_ref == ref)).scalar_one()


def _set(db, obj, **values) -> None:
    for k, v in values.items():
        setattr(obj, k, v)
    db.commit()


def test_default_password_from_either_identifier_and_either_account(op, make_world):
    world = make_world(spec(taxpayer()))
    # last 6 of the 识别号 with letters → 0 ("0A0A2M" → "000020"), or of the 登记序号
    for acct in (REG_NO,):
        for pw in ("000020", "000001"):
            res = op(world, "acme", "login", account=acct, password=pw)
            assert res["session"] and res["invoicer"] == "系统管理员" and res["admin"] is True
    assert code_of(op, world, "acme", "login", account=REG_NO, password="0A0A2M") == "BAD_CREDENTIALS"


def test_taxpayer_code_is_an_account_too(op, make_world):
    world = make_world(spec(taxpayer(taxpayer_code="50010300001234")))
    assert op(world, "acme", "login", account="50010300001234", password="000001")["session"]
    assert op(world, "acme", "login", account=REG_NO, password="000001")["session"]


def test_session_token_is_stored_hashed_and_authorises(op, db, make_world):
    world = make_world(spec())
    token = login(op, world)
    rows = db.execute(select(WpSession).where(WpSession.world_id == world.id)).scalars().all()
    assert len(rows) == 1 and rows[0].token_hash != token and rows[0].client == "guoshui"
    assert op(world, "acme", "list_purchases", token)["count"] == 1
    assert code_of(op, world, "acme", "list_purchases") == "NOT_LOGGED_IN"
    assert code_of(op, world, "acme", "list_purchases", "not-a-token") == "NOT_LOGGED_IN"


def test_list_purchases_gives_delivered_ranges(op, make_world):
    world = make_world(spec(taxpayer(purchases=[{"code": "150001320230", "start": "00000011", "end": "00000020"},
                                                {"code": "150001320410", "start": "00000001", "end": "00000100"}])))
    res = op(world, "acme", "list_purchases", login(op, world))
    assert res == {"count": 2, "purchases": [
        {"code": "150001320230", "start": "00000011", "end": "00000020"},
        {"code": "150001320410", "start": "00000001", "end": "00000100"}]}


def test_unknown_account_or_invoicer(op, make_world):
    world = make_world(spec(taxpayer(), taxpayer(ref="beta", tax_id="91500000MA5U0B0B31",
                                                 registration_no="11500000000000000002", enabled=False,
                                                 purchases=[])))
    assert code_of(op, world, "acme", "login", account="11500000000000000009", password="000001") \
        == "INVOICER_NOT_FOUND"
    assert code_of(op, world, "acme", "login", account=REG_NO, password="000001", invoicer="王五") \
        == "INVOICER_NOT_FOUND"
    # not opened (no 网票 account delivered): the same message, whatever the reason (FAQ 3.1)
    assert code_of(op, world, "beta", "login", account="11500000000000000002", password="000002") \
        == "INVOICER_NOT_FOUND"


def test_former_ds_user_keeps_old_login(op, make_world):
    world = make_world(spec(taxpayer(former_ds_wangpiao=True, ds_account="DS0012345", ds_password="old-pw")))
    assert op(world, "acme", "login", account="DS0012345", password="old-pw")["session"]
    assert code_of(op, world, "acme", "login", account="DS0012345", password="000001") == "BAD_CREDENTIALS"
    # the new-style account is not theirs
    assert code_of(op, world, "acme", "login", account=REG_NO, password="000001") == "INVOICER_NOT_FOUND"


def test_former_ds_user_given_new_login(op, make_world):
    world = make_world(spec(taxpayer(former_ds_wangpiao=True, keeps_ds_login=False, ds_account="DS0012345",
                                     ds_password="old-pw")))
    # 纳税人编码 (= the old 地税 account) or 登记序号, with the default password; the old password is gone
    assert op(world, "acme", "login", account="DS0012345", password="000001")["session"]
    assert op(world, "acme", "login", account=REG_NO, password="000020")["session"]
    assert code_of(op, world, "acme", "login", account="DS0012345", password="old-pw") == "BAD_CREDENTIALS"


def test_change_password_leaves_default_state(op, db, make_world):
    world = make_world(spec())
    token = login(op, world)
    assert code_of(op, world, "acme", "change_password", token, old="999999", new="s3cret") == "BAD_CREDENTIALS"
    assert account(db, world).password_state == "default"
    op(world, "acme", "change_password", token, old="000001", new="s3cret")
    assert account(db, world).password_state == "set"
    assert code_of(op, world, "acme", "login", account=REG_NO, password="000001") == "BAD_CREDENTIALS"
    assert login(op, world, password="s3cret")


def test_invoicer_logs_in_with_own_password(op, db, make_world):
    world = make_world(spec())
    token = login(op, world)
    call(db, world, "acme", "add_invoicer", token, name="李四", password="li-pw")
    assert code_of(op, world, "acme/李四", "login", account=REG_NO, password="000001", invoicer="李四") \
        == "BAD_CREDENTIALS"
    res = op(world, "acme/李四", "login", account=REG_NO, password="li-pw", invoicer="李四")
    assert res["invoicer"] == "李四" and res["admin"] is False
    # without ``invoicer`` the login is the 系统管理员's, whose password this is not
    assert code_of(op, world, "acme/李四", "login", account=REG_NO, password="li-pw") == "BAD_CREDENTIALS"
    inv_token = res["session"]
    op(world, "acme/李四", "change_password", inv_token, old="li-pw", new="li-new")
    assert login(op, world, "acme/李四", password="li-new", invoicer="李四")
    assert login(op, world)   # the account password did not change


# --- step 1: the PC client --------------------------------------------------------------------

def test_login_order_client_before_account(op, db, make_world):
    # neither a client nor an account: the client is reported first
    world = make_world(spec(taxpayer(enabled=False, purchases=[], industries=None, red_limit=None)))
    for c in db.execute(select(PcInstall).where(PcInstall.world_id == world.id)).scalars():
        db.delete(c)
    db.commit()
    assert code_of(op, world, "acme", "login", account="nobody", password="x") == "CLIENT_NOT_INSTALLED"


def test_login_order_account_before_ca_before_password(op, db, make_world):
    world = make_world(spec(taxpayer(ca="pc")))
    assert code_of(op, world, "acme", "login", account="nobody", password="bad") == "INVOICER_NOT_FOUND"
    assert code_of(op, world, "acme", "login", account=REG_NO, password="bad") == "CA_REQUIRED"
    _set(db, account(db, world), ca_cancelled=True)
    assert code_of(op, world, "acme", "login", account=REG_NO, password="bad") == "BAD_CREDENTIALS"


def test_login_order_password_before_purchases(op, make_world):
    world = make_world(spec(taxpayer(purchases=[])))
    assert code_of(op, world, "acme", "login", account=REG_NO, password="bad") == "BAD_CREDENTIALS"
    assert code_of(op, world, "acme", "login", account=REG_NO, password="000001") == "NO_PURCHASE_INFO"


def test_client_edition_must_be_installed(op, make_world):
    world = make_world(spec(taxpayer(ygz=False)))
    assert code_of(op, world, "acme", "login", account=REG_NO, password="000001", client="dishui") \
        == "CLIENT_NOT_INSTALLED"
    assert code_of(op, world, "acme", "login", account=REG_NO, password="000001", client="dishui_void") \
        == "CLIENT_NOT_INSTALLED"


def test_old_or_duplicate_client_congests(op, db, make_world):
    world = make_world(spec())
    install = db.execute(select(PcInstall).where(PcInstall.world_id == world.id)).scalar_one()
    _set(db, install, version="3.2.5")
    assert code_of(op, world, "acme", "login", account=REG_NO, password="000001") == "NETWORK_CONGESTION"
    _set(db, install, version="3.2.6")
    op(world, "acme", "install_client", edition="guoshui", folder="D:\\网票")   # a second copy
    assert code_of(op, world, "acme", "login", account="nobody", password="x") == "NETWORK_CONGESTION"


def test_broken_client_gives_bad_server_response(op, make_world):
    world = make_world(spec())
    op(world, "acme", "uninstall_client", edition="guoshui")
    op(world, "acme", "install_client", edition="guoshui")           # no reboot: over the left-overs
    assert code_of(op, world, "acme", "login", account="nobody", password="x") == "BAD_SERVER_RESPONSE"


# --- step 3: CA --------------------------------------------------------------------------------

def test_ca_login_skips_password(op, make_world):
    world = make_world(spec(taxpayer(ca="device")))
    assert code_of(op, world, "acme", "login", account=REG_NO, password="000001") == "CA_REQUIRED"
    res = op(world, "acme", "login", account=REG_NO, password="anything", with_ca=True)
    assert res["session"]


def test_with_ca_by_taxpayer_without_ca_is_invalid(op, make_world):
    world = make_world(spec())
    with pytest.raises(OperationError) as exc:
        op(world, "acme", "login", account=REG_NO, password="000001", with_ca=True)
    assert exc.value.code == "INVALID_INPUT" and exc.value.field == "with_ca"


def test_pc_ca_cache_not_uploaded(op, db, make_world):
    world = make_world(spec(taxpayer(ca="pc")))
    _set(db, _machine(db, world), ca_cache_stuck=True)
    assert code_of(op, world, "acme", "login", account=REG_NO, password="x", with_ca=True) \
        == "CA_CACHE_NOT_UPLOADED"


def test_cancelled_pc_ca_logs_in_online(op, db, make_world):
    world = make_world(spec(taxpayer(ca="pc")))
    _set(db, account(db, world), ca_cancelled=True)
    assert login(op, world)


# --- step 5: purchases and the 营改增 flags -----------------------------------------------------

def test_ds_taxpayer_upgrade_is_kept_even_when_login_then_fails(op, db, make_world):
    world = make_world(spec(taxpayer(ygz=False, purchases=[])))
    before = counts(db, world)
    assert code_of(op, world, "acme", "login", account=REG_NO, password="000001") == "NO_PURCHASE_INFO"
    assert account(db, world).ygz is True
    assert counts(db, world) == before          # no session was created


def test_declining_the_upgrade_leaves_the_flag(op, db, make_world):
    world = make_world(spec(taxpayer(ygz=False)))
    assert code_of(op, world, "acme", "login", account=REG_NO, password="000001", accept_upgrade=False) \
        == "UPGRADE_DECLINED"
    assert account(db, world).ygz is False
    # a bad password never reaches the upgrade
    assert code_of(op, world, "acme", "login", account=REG_NO, password="bad") == "BAD_CREDENTIALS"
    assert account(db, world).ygz is False
    res = op(world, "acme", "login", account=REG_NO, password="000001")
    assert res["upgraded"] is True and account(db, world).ygz is True


def test_ds_client_refused_after_upgrade_until_dual(op, db, make_world):
    world = make_world(spec(taxpayer(ygz=False, client="dishui")))
    assert op(world, "acme", "login", account=REG_NO, password="000001", client="dishui")["client"] == "dishui"
    op(world, "acme", "install_client", edition="guoshui")
    login(op, world)                                       # accepts the upgrade (FAQ 5.1 mis-switch)
    assert code_of(op, world, "acme", "login", account=REG_NO, password="000001", client="dishui") \
        == "DS_INVOICING_DISABLED"
    _set(db, account(db, world), dual=True)                # FAQ 5.2: ops set the dual flag
    assert op(world, "acme", "login", account=REG_NO, password="000001", client="dishui")["session"]


def test_ygz_taxpayer_may_use_the_void_edition(op, make_world):
    world = make_world(spec(taxpayer(purchases=[])))
    op(world, "acme", "install_client", edition="dishui_void")
    res = op(world, "acme", "login", account=REG_NO, password="000001", client="dishui_void")
    assert res["client"] == "dishui_void"     # no purchases needed: it acts on old 地税 invoices


def test_rejected_login_changes_nothing(op, db, make_world):
    world = make_world(spec())
    before = counts(db, world)
    for args in ({"account": "nobody", "password": "x"}, {"account": REG_NO, "password": "bad"},
                 {"account": REG_NO, "password": "000001", "client": "dishui"}):
        code_of(op, world, "acme", "login", **args)
    assert counts(db, world) == before
    assert db.scalar(select(WpAccount.password_state).where(WpAccount.world_id == world.id)) == "default"


def test_two_worlds_do_not_share_sessions(op, make_world):
    w1 = make_world(spec())
    w2 = make_world(spec())
    token = login(op, w1)
    assert code_of(op, w2, "acme", "list_purchases", token) == "NOT_LOGGED_IN"

