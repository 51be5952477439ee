"""The control room's QA pages: 探索 (explorations in the background), a world's faults and its
consistency checks. Thin doors onto backoffice.explore, backoffice.sync.faults and backoffice.checks."""
from __future__ import annotations

from flask import (Blueprint, Flask, Response, abort, current_app, flash, g, redirect, render_template, request,
                   url_for)
from flask_babel import gettext as _, lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from ..audit.models import AuditEntry
from ..clock import local, parse_time
from ..checks.service import LABELS as CHECK_LABELS, check_world
from ..config import default_seed_path
from ..errors import NEUTRAL_ZH, OperationError
from ..explore import jobs
from ..explore.loader import ExplorationError
from ..explore.scenario import class_scenario, dump, from_history
from ..sync import faults
from ..sync.fault_models import CHANNELS
from .common import guard_world
from .db import get_session
from .forms import error_view, is_en
from .menus import job_label

bp = Blueprint("explore", __name__)
bp.before_request(guard_world)

MAX_UPLOAD = 256 * 1024


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    app.context_processor(lambda: {"qa": QA_LABELS})
    app.jinja_env.filters.setdefault("job_label", job_label)
    app.jinja_env.filters.setdefault("qa_time", _qa_time)


def _qa_time(value) -> str:
    """An ISO time string (as the QA services return them) or a datetime, in Shanghai minutes."""
    if not value:
        return ""
    return local(parse_time(value)).strftime("%Y-%m-%d %H:%M")


# what the QA pages name, in the page's language
QA_LABELS = {
    "channel": {"incremental": _l("增量同步"), "industry": _l("行业增量同步"), "nightly": _l("夜间清分同步"),
                "sync_info": _l("同步信息"), "ca_cancel": _l("取消CA处理"), "upload": _l("发票上传（网票→金三）")},
    "kind": {"fail": _l("失败"), "delay": _l("延迟")},
    "status": {"ok": _l("完成"), "failed": _l("失败"), "delayed": _l("延迟")},
    "state": {"queued": _l("排队中"), "running": _l("运行中"), "done": _l("已完成"), "failed": _l("失败"),
              "interrupted": _l("已中断")},
    "invariant": {"issued_outside_holding": _l("开具了金三未为其持有的号码"),
                  "double_holding": _l("同一号码同时由两个纳税人持有"),
                  "wangpiao_ahead_of_jinsan": _l("网票持有金三从未有过的数据"),
                  "lost_delivery": _l("同步数据丢失")},
    "table": {"wp_invoices": _l("网票发票"), "sync_upload_reports": _l("发票上传"), "js_returns": _l("金三退票"),
              "js_sales": _l("金三发售"), "wp_purchases": _l("网票领购信息"), "wp_accounts": _l("网票账户"),
              "js_taxpayers": _l("金三纳税人"), "js_changes": _l("金三待同步变更"), "js_items": _l("金三品目"),
              "wp_taxpayer_industries": _l("网票行业")},
    "field": {"time": _l("时间"), "taxpayer": _l("纳税人"), "code": _l("发票代码"), "number": _l("号码"),
              "range": _l("号段"), "seq": _l("操作序号"), "after_seq": _l("其前的操作序号"),
              "delivered_at": _l("送达时间"), "due_at": _l("应送达时间"), "kind": _l("类型"),
              "red_limit": _l("冲红限额"), "ref": _l("纳税人"), "slot": _l("位次"), "industry": _l("行业"),
              "account_id": _l("网票账户"), "industries_seq": _l("行业核定序号")},
}


def shipped() -> dict[str, str]:
    folder = default_seed_path() / "explorations"
    return {p.stem: p.read_text(encoding="utf-8") for p in sorted(folder.glob("*.yaml"))}


