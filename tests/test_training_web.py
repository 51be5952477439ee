"""Training pages: a class assigned an exercise, a trainee's 我的练习, attempt, hints and 提交, the graded
result, the instructor's board, CSV and printable report; exam refusals and the rehearsal checklist."""
from __future__ import annotations

import csv
import io
import re

import pytest

from backoffice.training.models import Assignment, Attempt, TrainingClass
from web_support import login, make_user, post, text

EXERCISE = "ex3_2_sold_before_enablement"


@pytest.fixture
def people(app, db):
    instructor = make_user(db, "instructor", "teacher")
    trainees = [make_user(db, "trainee", "t") for _ in range(2)]
    trainees = [Ref(id=t.id, username=t.username, display_name=t.display_name) for t in trainees]
    instructor = Ref(id=instructor.id, username=instructor.username)
    db.rollback()
    ic, tc = app.test_client(), app.test_client()
    assert login(ic, instructor.username).status_code == 302
    assert login(tc, trainees[0].username).status_code == 302
    return instructor, trainees, ic, tc


class Ref:
    """Plain values read from the database (SQLite: no test transaction may hold the write lock)."""

    def __init__(self, **kw):
        self.__dict__.update(kw)


def make_class(db, ic, trainees, mode="exam", name=None) -> Ref:
    name = name or f"班级-{trainees[0].username}"
    resp = post(ic, "/training/classes", {"name": name, "trainees": ", ".join(t.username for t in trainees)},
                from_page="/training/classes")
    assert resp.status_code == 302, text(resp)
    cls = Ref(id=db.query(TrainingClass).filter_by(name=name).one().id, name=name)
    db.rollback()
    resp = post(ic, f"/training/classes/{cls.id}/assign", {"exercise": EXERCISE, "mode": mode},
                from_page=f"/training/classes/{cls.id}")
    assert resp.status_code == 302
    return cls


def attempt_of(db, cls, user) -> Ref:
    a = db.query(Assignment).filter_by(class_id=cls.id).one()
    at = db.query(Attempt).filter_by(assignment_id=a.id, user_id=user.id).one()
    out = Ref(id=at.id, attempt_world_id=at.attempt_world_id)
    db.rollback()
    return out


def test_a_trainee_solves_an_exam_and_the_instructor_sees_it(db, people):
    instructor, (alice, bob), ic, tc = people
    cls = make_class(db, ic, [alice, bob])
    mine = attempt_of(db, cls, alice)
    html = text(tc.get("/training/"))
    assert "我的练习" in html and f'data-attempt="{mine.id}"' in html and "★★☆☆☆" in html and "考试" in html

    page = text(tc.get(f"/training/attempts/{mine.id}"))
    assert "未找到发票领购信息" in page and 'data-play="h_zhang"' in page and "0分钟" in page and "/ 1小时" in page
    assert "提交" in page and "查看下一条提示（扣 10 分）" in page

    resp = post(tc, f"/training/attempts/{mine.id}/hint", {}, from_page=f"/training/attempts/{mine.id}")
    assert resp.status_code == 302
    assert "比较发票发售的时间和开通网票的时间" in text(tc.get(f"/training/attempts/{mine.id}"))

    resp = post(tc, f"/training/attempts/{mine.id}/play", {"officer": "h_zhang"}, from_page=f"/training/attempts/{mine.id}")
    w = mine.attempt_world_id
    assert resp.headers["Location"].endswith(f"/worlds/{w}/console/")
    # the diagnoser is closed in an exam; 同步信息 works
    resp = post(tc, f"/worlds/{w}/console/ops/diagnose", {"taxpayer": "acme"}, from_page=f"/worlds/{w}/console/")
    assert resp.status_code == 403 and "考试模式下不能使用诊断器" in text(resp)
    resp = post(tc, f"/worlds/{w}/console/ops/sync_info", {"taxpayer": "acme"}, from_page=f"/worlds/{w}/console/")
    assert resp.status_code == 200 and "op-result" in text(resp)

    resp = post(tc, f"/training/attempts/{mine.id}/submit", {}, from_page=f"/training/attempts/{mine.id}")
    assert resp.headers["Location"].endswith(f"/training/attempts/{mine.id}/result")
    result = text(tc.get(f"/training/attempts/{mine.id}/result"))
    assert 'id="score">90<' in result and "通过" in result
    assert "参考答案" in result and "专管员在金三网络发票功能核定中进行“同步信息”" in result
    assert "table-danger wrong" in result and "考试模式下不能使用诊断器" in result

    # read-only now, through the console door too
    resp = post(tc, f"/worlds/{w}/console/ops/sync_info", {"taxpayer": "acme"}, from_page=f"/worlds/{w}/console/")
    assert resp.status_code == 409 and "ATTEMPT_SUBMITTED" in text(resp)

    board = text(ic.get(f"/training/classes/{cls.id}"))
    row = re.search(rf'data-trainee="{alice.username}".*?</tr>', board, re.S).group(0)
    assert "cell-pass" in row and ">90<" in row and "提示 1" in row
    assert f"/training/attempts/{mine.id}/result" in row
    assert "进行中" in re.search(rf'data-trainee="{bob.username}".*?</tr>', board, re.S).group(0)
    assert "平均分" in board and "90" in board and "100.0%" in board

    rows = list(csv.reader(io.StringIO(ic.get(f"/training/classes/{cls.id}/board.csv").get_data(as_text=True)
                                        .lstrip("\ufeff"))))
    assert rows[0][:3] == ["username", "name", f"{EXERCISE} (exam)"]
    assert [alice.username, alice.display_name, "90", "1", "1", "90.0"] in rows
    assert [bob.username, bob.display_name, "", "0", "0", ""] in rows

    report = text(ic.get(f"/training/classes/{cls.id}/trainees/{alice.id}/report"))
    assert "练习成绩单" in report and alice.display_name in report and cls.name in report and ">90<" in report
    # the instructor drills down into the result
    assert 'id="score">90<' in text(ic.get(f"/training/attempts/{mine.id}/result"))


