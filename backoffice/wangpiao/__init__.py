"""网票: the online-invoice system and the taxpayer's simulated PC client.

Nothing here reads 金三 tables (import-linter enforces it): the 网票 side sees only what sync
delivered into its own tables.
"""
