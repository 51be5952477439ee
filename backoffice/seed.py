"""Loading and validating seed_data/: base data, sync configuration, client versions.

A bad file is reported with the file, the entry and what is wrong, before anything is written.
"""
from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from .catalogue import InvoiceCode
from .config import default_seed_path
from .worlds.spec import IndustrySpec, OfficerSpec, StockSpec, TaxpayerSpec, describe_validation_error


class SeedError(ValueError):
    """A seed file is malformed: ``str()`` names the file, the entry and what is wrong."""


class _S(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class OfficeSpec(_S):
    code: str
    name: str


class InvoiceTypeSpec(_S):
    type_code: Annotated[str, Field(pattern=r"^\d{5}$")]
    code: InvoiceCode
    name: str
    wangpiao: bool
    paper_width_mm: Annotated[str, Field(pattern=r"^\d+(\.\d+)?$")]
    paper_height_mm: Annotated[str, Field(pattern=r"^\d+(\.\d+)?$")]


class PrinterSpec(_S):
    margin_mm: int


class EditionSpec(_S):
    name_zh: str
    name_en: str
    folder: str
    versions: Annotated[list[str], Field(min_length=2)]


class BaseData(_S):
    offices: list[OfficeSpec]
    officers: list[OfficerSpec]
    invoice_types: list[InvoiceTypeSpec]
    printer: PrinterSpec
    stock: list[StockSpec]
    industries: list[IndustrySpec]


FILES = {
    "offices.yaml": ("offices",),
    "officers.yaml": ("officers",),
    "invoice_types.yaml": ("invoice_types", "printer"),
    "stock.yaml": ("stock",),
    "industries.yaml": ("industries",),
}


# libyaml's loader where the machine has it: the seed files are read at every start and every
# scenario checks its world block against the base data
SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _read_yaml(path: Path) -> Any:
    try:
        return yaml.load(path.read_text(encoding="utf-8"), Loader=SafeLoader)
    except FileNotFoundError:
        raise SeedError(f"{path}: file missing") from None
    except yaml.YAMLError as exc:
        raise SeedError(f"{path}: not valid YAML ({exc})") from None


def _validate(model, data, path: Path, key: str | None = None):
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        field, reason = describe_validation_error(exc, f"{key}." if key else "")
        raise SeedError(f"{path}: {field}: {reason}") from None


_BASE_NAME = re.compile(r"[a-z0-9][a-z0-9_-]{0,39}")


def base_names(seed_path: str | Path | None = None) -> list[str]:
    """The bases shipped under seed_data/: ``default`` (seed_data/base/) and each folder of
    seed_data/bases/. A world names one of these and nothing else: never a path."""
    root = Path(seed_path or default_seed_path())
    names = ["default"] if (root / "base").is_dir() else []
    extra = root / "bases"
    if extra.is_dir():
        names += sorted(p.name for p in extra.iterdir() if p.is_dir() and _BASE_NAME.fullmatch(p.name)
                        and p.name != "default")
    return names


def load_base(seed_path: str | Path | None = None, base: str = "default") -> BaseData:
    """The base data named ``base``, validated; read once per process (again only when a file of it
    changes)."""
    root = Path(seed_path or default_seed_path())
    if not isinstance(base, str) or base not in base_names(root):
        raise SeedError(f"{root}: no base data named {base!r} (shipped: {', '.join(base_names(root))})")
    folder = root / "base" if base == "default" else root / "bases" / base
    if not folder.is_dir():
        raise SeedError(f"{folder}: no base data named {base!r}")
    stamp = tuple((name, _mtime(folder / name)) for name in FILES)
    return _load_base(folder, stamp)


def _mtime(path: Path) -> int | None:
    try:
        return path.stat().st_mtime_ns
    except FileNotFoundError:
        return None


@lru_cache(maxsize=8)
def _load_base(folder: Path, stamp: tuple) -> BaseData:
    merged: dict = {}
    for fname, keys in FILES.items():
        path = folder / fname
        data = _read_yaml(path)
        if not isinstance(data, dict):
            raise SeedError(f"{path}: expected a mapping with {', '.join(keys)}")
        for key in keys:
            if key not in data:
                raise SeedError(f"{path}: missing top-level key {key!r}")
            merged[key] = data[key]
        extra = set(data) - set(keys)
        if extra:
            raise SeedError(f"{path}: unknown top-level key(s) {', '.join(sorted(extra))}")
    # validate each part against its own file so the message names the right file
    for fname, keys in FILES.items():
        part = {k: merged[k] for k in keys}
        fields = {k: BaseData.model_fields[k] for k in keys}
        model = type("Part", (_S,), {"__annotations__": {k: f.annotation for k, f in fields.items()}})
        _validate(model, part, folder / fname)
    data = BaseData.model_validate(merged)
    _check_consistency(data, folder)
    return data


def _check_consistency(data: BaseData, folder: Path) -> None:
    offices = {o.code for o in data.offices}
    for i, o in enumerate(data.officers):
        if o.office and o.office not in offices:
            raise SeedError(f"{folder / 'officers.yaml'}: officers.{i}.office: no office {o.office!r}")
        if o.login.startswith("h_"):
            raise SeedError(f"{folder / 'officers.yaml'}: officers.{i}.login: base logins may not start with h_")
    codes = {t.code for t in data.invoice_types}
    for i, s in enumerate(data.stock):
        if s.code not in codes:
            raise SeedError(f"{folder / 'stock.yaml'}: stock.{i}.code: no invoice type has code {s.code!r}")
        if s.office and s.office not in offices:
            raise SeedError(f"{folder / 'stock.yaml'}: stock.{i}.office: no office {s.office!r}")
    for i, ind in enumerate(data.industries):
        if ind.code.startswith("99"):
            raise SeedError(f"{folder / 'industries.yaml'}: industries.{i}.code: base codes may not start with 99")


@lru_cache(maxsize=4)
def sync_config(seed_path: str | None = None) -> dict:
    return _read_yaml(Path(seed_path or default_seed_path()) / "sync.yaml")


@lru_cache(maxsize=4)
def clients(seed_path: str | None = None) -> dict[str, EditionSpec]:
    path = Path(seed_path or default_seed_path()) / "base" / "clients.yaml"
    data = _read_yaml(path)
    return {name: _validate(EditionSpec, spec, path, f"editions.{name}") for name, spec in data["editions"].items()}


def load_demo(seed_path: str | Path | None = None) -> dict:
    path = Path(seed_path or default_seed_path()) / "demo_world.yaml"
    return _read_yaml(path)


def taxpayer_spec(data: dict, where: str) -> TaxpayerSpec:
    try:
        return TaxpayerSpec.model_validate(data)
    except ValidationError as exc:
        field, reason = describe_validation_error(exc, f"{where}.")
        raise SeedError(f"{field}: {reason}") from None