def _int(name: str, default: int, lo: int, hi: int) -> int:
    raw = (request.form.get(name) or "").strip()
    if not raw:
        return default
    if not raw.isdigit() or not lo <= int(raw) <= hi:
        raise OperationError("INVALID_INPUT", field=name, reason=f"a whole number from {lo} to {hi}",
                             reason_zh=f"须为 {lo} 到 {hi} 之间的整数")
    return int(raw)


# --- 探索 ----------------------------------------------------------------------------------------

@bp.route("/control/explore", methods=["GET"])
def index():
    return _page()


def _page(source: str = "", error: dict | None = None, status: int = 200, *, max_runs=None, seed=None,
          from_world=None):
    db = get_session()
    listed = [(j, jobs.state(j)) for j in jobs.visible_jobs(db, current_user)]
    db.rollback()
    return render_template("control/explore.html", jobs=listed, source=source, error=error, shipped=shipped(),
                           max_runs=max_runs or jobs.DEFAULT_MAX, seed=seed or 0, from_world=from_world), status


@bp.route("/control/explore", methods=["POST"])
def submit():
    source = request.form.get("source", "")
    upload = request.files.get("file")
    if upload is not None and upload.filename:
        raw = upload.read(MAX_UPLOAD + 1)
        if len(raw) > MAX_UPLOAD:
            return _page(source, error_view(OperationError("INVALID_INPUT", field="file", reason="over 256 KiB",
                                                           reason_zh="文件超过 256 KiB")), 400)
        source = raw.decode("utf-8", errors="replace")
    elif request.form.get("shipped") and not source.strip():
        source = shipped().get(request.form["shipped"], "")
    from_world = request.form.get("from_world", type=int)
    try:
        max_runs = _int("max_runs", jobs.DEFAULT_MAX, 1, jobs.MAX_RUNS_LIMIT)
        seed = _int("seed", 0, 0, 2 ** 31 - 1)
        if not source.strip():
            raise OperationError("INVALID_INPUT", field="source", reason="paste or upload an exploration file",
                                 reason_zh="请粘贴或上传探索文件")
        job = jobs.submit(get_session(), owner_id=current_user.id, source=source, max_runs=max_runs, seed=seed,
                          from_world_id=from_world)
    except OperationError as exc:
        return _page(source, error_view(exc), 400)
    except ExplorationError as exc:
        err = {"code": "INVALID_INPUT", "message": _("探索文件有误"), "field": exc.field, "detail": _reason(exc)}
        return _page(source, err, 400)
    jobs.start(current_app._get_current_object(), job.id)
    return redirect(url_for("explore.job", job_id=job.id))


def _reason(exc) -> str | None:
    """Why a file or an example was refused, in the page's language. A wrapped error without Chinese
    gives no sentence on a Chinese page (the box still names the field), never an English one."""
    if is_en():
        return exc.reason
    zh = exc.reason_zh
    return None if zh == NEUTRAL_ZH else zh


def _job_or_404(job_id: int):
    job = jobs.visible_job(get_session(), current_user, job_id)
    if job is None:
        abort(404)
    return job


@bp.route("/control/explore/<int:job_id>")
def job(job_id: int):
    j = _job_or_404(job_id)
    st = jobs.state(j)
    get_session().rollback()
    return render_template("control/explore_job.html", job=j, state=st, check_labels=CHECK_LABELS)


@bp.route("/control/explore/<int:job_id>/rerun", methods=["POST"])
def rerun(job_id: int):
    j = _job_or_404(job_id)
    if jobs.state(j) not in ("interrupted", "failed"):
        abort(409)
    jobs.restart(get_session(), j)
    jobs.start(current_app._get_current_object(), j.id)
    return redirect(url_for("explore.job", job_id=j.id))


def _class(job_id: int, n: int):
    j = _job_or_404(job_id)
    classes = (j.result or {}).get("classes") or []
    if not 1 <= n <= len(classes):
        abort(404)
    return j, jobs.parse(j.source, f"exploration {j.id}"), classes[n - 1]


