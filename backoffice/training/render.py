"""The command line's rendering of a graded result and of a class board."""
from __future__ import annotations

import click


def _t(value, lang: str) -> str:
    if isinstance(value, dict):
        return value.get(lang) or value.get("zh") or ""
    return str(value)


def print_result(r: dict, lang: str = "zh") -> None:
    zh = lang == "zh"
    title = _t(r.get("title") or r["exercise"], lang)
    click.echo(f"{r['exercise']} — {title} (FAQ {r['faq']}, {'★' * r['stars']}, {r['mode']})")
    verdict = ("通过" if r["passed"] else "未通过") if zh else ("passed" if r["passed"] else "not passed")
    click.echo(f"{'得分' if zh else 'score'} {r['score']}/100  {verdict} ({'及格线' if zh else 'pass'} {r['pass']})")
    g = r["goal"]
    click.echo(f"{'目标' if zh else 'goal'}: {g['points']}/{g['max']}" +
               ("" if g["met"] else ("  未达成" if zh else "  not met")))
    for s in g["steps"]:
        click.echo(f"  {'✓' if s['ok'] else '✗'} {s['step']:>2} {s['op']} ({s['actor']}): {s['outcome']}")
    p = r["procedure"]
    click.echo(f"{'步骤' if zh else 'procedure'}: {p['points']}/{p['max']}")
    for c in p["checkpoints"]:
        mark = "✓" if c["done"] else ("·" if c["optional"] else "✗")
        when = c["at"] or (("顺序不对，做于 " if zh else "out of order at ") + c["out_of_order_at"]
                           if c.get("out_of_order_at") else "")
        opt = ("（可选）" if zh else " (optional)") if c["optional"] else ""
        click.echo(f"  {mark} {c['n']:>2} {_t(c['label'], lang)}{opt}  {when}")
    for f in r["forbidden"]:
        click.echo(f"  ✗ {'禁止操作' if zh else 'forbidden'} {f['op']} {f['at']} (−{f['penalty']}): "
                   f"{f['why'] if zh else f.get('why_en', f['why'])}")
    if r["hints_used"]:
        click.echo(f"{'提示' if zh else 'hints'}: {r['hints_used']} (−{r['hint_points']})")
    t = r["time"]
    limit = f" / {t['limit']}" if t["limit"] else ""
    click.echo(f"{'用时' if zh else 'time'}: {t['used']}{limit} ({t['points']}/{t['max']})")
    wrong = [s for s in r["steps"] if s["wrong"]]
    if wrong:
        click.echo("错误与禁止的操作：" if zh else "wrong and forbidden steps:")
        for s in wrong:
            why = _t(s["why"], lang) if s["why"] else ""
            code = s["error"] or ("禁止" if zh else "forbidden")
            click.echo(f"  ✗ {s['n']:>2} {s['at']} {s['actor']} {s['op']}: {code} — {why}")


def print_board(b: dict, lang: str = "zh") -> None:
    zh = lang == "zh"
    cols = b["columns"]
    click.echo(f"{'班级' if zh else 'class'} {b['class']['name']}: {len(b['trainees'])} "
               f"{'名学员' if zh else 'trainees'}, {len(cols)} {'个练习' if zh else 'exercises'}")
    for i, c in enumerate(cols, 1):
        a = c.assignment
        title = a.title_zh if zh else a.title_en
        mean = "—" if c.mean is None else f"{c.mean:g}"
        rate = "—" if c.pass_rate is None else f"{c.pass_rate:g}%"
        click.echo(f"  E{i} {a.exercise_id} ({a.mode}) {title}: {'平均' if zh else 'mean'} {mean}, "
                   f"{'通过率' if zh else 'pass rate'} {rate}")
        if c.most_missed:
            click.echo(f"      {'最常漏做' if zh else 'most missed'}: #{c.most_missed['n']} "
                       f"{_t(c.most_missed['label'], lang)} ×{c.most_missed['count']}")
        if c.most_forbidden:
            click.echo(f"      {'最常见的禁止操作' if zh else 'most done forbidden'}: {c.most_forbidden['op']} "
                       f"×{c.most_forbidden['count']}")
    w = max([len(u.username) for u in b["trainees"]] + [8])
    click.echo(f"{'trainee':<{w}}  " + "  ".join(f"{'E' + str(i):>5}" for i in range(1, len(cols) + 1)))
    for u in b["trainees"]:
        cells = []
        for c in cols:
            cell = b["cells"].get((u.id, c.assignment.id))
            if cell is None:
                cells.append(f"{'':>5}")
            elif cell["status"] == "submitted":
                cells.append(f"{cell['score']:>4}{'✓' if cell['passed'] else '✗'}")
            else:
                cells.append(f"{'…' if cell['status'] == 'open' else '!':>5}")
        click.echo(f"{u.username:<{w}}  " + "  ".join(cells))

