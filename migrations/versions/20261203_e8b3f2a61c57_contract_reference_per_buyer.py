"""contract references are unique per buyer, compared without case or spacing

A reference was unique across svcollect and compared exactly: a second council could not
use its own "CON-001", the refusal told it that another organisation had one, and one
buyer could hold both "con-001" and "CON-001". Now `reference_key` (the reference
casefolded, spaces collapsed, NFC) is unique per buyer. Where one buyer already holds
two references that now compare equal, the later ones' keys get " #<id>" so that the
upgrade keeps every contract; new contracts cannot repeat them.

Revision ID: e8b3f2a61c57
Revises: c4d1a7e09f3b
Create Date: 2026-12-03 07:40:00.000000

"""
import unicodedata

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e8b3f2a61c57'
down_revision = 'c4d1a7e09f3b'
branch_labels = None
depends_on = None


def _key(reference):
    # As svcollect.models.contract.reference_key at this revision (kept here on purpose:
    # a migration must not change when the app's code does).
    return " ".join(unicodedata.normalize("NFC", reference).split()).casefold()


def upgrade():
    with op.batch_alter_table('contract', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reference_key', sa.String(length=300), nullable=True))
    connection = op.get_bind()
    contract = sa.table(
        'contract',
        sa.column('id', sa.Integer),
        sa.column('buyer_id', sa.Integer),
        sa.column('reference', sa.String),
        sa.column('reference_key', sa.String),
    )
    seen = set()
    rows = connection.execute(
        sa.select(contract.c.id, contract.c.buyer_id, contract.c.reference).order_by(contract.c.id)
    )
    for id_, buyer_id, reference in rows.fetchall():
        key = _key(reference)
        if (buyer_id, key) in seen:
            key = f"{key} #{id_}"
        seen.add((buyer_id, key))
        connection.execute(
            contract.update().where(contract.c.id == id_).values(reference_key=key)
        )
    with op.batch_alter_table('contract', schema=None) as batch_op:
        batch_op.alter_column('reference_key', existing_type=sa.String(length=300), nullable=False)
        batch_op.drop_constraint('uq_contract_reference', type_='unique')
        batch_op.create_unique_constraint(
            batch_op.f('uq_contract_buyer_id_reference_key'), ['buyer_id', 'reference_key']
        )


def downgrade():
    # Fails if two buyers now share a reference: which one to rename is not ours to decide.
    with op.batch_alter_table('contract', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_contract_buyer_id_reference_key'), type_='unique')
        batch_op.create_unique_constraint('uq_contract_reference', ['reference'])
        batch_op.drop_column('reference_key')
