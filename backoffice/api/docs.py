"""/api/v1/docs: the API reference as a page, generated from the same document as
/api/v1/openapi.json, readable without a token (no script, no CDN: intranets reach none)."""
from __future__ import annotations

import json

from flask import render_template

from .. import catalogue
from .openapi import PREFIX, Endpoint, build_document, register_endpoint
from .views import bp

register_endpoint(Endpoint("get", "/docs", "apiReference", "meta", "接口参考", "This API's reference as a page (no token needed)",
                           public=True))


def _schema_text(schema: dict, components: dict) -> str:
    ref = schema.get("$ref")
    if ref:
        name = ref.rsplit("/", 1)[1]
        return name
    return json.dumps(schema, ensure_ascii=False)


@bp.get("/docs")
def reference():
    doc = build_document(catalogue.load_all())
    components = doc["components"]["schemas"]
    sections: list[dict] = []
    for path, methods in doc["paths"].items():
        for method, entry in methods.items():
            body = entry.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema")
            ok_status = next((s for s in entry["responses"] if s.startswith("2")), None)
            ok = entry["responses"].get(ok_status, {}).get("content", {}).get("application/json", {}).get("schema")
            sections.append({
                "method": method.upper(), "path": path, "tag": entry.get("tags", [""])[0],
                "summary": entry.get("summary", ""), "description": entry.get("description", ""),
                "params": entry.get("parameters", []), "public": entry.get("security") == [],
                "body": _schema_text(body, components) if body else None,
                "ok_status": ok_status, "ok": _schema_text(ok, components) if ok else None,
            })
    models = {name: json.dumps(schema, ensure_ascii=False, indent=2) for name, schema in sorted(components.items())}
    return render_template("api_docs.html", doc=doc, sections=sections, models=models, prefix=PREFIX)
