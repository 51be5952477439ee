"""Building worlds: the template world from base data, and new worlds from a ``world:`` block.

A service above the domains (it writes 金三, 清分库 and 网票 rows as if every sync had already
delivered them); the core's :mod:`backoffice.worlds` knows nothing of it.
"""
from .service import create_world, reset_world  # noqa: F401
from .template import template_world  # noqa: F401
