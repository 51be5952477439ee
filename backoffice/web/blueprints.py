"""Every blueprint, and the rule that every page needs a login except login and health."""
from __future__ import annotations

import importlib

from flask import Flask

# Optional areas register themselves when their module exists.
OPTIONAL = ("backoffice.api.views", "backoffice.web.console", "backoffice.web.portal", "backoffice.web.control",
            "backoffice.web.lookup", "backoffice.web.cards", "backoffice.web.explore", "backoffice.api.qa",
            "backoffice.web.training", "backoffice.api.training")


def register(app: Flask) -> None:
    from . import auth, home

    app.register_blueprint(auth.bp)
    app.register_blueprint(home.bp)
    for name in OPTIONAL:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name is None or not (name == exc.name or name.startswith(exc.name + '.')):
                raise
            continue
        module.init_app(app)
