"""Password and token hashing."""
from __future__ import annotations

import hashlib
import secrets

from werkzeug.security import check_password_hash, generate_password_hash

# Simulated taxpayer passwords are hashed too, with a cheaper work factor: they guard nothing real
# and a scenario checks many of them.
SIMULATED = "pbkdf2:sha256:5000"


def hash_password(password: str, simulated: bool = False) -> str:
    return generate_password_hash(password, method=SIMULATED) if simulated else generate_password_hash(password)


def check_password(hashed: str | None, password: str) -> bool:
    return bool(hashed) and check_password_hash(hashed, password)


def new_token() -> str:
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
