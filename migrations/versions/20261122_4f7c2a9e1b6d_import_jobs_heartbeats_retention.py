"""import jobs, job heartbeats and evidence pack retention

Revision ID: 4f7c2a9e1b6d
Revises: 95ded680774a
Create Date: 2026-11-23 09:00:00.000000

"""
from alembic import op
import sqlalchemy as sa

import svcollect.models._types


# revision identifiers, used by Alembic.
revision = '4f7c2a9e1b6d'
down_revision = '95ded680774a'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('import_job',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('collection_id', sa.Integer(), nullable=False),
    sa.Column('requested_by_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('progress', sa.Integer(), nullable=False),
    sa.Column('message', sa.Text(), nullable=False),
    sa.Column('file_name', sa.String(length=200), nullable=False),
    sa.Column('stored_name', sa.String(length=64), nullable=True),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('size_bytes', sa.Integer(), nullable=False),
    sa.Column('problem_count', sa.Integer(), nullable=False),
    sa.Column('problems', sa.Text(), nullable=True),
    sa.Column('blank_rows', sa.Integer(), nullable=False),
    sa.Column('batch_id', sa.Integer(), nullable=True),
    sa.Column('created_at', svcollect.models._types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('started_at', svcollect.models._types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('finished_at', svcollect.models._types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('heartbeat_at', svcollect.models._types.UTCDateTime(timezone=True), nullable=True),
    sa.CheckConstraint("status IN ('queued', 'running', 'done', 'failed')", name=op.f('ck_import_job_status')),
    sa.CheckConstraint('progress >= 0 AND progress <= 100', name=op.f('ck_import_job_progress_percent')),
    sa.CheckConstraint('problem_count >= 0', name=op.f('ck_import_job_problem_count_not_negative')),
    sa.CheckConstraint("(status = 'done' AND batch_id IS NOT NULL) OR (status != 'done' AND batch_id IS NULL)", name=op.f('ck_import_job_done_has_batch')),
    sa.CheckConstraint("status IN ('queued', 'running') OR finished_at IS NOT NULL", name=op.f('ck_import_job_finished_when_over')),
    sa.ForeignKeyConstraint(['batch_id'], ['import_batch.id'], name=op.f('fk_import_job_batch_id_import_batch')),
    sa.ForeignKeyConstraint(['collection_id'], ['collection.id'], name=op.f('fk_import_job_collection_id_collection')),
    sa.ForeignKeyConstraint(['requested_by_id'], ['user_account.id'], name=op.f('fk_import_job_requested_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_import_job'))
    )
    with op.batch_alter_table('import_job', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_import_job_collection_id'), ['collection_id'], unique=False)

    with op.batch_alter_table('export_job', schema=None) as batch_op:
        batch_op.add_column(sa.Column('heartbeat_at', svcollect.models._types.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('deleted_at', svcollect.models._types.UTCDateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('export_job', schema=None) as batch_op:
        batch_op.drop_column('deleted_at')
        batch_op.drop_column('heartbeat_at')

    with op.batch_alter_table('import_job', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_import_job_collection_id'))

    op.drop_table('import_job')
