"""The simulated PC client (FAQ 2, 3.3, 5.2, 5.3, 6.1): installs, left-overs, reboots, upgrades."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from backoffice.errors import OperationError
from backoffice.seed import clients
from backoffice.wangpiao.models import PcMachine
from test_wangpiao_support import REG_NO, counts, login, spec, taxpayer


def code_of(fn, *a, **kw) -> str:
    with pytest.raises(OperationError) as exc:
        fn(*a, **kw)
    return exc.value.code


def _login_code(op, world, **kw) -> str:
    return code_of(op, world, "acme", "login", account=REG_NO, password="000001", **kw)


def _machine(db, world) -> PcMachine:
    db.expire_all()
    return db.execute(select(PcMachine).where(PcMachine.world_id == world.id)).scalar_one()


def test_each_taxpayer_starts_with_the_latest_client(op, make_world):
    world = make_world(spec())
    res = op(world, "acme", "reboot")
    latest = clients()["guoshui"]
    assert res["installed"] == [{"edition": "guoshui", "version": latest.versions[0], "folder": latest.folder,
                                 "broken": False}]


def test_faq2_order_cures_bad_server_response(op, make_world):
    world = make_world(spec())
    op(world, "acme", "uninstall_client", edition="guoshui")
    assert _login_code(op, world) == "CLIENT_NOT_INSTALLED"
    assert op(world, "acme", "install_client", edition="guoshui")["broken"] is True   # skipped the reboot
    assert _login_code(op, world) == "BAD_SERVER_RESPONSE"
    # reinstalling over the broken copy, or rebooting alone, does not cure it
    op(world, "acme", "reboot")
    assert _login_code(op, world) == "BAD_SERVER_RESPONSE"
    # FAQ 2: uninstall → reboot → install the latest
    op(world, "acme", "uninstall_client", edition="guoshui")
    op(world, "acme", "reboot")
    assert op(world, "acme", "install_client", edition="guoshui")["broken"] is False
    assert login(op, world)


def test_faq2_order_cures_network_congestion(op, make_world):
    world = make_world(spec())
    op(world, "acme", "uninstall_client", edition="guoshui")
    op(world, "acme", "reboot")
    op(world, "acme", "install_client", edition="guoshui", version="previous")
    assert _login_code(op, world) == "NETWORK_CONGESTION"
    # installing the latest next to the old one: two versions, still congested
    op(world, "acme", "install_client", edition="guoshui", version="3.2.6", folder="D:\\新网票")
    assert _login_code(op, world) == "NETWORK_CONGESTION"
    res = op(world, "acme", "uninstall_client", edition="guoshui")
    assert res["removed"] == 2 and res["leftovers"] == ["guoshui"]
    assert op(world, "acme", "reboot")["leftovers_cleared"] == 1
    op(world, "acme", "install_client", edition="guoshui")
    assert login(op, world)


def test_version_choices(op, make_world):
    world = make_world(spec())
    op(world, "acme", "uninstall_client", edition="guoshui")
    op(world, "acme", "reboot")
    assert op(world, "acme", "install_client", edition="guoshui", version="3.1.0")["version"] == "3.1.0"
    with pytest.raises(OperationError) as exc:
        op(world, "acme", "install_client", edition="guoshui", version="9.9.9")
    assert (exc.value.code, exc.value.field) == ("INVALID_INPUT", "version")
    with pytest.raises(OperationError) as exc:
        op(world, "acme", "install_client", edition="jinsan", folder="C:\\x")
    assert (exc.value.code, exc.value.field) == ("INVALID_INPUT", "edition")


def test_one_edition_per_folder(op, db, make_world):
    world = make_world(spec())
    folder = clients()["guoshui"].folder
    before = counts(db, world)
    assert code_of(op, world, "acme", "install_client", edition="dishui", folder=folder) == "CLIENT_FOLDER_CONFLICT"
    assert counts(db, world) == before
    op(world, "acme", "install_client", edition="dishui")              # its own default folder
    op(world, "acme", "install_client", edition="dishui_void")
    assert len(op(world, "acme", "reboot")["installed"]) == 3


def test_uninstall_or_upgrade_of_missing_client(op, make_world):
    world = make_world(spec())
    assert code_of(op, world, "acme", "uninstall_client", edition="dishui") == "CLIENT_NOT_INSTALLED"
    assert code_of(op, world, "acme", "upgrade_client", **{"from": "dishui"}) == "CLIENT_NOT_INSTALLED"
    with pytest.raises(OperationError) as exc:
        op(world, "acme", "upgrade_client", **{"from": "guoshui"})
    assert (exc.value.code, exc.value.field) == ("INVALID_INPUT", "from")


def test_pc_ca_user_upgrading_from_dishui_carries_the_cache(op, db, make_world):
    world = make_world(spec(taxpayer(ca="pc", client="dishui")))
    assert _machine(db, world).ds_ca_cache is True
    res = op(world, "acme", "upgrade_client", **{"from": "dishui"})
    assert res["installed"] == [{"edition": "guoshui", "version": clients()["guoshui"].versions[0],
                                 "folder": clients()["dishui"].folder, "broken": False}]
    m = _machine(db, world)
    assert (m.ds_ca_cache, m.ca_cache_stuck) == (False, False)
    assert op(world, "acme", "login", account=REG_NO, password="x", with_ca=True)["session"]


def test_pc_ca_user_installing_guoshui_fresh_gets_stuck_cache(op, db, make_world):
    world = make_world(spec(taxpayer(ca="pc", client="dishui")))
    op(world, "acme", "install_client", edition="guoshui")
    assert _machine(db, world).ca_cache_stuck is True
    assert code_of(op, world, "acme", "login", account=REG_NO, password="x", with_ca=True) \
        == "CA_CACHE_NOT_UPLOADED"


def test_pc_operations_need_no_session_but_a_taxpayer(op, make_world):
    world = make_world(spec())
    assert code_of(op, world, "nobody", "reboot") == "FORBIDDEN"
    assert op(world, "acme", "reboot")["leftovers_cleared"] == 0
