"""contracts and commitments count their saves, so a change form read before another save is refused

Two people (or two tabs) changing the same contract or commitment each saved over the
other without knowing: the later save undid the earlier one. Each row now has `version`,
the number of saves of its terms; a change form carries the number it was read at and
the save is refused when the row has moved on. Rows already there start at 1.

Revision ID: 9c3e5a7d1f20
Revises: b7e4d2c9a1f0
Create Date: 2026-12-04 09:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '9c3e5a7d1f20'
down_revision = 'b7e4d2c9a1f0'
branch_labels = None
depends_on = None


def upgrade():
    for table in ('contract', 'commitment'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(
                sa.Column('version', sa.Integer(), server_default='1', nullable=False)
            )


def downgrade():
    for table in ('commitment', 'contract'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column('version')
