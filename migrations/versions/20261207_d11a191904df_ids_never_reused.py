"""response, evidence file and valuation route ids are never reused, as commitments' are not

SQLite gives a new row the id after the largest one there now (without AUTOINCREMENT),
so the next row took the id of the last one deleted:
- a response withdrawn (or deleted after retention) gave its number to the next
  respondent: evidence packs number responses by id, so an earlier pack's response N was
  someone else in the next;
- an evidence file removed from a draft gave its id to the next upload, and a remove page
  left open on the removed file removed the new one;
- a valuation route removed gave its id to the next route added, and a routes page left
  open from before removed the new one (and the audit log named both by the one id).
AUTOINCREMENT on SQLite makes ids climb for good, as PostgreSQL's sequences already do;
nothing changes on PostgreSQL. Answers, evidence files and declarations point at responses:
env.py turns SQLite's foreign keys off while a table is copied, and checks them after.

Revision ID: d11a191904df
Revises: 3f6b8d2e4a17
Create Date: 2026-12-07 17:00:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'd11a191904df'
down_revision = '3f6b8d2e4a17'
branch_labels = None
depends_on = None

TABLES = ('response', 'evidence_file', 'valuation_route')


def _rebuild(autoincrement):
    # SQLite takes AUTOINCREMENT only when the table is made: copy each into a new one.
    if op.get_bind().dialect.name != 'sqlite':
        return
    for table in TABLES:
        with op.batch_alter_table(
            table,
            recreate='always',
            table_kwargs={'sqlite_autoincrement': autoincrement},
            # An AUTOINCREMENT key is written inline, without its name: the name comes
            # back on the way down, as the tables were made.
            naming_convention={'pk': 'pk_%(table_name)s'},
        ):
            pass


def upgrade():
    _rebuild(True)


def downgrade():
    _rebuild(False)
