"""FAQ 3.1 (开票员信息未找到 / 用户名或密码错): 网票 not enabled, the account not yet delivered, a
wrong account, a wrong or forgotten password, a 初始化密码 on its way."""
from __future__ import annotations

from ..wangpiao.login import password_ok
from .registry import HIT, WILL, Finding, rule
from .remedy import channel_name
from .view import View, args_of, retry, t


def _login_rule(v: View) -> tuple[str, str]:
    """The FAQ 3.1 rule for this taxpayer, as a cause quotes it."""
    tp = v.tp
    if v.keeps_ds_login:
        return (f"account {tp.ds_account} with its old 地税 网票 password (a former 地税 网票 user keeps its login)",
                f"原账号 {tp.ds_account} 和原地税网票密码（原地税网票用户沿用原账号和密码）")
    other = tp.registration_no != tp.taxpayer_code
    acc_en = f"account {tp.taxpayer_code}" + (f" or {tp.registration_no}" if other else "")
    acc_zh = f"账号 {tp.taxpayer_code}" + (f" 或 {tp.registration_no}" if other else "")
    if v.password_state == "set":
        pw_en, pw_zh = "the password it set itself", "纳税人自行设置的密码"
    else:
        pw_en = f"the default password {v.default_password} (last 6 of the 识别号 or 登记序号, letters → 0)"
        pw_zh = f"默认密码 {v.default_password}（纳税人识别号或国税登记序号的后 6 位，有字母的以“0”代替）"
    if tp.former_ds_wangpiao and not tp.keeps_ds_login:
        pw_en += " — a former 地税 user given the new login: its old 地税 password no longer works"
        pw_zh += "——该纳税人属于使用新账号的极少部分原地税网票用户，原地税密码已不再有效"
    return f"{acc_en} with {pw_en}", f"{acc_zh}，{pw_zh}"


def _status(v: View, code: str) -> str:
    e = v.last_login()
    return HIT if e is not None and e.error_code == code else WILL


def _login_facts(v: View, **extra) -> dict:
    return {"taxpayer": v.tp.ref, "login": v.login(), "account": v.login_account,
            "password_rule": v.password_rule(), **extra}


@rule("account_not_enabled")
def account_not_enabled(v: View):
    if v.tp.wangpiao_enabled:
        return
    job, until = v.account_arrival()
    yield Finding("INVOICER_NOT_FOUND", (
        "网票 is not enabled for this taxpayer in 金三: its specialist must 开通网票 (open_wangpiao); the account "
        "then reaches 网票 with the sync",
        "国税专管员尚未在金三系统中为纳税人开通网络发票功能：请专管员“开通网票”（open_wangpiao），帐号随后同步到网票系统"),
        _status(v, "INVOICER_NOT_FOUND"), [f"金三: {v.tp.ref} wangpiao_enabled = false"],
        _login_facts(v, until=until, channel=channel_name(job)), probe=[v.login_step()])


@rule("account_on_its_way")
def account_on_its_way(v: View):
    if not v.tp.wangpiao_enabled or v.account is not None:
        return
    job, until = v.account_arrival()
    enabled = t(v.tp.enabled_at)
    if v.tp.former_ds_wangpiao:
        cause = (f"网票 enabled at {enabled}; a former 地税 网票 user's account reaches 网票 with the next incremental "
                 f"sync, at {t(until)}",
                 f"网票已于 {enabled} 开通；原地税网票用户的帐号随下一次增量同步到达网票，预计 {t(until)}")
    else:
        cause = (f"网票 enabled at {enabled}; a new 网票 taxpayer's account reaches 网票 with the nightly clearing "
                 f"(about a day), at {t(until)}",
                 f"网票已于 {enabled} 开通；新增网票纳税人的帐号随每天凌晨的清分库同步到达网票（约需一天），预计 {t(until)}")
    yield Finding("INVOICER_NOT_FOUND", cause, _status(v, "INVOICER_NOT_FOUND"),
                  [f"金三: enabled at {enabled}", "网票: no account yet"],
                  _login_facts(v, until=until, channel=channel_name(job)), pending=until, probe=[v.login_step()])


