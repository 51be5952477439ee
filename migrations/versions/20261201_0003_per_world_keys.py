"""Per-world keys: every domain table keyed (world_id, id) with ids numbered per world

Revision ID: 0003
Revises: 0002

Every per-world table is rebuilt with the primary key (world_id, id), foreign keys between its
rows made composite (world_id, x_id), unique keys and indexes led by world_id; the old rows are
copied unchanged (ids were unique in the whole table, so they are unique in each world, and each
world's counters start past its highest id when first used). Keys of tables that are not per
world (worlds, users, tokens, membership, audit, job runs) widen to 64 bits. Worlds gain
``building`` and ``next_due``; the new ``world_counters`` holds each world's next ids.
"""
from alembic import op
import sqlalchemy as sa
import backoffice.db


revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

# parents before children
REBUILT = ['cl_items', 'cl_taxpayer_industries', 'cl_taxpayers', 'invoice_types', 'js_industries', 'js_offices', 'pc_machines', 'work_items', 'wp_accounts', 'wp_industries', 'wp_items', 'js_items', 'js_officers', 'js_stock', 'pc_installs', 'pc_leftovers', 'wp_ds_invoices', 'wp_invoicers', 'wp_printer_settings', 'wp_purchases', 'wp_taxpayer_industries', 'js_taxpayers', 'wp_invoices', 'wp_segments', 'wp_sessions', 'js_item_requests', 'js_sales', 'js_taxpayer_industries', 'js_used_invoices', 'wp_red_reversals', 'js_returns', 'js_changes']

# (table, column) widened to BIGINT on PostgreSQL, with the sequence of each key
WIDENED = [("users", "id"), ("api_tokens", "id"), ("api_tokens", "user_id"), ("worlds", "id"),
           ("worlds", "owner_id"), ("world_members", "id"), ("world_members", "world_id"),
           ("world_members", "user_id"), ("audit_entries", "id"), ("audit_entries", "world_id"),
           ("audit_entries", "user_id"), ("job_runs", "id"), ("job_runs", "world_id")]


