"""The upload channel (网票 → 金三, docs/behaviour.md §5): each issued, voided or red-reversed invoice is
reported at once. 网票 reports through :mod:`backoffice.wangpiao.upload`; 金三 records in
:mod:`backoffice.jinsan.upload`; this module connects the two, so neither imports the other."""
from __future__ import annotations

from ..jinsan.upload import receive
from ..wangpiao.upload import register_receiver

CHANNEL = "upload"

register_receiver(receive)
