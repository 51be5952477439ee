"""The repository explains itself: generated reference pages are current, and nothing points
outside the repository."""
from __future__ import annotations

import re
import subprocess
from pathlib import Path

from backoffice.cli import main
from backoffice.docs_build import PAGES, failures_page, operations_page, stale

ROOT = Path(__file__).resolve().parents[1]
OUTSIDE = re.compile(r"\.\./shared|\b(SPEC|SCENARIOS|DESIGN|EXERCISES|EXPLORE)\.md\b")
# written by the exercise and exploration work, linked from here before they land
PENDING = {"docs/exercises.md", "docs/explorations.md"}


def test_the_generated_pages_are_current():
    assert not stale(), f"stale: {stale()} — run backoffice docs build"


def test_docs_check_fails_on_a_stale_page(app, tmp_path, monkeypatch):
    import backoffice.docs_build as docs
    (tmp_path / "operations.md").write_text(operations_page(), encoding="utf-8")
    (tmp_path / "failures.md").write_text("old\n", encoding="utf-8")
    monkeypatch.setattr(docs, "DOCS", tmp_path)
    monkeypatch.setattr(docs.stale, "__defaults__", (tmp_path,))
    r = app.test_cli_runner().invoke(main, ["docs", "check"])
    assert r.exit_code == 1 and "failures.md" in r.output
    monkeypatch.setattr(docs.build, "__defaults__", (tmp_path,))
    assert app.test_cli_runner().invoke(main, ["docs", "build"]).exit_code == 0
    assert (tmp_path / "failures.md").read_text(encoding="utf-8") == failures_page()


def test_the_references_cover_every_operation_and_code():
    from backoffice import catalogue
    from backoffice.failures import load_catalogue
    ops, fails = operations_page(), failures_page()
    assert all(f"### `{name}`" in ops for name in catalogue.load_all())
    assert all(f"\n## {code}\n" in fails for code in load_catalogue())
    assert set(PAGES) == {"operations.md", "failures.md"}


def test_nothing_in_the_repository_cites_files_outside_it():
    files = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout.split()
    bad = []
    for name in files:
        path = ROOT / name
        if name.startswith("tests/test_docs.py") or path.suffix not in {".py", ".md", ".yaml", ".html", ".toml", ".cfg", ".txt", ""}:
            continue
        if path.is_file() and OUTSIDE.search(path.read_text(encoding="utf-8", errors="ignore")):
            bad.append(name)
    assert not bad, bad


def test_the_openapi_document_and_cli_help_point_inside():
    import json
    from backoffice import catalogue
    from backoffice.api.openapi import build_document
    assert not OUTSIDE.search(json.dumps(build_document(catalogue.load_all()), ensure_ascii=False))


def test_readme_and_docs_links_resolve():
    for page in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        for target in re.findall(r"\]\(([^)#\s]+)", page.read_text(encoding="utf-8")):
            if re.match(r"[a-z]+:", target):
                continue
            resolved = (page.parent / target).resolve()
            rel = resolved.relative_to(ROOT).as_posix() if resolved.is_relative_to(ROOT) else target
            assert resolved.exists() or rel in PENDING, f"{page.name}: {target}"
