"""Taxpayer identifiers (FAQ 1) and the default 网票 password (FAQ 3.1).

python-stdnum checks the 统一社会信用代码 (``cn.uscc``) — it rejects codes starting with ``Y``,
which we accept by checking the digit ourselves — and gives the resident-ID check digit
(``cn.ric.calc_check_digit``); ``cn.ric.validate`` is not used because it rejects IDs whose area
code did not exist at the birth date, and Chongqing's 500103 predates many real births.
"""
from __future__ import annotations

import re
from datetime import date

from stdnum.cn import ric, uscc

_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
_ALNUM = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def org_code_check(first8: str) -> str:
    """GB 11714 组织机构代码 check character."""
    total = sum(_ALNUM.index(c) * w for c, w in zip(first8, _ORG_WEIGHTS))
    c = 11 - total % 11
    return "X" if c == 10 else "0" if c == 11 else str(c)


def tax_id_problem(kind: str, value: str) -> str | None:
    """None when ``value`` is a valid 纳税人识别号 for ``kind``; otherwise why not."""
    v = value.strip().upper()
    if kind == "individual":
        if not re.fullmatch(r"\d{17}[\dX]", v):
            return "an individual's 识别号 is the 18-character resident ID number"
        try:
            date(int(v[6:10]), int(v[10:12]), int(v[12:14]))
        except ValueError:
            return "the resident ID's birth date is not a date"
        if ric.calc_check_digit(v) != v[17]:  # it takes the whole ID and ignores the last character
            return "the resident ID's check digit is wrong"
        return None
    if len(v) == 18:
        if v.startswith("Y"):
            ok = v[17] == uscc.calc_check_digit(v[:17]) if re.fullmatch(r"[0-9A-Z]{18}", v) else False
        else:
            ok = uscc.is_valid(v)
        return None if ok else "the 统一社会信用代码's check character is wrong"
    if len(v) == 15:
        if not re.fullmatch(r"\d{6}[0-9A-Z]{8}[0-9X]", v):
            return "a 15-character 识别号 is a 6-digit area code and a 9-character organization code"
        return None if org_code_check(v[6:14]) == v[14] else "the organization code's check character is wrong"
    return "a unit's 识别号 is the 18-character 统一社会信用代码 or the old 15-character code"


def registration_problem(value: str) -> str | None:
    if not re.fullmatch(r"1150\d{16}", value):
        return "a 国税登记序号 is 20 digits beginning 1150"
    return None


def default_passwords(tax_id: str, registration_no: str) -> set[str]:
    """默认为纳税人识别号或国税登记序号的后 6 位，有字母的以 "0" 代替."""
    return {re.sub(r"[A-Za-z]", "0", s[-6:]) for s in (tax_id, registration_no)}
