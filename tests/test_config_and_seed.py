"""Configuration errors in one sentence; seed files validated with file, entry and reason."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from backoffice.config import ConfigError, default_seed_path, load_config
from backoffice.identifiers import default_passwords, tax_id_problem
from backoffice.seed import SeedError, load_base


@pytest.mark.parametrize("url, words", [
    ("not a url", "is not a database URL"),
    ("mysql://root@localhost/x", "runs on sqlite or postgresql"),
])
def test_bad_database_url_is_one_clear_sentence(tmp_path, url, words):
    with pytest.raises(ConfigError) as exc:
        load_config({"DATABASE_URL": url, "INSTANCE_PATH": str(tmp_path)})
    assert words in str(exc.value) and "BACKOFFICE_DATABASE_URL" in str(exc.value)


def test_missing_seed_folder(tmp_path):
    with pytest.raises(ConfigError) as exc:
        load_config({"SEED_PATH": str(tmp_path / "nope"), "INSTANCE_PATH": str(tmp_path)})
    assert "BACKOFFICE_SEED_PATH" in str(exc.value)


def test_secret_key_generated_once_into_the_instance_folder(tmp_path, monkeypatch):
    monkeypatch.delenv("BACKOFFICE_SECRET_KEY", raising=False)
    first = load_config({"INSTANCE_PATH": str(tmp_path)})["SECRET_KEY"]
    second = load_config({"INSTANCE_PATH": str(tmp_path)})["SECRET_KEY"]
    assert first == second and len(first) >= 32
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_environment_overrides_defaults(tmp_path, monkeypatch):
    monkeypatch.setenv("BACKOFFICE_DATABASE_URL", f"sqlite:///{tmp_path}/x.db")
    assert load_config({"INSTANCE_PATH": str(tmp_path)})["DATABASE_URL"].endswith("x.db")


def _copy_seed(tmp_path: Path) -> Path:
    dst = tmp_path / "seed"
    shutil.copytree(default_seed_path(), dst)
    return dst


def _edit(path: Path, fn):
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    fn(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")


def test_base_data_is_valid_and_rich_enough():
    base = load_base()
    roles = {o.role for o in base.officers}
    assert roles >= {"specialist", "ds_specialist", "collection_section", "ops", "instructor"}
    assert len(base.industries) >= 12 and sum(len(i.items) for i in base.industries) >= 40
    codes = {t.code for t in base.invoice_types if t.wangpiao}
    assert codes == {"150001320410", "150001320230", "150001323040"}
    assert any(not t.wangpiao for t in base.invoice_types)


@pytest.mark.parametrize("fname, mutate, expected", [
    ("officers.yaml", lambda d: d["officers"][2].update(role="boss"), "officers.yaml: officers.2.role"),
    ("stock.yaml", lambda d: d["stock"][0].update(start=1), "quote it"),
    ("industries.yaml", lambda d: d["industries"][0].update(code="9901"), "industries.0.code"),
    ("invoice_types.yaml", lambda d: d["invoice_types"][0].pop("code"), "invoice_types.yaml: invoice_types.0.code"),
])
def test_seed_errors_name_file_entry_and_reason(tmp_path, fname, mutate, expected):
    seed = _copy_seed(tmp_path)
    _edit(seed / "base" / fname, mutate)
    with pytest.raises(SeedError) as exc:
        load_base(seed)
    assert expected in str(exc.value)


def test_demo_world_covers_the_taxpayer_kinds(db):
    from backoffice.seed import load_demo
    from backoffice.worlds.spec import parse_world_spec
    spec = parse_world_spec(load_demo()["world"])
    tps = spec.taxpayers
    assert len(tps) >= 8
    assert any(t.kind == "individual" and t.tax_id.endswith("X") for t in tps)
    assert any(t.former_ds_wangpiao and t.keeps_ds_login for t in tps)
    assert any(t.former_ds_wangpiao and not t.keeps_ds_login for t in tps)
    assert {"pc", "device"} <= {t.ca for t in tps}
    assert any(not t.ygz for t in tps)
    assert any(t.industries and len(t.industries.secondary) == 3 for t in tps)
    assert any(not t.enabled and not t.former_ds_wangpiao for t in tps)


@pytest.mark.parametrize("kind, value, ok", [
    ("unit", "91500000MA5U0A0A2M", True),
    ("unit", "91500000MA5U0A0A2N", False),
    ("individual", "11010519491231002X", True),
    ("individual", "110105194912310021", False),
    ("individual", "11010519491331002X", False),
    ("unit", "500105203008598", True),
    ("unit", "500105203008599", False),
])
def test_tax_id_check_digits(kind, value, ok):
    assert (tax_id_problem(kind, value) is None) is ok


def test_default_password_replaces_letters_with_zero():
    assert default_passwords("91500000MA5U0A0A2M", "11500000000000000001") == {"0A0A2M".replace("A", "0").replace("M", "0"), "000001"}
