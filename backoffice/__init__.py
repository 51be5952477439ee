"""backoffice — a simulator of the 金三 / 网票 back office around the 2016 营改增 reform."""

__version__ = "0.1.0"
