"""answer deletion records: raw answers deleted at the end of retention, results kept

One row per contract whose survey answers were deleted after the contract's end plus the
deployment's retention period. It points at the results snapshot kept in their place and
holds aggregate response counts only.

Revision ID: a26755b7244b
Revises: 7b1e5c0a92d4
Create Date: 2026-12-02 18:22:42.057782

"""
from alembic import op
import sqlalchemy as sa

import svcollect.models._types


# revision identifiers, used by Alembic.
revision = 'a26755b7244b'
down_revision = '7b1e5c0a92d4'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('answer_deletion',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('contract_id', sa.Integer(), nullable=False),
    sa.Column('snapshot_id', sa.Integer(), nullable=False),
    sa.Column('deleted_at', svcollect.models._types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('completed_at', svcollect.models._types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('contract_ended_on', sa.Date(), nullable=False),
    sa.Column('retention_days', sa.Integer(), nullable=False),
    sa.Column('responses_deleted', sa.Integer(), nullable=False),
    sa.Column('answers_deleted', sa.Integer(), nullable=False),
    sa.Column('respondents_deleted', sa.Integer(), nullable=False),
    sa.Column('packs_deleted', sa.Integer(), nullable=False),
    sa.Column('kept_counts_json', sa.Text(), nullable=False),
    sa.CheckConstraint('responses_deleted >= 0 AND answers_deleted >= 0 AND respondents_deleted >= 0', name=op.f('ck_answer_deletion_counts_not_negative')),
    sa.CheckConstraint('retention_days >= 0', name=op.f('ck_answer_deletion_retention_days_not_negative')),
    sa.ForeignKeyConstraint(['contract_id'], ['contract.id'], name=op.f('fk_answer_deletion_contract_id_contract')),
    sa.ForeignKeyConstraint(['snapshot_id'], ['result_snapshot.id'], name=op.f('fk_answer_deletion_snapshot_id_result_snapshot')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_answer_deletion')),
    sa.UniqueConstraint('contract_id', name=op.f('uq_answer_deletion_contract_id'))
    )


def downgrade():
    op.drop_table('answer_deletion')
