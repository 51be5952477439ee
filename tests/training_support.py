"""A small exercise of the tests' own (the library may change; these tests must not), and helpers."""
from __future__ import annotations

import textwrap

EXERCISE = textwrap.dedent("""\
    id: t_not_enabled
    title: {zh: 新办企业登录提示开票员信息未找到, en: "A new business: 开票员信息未找到"}
    faq: "3.1"
    stars: 2
    brief:
      zh: 新办企业登录网票提示“开票员信息未找到”，还要领购发票。
      en: A new business's 网票 login says 开票员信息未找到; it also needs invoices.
    plays: [h_zhang]
    world:
      start: 2016-05-03T09:00:00+08:00
      officers:
        - {login: h_zhang, name: 张明, role: specialist}
        - {login: h_zhao, name: 赵敏, role: collection_section}
      taxpayers:
        - ref: acme
          kind: unit
          name: 重庆某某广告有限公司
          tax_id: "91500000MA5U0A0A2M"
          registration_no: "11500000000000000001"
          specialist: h_zhang
          industries: {main: "7240"}
    setup:
      - {actor: acme, op: login, args: {account: "11500000000000000001", password: "000001"}, expect: INVOICER_NOT_FOUND}
    time_limit: 1d
    goal:
      - {actor: acme, op: login, args: {account: "11500000000000000001", password: "000001"}}
      - {actor: acme, op: list_purchases, expect: {result: {count: 1}}}
    procedure:
      - {op: diagnose, args: {taxpayer: acme}, optional: true}
      - {op: open_wangpiao, args: {taxpayer: acme}, label: {zh: 开通网票, en: Enable 网票}}
      - {op: sell_invoices, args: {taxpayer: acme, code: "150001320410"}}
    forbidden:
      - op: reset_password
        args: {taxpayer: acme}
        why: {zh: 账号还不存在, en: There is no account yet}
        penalty: 10
    hints:
      - {zh: 先开通网票。, en: Enable 网票 first., cost: 10}
      - {zh: 等凌晨两点。, en: Wait for 02:00., cost: 15}
    solution:
      - {actor: h_zhang, op: open_wangpiao, args: {taxpayer: acme}}
      - {actor: h_zhang, op: sell_invoices, args: {taxpayer: acme, code: "150001320410", start: "00000001", end: "00000100"}}
      - {advance: {until: 2016-05-04T02:00:00+08:00}}
    """)

OPEN = '  - {actor: h_zhang, op: open_wangpiao, args: {taxpayer: acme}}\n'
SELL = ('  - {actor: h_zhang, op: sell_invoices, args: {taxpayer: acme, code: "150001320410", '
        'start: "00000001", end: "00000100"}}\n')
NIGHT = '  - {advance: {until: 2016-05-04T02:00:00+08:00}}\n'
SYNC = '  - {actor: h_zhang, op: sync_info, args: {taxpayer: acme}}\n'
RESET = '  - {actor: h_zhang, op: reset_password, args: {taxpayer: acme}}\n'
DIAGNOSE = '  - {actor: h_zhang, op: diagnose, args: {taxpayer: acme}}\n'


def answer(*lines: str) -> str:
    return "steps:\n" + "".join(lines) if lines else "steps: []\n"


def exercise_file(tmp_path, text: str = EXERCISE, name: str = "t_not_enabled.yaml"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path
