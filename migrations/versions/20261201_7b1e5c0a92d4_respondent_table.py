"""respondents: one row per hashed respondent code, responses point at it

Scoring pairs baseline and follow-up by respondent; with the hash on every response it
carried a 64-character string per response through pairing and valuation. Responses now
hold the integer id of their respondent row. Existing codes move across unchanged.

Revision ID: 7b1e5c0a92d4
Revises: 4f7c2a9e1b6d
Create Date: 2026-12-01 22:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '7b1e5c0a92d4'
down_revision = '4f7c2a9e1b6d'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('respondent',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code_hash', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_respondent')),
    sa.UniqueConstraint('code_hash', name=op.f('uq_respondent_code_hash'))
    )
    with op.batch_alter_table('response', schema=None) as batch_op:
        batch_op.add_column(sa.Column('respondent_id', sa.Integer(), nullable=True))
    op.execute(
        "INSERT INTO respondent (code_hash) SELECT DISTINCT respondent_code FROM response "
        "WHERE respondent_code IS NOT NULL ORDER BY respondent_code"
    )
    op.execute(
        "UPDATE response SET respondent_id = (SELECT respondent.id FROM respondent "
        "WHERE respondent.code_hash = response.respondent_code) "
        "WHERE respondent_code IS NOT NULL"
    )
    with op.batch_alter_table('response', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_response_respondent_code'))
        batch_op.drop_column('respondent_code')
        batch_op.create_index(batch_op.f('ix_response_respondent_id'), ['respondent_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_response_respondent_id_respondent'), 'respondent', ['respondent_id'], ['id'])


def downgrade():
    with op.batch_alter_table('response', schema=None) as batch_op:
        batch_op.add_column(sa.Column('respondent_code', sa.String(length=64), nullable=True))
    op.execute(
        "UPDATE response SET respondent_code = (SELECT respondent.code_hash FROM respondent "
        "WHERE respondent.id = response.respondent_id) "
        "WHERE respondent_id IS NOT NULL"
    )
    with op.batch_alter_table('response', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_response_respondent_id_respondent'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_response_respondent_id'))
        batch_op.drop_column('respondent_id')
        batch_op.create_index(batch_op.f('ix_response_respondent_code'), ['respondent_code'], unique=False)

    op.drop_table('respondent')
