"""`svcollect export` builds a contract's evidence pack; `svcollect verify-pack` checks one;
`svcollect exports prune` deletes packs kept longer than the retention period."""

from __future__ import annotations

import sys
from datetime import date, datetime
from pathlib import Path

import click
from flask.cli import with_appcontext


def _date(value: datetime | None) -> date | None:
    return value.date() if value else None


@click.command("export")
@click.argument("contract_reference")
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Folder to write the pack to (default: SVCOLLECT_EXPORT_DIR).",
)
@click.option(
    "--from",
    "period_start",
    type=click.DateTime(["%Y-%m-%d"]),
    default=None,
    help="First day of the reporting period, YYYY-MM-DD (default: the contract's start).",
)
@click.option(
    "--to",
    "period_end",
    type=click.DateTime(["%Y-%m-%d"]),
    default=None,
    help="Last day of the reporting period, YYYY-MM-DD (default: up to now).",
)
@click.option("--buyer", default=None, help="The buyer's name, where two buyers use the reference.")
@with_appcontext
def export_command(
    contract_reference: str,
    out_dir: Path | None,
    period_start: datetime | None,
    period_end: datetime | None,
    buyer: str | None,
) -> None:
    """Build the evidence pack for a contract now, then print its path and SHA-256."""
    from svcollect.evidence.pack import PackError
    from svcollect.services import contracts
    from svcollect.services.exports import export_dir, run_job, start_export

    try:
        contract = contracts.contract_by_reference(contract_reference, buyer)
    except contracts.ContractRefused as refused:
        click.echo(str(refused), err=True)
        sys.exit(1)
    try:
        job = start_export(None, contract, _date(period_start), _date(period_end))
    except PackError as error:
        click.echo(str(error), err=True)
        sys.exit(1)
    target = out_dir or export_dir()
    with click.progressbar(length=100, label="Building the evidence pack") as bar:

        def on_progress(percent: int, _message: str) -> None:
            bar.update(percent - bar.pos)

        finished = run_job(job.id, on_progress=on_progress, out_dir=target)
        if finished is not None and finished.status == "done":
            bar.update(100 - bar.pos)
    if finished is None or finished.status != "done":
        click.echo(finished.message if finished else "The export job disappeared", err=True)
        sys.exit(1)
    click.echo(f"Pack:    {target / (finished.file_name or '')}")
    click.echo(f"SHA-256: {finished.sha256}")
    click.echo(f"Size:    {finished.size_bytes:,} bytes")


@click.command("verify-pack")
@click.argument("pack", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def verify_pack_command(pack: Path) -> None:
    """Check every file in an evidence pack against its manifest; exit 1 if any changed."""
    from svcollect.evidence.pack import sha256_file, verify_pack

    problems = verify_pack(pack)
    click.echo(f"Pack SHA-256: {sha256_file(pack)}")
    for problem in problems:
        click.echo(problem)
    if problems:
        click.echo(f"{len(problems)} problem(s): this pack is not as it was built", err=True)
        sys.exit(1)
    click.echo("Every file matches the manifest.")


@click.group("exports")
def exports_group() -> None:
    """Evidence packs kept in the export folder."""


@exports_group.command("prune")
@click.option(
    "--days",
    type=click.IntRange(min=1),
    default=None,
    help="Delete packs finished more than this many days ago "
    "(default: SVCOLLECT_EXPORT_RETENTION_DAYS).",
)
@with_appcontext
def prune_command(days: int | None) -> None:
    """Delete evidence packs older than the retention period, and files of unfinished builds.

    Each deleted pack's job is kept, marked as deleted (its status page says the pack has
    expired), and the deletion is recorded in the audit log. Run it daily, for example
    from cron or a systemd timer.
    """
    from svcollect.services.export_retention import prune_exports, retention_days

    kept_for = days or retention_days()
    result = prune_exports(kept_for)
    click.echo(
        f"Deleted {len(result.packs):,} evidence pack(s) finished more than {kept_for} days ago "
        f"and {len(result.scratch):,} abandoned temporary file(s); "
        f"{result.bytes_freed:,} bytes freed."
    )


COMMANDS = [export_command, verify_pack_command, exports_group]
