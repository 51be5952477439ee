"""Alembic: one head, and the migrated schema equals the models (on SQLite and PostgreSQL)."""
from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

from backoffice import models
from backoffice.migrate import alembic_config


def test_single_head(database_url):
    script = ScriptDirectory.from_config(alembic_config(database_url))
    assert len(script.get_heads()) == 1


def test_models_match_migrations(app):
    engine = app.extensions["backoffice.engine"]
    with engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(ctx, models.Base.metadata)
    assert diff == []
