"""网票 login (FAQ 3.1–3.3, 5.1–5.3, 6) and the password change.

The FAQ's three "登录常见问题" surface here, checked in docs/behaviour.md §6's order: the PC client, the
account, CA, the password, then what the chosen client finds (purchases, the 营改增 flags).
"""
from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from sqlalchemy import or_, select

from ..catalogue import Account, Args, Password, Ref, operation
from ..errors import OperationError, invalid
from ..identifiers import default_passwords
from ..security import check_password, hash_password, new_token, token_hash
from ..seed import clients
from . import queries as q
from .models import WpAccount, WpInvoicer, WpSession

Edition = Literal["guoshui", "dishui", "dishui_void"]


class LoginArgs(Args):
    account: Account
    password: Password
    invoicer: Ref | None = None
    client: Edition = "guoshui"
    with_ca: bool = False
    accept_upgrade: bool = True


class ChangePasswordArgs(Args):
    old: Password
    new: Annotated[Password, Field(min_length=1)]


def check_client(session, world_id: int, ref: str, edition: str) -> None:
    """Login step 1 (FAQ 2, 3.3): the chosen edition must be installed once, whole, and latest."""
    machine = q.machine_by_ref(session, world_id, ref)
    copies = q.installs(session, world_id, machine.id, edition) if machine else []
    if not copies:
        raise OperationError("CLIENT_NOT_INSTALLED", field="client", reason=f"no {edition} client installed")
    if any(c.broken for c in copies):
        raise OperationError("BAD_SERVER_RESPONSE", field="client",
                             reason="installed over an old version's left-over files")
    latest = clients()[edition].versions[0]
    if len(copies) > 1 or copies[0].version != latest:
        raise OperationError("NETWORK_CONGESTION", field="client",
                             reason=f"installed: {', '.join(c.version for c in copies)}; latest: {latest}")


def find_account(session, world_id: int, ref: str, account: str) -> WpAccount | None:
    """Login step 2 (FAQ 3.1): former 地税 网票 users keep their old account; everyone else (and the
    few former 地税 users given the new login) uses the 纳税人编码 or the 登记序号."""
    keeps_ds = WpAccount.former_ds_wangpiao.is_(True) & WpAccount.keeps_ds_login.is_(True)
    rows = session.execute(select(WpAccount).where(
        WpAccount.world_id == world_id, WpAccount.ref == ref,
        or_(keeps_ds & (WpAccount.ds_account == account),
            ~keeps_ds & or_(WpAccount.taxpayer_code == account, WpAccount.registration_no == account)))
    ).scalars().first()
    return rows


def password_ok(account: WpAccount, invoicer: WpInvoicer, password: str) -> bool:
    """Login step 4. The 系统管理员 logs in with the account's password, an invoicer with its own."""
    if not invoicer.is_admin:
        return check_password(invoicer.password_hash, password)
    if account.password_state == "default":
        return password in default_passwords(account.tax_id, account.registration_no)
    return check_password(account.password_hash, password)   # "ds": the old 地税 one; "set": chosen


@operation("login", zh="登录网票", en="Log in to 网票", args=LoginArgs, side="pc")
def login(ctx, args: LoginArgs) -> dict:
    """Log in to 网票 with the chosen PC client; the result's ``session`` authorises later operations."""
    s, w, ref = ctx.session, ctx.world.id, ctx.actor.taxpayer_ref
    check_client(s, w, ref, args.client)

    account = find_account(s, w, ref, args.account)
    if account is None:
        raise OperationError("INVOICER_NOT_FOUND", field="account",
                             reason="网票 holds no such account (not opened, not yet delivered, or mistyped)")
    # docs/scenarios.md: ``invoicer`` names a 开票员, default the 系统管理员 (whatever the actor's name says)
    if args.invoicer:
        invoicer = q.invoicer_by_name(s, w, account.id, args.invoicer)
        if invoicer is None:
            raise OperationError("INVOICER_NOT_FOUND", field="invoicer", reason=f"no 开票员 named {args.invoicer!r}")
    else:
        invoicer = q.admin_of(s, w, account.id)

    has_ca = account.ca in ("pc", "device") and not account.ca_cancelled
    if args.with_ca:
        if not has_ca:
            raise invalid("with_ca", "this taxpayer has no CA U-Key", "该纳税人不是CA用户")
        machine = q.machine_by_ref(s, w, ref)
        if account.ca == "pc" and machine is not None and machine.ca_cache_stuck:
            raise OperationError("CA_CACHE_NOT_UPLOADED", field="with_ca")
        # the U-Key authenticates: no password is asked
    elif has_ca:
        raise OperationError("CA_REQUIRED", field="with_ca")
    elif not password_ok(account, invoicer, args.password):
        raise OperationError("BAD_CREDENTIALS", field="password")

    upgraded = False
    if args.client == "guoshui":
        if not account.ygz:
            if not args.accept_upgrade:
                raise OperationError("UPGRADE_DECLINED", field="accept_upgrade")
            account.ygz = True
            upgraded = True
        if not q.purchases(s, w, account.id):
            err = OperationError("NO_PURCHASE_INFO", field="account")
            err.keep_changes = upgraded   # the upgrade was accepted all the same (FAQ 5.1)
            raise err
    elif args.client == "dishui" and account.ygz and not account.dual:
        raise OperationError("DS_INVOICING_DISABLED", field="client")
    # dishui_void: a ygz taxpayer may always use it for its old 地税 invoices (FAQ 5.3)

    token = new_token()
    s.add(WpSession(world_id=w, token_hash=token_hash(token), account_id=account.id, invoicer_id=invoicer.id,
                    client=args.client, with_ca=args.with_ca, started_at=ctx.now, active=True))
    return {"session": token, "taxpayer": account.name, "invoicer": invoicer.name, "admin": invoicer.is_admin,
            "client": args.client, "ygz": account.ygz, "upgraded": upgraded}


@operation("change_password", zh="修改密码", en="Change password", args=ChangePasswordArgs,
           side="wangpiao", needs_login=True)
def change_password(ctx, args: ChangePasswordArgs) -> dict:
    """The 系统管理员 changes the account's password (leaving the default state); an invoicer its own."""
    s, sess = ctx.session, ctx.actor.wp_session
    account = s.get(WpAccount, (sess.world_id, sess.account_id))
    invoicer = s.get(WpInvoicer, (sess.world_id, sess.invoicer_id))
    if not password_ok(account, invoicer, args.old):
        raise OperationError("BAD_CREDENTIALS", field="old")
    hashed = hash_password(args.new, simulated=True)
    if invoicer.is_admin:
        account.password_hash = hashed
        account.password_state = "set"
    else:
        invoicer.password_hash = hashed
    return {"invoicer": invoicer.name, "password_state": account.password_state if invoicer.is_admin else "set"}
