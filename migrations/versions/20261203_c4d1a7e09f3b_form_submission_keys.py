"""form submission keys: a staff form saved once, however often it is sent

Each staff form that creates something carries a random key; the first POST with it
claims it in the same transaction as what it saves, and a repeat (a double click, a
resent form) goes where the first went. A user's claims older than a day are deleted
when they make a new one.

Revision ID: c4d1a7e09f3b
Revises: 5e1f0c7d2b9a
Create Date: 2026-12-03 07:10:00.000000

"""
from alembic import op
import sqlalchemy as sa

import svcollect.models._types


# revision identifiers, used by Alembic.
revision = 'c4d1a7e09f3b'
down_revision = '5e1f0c7d2b9a'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'form_submission',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('key', sa.String(length=64), nullable=False),
        sa.Column('endpoint', sa.String(length=100), nullable=False),
        sa.Column('repeat_goes_to', sa.String(length=500), nullable=False),
        sa.Column('created_at', svcollect.models._types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ['user_id'], ['user_account.id'],
            name=op.f('fk_form_submission_user_id_user_account'), ondelete='CASCADE',
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_form_submission')),
        sa.UniqueConstraint('user_id', 'key', name=op.f('uq_form_submission_user_id_key')),
    )
    with op.batch_alter_table('form_submission', schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f('ix_form_submission_created_at'), ['created_at'], unique=False
        )


def downgrade():
    with op.batch_alter_table('form_submission', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_form_submission_created_at'))
    op.drop_table('form_submission')