def upgrade() -> None:
    bind = op.get_bind()
    pg = bind.dialect.name == "postgresql"
    if pg:
        _widen_keys()
    _step_aside(bind, pg)
    _create_tables()
    for name in REBUILT:
        old = sa.inspect(bind).get_columns(f"_old_{name}")
        columns = ", ".join(f'"{c["name"]}"' for c in old)
        op.execute(f'INSERT INTO "{name}" ({columns}) SELECT {columns} FROM "_old_{name}"')
    for name in reversed(REBUILT):
        op.drop_table(f"_old_{name}")
    _global_indexes()
    with op.batch_alter_table("worlds") as batch:
        batch.add_column(sa.Column("building", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch.add_column(sa.Column("next_due", backoffice.db.UTCDateTime(), nullable=True))


def _widen_keys() -> None:
    for table, column in WIDENED:
        op.execute(f'ALTER TABLE "{table}" ALTER COLUMN "{column}" TYPE BIGINT')
        if column == "id":
            op.execute(f"ALTER SEQUENCE IF EXISTS {table}_id_seq AS BIGINT")


def _step_aside(bind, pg: bool) -> None:
    """Rename the old tables out of the way and free the names of their keys and indexes."""
    insp = sa.inspect(bind)
    plan = {name: (insp.get_pk_constraint(name).get("name"),
                   [u["name"] for u in insp.get_unique_constraints(name) if u.get("name")],
                   [i["name"] for i in insp.get_indexes(name)]) for name in REBUILT}
    for name in REBUILT:
        op.rename_table(name, f"_old_{name}")
    for name, (pk, uniques, indexes) in plan.items():
        if pg:
            # dropping the key drops the old foreign keys that lean on it; the old rows stay
            for constraint in [pk, *uniques]:
                if constraint:
                    op.execute(f'ALTER TABLE "_old_{name}" DROP CONSTRAINT IF EXISTS "{constraint}" CASCADE')
        for index in indexes:
            op.execute(f'DROP INDEX IF EXISTS "{index}"')


def _global_indexes() -> None:
    with op.batch_alter_table("audit_entries") as batch:
        batch.drop_index("ix_audit_entries_operation")
        batch.drop_index("ix_audit_entries_taxpayer_ref")
        batch.drop_index("ix_audit_entries_world_id")
        batch.create_index("ix_audit_world_operation", ["world_id", "operation"], unique=False)
        batch.create_index("ix_audit_world_taxpayer", ["world_id", "taxpayer_ref"], unique=False)
    with op.batch_alter_table("job_runs") as batch:
        batch.drop_index("ix_job_runs_world_id")
    with op.batch_alter_table("world_members") as batch:
        batch.drop_index("ix_world_members_world_id")


def _create_tables() -> None:
    op.create_table('cl_items',
    sa.Column('world_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('source_item_id', sa.Integer(), nullable=False),
    sa.Column('industry_code', sa.String(length=10), nullable=False),
    sa.Column('industry_name', sa.String(length=100), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('delivered', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['world_id'], ['worlds.id'], name=op.f('fk_cl_items_world_id'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('world_id', 'id', name=op.f('pk_cl_items')),
    sa.UniqueConstraint('world_id', 'source_item_id', name=op.f('uq_cl_items_world_id_source_item_id'))
    )
    op.create_table('cl_taxpayer_industries',
    sa.Column('world_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('source_taxpayer_id', sa.Integer(), nullable=False),
    sa.Column('industry_code', sa.String(length=10), nullable=False),
    sa.Column('slot', sa.Integer(), nullable=False),
    sa.Column('seq', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['world_id'], ['worlds.id'], name=op.f('fk_cl_taxpayer_industries_world_id'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('world_id', 'id', name=op.f('pk_cl_taxpayer_industries')),
    sa.UniqueConstraint('world_id', 'source_taxpayer_id', 'slot', name=op.f('uq_cl_taxpayer_industries_world_id_source_taxpayer_id_slot'))
    )
    op.create_table('cl_taxpayers',
    sa.Column('world_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('source_taxpayer_id', sa.Integer(), nullable=False),
    sa.Column('ref', sa.String(length=60), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('tax_id', sa.String(length=18), nullable=False),
    sa.Column('registration_no', sa.String(length=20), nullable=False),
    sa.Column('taxpayer_code', sa.String(length=40), nullable=False),
    sa.Column('former_ds_wangpiao', sa.Boolean(), nullable=False),
    sa.Column('keeps_ds_login', sa.Boolean(), nullable=False),
    sa.Column('ds_account', sa.String(length=40), nullable=True),
    sa.Column('ds_password_hash', sa.String(length=255), nullable=True),
    sa.Column('ca', sa.String(length=8), nullable=False),
    sa.Column('ygz', sa.Boolean(), nullable=False),
    sa.Column('dual', sa.Boolean(), nullable=False),
    sa.Column('industries_seq', sa.BigInteger(), nullable=False),
    sa.Column('cleared_at', backoffice.db.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['world_id'], ['worlds.id'], name=op.f('fk_cl_taxpayers_world_id'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('world_id', 'id', name=op.f('pk_cl_taxpayers')),
    sa.UniqueConstraint('world_id', 'source_taxpayer_id', name=op.f('uq_cl_taxpayers_world_id_source_taxpayer_id'))
    )
    op.create_table('invoice_types',
    sa.Column('world_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('type_code', sa.String(length=10), nullable=False),
    sa.Column('code', sa.String(length=12), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('wangpiao', sa.Boolean(), nullable=False),
    sa.Column('paper_width_mm', sa.String(length=10), nullable=False),
    sa.Column('paper_height_mm', sa.String(length=10), nullable=False),
    sa.ForeignKeyConstraint(['world_id'], ['worlds.id'], name=op.f('fk_invoice_types_world_id'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('world_id', 'id', name=op.f('pk_invoice_types')),
    sa.UniqueConstraint('world_id', 'code', name=op.f('uq_invoice_types_world_id_code'))
    )
    op.create_table('js_industries',
    sa.Column('world_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=10), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.ForeignKeyConstraint(['world_id'], ['worlds.id'], name=op.f('fk_js_industries_world_id'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('world_id', 'id', name=op.f('pk_js_industries')),
    sa.UniqueConstraint('world_id', 'code', name=op.f('uq_js_industries_world_id_code'))
    )
    op.create_table('js_offices',
    sa.Column('world_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=20), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.ForeignKeyConstraint(['world_id'], ['worlds.id'], name=op.f('fk_js_offices_world_id'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('world_id', 'id', name=op.f('pk_js_offices')),
    sa.UniqueConstraint('world_id', 'code', name=op.f('uq_js_offices_world_id_code'))
    )
    op.create_table('pc_machines',
    sa.Column('world_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('taxpayer_ref', sa.String(length=60), nullable=False),
    sa.Column('ds_ca_cache', sa.Boolean(), nullable=False),
    sa.Column('ca_cache_stuck', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['world_id'], ['worlds.id'], name=op.f('fk_pc_machines_world_id'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('world_id', 'id', name=op.f('pk_pc_machines')),
    sa.UniqueConstraint('world_id', 'taxpayer_ref', name=op.f('uq_pc_machines_world_id_taxpayer_ref'))
    )
    op.create_table('work_items',
    sa.Column('world_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('due_at', backoffice.db.UTCDateTime(), nullable=False),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.Column('created_at', backoffice.db.UTCDateTime(), nullable=False),
    sa.Column('done_at', backoffice.db.UTCDateTime(), nullable=True),
    sa.Column('taxpayer_ref', sa.String(length=60), nullable=True),
    sa.ForeignKeyConstraint(['world_id'], ['worlds.id'], name=op.f('fk_work_items_world_id'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('world_id', 'id', name=op.f('pk_work_items'))
    )
    op.create_index('ix_work_items_due', 'work_items', ['world_id', 'done_at', 'due_at'], unique=False)
    op.create_table('world_counters',
    sa.Column('world_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('table_name', sa.String(length=60), nullable=False),
    sa.Column('next_id', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['world_id'], ['worlds.id'], name=op.f('fk_world_counters_world_id'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('world_id', 'table_name', name=op.f('pk_world_counters'))
    )
    op.create_table('wp_accounts',
    sa.Column('world_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('source_taxpayer_id', sa.Integer(), nullable=False),
    sa.Column('ref', sa.String(length=60), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('tax_id', sa.String(length=18), nullable=False),
    sa.Column('registration_no', sa.String(length=20), nullable=False),
    sa.Column('taxpayer_code', sa.String(length=40), nullable=False),
    sa.Column('former_ds_wangpiao', sa.Boolean(), nullable=False),
    sa.Column('keeps_ds_login', sa.Boolean(), nullable=False),
    sa.Column('ds_account', sa.String(length=40), nullable=True),
    sa.Column('password_state', sa.String(length=10), nullable=False),
    sa.Column('password_hash', sa.String(length=255), nullable=True),
    sa.Column('ca', sa.String(length=8), nullable=False),
    sa.Column('ca_cancelled', sa.Boolean(), nullable=False),
    sa.Column('ygz', sa.Boolean(), nullable=False),
    sa.Column('dual', sa.Boolean(), nullable=False),
    sa.Column('red_limit', backoffice.db.Money(), nullable=True),
    sa.Column('industries_seq', sa.BigInteger(), nullable=True),
    sa.Column('ds_blank_invoices', sa.Integer(), nullable=False),
    sa.Column('created_at', backoffice.db.UTCDateTime(), nullable=False),
    sa.Column('created_by', sa.String(length=30), nullable=False),
    sa.CheckConstraint("password_state IN ('default','set','ds')", name=op.f('ck_wp_accounts_password_state')),
    sa.ForeignKeyConstraint(['world_id'], ['worlds.id'], name=op.f('fk_wp_accounts_world_id'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('world_id', 'id', name=op.f('pk_wp_accounts')),
    sa.UniqueConstraint('world_id', 'source_taxpayer_id', name=op.f('uq_wp_accounts_world_id_source_taxpayer_id'))
    )
    op.create_index('ix_wp_accounts_ds_account', 'wp_accounts', ['world_id', 'ds_account'], unique=False)
    op.create_index('ix_wp_accounts_ref', 'wp_accounts', ['world_id', 'ref'], unique=False)
    op.create_index('ix_wp_accounts_registration_no', 'wp_accounts', ['world_id', 'registration_no'], unique=False)
    op.create_index('ix_wp_accounts_taxpayer_code', 'wp_accounts', ['world_id', 'taxpayer_code'], unique=False)
    op.create_table('wp_industries',
    sa.Column('world_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=10), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.ForeignKeyConstraint(['world_id'], ['worlds.id'], name=op.f('fk_wp_industries_world_id'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('world_id', 'id', name=op.f('pk_wp_industries')),
    sa.UniqueConstraint('world_id', 'code', name=op.f('uq_wp_industries_world_id_code'))
    )
    op.create_table('wp_items',
    sa.Column('world_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('industry_code', sa.String(length=10), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('source_item_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['world_id'], ['worlds.id'], name=op.f('fk_wp_items_world_id'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('world_id', 'id', name=op.f('pk_wp_items')),
    sa.UniqueConstraint('world_id', 'industry_code', 'name', name=op.f('uq_wp_items_world_id_industry_code_name'))
    )
    op.create_table('js_items',
    sa.Column('world_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('industry_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('seq', sa.BigInteger(), nullable=False),
    sa.Column('added_at', backoffice.db.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['world_id', 'industry_id'], ['js_industries.world_id', 'js_industries.id'], name=op.f('fk_js_items_world_id_industry_id'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['world_id'], ['worlds.id'], name=op.f('fk_js_items_world_id'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('world_id', 'id', name=op.f('pk_js_items')),
    sa.UniqueConstraint('world_id', 'industry_id', 'name', name=op.f('uq_js_items_world_id_industry_id_name'))
    )
    op.create_table('js_officers',
    sa.Column('world_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('login', sa.String(length=60), nullable=False),
    sa.Column('name', sa.String(length=60), nullable=False),
    sa.Column('role', sa.String(length=30), nullable=False),
    sa.Column('office_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("role IN ('specialist','ds_specialist','collection_section','ops','instructor')", name=op.f('ck_js_officers_role')),
    sa.ForeignKeyConstraint(['world_id', 'office_id'], ['js_offices.world_id', 'js_offices.id'], name=op.f('fk_js_officers_world_id_office_id'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['world_id'], ['worlds.id'], name=op.f('fk_js_officers_world_id'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('world_id', 'id', name=op.f('pk_js_officers')),
    sa.UniqueConstraint('world_id', 'login', name=op.f('uq_js_officers_world_id_login'))
    )
    op.create_table('js_stock',
    sa.Column('world_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('office_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=12), nullable=False),
    sa.Column('start_no', sa.Integer(), nullable=False),
    sa.Column('end_no', sa.Integer(), nullable=False),
    sa.CheckConstraint('start_no <= end_no', name=op.f('ck_js_stock_range')),
    sa.ForeignKeyConstraint(['world_id', 'office_id'], ['js_offices.world_id', 'js_offices.id'], name=op.f('fk_js_stock_world_id_office_id'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['world_id'], ['worlds.id'], name=op.f('fk_js_stock_world_id'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('world_id', 'id', name=op.f('pk_js_stock'))
    )
    op.create_index('ix_js_stock_lookup', 'js_stock', ['world_id', 'code', 'start_no'], unique=False)
    op.create_table('pc_installs',
    sa.Column('world_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('machine_id', sa.Integer(), nullable=False),
    sa.Column('edition', sa.String(length=12), nullable=False),
    sa.Column('version', sa.String(length=20), nullable=False),
    sa.Column('folder', sa.String(length=200), nullable=False),
    sa.Column('broken', sa.Boolean(), nullable=False),
    sa.Column('installed_at', backoffice.db.UTCDateTime(), nullable=False),
    sa.CheckConstraint("edition IN ('guoshui','dishui','dishui_void')", name=op.f('ck_pc_installs_edition')),
    sa.ForeignKeyConstraint(['world_id', 'machine_id'], ['pc_machines.world_id', 'pc_machines.id'], name=op.f('fk_pc_installs_world_id_machine_id'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['world_id'], ['worlds.id'], name=op.f('fk_pc_installs_world_id'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('world_id', 'id', name=op.f('pk_pc_installs'))
    )
    op.create_index('ix_pc_installs_machine_id', 'pc_installs', ['world_id', 'machine_id'], unique=False)
    op.create_table('pc_leftovers',
    sa.Column('world_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('machine_id', sa.Integer(), nullable=False),
    sa.Column('edition', sa.String(length=12), nullable=False),
    sa.ForeignKeyConstraint(['world_id', 'machine_id'], ['pc_machines.world_id', 'pc_machines.id'], name=op.f('fk_pc_leftovers_world_id_machine_id'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['world_id'], ['worlds.id'], name=op.f('fk_pc_leftovers_world_id'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('world_id', 'id', name=op.f('pk_pc_leftovers')),
    sa.UniqueConstraint('world_id', 'machine_id', 'edition', name=op.f('uq_pc_leftovers_world_id_machine_id_edition'))
    )
    op.create_table('wp_ds_invoices',
    sa.Column('world_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=20), nullable=False),
    sa.Column('number', sa.String(length=20), nullable=False),
    sa.Column('amount', backoffice.db.Money(), nullable=False),
    sa.Column('issued_at', backoffice.db.UTCDateTime(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('red_total', backoffice.db.Money(), nullable=False),
    sa.ForeignKeyConstraint(['world_id', 'account_id'], ['wp_accounts.world_id', 'wp_accounts.id'], name=op.f('fk_wp_ds_invoices_world_id_account_id'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['world_id'], ['worlds.id'], name=op.f('fk_wp_ds_invoices_world_id'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('world_id', 'id', name=op.f('pk_wp_ds_invoices')),
    sa.UniqueConstraint('world_id', 'code', 'number', name=op.f('uq_wp_ds_invoices_world_id_code_number'))
    )
    op.create_index('ix_wp_ds_invoices_account_id', 'wp_ds_invoices', ['world_id', 'account_id'], unique=False)
    op.create_table('wp_invoicers',
    sa.Column('world_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=60), nullable=False),
    sa.Column('is_admin', sa.Boolean(), nullable=False),
    sa.Column('password_hash', sa.String(length=255), nullable=True),
    sa.Column('red_amount', backoffice.db.Money(), nullable=True),
    sa.Column('cache_amount', backoffice.db.Money(), nullable=True),
    sa.ForeignKeyConstraint(['world_id', 'account_id'], ['wp_accounts.world_id', 'wp_accounts.id'], name=op.f('fk_wp_invoicers_world_id_account_id'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['world_id'], ['worlds.id'], name=op.f('fk_wp_invoicers_world_id'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('world_id', 'id', name=op.f('pk_wp_invoicers')),
    sa.UniqueConstraint('world_id', 'account_id', 'name', name=op.f('uq_wp_invoicers_world_id_account_id_name'))
    )
    op.create_table('wp_printer_settings',
    sa.Column('world_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('type_code', sa.String(length=10), nullable=False),
    sa.Column('right_mm', sa.Integer(), nullable=False),
    sa.Column('down_mm', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['world_id', 'account_id'], ['wp_accounts.world_id', 'wp_accounts.id'], name=op.f('fk_wp_printer_settings_world_id_account_id'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['world_id'], ['worlds.id'], name=op.f('fk_wp_printer_settings_world_id'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('world_id', 'id', name=op.f('pk_wp_printer_settings')),
    sa.UniqueConstraint('world_id', 'account_id', 'type_code', name=op.f('uq_wp_printer_settings_world_id_account_id_type_code'))
    )
    op.create_table('wp_purchases',
    sa.Column('world_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('source_sale_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=12), nullable=False),
    sa.Column('start_no', sa.Integer(), nullable=False),
    sa.Column('end_no', sa.Integer(), nullable=False),
    sa.Column('delivered_at', backoffice.db.UTCDateTime(), nullable=False),
    sa.Column('channel', sa.String(length=30), nullable=False),
    sa.CheckConstraint('start_no <= end_no', name=op.f('ck_wp_purchases_range')),
    sa.ForeignKeyConstraint(['world_id', 'account_id'], ['wp_accounts.world_id', 'wp_accounts.id'], name=op.f('fk_wp_purchases_world_id_account_id'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['world_id'], ['worlds.id'], name=op.f('fk_wp_purchases_world_id'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('world_id', 'id', name=op.f('pk_wp_purchases')),
    sa.UniqueConstraint('world_id', 'source_sale_id', name=op.f('uq_wp_purchases_world_id_source_sale_id'))
    )
    op.create_index('ix_wp_purchases_account_id', 'wp_purchases', ['world_id', 'account_id'], unique=False)
    op.create_table('wp_taxpayer_industries',
    sa.Column('world_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('industry_code', sa.String(length=10), nullable=False),
    sa.Column('slot', sa.Integer(), nullable=False),
    sa.CheckConstraint('slot BETWEEN 0 AND 3', name=op.f('ck_wp_taxpayer_industries_slot')),
    sa.ForeignKeyConstraint(['world_id', 'account_id'], ['wp_accounts.world_id', 'wp_accounts.id'], name=op.f('fk_wp_taxpayer_industries_world_id_account_id'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['world_id'], ['worlds.id'], name=op.f('fk_wp_taxpayer_industries_world_id'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('world_id', 'id', name=op.f('pk_wp_taxpayer_industries')),
    sa.UniqueConstraint('world_id', 'account_id', 'slot', name=op.f('uq_wp_taxpayer_industries_world_id_account_id_slot'))
    )
    op.create_table('js_taxpayers',
    sa.Column('world_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ref', sa.String(length=60), nullable=False),
    sa.Column('kind', sa.String(length=12), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('tax_id', sa.String(length=18), nullable=False),
    sa.Column('registration_no', sa.String(length=20), nullable=False),
    sa.Column('taxpayer_code', sa.String(length=40), nullable=False),
    sa.Column('specialist_id', sa.Integer(), nullable=True),
    sa.Column('former_ds_wangpiao', sa.Boolean(), nullable=False),
    sa.Column('keeps_ds_login', sa.Boolean(), nullable=False),
    sa.Column('ds_account', sa.String(length=40), nullable=True),
    sa.Column('ds_password_hash', sa.String(length=255), nullable=True),
    sa.Column('ca', sa.String(length=8), nullable=False),
    sa.Column('ygz', sa.Boolean(), nullable=False),
    sa.Column('dual', sa.Boolean(), nullable=False),
    sa.Column('wangpiao_enabled', sa.Boolean(), nullable=False),
    sa.Column('enabled_at', backoffice.db.UTCDateTime(), nullable=True),
    sa.Column('enabled_seq', sa.BigInteger(), nullable=True),
    sa.Column('red_limit', backoffice.db.Money(), nullable=True),
    sa.Column('industries_seq', sa.BigInteger(), nullable=False),
    sa.Column('ca_cancel_requested_at', backoffice.db.UTCDateTime(), nullable=True),
    sa.Column('ca_cancelled_at', backoffice.db.UTCDateTime(), nullable=True),
    sa.CheckConstraint("ca IN ('none','pc','device')", name=op.f('ck_js_taxpayers_ca')),
    sa.CheckConstraint("kind IN ('unit','individual')", name=op.f('ck_js_taxpayers_kind')),
    sa.ForeignKeyConstraint(['world_id', 'specialist_id'], ['js_officers.world_id', 'js_officers.id'], name=op.f('fk_js_taxpayers_world_id_specialist_id')),
    sa.ForeignKeyConstraint(['world_id'], ['worlds.id'], name=op.f('fk_js_taxpayers_world_id'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('world_id', 'id', name=op.f('pk_js_taxpayers')),
    sa.UniqueConstraint('world_id', 'ref', name=op.f('uq_js_taxpayers_world_id_ref')),
    sa.UniqueConstraint('world_id', 'registration_no', name=op.f('uq_js_taxpayers_world_id_registration_no')),
    sa.UniqueConstraint('world_id', 'tax_id', name=op.f('uq_js_taxpayers_world_id_tax_id'))
    )
    op.create_index('ix_js_taxpayers_specialist_id', 'js_taxpayers', ['world_id', 'specialist_id'], unique=False)
    op.create_index('ix_js_taxpayers_world_enabled_seq', 'js_taxpayers', ['world_id', 'enabled_seq'], unique=False)
    op.create_index('ix_js_taxpayers_world_industries_seq', 'js_taxpayers', ['world_id', 'industries_seq'], unique=False)
    op.create_table('wp_invoices',
    sa.Column('world_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('invoicer_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=12), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('item', sa.String(length=100), nullable=False),
    sa.Column('amount', backoffice.db.Money(), nullable=False),
    sa.Column('issued_at', backoffice.db.UTCDateTime(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('voided_at', backoffice.db.UTCDateTime(), nullable=True),
    sa.Column('red_total', backoffice.db.Money(), nullable=False),
    sa.CheckConstraint("status IN ('issued','voided')", name=op.f('ck_wp_invoices_status')),
    sa.ForeignKeyConstraint(['world_id', 'account_id'], ['wp_accounts.world_id', 'wp_accounts.id'], name=op.f('fk_wp_invoices_world_id_account_id'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['world_id', 'invoicer_id'], ['wp_invoicers.world_id', 'wp_invoicers.id'], name=op.f('fk_wp_invoices_world_id_invoicer_id'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['world_id'], ['worlds.id'], name=op.f('fk_wp_invoices_world_id'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('world_id', 'id', name=op.f('pk_wp_invoices')),
    sa.UniqueConstraint('world_id', 'code', 'number', name=op.f('uq_wp_invoices_world_id_code_number'))
    )
    op.create_index('ix_wp_invoices_account_id', 'wp_invoices', ['world_id', 'account_id'], unique=False)
    op.create_index('ix_wp_invoices_invoicer_id', 'wp_invoices', ['world_id', 'invoicer_id'], unique=False)
    op.create_table('wp_segments',
    sa.Column('world_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('invoicer_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=12), nullable=False),
    sa.Column('start_no', sa.Integer(), nullable=False),
    sa.Column('end_no', sa.Integer(), nullable=False),
    sa.Column('allocated_at', backoffice.db.UTCDateTime(), nullable=False),
    sa.CheckConstraint('start_no <= end_no', name=op.f('ck_wp_segments_range')),
    sa.ForeignKeyConstraint(['world_id', 'account_id'], ['wp_accounts.world_id', 'wp_accounts.id'], name=op.f('fk_wp_segments_world_id_account_id'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['world_id', 'invoicer_id'], ['wp_invoicers.world_id', 'wp_invoicers.id'], name=op.f('fk_wp_segments_world_id_invoicer_id'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['world_id'], ['worlds.id'], name=op.f('fk_wp_segments_world_id'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('world_id', 'id', name=op.f('pk_wp_segments'))
    )
    op.create_index('ix_wp_segments_invoicer_id', 'wp_segments', ['world_id', 'invoicer_id'], unique=False)
    op.create_index('ix_wp_segments_lookup', 'wp_segments', ['world_id', 'account_id', 'code', 'start_no'], unique=False)
    op.create_table('wp_sessions',
    sa.Column('world_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('invoicer_id', sa.Integer(), nullable=False),
    sa.Column('client', sa.String(length=20), nullable=False),
    sa.Column('with_ca', sa.Boolean(), nullable=False),
    sa.Column('started_at', backoffice.db.UTCDateTime(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['world_id', 'account_id'], ['wp_accounts.world_id', 'wp_accounts.id'], name=op.f('fk_wp_sessions_world_id_account_id'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['world_id', 'invoicer_id'], ['wp_invoicers.world_id', 'wp_invoicers.id'], name=op.f('fk_wp_sessions_world_id_invoicer_id'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['world_id'], ['worlds.id'], name=op.f('fk_wp_sessions_world_id'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('world_id', 'id', name=op.f('pk_wp_sessions')),
    sa.UniqueConstraint('world_id', 'token_hash', name=op.f('uq_wp_sessions_world_id_token_hash'))
    )
    op.create_index('ix_wp_sessions_account_id', 'wp_sessions', ['world_id', 'account_id'], unique=False)
    op.create_table('js_item_requests',
    sa.Column('world_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('taxpayer_id', sa.Integer(), nullable=False),
    sa.Column('item', sa.String(length=100), nullable=False),
    sa.Column('requested_by', sa.Integer(), nullable=True),
    sa.Column('requested_at', backoffice.db.UTCDateTime(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('decided_by', sa.Integer(), nullable=True),
    sa.Column('decided_at', backoffice.db.UTCDateTime(), nullable=True),
    sa.Column('industry_id', sa.Integer(), nullable=True),
    sa.Column('reason', sa.String(length=500), nullable=True),
    sa.CheckConstraint("status IN ('pending','approved','rejected')", name=op.f('ck_js_item_requests_status')),
    sa.ForeignKeyConstraint(['world_id', 'decided_by'], ['js_officers.world_id', 'js_officers.id'], name=op.f('fk_js_item_requests_world_id_decided_by')),
    sa.ForeignKeyConstraint(['world_id', 'industry_id'], ['js_industries.world_id', 'js_industries.id'], name=op.f('fk_js_item_requests_world_id_industry_id')),
    sa.ForeignKeyConstraint(['world_id', 'requested_by'], ['js_officers.world_id', 'js_officers.id'], name=op.f('fk_js_item_requests_world_id_requested_by')),
    sa.ForeignKeyConstraint(['world_id', 'taxpayer_id'], ['js_taxpayers.world_id', 'js_taxpayers.id'], name=op.f('fk_js_item_requests_world_id_taxpayer_id'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['world_id'], ['worlds.id'], name=op.f('fk_js_item_requests_world_id'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('world_id', 'id', name=op.f('pk_js_item_requests'))
    )
    op.create_index('ix_js_item_requests_taxpayer_id', 'js_item_requests', ['world_id', 'taxpayer_id'], unique=False)
    op.create_table('js_sales',
    sa.Column('world_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('taxpayer_id', sa.Integer(), nullable=False),
    sa.Column('officer_id', sa.Integer(), nullable=True),
    sa.Column('code', sa.String(length=12), nullable=False),
    sa.Column('start_no', sa.Integer(), nullable=False),
    sa.Column('end_no', sa.Integer(), nullable=False),
    sa.Column('sold_at', backoffice.db.UTCDateTime(), nullable=False),
    sa.Column('seq', sa.BigInteger(), nullable=False),
    sa.Column('enabled_at_sale', sa.Boolean(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('parent_id', sa.Integer(), nullable=True),
    sa.Column('closed_at', backoffice.db.UTCDateTime(), nullable=True),
    sa.CheckConstraint("status IN ('active','returned')", name=op.f('ck_js_sales_status')),
    sa.CheckConstraint('start_no <= end_no', name=op.f('ck_js_sales_range')),
    sa.ForeignKeyConstraint(['world_id', 'officer_id'], ['js_officers.world_id', 'js_officers.id'], name=op.f('fk_js_sales_world_id_officer_id')),
    sa.ForeignKeyConstraint(['world_id', 'parent_id'], ['js_sales.world_id', 'js_sales.id'], name=op.f('fk_js_sales_world_id_parent_id'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['world_id', 'taxpayer_id'], ['js_taxpayers.world_id', 'js_taxpayers.id'], name=op.f('fk_js_sales_world_id_taxpayer_id'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['world_id'], ['worlds.id'], name=op.f('fk_js_sales_world_id'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('world_id', 'id', name=op.f('pk_js_sales'))
    )
    op.create_index('ix_js_sales_lookup', 'js_sales', ['world_id', 'code', 'status', 'start_no'], unique=False)
    op.create_index('ix_js_sales_parent_id', 'js_sales', ['world_id', 'parent_id'], unique=False)
    op.create_index('ix_js_sales_taxpayer_id', 'js_sales', ['world_id', 'taxpayer_id'], unique=False)
    op.create_table('js_taxpayer_industries',
    sa.Column('world_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('taxpayer_id', sa.Integer(), nullable=False),
    sa.Column('industry_id', sa.Integer(), nullable=False),
    sa.Column('slot', sa.Integer(), nullable=False),
    sa.CheckConstraint('slot BETWEEN 0 AND 3', name=op.f('ck_js_taxpayer_industries_slot')),
    sa.ForeignKeyConstraint(['world_id', 'industry_id'], ['js_industries.world_id', 'js_industries.id'], name=op.f('fk_js_taxpayer_industries_world_id_industry_id'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['world_id', 'taxpayer_id'], ['js_taxpayers.world_id', 'js_taxpayers.id'], name=op.f('fk_js_taxpayer_industries_world_id_taxpayer_id'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['world_id'], ['worlds.id'], name=op.f('fk_js_taxpayer_industries_world_id'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('world_id', 'id', name=op.f('pk_js_taxpayer_industries')),
    sa.UniqueConstraint('world_id', 'taxpayer_id', 'industry_id', name=op.f('uq_js_taxpayer_industries_world_id_taxpayer_id_industry_id')),
    sa.UniqueConstraint('world_id', 'taxpayer_id', 'slot', name=op.f('uq_js_taxpayer_industries_world_id_taxpayer_id_slot'))
    )
    op.create_table('js_used_invoices',
    sa.Column('world_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('taxpayer_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=12), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('event', sa.String(length=10), nullable=False),
    sa.Column('amount', backoffice.db.Money(), nullable=False),
    sa.Column('received_at', backoffice.db.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['world_id', 'taxpayer_id'], ['js_taxpayers.world_id', 'js_taxpayers.id'], name=op.f('fk_js_used_invoices_world_id_taxpayer_id'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['world_id'], ['worlds.id'], name=op.f('fk_js_used_invoices_world_id'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('world_id', 'id', name=op.f('pk_js_used_invoices'))
    )
    op.create_index('ix_js_used_invoices_taxpayer_id', 'js_used_invoices', ['world_id', 'taxpayer_id'], unique=False)
    op.create_index('ix_js_used_lookup', 'js_used_invoices', ['world_id', 'code', 'number'], unique=False)
    op.create_table('wp_red_reversals',
    sa.Column('world_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('invoicer_id', sa.Integer(), nullable=False),
    sa.Column('invoice_id', sa.Integer(), nullable=False),
    sa.Column('amount', backoffice.db.Money(), nullable=False),
    sa.Column('month', sa.String(length=7), nullable=False),
    sa.Column('reversed_at', backoffice.db.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['world_id', 'account_id'], ['wp_accounts.world_id', 'wp_accounts.id'], name=op.f('fk_wp_red_reversals_world_id_account_id'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['world_id', 'invoice_id'], ['wp_invoices.world_id', 'wp_invoices.id'], name=op.f('fk_wp_red_reversals_world_id_invoice_id'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['world_id', 'invoicer_id'], ['wp_invoicers.world_id', 'wp_invoicers.id'], name=op.f('fk_wp_red_reversals_world_id_invoicer_id'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['world_id'], ['worlds.id'], name=op.f('fk_wp_red_reversals_world_id'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('world_id', 'id', name=op.f('pk_wp_red_reversals'))
    )
    op.create_index('ix_wp_red_reversals_account_id', 'wp_red_reversals', ['world_id', 'account_id'], unique=False)
    op.create_index('ix_wp_red_reversals_invoice_id', 'wp_red_reversals', ['world_id', 'invoice_id'], unique=False)
    op.create_index('ix_wp_red_reversals_invoicer_id', 'wp_red_reversals', ['world_id', 'invoicer_id'], unique=False)
    op.create_table('js_returns',
    sa.Column('world_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('sale_id', sa.Integer(), nullable=False),
    sa.Column('taxpayer_id', sa.Integer(), nullable=False),
    sa.Column('officer_id', sa.Integer(), nullable=True),
    sa.Column('code', sa.String(length=12), nullable=False),
    sa.Column('start_no', sa.Integer(), nullable=False),
    sa.Column('end_no', sa.Integer(), nullable=False),
    sa.Column('returned_at', backoffice.db.UTCDateTime(), nullable=False),
    sa.Column('seq', sa.BigInteger(), nullable=False),
    sa.CheckConstraint('start_no <= end_no', name=op.f('ck_js_returns_range')),
    sa.ForeignKeyConstraint(['world_id', 'officer_id'], ['js_officers.world_id', 'js_officers.id'], name=op.f('fk_js_returns_world_id_officer_id')),
    sa.ForeignKeyConstraint(['world_id', 'sale_id'], ['js_sales.world_id', 'js_sales.id'], name=op.f('fk_js_returns_world_id_sale_id'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['world_id', 'taxpayer_id'], ['js_taxpayers.world_id', 'js_taxpayers.id'], name=op.f('fk_js_returns_world_id_taxpayer_id'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['world_id'], ['worlds.id'], name=op.f('fk_js_returns_world_id'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('world_id', 'id', name=op.f('pk_js_returns'))
    )
    op.create_index('ix_js_returns_sale_id', 'js_returns', ['world_id', 'sale_id'], unique=False)
    op.create_index('ix_js_returns_taxpayer_id', 'js_returns', ['world_id', 'taxpayer_id'], unique=False)
    op.create_table('js_changes',
    sa.Column('world_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.BigInteger(), nullable=False),
    sa.Column('taxpayer_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('sale_id', sa.Integer(), nullable=True),
    sa.Column('return_id', sa.Integer(), nullable=True),
    sa.Column('amount', backoffice.db.Money(), nullable=True),
    sa.Column('created_at', backoffice.db.UTCDateTime(), nullable=False),
    sa.Column('ready_at', backoffice.db.UTCDateTime(), nullable=False),
    sa.Column('auto', sa.Boolean(), nullable=False),
    sa.Column('forced', sa.Boolean(), nullable=False),
    sa.Column('delivered_at', backoffice.db.UTCDateTime(), nullable=True),
    sa.Column('delivered_by', sa.String(length=30), nullable=True),
    sa.CheckConstraint("kind IN ('sale','return','red_limit','password_reset')", name=op.f('ck_js_changes_kind')),
    sa.ForeignKeyConstraint(['world_id', 'return_id'], ['js_returns.world_id', 'js_returns.id'], name=op.f('fk_js_changes_world_id_return_id'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['world_id', 'sale_id'], ['js_sales.world_id', 'js_sales.id'], name=op.f('fk_js_changes_world_id_sale_id'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['world_id', 'taxpayer_id'], ['js_taxpayers.world_id', 'js_taxpayers.id'], name=op.f('fk_js_changes_world_id_taxpayer_id'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['world_id'], ['worlds.id'], name=op.f('fk_js_changes_world_id'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('world_id', 'id', name=op.f('pk_js_changes'))
    )
    op.create_index('ix_js_changes_pending', 'js_changes', ['world_id', 'delivered_at', 'ready_at'], unique=False)
    op.create_index('ix_js_changes_sale_id', 'js_changes', ['world_id', 'sale_id'], unique=False)
    op.create_index('ix_js_changes_taxpayer_id', 'js_changes', ['world_id', 'taxpayer_id'], unique=False)


def downgrade() -> None:
    raise NotImplementedError("per-world keys cannot be taken back: restore a backup made before 0003")
