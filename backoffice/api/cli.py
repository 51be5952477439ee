"""``backoffice api openapi``: print the generated OpenAPI document (for client generators and CI)."""
from __future__ import annotations

import json

import click


def register(main: click.Group) -> None:
    @main.group("api")
    def api():
        """The JSON API under /api/v1."""

    @api.command("openapi")
    def openapi_cmd():
        """Print the OpenAPI 3.1 document generated from the operation catalogue."""
        from .. import catalogue
        from .openapi import build_document
        click.echo(json.dumps(build_document(catalogue.load_all()), ensure_ascii=False, indent=2))
