"""The ordering explorer: which orders of some events (and clock gaps between them) lead to which outcome."""
