"""Regenerate the English catalogue: extract, merge the English strings, compile.

    /work/venv/bin/python -m backoffice.translations.make_catalog

A source string without English fails loudly, so a new zh label cannot ship untranslated.
"""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent


def main() -> int:
    from .en_strings import EN

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
    out = HERE / "en" / "LC_MESSAGES"
    out.mkdir(parents=True, exist_ok=True)
    with (out / "messages.po").open("wb") as f:
        write_po(f, catalog, omit_header=False, no_location=True, width=0)
    with (out / "messages.mo").open("wb") as f:
        write_mo(f, catalog)
    pot.unlink()
    print(f"{sum(1 for m in catalog if m.id)} messages → {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
