"""export jobs record whether the pack holds individual answers

A pack exported by someone at the prime supplier (the workforce's employer) leaves the
individual answers out; only the buyer's side and administrators receive, and may
download, packs that hold them. Packs exported before this revision held them.

Revision ID: 5e1f0c7d2b9a
Revises: a26755b7244b
Create Date: 2026-12-02 21:45:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5e1f0c7d2b9a'
down_revision = 'a26755b7244b'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('export_job', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('individual_answers', sa.Boolean(), nullable=False, server_default=sa.true())
        )


def downgrade():
    with op.batch_alter_table('export_job', schema=None) as batch_op:
        batch_op.drop_column('individual_answers')