def test_who_may_see_what(db, people):
    instructor, (alice, bob), ic, tc = people
    cls = make_class(db, ic, [alice, bob])
    theirs = attempt_of(db, cls, bob)
    assert tc.get("/training/classes").status_code == 403
    assert tc.get(f"/training/classes/{cls.id}").status_code == 403
    assert tc.get(f"/training/classes/{cls.id}/board.csv").status_code == 403
    assert tc.get(f"/training/attempts/{theirs.id}").status_code == 403
    assert tc.get(f"/training/attempts/{theirs.id}/result").status_code == 403
    resp = post(tc, f"/training/attempts/{theirs.id}/submit", {}, from_page="/training/")
    assert resp.status_code == 403
    # an instructor looks but does not submit a trainee's attempt
    assert ic.get(f"/training/attempts/{theirs.id}").status_code == 200
    assert post(ic, f"/training/attempts/{theirs.id}/submit", {}, from_page="/training/").status_code == 403
    anon = tc.application.test_client()
    assert anon.get("/training/").status_code == 302
    # the result waits for 提交
    mine = attempt_of(db, cls, alice)
    assert tc.get(f"/training/attempts/{mine.id}/result").headers["Location"].endswith(f"/attempts/{mine.id}")


def test_exam_closes_the_pipeline_fork_and_reset(db, people):
    instructor, (alice, bob), ic, tc = people
    cls = make_class(db, ic, [alice, bob])
    w = attempt_of(db, cls, alice).attempt_world_id
    resp = tc.get(f"/worlds/{w}/control/taxpayers/acme")
    assert resp.status_code == 403 and "考试模式下不提供同步管道与诊断说明" in text(resp)
    resp = post(tc, f"/worlds/{w}/control/fork", {}, from_page=f"/worlds/{w}/control")
    assert resp.status_code == 403 and "复制世界" in text(resp)
    resp = post(tc, f"/worlds/{w}/control/reset", {}, from_page=f"/worlds/{w}/control")
    assert resp.status_code == 403 and "不能重置" in text(resp)
    resp = post(tc, f"/worlds/{w}/control/delete", {}, from_page=f"/worlds/{w}/control")
    assert resp.status_code == 403 and "只能由教员删除" in text(resp)


def test_practice_opens_the_tools_but_never_reset(db, people):
    instructor, (alice, bob), ic, tc = people
    cls = make_class(db, ic, [alice, bob], mode="practice", name="练习班")
    w = attempt_of(db, cls, alice).attempt_world_id
    assert tc.get(f"/worlds/{w}/control/taxpayers/acme").status_code == 200
    resp = post(tc, f"/worlds/{w}/control/fork", {}, from_page=f"/worlds/{w}/control")
    assert resp.status_code == 302
    resp = post(tc, f"/worlds/{w}/control/reset", {}, from_page=f"/worlds/{w}/control")
    assert resp.status_code == 403


