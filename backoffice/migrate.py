"""Running Alembic migrations from code (``backoffice db upgrade``, ``backoffice up``, tests)."""
from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

from .config import PROJECT_ROOT, normalize_database_url


def migrations_dir() -> Path:
    for candidate in (PROJECT_ROOT / "migrations", Path(__file__).resolve().parent / "migrations"):
        if (candidate / "env.py").exists():
            return candidate
    raise RuntimeError("the migrations folder is missing from this installation")


def alembic_config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(migrations_dir()))
    cfg.set_main_option("sqlalchemy.url", normalize_database_url(url).replace("%", "%%"))
    cfg.set_main_option("file_template", "%%(year)d%%(month).2d%%(day).2d_%%(rev)s_%%(slug)s")
    return cfg


def upgrade(url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(url), revision)


def regenerate_initial() -> Path:
    """Development only, before the first release: rewrite the single initial revision from the
    models (``python -m backoffice.migrate``). After a release, add revisions instead."""
    import tempfile

    from alembic import command as cmd

    versions = migrations_dir() / "versions"
    for old in versions.glob("*_0001_*.py"):
        old.unlink()
    with tempfile.TemporaryDirectory() as tmp:
        cmd.revision(alembic_config(f"sqlite:///{tmp}/empty.db"), message="initial schema",
                     autogenerate=True, rev_id="0001")
    return next(versions.glob("*_0001_*.py"))


if __name__ == "__main__":
    print(regenerate_initial())
