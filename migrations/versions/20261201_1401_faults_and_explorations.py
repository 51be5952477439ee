"""QA: injected channel faults, the upload channel's ledger, failed/delayed job runs, exploration jobs

Revision ID: 1401
Revises: 1201
"""
from alembic import op
import sqlalchemy as sa
import backoffice.db


revision = '1401'
down_revision = '1201'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('exploration_jobs',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('owner_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('source', sa.Text(), nullable=False),
    sa.Column('max_runs', sa.Integer(), nullable=False),
    sa.Column('seed', sa.Integer(), nullable=False),
    sa.Column('from_world_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('runs_done', sa.Integer(), nullable=False),
    sa.Column('runs_total', sa.Integer(), nullable=False),
    sa.Column('result', sa.JSON(), nullable=True),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('worker', sa.String(length=120), nullable=True),
    sa.Column('created_wall', backoffice.db.UTCDateTime(), nullable=False),
    sa.Column('started_wall', backoffice.db.UTCDateTime(), nullable=True),
    sa.Column('heartbeat_wall', backoffice.db.UTCDateTime(), nullable=True),
    sa.Column('finished_wall', backoffice.db.UTCDateTime(), nullable=True),
    sa.CheckConstraint("status IN ('queued','running','done','failed')", name=op.f('ck_exploration_jobs_status')),
    sa.ForeignKeyConstraint(['from_world_id'], ['worlds.id'], name=op.f('fk_exploration_jobs_from_world_id'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['owner_id'], ['users.id'], name=op.f('fk_exploration_jobs_owner_id'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_exploration_jobs'))
    )
    with op.batch_alter_table('exploration_jobs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_exploration_jobs_owner_id'), ['owner_id'], unique=False)

    op.create_table('sync_faults',
    sa.Column('world_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('channel', sa.String(length=20), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('delay_seconds', sa.Integer(), nullable=True),
    sa.Column('starts_at', backoffice.db.UTCDateTime(), nullable=False),
    sa.Column('ends_at', backoffice.db.UTCDateTime(), nullable=True),
    sa.Column('cleared_at', backoffice.db.UTCDateTime(), nullable=True),
    sa.CheckConstraint("channel IN ('incremental','industry','nightly','sync_info','ca_cancel','upload')", name=op.f('ck_sync_faults_channel')),
    sa.CheckConstraint("kind IN ('fail','delay')", name=op.f('ck_sync_faults_kind')),
    sa.ForeignKeyConstraint(['world_id'], ['worlds.id'], name=op.f('fk_sync_faults_world_id'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('world_id', 'id', name=op.f('pk_sync_faults'))
    )
    with op.batch_alter_table('sync_faults', schema=None) as batch_op:
        batch_op.create_index('ix_sync_faults_active', ['world_id', 'channel', 'starts_at'], unique=False)

    op.create_table('sync_upload_reports',
    sa.Column('world_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('source_taxpayer_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=12), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('event', sa.String(length=10), nullable=False),
    sa.Column('amount', backoffice.db.Money(), nullable=False),
    sa.Column('reported_at', backoffice.db.UTCDateTime(), nullable=False),
    sa.Column('after_seq', sa.BigInteger(), nullable=False),
    sa.Column('due_at', backoffice.db.UTCDateTime(), nullable=True),
    sa.Column('delivered_at', backoffice.db.UTCDateTime(), nullable=True),
    sa.Column('fault_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['world_id'], ['worlds.id'], name=op.f('fk_sync_upload_reports_world_id'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('world_id', 'id', name=op.f('pk_sync_upload_reports'))
    )
    with op.batch_alter_table('sync_upload_reports', schema=None) as batch_op:
        batch_op.create_index('ix_sync_upload_reports_invoice', ['world_id', 'code', 'number'], unique=False)
        batch_op.create_index('ix_sync_upload_reports_waiting', ['world_id', 'delivered_at', 'due_at'], unique=False)

    with op.batch_alter_table('job_runs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('status', sa.String(length=10), server_default='ok', nullable=False))
        batch_op.add_column(sa.Column('reason', sa.String(length=300), nullable=True))



def downgrade() -> None:
    with op.batch_alter_table('job_runs', schema=None) as batch_op:
        batch_op.drop_column('reason')
        batch_op.drop_column('status')

    with op.batch_alter_table('sync_upload_reports', schema=None) as batch_op:
        batch_op.drop_index('ix_sync_upload_reports_waiting')
        batch_op.drop_index('ix_sync_upload_reports_invoice')

    op.drop_table('sync_upload_reports')
    with op.batch_alter_table('sync_faults', schema=None) as batch_op:
        batch_op.drop_index('ix_sync_faults_active')

    op.drop_table('sync_faults')
    with op.batch_alter_table('exploration_jobs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_exploration_jobs_owner_id'))

    op.drop_table('exploration_jobs')