@bp.route("/control/explore/<int:job_id>/classes/<int:n>/scenario.yaml")
def scenario(job_id: int, n: int):
    j, exploration, cls = _class(job_id, n)
    text = dump(class_scenario(exploration, cls))
    return Response(text, mimetype="application/yaml",
                    headers={"Content-Disposition": f'attachment; filename="exploration-{j.id}-class-{n}.yaml"'})


@bp.route("/control/explore/<int:job_id>/classes/<int:n>/replay", methods=["POST"])
def replay(job_id: int, n: int):
    from ..explore.engine import replay as replay_example
    j, exploration, cls = _class(job_id, n)
    db = get_session()
    try:
        world_id = replay_example(db, exploration, cls["example"], owner_id=current_user.id)
    except (OperationError, ExplorationError) as exc:
        db.rollback()
        flash(f"{getattr(exc, 'code', 'INVALID_INPUT')} — {_reason(exc) or _('探索文件有误')}", "danger")
        return redirect(url_for("explore.job", job_id=j.id))
    flash(_("已将第 %(n)s 类的示例重放为新世界", n=n), "success")
    return redirect(url_for("control.world", world_id=world_id))


# --- an exploration from a world's own history -------------------------------------------------------

HISTORY_LIMIT = 200


@bp.route("/worlds/<int:world_id>/control/explore", methods=["GET", "POST"])
def from_world(world_id: int):
    db = get_session()
    if request.method == "POST":
        picked = [int(x) for x in request.form.getlist("entry") if x.isdigit()]
        gaps = [x.strip() for x in (request.form.get("gaps") or "0").split(",") if x.strip()]
        try:
            doc = from_history(db, g.world, picked, gaps=[0 if x == "0" else x for x in gaps])
        except ValueError as exc:
            flash(_("请至少选择一个操作作为事件") if "pick" in str(exc) else _("无法从所选历史生成探索"), "danger")
            return redirect(url_for("explore.from_world", world_id=world_id))
        db.rollback()
        return _page(dump(doc), from_world=world_id)
    entries = list(db.scalars(select(AuditEntry).where(AuditEntry.world_id == world_id,
                                                       AuditEntry.operation != "advance")
                              .order_by(AuditEntry.id.desc()).limit(HISTORY_LIMIT)))
    entries.reverse()
    db.rollback()
    return render_template("control/explore_history.html", world=g.world, entries=entries, limit=HISTORY_LIMIT)


# --- faults and checks of one world ---------------------------------------------------------------------

@bp.route("/worlds/<int:world_id>/control/faults", methods=["POST"])
def inject(world_id: int):
    value: dict | str
    if request.form.get("clear"):
        value = "clear"
    else:
        value = {k: request.form.get(k, "").strip() for k in ("channel", "kind")}
        span = request.form.get("for", "").strip()
        if span:
            value["for"] = span
        if value.get("kind") == "delay":
            value["by"] = request.form.get("by", "").strip()
    db = get_session()
    try:
        faults.apply_step(db, world_id, value, user=current_user, actor=current_user.username)
    except OperationError as exc:
        db.rollback()
        e = error_view(exc)
        flash(f"{e['code']} — {e['message']}" + (f" [{e['field']}]" if e["field"] else ""), "danger")
    else:
        flash(_("已清除所有故障") if value == "clear" else _("已注入故障"), "success")
    return redirect(request.form.get("next") or url_for("control.world", world_id=world_id))


@bp.route("/worlds/<int:world_id>/control/checks")
def checks(world_id: int):
    db = get_session()
    out = check_world(db, g.world)
    db.rollback()
    return render_template("control/checks.html", world=g.world, out=out, labels=CHECK_LABELS)


def world_panels(world) -> dict:
    """The control room's world page: its faults and a consistency check (each bounded)."""
    db = get_session()
    return {"faults": faults.overview(db, world, limit=10), "channels": CHANNELS,
            "channel_labels": faults.CHANNEL_LABELS, "check": check_world(db, world, limit=10),
            "check_labels": CHECK_LABELS}
