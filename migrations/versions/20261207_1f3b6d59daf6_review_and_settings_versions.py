"""organisations and declarations count their saves, so a page read before another save is refused

Two administrators (or tabs) changing an organisation, or a contract manager recording the
WEMWBS licence while an administrator changed it, each saved over the other unseen. Two
reviewers deciding on one declaration's evidence each recorded a decision without seeing
the other's. Each row now has `version`, as contracts and commitments have (9c3e5a7d1f20):
an organisation counts the saves of its settings, a declaration the decisions recorded in
its review history. Rows already there start at 1.

Revision ID: 1f3b6d59daf6
Revises: 9c3e5a7d1f20
Create Date: 2026-12-07 15:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '1f3b6d59daf6'
down_revision = '9c3e5a7d1f20'
branch_labels = None
depends_on = None


def upgrade():
    for table in ('organisation', 'declaration'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(
                sa.Column('version', sa.Integer(), server_default='1', nullable=False)
            )


def downgrade():
    for table in ('declaration', 'organisation'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column('version')
