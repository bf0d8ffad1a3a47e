"""commitment ids are never reused, so a page left open on a removed commitment cannot change a newer one

SQLite gives a new row the id after the largest one there now (without AUTOINCREMENT):
once the last commitment added was removed, the next one took its id, and a change form
still open on the removed one (at version 1, as the new one is) saved over the new one.
AUTOINCREMENT on SQLite makes ids climb for good, as PostgreSQL's sequences already do;
nothing changes on PostgreSQL.

Revision ID: 3f6b8d2e4a17
Revises: 1f3b6d59daf6
Create Date: 2026-12-07 15:00:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '3f6b8d2e4a17'
down_revision = '1f3b6d59daf6'
branch_labels = None
depends_on = None


def _rebuild(autoincrement):
    # SQLite takes AUTOINCREMENT only when the table is made: copy it into a new one.
    if op.get_bind().dialect.name != 'sqlite':
        return
    with op.batch_alter_table(
        'commitment', recreate='always', table_kwargs={'sqlite_autoincrement': autoincrement}
    ):
        pass


def upgrade():
    _rebuild(True)


def downgrade():
    _rebuild(False)
