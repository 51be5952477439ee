"""Consistency checks: invariants over a world's three parts (金三, 清分库, 网票)."""
