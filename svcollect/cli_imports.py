"""`svcollect import-responses`: import paper returns from a spreadsheet on the command line."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask.cli import with_appcontext


@click.command("import-responses")
@click.argument("collection_id", type=int)
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@with_appcontext
def import_responses_command(collection_id: int, file: Path) -> None:
    """Import paper returns (XLSX or CSV, as the template) into a collection.

    Every row is checked first; if any has a problem, each is printed as
    "Row N, column C: problem" and nothing is imported. Importing confirms that everyone
    whose return is in the file gave their consent on the paper form.
    """
    from svcollect.extensions import db
    from svcollect.models import Collection
    from svcollect.services import imports as imports_svc

    collection = db.session.get(Collection, collection_id)
    if collection is None:
        click.echo(f"No collection with id {collection_id}", err=True)
        sys.exit(1)
    try:
        outcome = imports_svc.import_responses(collection, file.name, file.read_bytes())
    except imports_svc.ImportRefused as refused:
        click.echo(str(refused), err=True)
        sys.exit(1)
    if not outcome.ok:
        for problem in outcome.problems:
            click.echo(str(problem))
        hidden = outcome.problem_count - len(outcome.problems)
        if hidden:
            click.echo(f"... and {hidden:,} more problems not listed")
        click.echo(f"{outcome.problem_count:,} problem(s) found; nothing was imported", err=True)
        sys.exit(1)
    click.echo(
        f"{outcome.imported:,} imported into collection {collection.id} "
        f"({collection.label}); {outcome.already_imported:,} already imported, skipped; "
        f"{outcome.blank_rows:,} blank rows skipped"
    )
