"""invitation batches: links made by one form can be downloaded again for a day

A double click on "Create links" used to make two batches, of which the browser kept only
the second download: the first batch's links were never seen, yet counted as issued for
good. Now each form makes one batch, a repeat goes to it, and its links are made from a
random seed and the app secret so their maker can download them again until the seed is
cleared a day later. Earlier invitations have no batch.

Revision ID: b7e4d2c9a1f0
Revises: 31a5798d4c1b
Create Date: 2026-12-03 11:20:00.000000

"""
from alembic import op
import sqlalchemy as sa

import svcollect.models._types


# revision identifiers, used by Alembic.
revision = 'b7e4d2c9a1f0'
down_revision = '31a5798d4c1b'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'invitation_batch',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('collection_id', sa.Integer(), nullable=False),
        sa.Column('made_by_id', sa.Integer(), nullable=True),
        sa.Column('count', sa.Integer(), nullable=False),
        sa.Column('made_at', svcollect.models._types.UTCDateTime(), nullable=False),
        sa.Column('seed', sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(
            ['collection_id'], ['collection.id'],
            name=op.f('fk_invitation_batch_collection_id_collection'),
        ),
        sa.ForeignKeyConstraint(
            ['made_by_id'], ['user_account.id'],
            name=op.f('fk_invitation_batch_made_by_id_user_account'), ondelete='SET NULL',
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_invitation_batch')),
    )
    with op.batch_alter_table('invitation_batch', schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f('ix_invitation_batch_collection_id'), ['collection_id'], unique=False
        )
        batch_op.create_index(batch_op.f('ix_invitation_batch_made_at'), ['made_at'], unique=False)


def downgrade():
    with op.batch_alter_table('invitation_batch', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_invitation_batch_made_at'))
        batch_op.drop_index(batch_op.f('ix_invitation_batch_collection_id'))
    op.drop_table('invitation_batch')
