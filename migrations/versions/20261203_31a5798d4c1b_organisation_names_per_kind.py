"""organisation names are unique per kind, compared without case or spacing

Two buyers could both be called "Demo Borough Council" (or " demo borough council "):
every list then showed two entries alike and `--buyer NAME` could not say which was meant.
Now `name_key` (the name casefolded, spaces collapsed, NFC, as a contract's
`reference_key`) is unique per kind. Where two organisations of one kind already have
names that compare equal, the later ones' keys get " #<id>" so that the upgrade keeps
every organisation (and all that points at it); new ones cannot repeat those names, and
an administrator can rename either.

Revision ID: 31a5798d4c1b
Revises: e8b3f2a61c57
Create Date: 2026-12-03 08:10:00.000000

"""
import unicodedata

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '31a5798d4c1b'
down_revision = 'e8b3f2a61c57'
branch_labels = None
depends_on = None


def _key(name):
    # As svcollect.models.contract.comparison_key at this revision (kept here on purpose:
    # a migration must not change when the app's code does).
    return " ".join(unicodedata.normalize("NFC", name).split()).casefold()


def upgrade():
    with op.batch_alter_table('organisation', schema=None) as batch_op:
        batch_op.add_column(sa.Column('name_key', sa.String(length=1000), nullable=True))
    connection = op.get_bind()
    organisation = sa.table(
        'organisation',
        sa.column('id', sa.Integer),
        sa.column('kind', sa.String),
        sa.column('name', sa.String),
        sa.column('name_key', sa.String),
    )
    rows = connection.execute(
        sa.select(organisation.c.id, organisation.c.kind, organisation.c.name).order_by(
            organisation.c.id
        )
    ).fetchall()
    # A suffixed key must not take the plain key of another organisation ("X #7" named so).
    plain = {(kind, _key(name)) for _, kind, name in rows}
    seen = set()
    for id_, kind, name in rows:
        key = _key(name)
        if (kind, key) in seen:
            key = f"{key} #{id_}"
            while (kind, key) in seen or (kind, key) in plain:
                key = f"{key} #{id_}"
        seen.add((kind, key))
        connection.execute(
            organisation.update().where(organisation.c.id == id_).values(name_key=key)
        )
    with op.batch_alter_table('organisation', schema=None) as batch_op:
        batch_op.alter_column('name_key', existing_type=sa.String(length=1000), nullable=False)
        batch_op.create_unique_constraint(
            batch_op.f('uq_organisation_kind_name_key'), ['kind', 'name_key']
        )


def downgrade():
    with op.batch_alter_table('organisation', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_organisation_kind_name_key'), type_='unique')
        batch_op.drop_column('name_key')