def test_rehearsal_ticks_the_checklist_and_warns(db, people):
    instructor, (alice, bob), ic, tc = people
    cls = make_class(db, ic, [alice, bob], mode="rehearsal", name="演练班")
    mine = attempt_of(db, cls, alice)
    w = mine.attempt_world_id
    console = text(tc.get(f"/worlds/{w}/console/"))
    assert 'id="rehearsal-checklist"' in console and "○" in console
    assert 'id="rehearsal-checklist"' in text(tc.get(f"/worlds/{w}/portal/"))
    post(tc, f"/training/attempts/{mine.id}/play", {"officer": "h_zhang"}, from_page=f"/training/attempts/{mine.id}")
    post(tc, f"/worlds/{w}/console/ops/return_invoices",
         {"taxpayer": "acme", "code": "150001320410", "start": "00000001", "end": "00000100"},
         from_page=f"/worlds/{w}/console/")
    post(tc, f"/worlds/{w}/console/ops/sync_info", {"taxpayer": "acme"}, from_page=f"/worlds/{w}/console/")
    data = tc.get(f"/training/worlds/{w}/checklist.json").get_json()
    done = {c["n"]: c["done"] for c in data["checkpoints"]}
    assert done == {1: False, 2: True}
    assert [x["kind"] for x in data["warnings"]] == ["forbidden"] and data["warnings"][0]["op"] == "return_invoices"
    console = text(tc.get(f"/worlds/{w}/console/"))
    assert "checklist-step done" in console and "禁止操作" in console
    # a world that is not a rehearsal shows no checklist, and its JSON is not there
    other = make_class(db, ic, [alice], mode="exam", name="考试班")
    w2 = attempt_of(db, other, alice).attempt_world_id
    assert 'id="rehearsal-checklist"' not in text(tc.get(f"/worlds/{w2}/console/"))
    assert tc.get(f"/training/worlds/{w2}/checklist.json").status_code == 404


def test_the_library_starts_a_practice_of_ones_own(db, people):
    instructor, (alice, bob), ic, tc = people
    html = text(tc.get("/training/library"))
    assert EXERCISE in html and "练习库" in html
    resp = post(tc, f"/training/library/{EXERCISE}/start", {"mode": "practice"}, from_page="/training/library")
    assert re.search(r"/training/attempts/\d+$", resp.headers["Location"])
    resp = post(tc, "/training/library/no_such/start", {"mode": "practice"}, from_page="/training/library")
    assert resp.status_code == 302
    assert "NOT_FOUND" in text(tc.get("/training/library"))


CJK = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")
CHROME = re.compile(r"<(h2|label|button|th)\b[^>]*>(.*?)</\1>", re.S)


def chrome_leaks(html: str) -> list[str]:
    """Chinese in an English page's own labels, buttons and headings (data — names, titles, the FAQ's
    own words quoted in a label — aside: those cells hold <div>s and are skipped)."""
    out = []
    for _tag, inner in CHROME.findall(html):
        if "<div" in inner or "<select" in inner:
            continue
        inner = re.sub(r"<[^>]+>", " ", inner).strip()
        if CJK.search(inner) and inner != "中文":      # the language switch names Chinese in Chinese
            out.append(inner)
    return out


def test_pages_in_english(db, people):
    instructor, (alice, bob), ic, tc = people
    cls = make_class(db, ic, [alice, bob])
    mine = attempt_of(db, cls, alice)
    html = text(tc.get(f"/training/attempts/{mine.id}?lang=en"))
    assert "Officers you may play" in html and "Login says 未找到发票领购信息" in html and "Exam" in html
    assert "0m / 1h" in html.replace("</span> <span class=\"text-muted\">", " ")
    board = text(ic.get(f"/training/classes/{cls.id}?lang=en"))
    assert "Mean score" in board and "Export CSV" in board
    pages = {"attempt": html, "board": board, "index": text(tc.get("/training/?lang=en")),
             "library": text(tc.get("/training/library?lang=en")), "classes": text(ic.get("/training/classes?lang=en")),
             "report": text(ic.get(f"/training/classes/{cls.id}/trainees/{alice.id}/report?lang=en"))}
    post(tc, f"/training/attempts/{mine.id}/submit", {}, from_page=f"/training/attempts/{mine.id}")
    pages["result"] = text(tc.get(f"/training/attempts/{mine.id}/result?lang=en"))
    assert "Model answer" in pages["result"] and "Your steps" in pages["result"]
    for name, page in pages.items():
        assert not chrome_leaks(page), (name, chrome_leaks(page))


def test_a_bad_deadline_names_the_deadline_field_and_assigns_nothing(db, people):
    _instructor, trainees, ic, _tc = people
    name = f"班级-期限-{trainees[0].username}"
    post(ic, "/training/classes", {"name": name, "trainees": trainees[0].username}, from_page="/training/classes")
    cls_id = db.query(TrainingClass).filter_by(name=name).one().id
    db.rollback()
    resp = post(ic, f"/training/classes/{cls_id}/assign",
                {"exercise": EXERCISE, "mode": "exam", "deadline": "2016-13-45T99:99"},
                from_page=f"/training/classes/{cls_id}")
    page = text(ic.get(resp.headers["Location"]))
    assert "[deadline]" in page and "[time]" not in page
    assert db.query(Assignment).filter_by(class_id=cls_id).count() == 0
    db.rollback()
