"""``backoffice user …`` and ``backoffice token …``: simulator users and their API tokens."""
from __future__ import annotations

import click
from flask.cli import with_appcontext

from .cli import Group, db_session, fail
from .errors import OperationError


@click.group(cls=Group)
def user():
    """Simulator users (instructors, trainees, QA)."""


@user.command("create")
@click.argument("username")
@click.option("--role", type=click.Choice(["instructor", "trainee", "qa"]), default="trainee")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@click.option("--name", default="")
@with_appcontext
def user_create(username, role, password, name):
    from .users.service import create_user
    s = db_session()
    try:
        create_user(s, username, password, role, name)
        s.commit()
    except OperationError as exc:
        fail(exc)
    click.echo(f"user {username} ({role}) created")


@user.command("list")
@with_appcontext
def user_list():
    """Every user: name, role, whether it may log in."""
    from .users.service import list_users
    for u in list_users(db_session()):
        click.echo(f"{u.username:<24} {u.role:<10} {'active' if u.active else 'disabled'}")


@user.command("disable")
@click.argument("username")
@with_appcontext
def user_disable(username):
    """USERNAME can no longer log in; its browser sessions end and its API tokens stop working."""
    _set_active(username, False)


@user.command("enable")
@click.argument("username")
@with_appcontext
def user_enable(username):
    """USERNAME may log in again (its tokens, unless revoked or expired, work again)."""
    _set_active(username, True)


def _set_active(username: str, active: bool) -> None:
    from .users.service import set_active
    _change_user(username, lambda s, u: set_active(s, u, active),
                 f"user {username} {'enabled' if active else 'disabled'}")


def _change_user(username: str, change, done: str) -> None:
    """Apply ``change(session, user)`` to USERNAME and commit; a refusal prints and exits 1."""
    from .users.service import user_by_name
    s = db_session()
    try:
        change(s, user_by_name(s, username))
        s.commit()
    except OperationError as exc:
        fail(exc)
    click.echo(done)


@user.command("password")
@click.argument("username")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@with_appcontext
def user_password(username, password):
    """Set USERNAME's password; every browser session of the user ends."""
    from .users.service import change_password
    _change_user(username, lambda s, u: change_password(s, u, password),
                 f"password of {username} changed; its sessions ended")


@click.group(cls=Group)
def token():
    """API bearer tokens."""


@token.command("create")
@click.argument("username")
@click.option("--name", default="cli")
@click.option("--expires", default=None, metavar="DURATION",
              help="the token stops working after this long (e.g. 30d, 12h); default: never")
@with_appcontext
def token_create(username, name, expires):
    """Print a new bearer token for USERNAME (stored hashed; shown once)."""
    from .users.service import create_token, user_by_name
    s = db_session()
    try:
        lifetime = _token_lifetime(expires) if expires else None
        tok = create_token(s, user_by_name(s, username), name, expires_in=lifetime)
    except OperationError as exc:
        fail(exc)
    s.commit()
    click.echo(tok)


def _token_lifetime(text: str):
    from datetime import timedelta
    from .clock import _DURATION
    m = _DURATION.match(text.strip())
    if not m or not any(m.groups()):
        raise OperationError("INVALID_INPUT", field="expires", reason=f"{text!r} is not a duration like 30d or 12h",
                             reason_zh=f"“{text}”不是时长（如 30d、12h）")
    d, h, mi, sec = (int(x or 0) for x in m.groups())
    if d > 36600:
        raise OperationError("INVALID_INPUT", field="expires", reason="at most 36600 days", reason_zh="最多 36600 天")
    return timedelta(days=d, hours=h, minutes=mi, seconds=sec)


@token.command("list")
@click.option("--user", "username", default=None, help="only this user's tokens")
@with_appcontext
def token_list(username):
    """Every token: id, user, name, created, expiry and state (never the token itself)."""
    from .clock import fmt
    from .users.service import list_tokens, token_state, user_by_name
    s = db_session()
    try:
        owner = user_by_name(s, username) if username else None
    except OperationError as exc:
        fail(exc)
    for t, u in list_tokens(s, owner):
        click.echo(f"{t.id:>5}  {u.username:<20} {t.name:<16} {fmt(t.created_wall) or '-':<25} "
                   f"{fmt(t.expires_wall) or 'never':<25} {token_state(t)}")


@token.command("revoke")
@click.argument("token_id", type=click.IntRange(1, 2**31 - 1))
@with_appcontext
def token_revoke(token_id):
    """Revoke token TOKEN_ID (see token list): it stops working at once."""
    from .users.service import revoke_token
    s = db_session()
    try:
        revoke_token(s, token_id)
        s.commit()
    except OperationError as exc:
        fail(exc)
    click.echo(f"token {token_id} revoked")


def register(main: click.Group) -> None:
    main.add_command(user)
    main.add_command(token)
