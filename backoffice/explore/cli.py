"""``backoffice explore FILE`` and ``backoffice check WORLD`` (registered by backoffice.cli)."""
from __future__ import annotations

import json
import sys

import click
from flask.cli import with_appcontext


def _outcome_text(outcome: dict) -> tuple[str, str, str]:
    then = " ".join(outcome["then"]) or "—"
    diag = ", ".join(f"{ref} " + (f"{d['faq'] or ''} {d['code']}".strip() if d["code"] else "no problem")
                     for ref, d in outcome["diagnose"].items()) or "—"
    return then, diag, ", ".join(outcome["violations"]) or "—"


def print_table(result: dict) -> None:
    how = "exhaustive" if result["exhaustive"] else f"a random sample, seed {result['seed']}"
    click.echo(f"{result['name']}: {result['runs']} runs of {result['space']} ({how}), "
               f"{len(result['classes'])} outcome classes")
    rows = []
    for i, cls in enumerate(result["classes"], 1):
        then, diag, viol = _outcome_text(cls["outcome"])
        ex = cls["example"]
        order = " → ".join(ex["order"])
        gaps = ", ".join(ex["gaps"]) or "—"
        rows.append((str(i), str(cls["count"]), then, diag, viol, order, gaps))
    head = ("#", "runs", "then", "diagnose", "violations", "smallest example", "gaps")
    widths = [max(len(h), *(len(r[k]) for r in rows)) if rows else len(h) for k, h in enumerate(head)]
    click.echo("  ".join(h.ljust(w) for h, w in zip(head, widths)))
    for r in rows:
        click.echo("  ".join(c.ljust(w) for c, w in zip(r, widths)))


def register(main: click.Group) -> None:
    from ..cli import db_session, echo_json, fail
    from ..errors import OperationError

    @main.command("explore")
    @click.argument("file", type=click.Path(dir_okay=False))
    @click.option("--json", "as_json", is_flag=True, help="print the result as JSON")
    @click.option("--max", "max_runs", type=click.IntRange(min=1), default=2000, show_default=True,
                  help="explore every run while there are at most this many; otherwise a random sample of this many")
    @click.option("--seed", type=int, default=0, show_default=True, help="the seed of that random sample")
    @with_appcontext
    def explore_cmd(file, as_json, max_runs, seed):
        """Which orders of FILE's events (and gaps between them) lead to which outcome.

        Exit status 0 whatever the outcomes (they are findings), 2 when FILE is invalid."""
        from .engine import explore
        from .loader import ExplorationError, load_file
        try:
            exploration = load_file(file)
        except ExplorationError as exc:
            click.echo(f"invalid exploration: {exc}", err=True)
            sys.exit(2)
        s = db_session()
        bar = None
        if sys.stderr.isatty():
            from .space import Space
            total = min(Space(exploration).size, max_runs)
            bar = click.progressbar(length=total, label="exploring", file=sys.stderr)
            bar.__enter__()
        try:
            result = explore(s, exploration, max_runs=max_runs, seed=seed,
                             progress=(lambda done, _total: bar.update(1)) if bar else None)
        except ExplorationError as exc:
            click.echo(f"invalid exploration: {exc}", err=True)
            sys.exit(2)
        finally:
            if bar is not None:
                bar.__exit__(None, None, None)
            s.close()
        if as_json:
            click.echo(json.dumps(result, ensure_ascii=False, indent=2))
        else:
            print_table(result)

    @main.command("check")
    @click.argument("world_id", type=int)
    @click.option("--json", "as_json", is_flag=True, help="print every violation as JSON")
    @click.option("--lang", type=click.Choice(["zh", "en"]), default="zh")
    @with_appcontext
    def check_cmd(world_id, as_json, lang):
        """Consistency checks of WORLD_ID: exit status 1 when an invariant is violated."""
        from ..checks.service import LABELS, check_world
        from ..worlds.service import get_world
        s = db_session()
        try:
            out = check_world(s, get_world(s, world_id))
        except OperationError as exc:
            fail(exc)
        finally:
            s.rollback()
        if as_json:
            echo_json(out)
        else:
            click.echo(f"world {world_id} at {out['at']}: "
                       + ("no violation" if out["ok"] else f"{len(out['violations'])} violation(s)"))
            for v in out["violations"]:
                label = LABELS[v["invariant"]][0 if lang == "zh" else 1]
                click.echo(f"  {v['invariant']} ({label}): {v['summary_zh'] if lang == 'zh' else v['summary']}")
                for row in v["rows"]:
                    click.echo("      " + ", ".join(f"{k}={val}" for k, val in row.items() if val is not None))
            for name in out["truncated"]:
                click.echo(f"  ({name}: more violations than shown)")
        if not out["ok"]:
            sys.exit(1)