@rule("wrong_account")
def wrong_account(v: View):
    e = v.last_login()
    if v.account is None or e is None or e.error_code != "INVOICER_NOT_FOUND":
        return
    account = args_of(e).get("account")
    if account in v.valid_accounts():
        return
    rule_en, rule_zh = _login_rule(v)
    yield Finding("INVOICER_NOT_FOUND", (
        f"the last login at {t(e.sim_time)} used account {account!r}, which is not this taxpayer's: it logs in with "
        f"{rule_en}", f"{t(e.sim_time)} 登录所用账号 {account} 不是该纳税人的账号：应使用{rule_zh}"),
        HIT, [f"login at {t(e.sim_time)}: INVOICER_NOT_FOUND"], _login_facts(v),
        probe=[retry(e)], check=[v.login_step()])


@rule("wrong_password")
def wrong_password(v: View):
    a, e = v.account, v.last_login()
    if a is None or e is None or e.error_code != "BAD_CREDENTIALS":
        return
    invoicer = args_of(e).get("invoicer")
    who = v.invoicer_named(invoicer)
    if who is not None and password_ok(a, who, str(args_of(e).get("password", ""))):
        return   # that password works now (a 初始化密码 arrived since): a retry goes through
    default = v.password_state == "default" and not invoicer
    reset_pending = any(c.kind == "password_reset" for c in v.changes)
    rule_en, rule_zh = _login_rule(v)
    when = t(e.sim_time)
    until = v.next_run("incremental", next((c.ready_at for c in v.changes if c.kind == "password_reset"), v.now))
    yield Finding("BAD_CREDENTIALS", (
        f"the last login at {when} was refused (用户名或密码错): this taxpayer logs in with {rule_en}; a forgotten "
        f"password is put back to the default by 初始化密码 (reset_password)",
        f"{when} 登录提示“用户名或密码错”：该纳税人应使用{rule_zh}；忘记密码请国税专管员进行“初始化密码”"),
        HIT, [f"login at {when} as account {args_of(e).get('account')!r}: BAD_CREDENTIALS",
              f"网票 password state: {a.password_state}"],
        _login_facts(v, direct=default or bool(invoicer), by_admin=not invoicer, by_invoicer=bool(invoicer),
                     invoicer=invoicer, reset=not default and not invoicer and not reset_pending,
                     wait=not default and not invoicer, until=until, channel=channel_name("incremental"),
                     login=v.login(invoicer=invoicer) if invoicer else v.login(),
                     login_default=v.login(default=True), password_rule=v.password_rule(default=True)),
        probe=[retry(e)],
        check=[v.login_step(invoicer=invoicer) if invoicer else v.login_step(default=True)])


@rule("reset_on_its_way")
def reset_on_its_way(v: View):
    resets = [c for c in v.changes if c.kind == "password_reset"]
    a = v.account
    if not resets or a is None or a.password_state == "default":
        return
    last = v.last_login()
    if last is not None and last.error_code == "BAD_CREDENTIALS":
        return   # wrong_password gives the whole remedy, this wait included
    until = v.next_run("incremental", resets[0].ready_at)
    done = t(resets[0].created_at)
    yield Finding("BAD_CREDENTIALS", (
        f"初始化密码 was done at {done}; the default password reaches 网票 with the incremental sync at {t(until)} "
        f"(or at once with 同步信息); until then the old password stays",
        f"专管员已于 {done} 进行“初始化密码”，默认密码将随 {t(until)} 的增量同步生效（“同步信息”可立即生效），在此之前原密码仍有效"),
        WILL, [f"金三 change #{resets[0].seq} password_reset waiting"],
        _login_facts(v, until=until, channel=channel_name("incremental"), login_default=v.login(default=True),
                     password_rule=v.password_rule(default=True)),
        pending=until, probe=[v.login_step(default=True)])
