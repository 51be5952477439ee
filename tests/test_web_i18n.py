"""Chinese by default, English through the language switch — and English pages really in English."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.mofile import read_mo

import backoffice
from backoffice import catalogue
from backoffice.translations.make_catalog import english_strings

EN = english_strings()   # every area's en_*.py, merged as the catalogue is
from web_support import post, text, web_for

CJK = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")
# FAQ terms the English labels keep beside their translation, so trainees can match the FAQ.
KEPT_TERMS = ("营改增", "金税通", "同步信息")
# The catalogue's own English labels are its business (they may keep a Chinese term).
CATALOGUE_EN = tuple(sorted((op.label_en for op in catalogue.load_all().values()), key=len, reverse=True))
CHROME = re.compile(r"<(h1|h2|th|label|button)\b[^>]*>(.*?)</\1>", re.S)
TEMPLATES = Path(backoffice.__file__).parent / "web" / "templates"
PAGES = ["/console/", "/console/ops/set_red_limit", "/console/taxpayers/acme", "/portal/", "/portal/pc",
         "/control", "/control/audit", "/control/timeline", "/control/taxpayers/acme", ""]
DATA_HEADINGS = {"/console/taxpayers/acme", "/control/taxpayers/acme", ""}   # their h1 is a name


def _chrome(html: str, skip_h1: bool) -> list[str]:
    out = []
    for tag, inner in CHROME.findall(html):
        if tag == "h1" and skip_h1:
            continue
        inner = re.sub(r"<select.*?</select>", "", inner, flags=re.S)
        inner = re.sub(r"<[^>]+>", " ", inner)
        for term in KEPT_TERMS + CATALOGUE_EN:
            inner = inner.replace(term, "")
        out.append(inner.strip())
    return out


@pytest.fixture
def web(app, db, make_world):
    w = web_for(app, db, make_world, role="instructor")
    w.console_op("sell_invoices", taxpayer="acme", code="150001320410", start="00000001", end="00000100")
    return w


def test_chinese_is_the_default(web):
    html = text(web.get("/console/"))
    assert '<html lang="zh-CN">' in html and "纳税人查询" in html and "金税三期税收管理系统" in html


@pytest.mark.parametrize("path", PAGES)
def test_every_page_renders_in_both_languages(web, path):
    zh = web.get(path)
    assert zh.status_code == 200 and CJK.search(text(zh))
    en = web.get(path + ("&" if "?" in path else "?") + "lang=en")
    assert en.status_code == 200
    leftovers = [c for c in _chrome(text(en), skip_h1=path in DATA_HEADINGS) if CJK.search(c)]
    assert not leftovers, leftovers


def test_the_switch_keeps_the_choice(web):
    resp = post(web.c, "/lang/en", {"next": web.w + "/control"}, from_page=web.w + "/control")
    assert resp.headers["Location"] == web.w + "/control"
    html = text(web.get("/control"))
    assert '<html lang="en">' in html and "Clock" in html and "Next event" in html
    post(web.c, "/lang/zh_CN", {"next": "/"}, from_page="/")
    assert "下一事件" in text(web.get("/control"))


def test_every_template_label_has_english():
    labels = set()
    for path in TEMPLATES.rglob("*.html"):
        labels |= set(re.findall(r"_\('([^']+)'", path.read_text(encoding="utf-8")))
    missing = sorted(l for l in labels if l not in EN)
    assert not missing, missing


def test_the_compiled_catalogue_is_current():
    mo = Path(backoffice.__file__).parent / "translations" / "en" / "LC_MESSAGES" / "messages.mo"
    with mo.open("rb") as f:
        catalog = read_mo(f)
    compiled = {m.id: m.string for m in catalog if m.id}
    assert compiled == {k: v for k, v in EN.items() if k in compiled}
    assert set(EN) <= set(compiled), "run python -m backoffice.translations.make_catalog"
