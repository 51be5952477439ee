"""Configuration: defaults → instance config file → BACKOFFICE_* environment variables → overrides.

Only settings that a deployment changes live here. Domain delays and schedules live in
``seed_data/`` (see :mod:`backoffice.seed`).
"""
from __future__ import annotations

import os
import secrets
from pathlib import Path

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError


class ConfigError(RuntimeError):
    """A setting is missing or malformed; the message is one sentence for the operator."""


PACKAGE_ROOT = Path(__file__).resolve().parent
PROJECT_ROOT = PACKAGE_ROOT.parent


def default_instance_path() -> Path:
    return Path(os.environ.get("BACKOFFICE_INSTANCE_PATH") or Path.cwd() / "instance")


def default_seed_path() -> Path:
    env = os.environ.get("BACKOFFICE_SEED_PATH")
    if env:
        return Path(env)
    for candidate in (PROJECT_ROOT / "seed_data", PACKAGE_ROOT / "seed_data"):
        if candidate.is_dir():
            return candidate
    return PROJECT_ROOT / "seed_data"


def _secret_key(instance: Path) -> str:
    """Read the key from the instance folder, creating it on first run (never committed)."""
    path = instance / "secret_key"
    if path.exists():
        return path.read_text().strip()
    instance.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    path.write_text(key)
    path.chmod(0o600)
    return key


def load_config(overrides: dict | None = None) -> dict:
    overrides = dict(overrides or {})
    instance = Path(overrides.get("INSTANCE_PATH") or default_instance_path())
    cfg: dict = {
        "INSTANCE_PATH": str(instance),
        "DATABASE_URL": f"sqlite:///{instance / 'backoffice.db'}",
        "SEED_PATH": str(default_seed_path()),
        "SECRET_KEY": None,
        "TESTING": False,
        "WTF_CSRF_ENABLED": True,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "BABEL_DEFAULT_LOCALE": "zh_CN",
        "BOOTSTRAP_SERVE_LOCAL": True,
        "SCHEDULER_TICK_SECONDS": 1.0,
        "SCHEDULER_LEASE_SECONDS": 15,
        # Cookies only over HTTPS: set BACKOFFICE_SESSION_COOKIE_SECURE=1 behind TLS.
        "SESSION_COOKIE_SECURE": False,
        "SESSION_HOURS": 12,                    # a login lasts this long (server-side session)
        "MAX_REQUEST_BYTES": 1048576,           # request bodies beyond it: 413 REQUEST_TOO_LARGE
        "TRUSTED_PROXIES": 0,                   # X-Forwarded-For hops to trust (behind nginx: 1)
        "LOGIN_MAX_FAILURES": 5,                # per account within the window, then locked out
        "LOGIN_MAX_FAILURES_PER_ADDRESS": 20,   # per client address within the window
        "LOGIN_WINDOW_SECONDS": 900,
        "LOGIN_LOCKOUT_SECONDS": 900,
        "WORLDS_PER_USER": None,                # None: seed_data/limits.yaml's worlds_per_user
        "IDEMPOTENCY_HOURS": 24,                # how long an Idempotency-Key's first response is kept
    }
    conf_file = instance / "backoffice.cfg"
    if conf_file.exists():
        ns: dict = {}
        exec(compile(conf_file.read_text(), str(conf_file), "exec"), ns)
        cfg.update({k: v for k, v in ns.items() if k.isupper()})
    for key in list(cfg) + ["SECRET_KEY"]:
        env = os.environ.get(f"BACKOFFICE_{key}")
        if env is not None:
            cfg[key] = _typed(key, env, cfg.get(key))
    cfg.update(overrides)
    cfg["INSTANCE_PATH"] = str(instance)
    if not cfg.get("SECRET_KEY"):
        cfg["SECRET_KEY"] = _secret_key(instance)
    validate_database_url(cfg["DATABASE_URL"])
    if not Path(cfg["SEED_PATH"]).is_dir():
        raise ConfigError(f"BACKOFFICE_SEED_PATH must name the seed_data folder; {cfg['SEED_PATH']} is not a folder.")
    return cfg


_TRUE, _FALSE = {"1", "true", "yes", "on"}, {"0", "false", "no", "off", ""}
_INTEGER_SETTINGS = {"WORLDS_PER_USER"}


def _typed(key: str, value: str, default):
    """An environment value read as its setting's type (booleans, whole numbers, decimals)."""
    try:
        if isinstance(default, bool):
            v = value.strip().lower()
            if v not in _TRUE | _FALSE:
                raise ValueError(value)
            return v in _TRUE
        if isinstance(default, int) or key in _INTEGER_SETTINGS:
            return int(value) if value.strip() else None
        if isinstance(default, float):
            return float(value)
    except ValueError:
        raise ConfigError(f"BACKOFFICE_{key} must be {'true or false' if isinstance(default, bool) else 'a number'}; "
                          f"got {value!r}.") from None
    return value


def validate_database_url(url: str) -> None:
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise ConfigError(
            f"BACKOFFICE_DATABASE_URL is not a database URL ({url!r}); "
            "use sqlite:///path/to/file.db or postgresql+psycopg://user@host/db."
        ) from None
    if parsed.get_backend_name() not in ("sqlite", "postgresql"):
        raise ConfigError(
            f"BACKOFFICE_DATABASE_URL names {parsed.get_backend_name()!r}; backoffice runs on sqlite or postgresql."
        )


def normalize_database_url(url: str) -> str:
    """``postgresql://`` means psycopg 3 here (SQLAlchemy would otherwise pick psycopg2)."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)
