"""Regenerate the English catalogue: extract, merge the English strings, compile.

    /work/venv/bin/python -m backoffice.translations.make_catalog

A source string without English fails loudly, so a new zh label cannot ship untranslated.
English strings live in ``en_strings.py`` and in any ``en_<area>.py`` module beside it (one per
area of the front, each defining ``EN``), so areas add their strings without touching each other's.
"""
from __future__ import annotations

import subprocess
from datetime import datetime, timezone
import sys
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent


def main() -> int:
    EN = english_strings()
    pot = HERE / "messages.pot"
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", "extract", "-F", str(ROOT / "babel.cfg"),
                    "-k", "_l", "-k", "lazy_gettext", "--no-location", "--omit-header", "-o", str(pot), "."],
                   cwd=ROOT, check=True, capture_output=True)
    with pot.open("rb") as f:
        catalog = read_po(f, locale="en")
    missing = [m.id for m in catalog if m.id and m.id not in EN]
    if missing:
        print("no English for:\n  " + "\n  ".join(missing), file=sys.stderr)
        return 1
    for m in catalog:
        if m.id:
            m.string = EN[m.id]
    # a fixed header date: the generated files change only when a string does (no merge noise)
    catalog.creation_date = catalog.revision_date = datetime(2016, 5, 1, tzinfo=timezone.utc)
    out = HERE / "en" / "LC_MESSAGES"
    out.mkdir(parents=True, exist_ok=True)
    with (out / "messages.po").open("wb") as f:
        write_po(f, catalog, omit_header=False, no_location=True, width=0)
    with (out / "messages.mo").open("wb") as f:
        write_mo(f, catalog)
    pot.unlink()
    print(f"{sum(1 for m in catalog if m.id)} messages → {out}")
    return 0


def english_strings() -> dict[str, str]:
    """Every ``EN`` mapping of this package's ``en_strings`` and ``en_*`` modules, merged."""
    import importlib

    merged: dict[str, str] = {}
    for path in sorted(HERE.glob("en_*.py")):
        module = importlib.import_module(f"{__package__}.{path.stem}")
        for key, value in module.EN.items():
            if merged.get(key, value) != value:
                raise SystemExit(f"{path.name}: {key!r} is translated differently elsewhere")
            merged[key] = value
    return merged


if __name__ == "__main__":
    sys.exit(main())
