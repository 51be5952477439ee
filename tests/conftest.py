"""Fixtures: one database per test session (migrated with Alembic), one fresh world per test.

Worlds never see each other's rows, so tests isolate themselves by each making their own world
(a fork of the template, a few tens of milliseconds) instead of rolling back transactions; this
also lets tests exercise real commits, concurrent connections and crashed jobs.
Set BACKOFFICE_DATABASE_URL to run the suite on PostgreSQL.
"""
from __future__ import annotations

import os
from datetime import datetime

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from backoffice.app import create_app
from backoffice.config import normalize_database_url
from backoffice.db import make_engine
from backoffice.dispatch import execute
from backoffice.migrate import upgrade
from backoffice.worldbuild import create_world

START = datetime.fromisoformat("2016-05-03T09:00:00+08:00")


def _admin(url: str, sql: str) -> None:
    engine = make_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(sql))
    engine.dispose()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> str:
    """SQLite in a temp folder, or — with BACKOFFICE_DATABASE_URL=postgresql… — a fresh database
    created beside the given one for this test session (so parallel runs never share a schema)."""
    url = os.environ.get("BACKOFFICE_DATABASE_URL")
    if url and url.startswith("postgres"):
        base = make_url(normalize_database_url(url))
        name = f"{base.database}_run_{os.getpid()}"
        _admin(url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        _admin(url, f'CREATE DATABASE "{name}"')
        run_url = base.set(database=name).render_as_string(hide_password=False)
        upgrade(run_url)
        yield run_url
        _admin(url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    else:
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"
        upgrade(url)
        yield url


@pytest.fixture
def empty_database(database_url, tmp_path):
    """empty_database(name) → the URL of a new, empty database of the kind under test (PostgreSQL:
    created beside this run's own and dropped after the test; SQLite: a file in the test's folder)."""
    made: list[str] = []

    def _make(name: str) -> str:
        if not database_url.startswith("postgres"):
            return f"sqlite:///{tmp_path / (name + '.db')}"
        base = make_url(normalize_database_url(database_url))
        db_name = f"{base.database}_{name}"
        _admin(database_url, f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)')
        _admin(database_url, f'CREATE DATABASE "{db_name}"')
        made.append(db_name)
        return base.set(database=db_name).render_as_string(hide_password=False)
    yield _make
    for db_name in made:
        _admin(database_url, f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def app(database_url, tmp_path_factory):
    application = create_app({"DATABASE_URL": database_url, "TESTING": True,
                              "INSTANCE_PATH": str(tmp_path_factory.mktemp("instance")),
                              "SECRET_KEY": "test-secret-key"})
    yield application
    application.extensions["backoffice.engine"].dispose()


@pytest.fixture
def db(app):
    session = app.extensions["backoffice.sessions"]()
    yield session
    session.rollback()
    session.close()


@pytest.fixture
def make_world(db):
    """make_world(spec=None, name=...) → a fresh world from the base data plus a world: block."""
    def _make(spec: dict | None = None, name: str = "test world"):
        spec = dict(spec or {})
        spec.setdefault("start", START.isoformat())
        w = create_world(db, spec, name=name)
        db.commit()
        return w
    return _make


@pytest.fixture
def world(make_world):
    return make_world()


@pytest.fixture
def op(db):
    """op(world, actor, op_name, token=None, **args) → result; raises OperationError.

    The first three are positional-only, so an operation's own ``name`` argument (add_invoicer,
    rename_admin) passes through as an argument."""
    def _op(world, actor, op_name, /, token=None, **args):
        return execute(db, world.id, actor, op_name, args, wp_token=token)
    return _op
