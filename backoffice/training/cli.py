"""``backoffice exercise list|check|try|start|submit`` and ``backoffice class create|add|assign|list|report``.

Thin doors: parse, call the training services, print. Registered by :mod:`backoffice.cli`.
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

import click
from flask.cli import with_appcontext

from .render import print_result


def _session():
    from ..cli import db_session
    return db_session()


def _fail(exc) -> None:
    """The CLI's error lines, plus why (a class or an exercise that is not there, and what is)."""
    click.echo(f"错误 {exc.code}: {exc.message_zh}" + (f"（{exc.reason_zh}）" if exc.reason_zh else ""), err=True)
    click.echo(f"error {exc.code}: {exc.message_en}" + (f" [field: {exc.field}]" if exc.field else "")
               + (f": {exc.reason}" if exc.reason else ""), err=True)
    sys.exit(1)


def _invalid(exc) -> None:
    click.echo(f"invalid exercise: {exc}", err=True)
    sys.exit(2)


def register(main: click.Group) -> None:
    @main.group("exercise")
    def exercise():
        """Exercises (seed_data/exercises): list, check, try against an answer, start, submit."""

    @exercise.command("list")
    @click.option("--dir", "folder", type=click.Path(file_okay=False), default=None,
                  help="the folder of exercise files (default seed_data/exercises)")
    @click.option("--lang", type=click.Choice(["zh", "en"]), default="zh")
    def list_cmd(folder, lang):
        """Every exercise: id, FAQ section, stars, title."""
        from .exercise import load_library
        good, bad = load_library(folder)
        w = max([len(e.id) for e in good] + [2])
        click.echo(f"{'id':<{w}}  {'FAQ':<4}  {'stars':<5}  title")
        for e in sorted(good, key=lambda e: (_faq_key(e.faq), e.stars, e.id)):
            click.echo(f"{e.id:<{w}}  {e.faq:<4}  {'★' * e.stars:<5}  {e.title[lang]}")
        for exc in bad:
            click.echo(f"invalid exercise: {exc}", err=True)
        if bad:
            sys.exit(1)

    @exercise.command("check")
    @click.argument("folder", required=False, type=click.Path(file_okay=False))
    @with_appcontext
    def check_cmd(folder):
        """Validate every exercise file and prove each right and fair: its solution scores 100
        and an untouched attempt does not pass (its setup leaves the goal unmet)."""
        from .checks import check_exercise
        from .exercise import library_files, load_library
        files = library_files(folder)
        if not files:
            click.echo(f"no exercise files in {folder or 'seed_data/exercises'}", err=True)
            sys.exit(1)
        good, bad = load_library(folder)
        failures = [f"{Path(exc.path).name}: invalid: {exc.field + ': ' if exc.field else ''}{exc.reason}"
                    for exc in bad]
        rows = []
        s = _session()
        try:
            for ex in good:
                started = time.perf_counter()
                problems = check_exercise(s, ex)
                for p in problems:
                    failures.append(f"{Path(ex.path).name}: {p}")
                rows.append((Path(ex.path).name, ex.faq, ex.stars, "pass" if not problems else "FAIL",
                             time.perf_counter() - started))
        finally:
            s.close()
        rows += [(Path(exc.path).name, "—", 0, "INVALID", 0.0) for exc in bad]
        w = max(len(r[0]) for r in rows)
        click.echo(f"{'file':<{w}}  {'FAQ':<4} {'stars':<5}  {'result':<7} {'seconds':>7}")
        for name, faq, stars, result, secs in rows:
            click.echo(f"{name:<{w}}  {faq:<4} {'★' * stars:<5}  {result:<7} {secs:7.2f}")
        passed = sum(1 for r in rows if r[3] == "pass")
        click.echo(f"{passed} of {len(rows)} exercises right and fair")
        for line in failures:
            click.echo(f"  {line}", err=True)
        if failures:
            sys.exit(1)

    @exercise.command("try")
    @click.argument("file", type=click.Path(dir_okay=False))
    @click.option("--answer", "answer_file", required=True, type=click.Path(dir_okay=False),
                  help="a YAML file with steps: (scenario steps run as the trainee)")
    @click.option("--hints", default=0, type=click.IntRange(min=0), help="how many hints the trainee took")
    @click.option("--mode", type=click.Choice(["exam", "practice", "rehearsal"]), default="exam")
    @click.option("--json", "as_json", is_flag=True, help="print the result as JSON")
    @click.option("--lang", type=click.Choice(["zh", "en"]), default="zh")
    @with_appcontext
    def try_cmd(file, answer_file, hints, mode, as_json, lang):
        """Run FILE's setup, then the answer's steps as the trainee, then grade."""
        from ..cli import echo_json
        from ..errors import OperationError
        from .checks import try_answer
        from .exercise import ExerciseError, load_file, read_answer
        try:
            ex = load_file(file)
            text = Path(answer_file).read_text(encoding="utf-8")
            steps = read_answer(text, answer_file, ex)
        except ExerciseError as exc:
            _invalid(exc)
        except OSError as exc:
            click.echo(f"cannot read {answer_file}: {exc.strerror or exc}", err=True)
            sys.exit(2)
        s = _session()
        try:
            tried = try_answer(s, ex, steps, hints=hints, mode=mode)
        except ExerciseError as exc:
            _invalid(exc)
        except OperationError as exc:
            _fail(exc)
        finally:
            s.close()
        if as_json:
            echo_json(tried.result)
            return
        for row in tried.rows:
            mark = "✓" if row["ok"] else "✗"
            click.echo(f"  {mark} {row['n']:>3}  {row['time']}  {row['actor']:<16} {row['op']:<22} {row['outcome']}")
        print_result(tried.result, lang)
        click.echo(f"(attempt world {tried.world_id})")

    @exercise.command("start")
    @click.argument("exercise_id")
    @click.option("--user", "username", required=True, help="the trainee who attempts it")
    @click.option("--mode", type=click.Choice(["exam", "practice", "rehearsal"]), default="practice")
    @with_appcontext
    def start_cmd(exercise_id, username, mode):
        """Start an attempt at EXERCISE_ID for a user; prints the attempt's world id."""
        from ..errors import OperationError
        from .exercise import ExerciseError
        from .service import start_personal
        s = _session()
        try:
            attempt = start_personal(s, exercise_id, username, mode)
            s.commit()
        except OperationError as exc:
            _fail(exc)
        except ExerciseError as exc:
            _invalid(exc)
        click.echo(attempt.attempt_world_id)

    @exercise.command("submit")
    @click.argument("world_id", type=int)
    @click.option("--json", "as_json", is_flag=True)
    @click.option("--lang", type=click.Choice(["zh", "en"]), default="zh")
    @with_appcontext
    def submit_cmd(world_id, as_json, lang):
        """Submit the attempt played in WORLD_ID: grade it (the world becomes read-only)."""
        from ..cli import echo_json
        from ..errors import OperationError
        from .attempts import attempt_in_world, submit
        s = _session()
        try:
            attempt = attempt_in_world(s, world_id)
            if attempt is None:
                raise OperationError("NOT_FOUND", field="world", reason=f"world {world_id} is not an exercise attempt",
                                     reason_zh=f"世界 {world_id} 不是练习")
            result = submit(s, attempt.id)
        except OperationError as exc:
            _fail(exc)
        if as_json:
            echo_json(result)
        else:
            print_result(result, lang)

    @main.group("class")
    def klass():
        """Classes of trainees: create, add trainees, assign exercises, report."""

    @klass.command("create")
    @click.argument("name")
    @click.option("--instructor", required=True, help="the instructor's username")
    @click.option("--trainee", "trainees", multiple=True, help="a trainee's username (repeatable)")
    @with_appcontext
    def class_create(name, instructor, trainees):
        """Make a class NAME led by an instructor."""
        from ..errors import OperationError
        from .classes import create_class
        from .service import user_named
        s = _session()
        try:
            cls = create_class(s, name, user_named(s, instructor, "instructor"), list(trainees))
            s.commit()
        except OperationError as exc:
            _fail(exc)
        click.echo(f"class {cls.id} {cls.name}")

    @klass.command("add")
    @click.argument("class_key")
    @click.argument("usernames", nargs=-1, required=True)
    @with_appcontext
    def class_add(class_key, usernames):
        """Add trainees to CLASS (name or id); they get attempts at what is already assigned."""
        from ..errors import OperationError
        from .classes import add_members, get_class
        s = _session()
        try:
            new = add_members(s, get_class(s, class_key), list(usernames))
            s.commit()
        except OperationError as exc:
            _fail(exc)
        click.echo(f"{len(new)} trainee(s) added")

    @klass.command("assign")
    @click.argument("class_key")
    @click.argument("exercise_ids", nargs=-1, required=True)
    @click.option("--mode", type=click.Choice(["exam", "practice", "rehearsal"]), default="exam")
    @click.option("--deadline", default=None, help="an ISO 8601 time with offset (wall clock)")
    @click.option("--by", "by", default=None, help="the instructor assigning (username)")
    @with_appcontext
    def class_assign(class_key, exercise_ids, mode, deadline, by):
        """Assign exercises to every trainee of CLASS: one attempt world each."""
        from ..clock import parse_time
        from ..errors import OperationError
        from .classes import assign, get_class
        from .exercise import ExerciseError
        from .service import user_named
        s = _session()
        started = time.perf_counter()
        try:
            when = parse_time(deadline) if deadline else None
            who = user_named(s, by, "by") if by else None
            done = assign(s, get_class(s, class_key), list(exercise_ids), mode=mode, deadline=when, by=who)
            s.commit()
        except OperationError as exc:
            _fail(exc)
        except ExerciseError as exc:
            _invalid(exc)
        click.echo(f"{len(done)} exercise(s) assigned in {time.perf_counter() - started:.1f} s")

    @klass.command("list")
    @with_appcontext
    def class_list():
        """Every class with its trainees and exercises counted."""
        from .service import class_rows
        s = _session()
        click.echo(f"{'id':>5}  {'trainees':>8}  {'exercises':>9}  name")
        for cid, name, n_members, n_assigned in class_rows(s):
            click.echo(f"{cid:>5}  {n_members:>8}  {n_assigned:>9}  {name}")

    @klass.command("report")
    @click.argument("class_key")
    @click.option("--csv", "as_csv", is_flag=True, help="one row per trainee, one column per exercise")
    @click.option("--json", "as_json", is_flag=True)
    @click.option("--lang", type=click.Choice(["zh", "en"]), default="zh")
    @with_appcontext
    def class_report(class_key, as_csv, as_json, lang):
        """The class board: trainees × exercises, and per exercise the mean and pass rate."""
        from ..cli import echo_json
        from ..errors import OperationError
        from .classes import board, board_csv, board_json, get_class
        from .render import print_board
        s = _session()
        try:
            b = board(s, get_class(s, class_key))
        except OperationError as exc:
            _fail(exc)
        if as_csv:
            click.echo(board_csv(b), nl=False)
        elif as_json:
            echo_json(board_json(b))
        else:
            print_board(b, lang)


def _faq_key(faq: str) -> tuple:
    return tuple(int(p) for p in faq.split("."))
