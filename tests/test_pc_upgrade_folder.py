"""FAQ 5.1 step 4 after a real upgrade: the 地税版's setup.exe takes back the folder it was upgraded in;
any other edition in a folder still conflicts (FAQ 5.2)."""
from __future__ import annotations

import pytest

from backoffice.errors import OperationError

from diagnosis_support import spec, taxpayer

DISHUI = "C:\\Program Files\\金税通网络发票\\地税版"


def test_the_dishui_client_takes_back_its_upgraded_folder(make_world, op):
    w = make_world(spec(taxpayer(enabled=True, ygz=False, client="dishui")))
    up = op(w, "acme", "upgrade_client", **{"from": "dishui"})
    assert (up["edition"], up["folder"]) == ("guoshui", DISHUI)
    back = op(w, "acme", "install_client", edition="dishui")
    assert back["replaced"] == [{"edition": "guoshui", "version": "3.2.6"}]
    assert [(c["edition"], c["folder"], c["broken"]) for c in back["installed"]] == [("dishui", DISHUI, False)]


def test_a_fresh_client_in_another_editions_folder_still_conflicts(make_world, op):
    w = make_world(spec(taxpayer(enabled=True)))
    op(w, "acme", "install_client", edition="guoshui", folder="D:\\网票")
    with pytest.raises(OperationError) as err:
        op(w, "acme", "install_client", edition="dishui", folder="D:\\网票")
    assert err.value.code == "CLIENT_FOLDER_CONFLICT"
