"""`svcollect answers delete-expired`: delete survey answers past their retention period."""

from __future__ import annotations

import sys
from datetime import datetime

import click
from flask.cli import with_appcontext


@click.group("answers")
def answers_group() -> None:
    """Survey answers and how long they are kept."""


@answers_group.command("delete-expired")
@click.option("--dry-run", is_flag=True, help="List what would be deleted and change nothing.")
@click.option(
    "--today",
    type=click.DateTime(["%Y-%m-%d"]),
    default=None,
    help="Act as if it were this UK date (default: today); for checking a policy.",
)
@with_appcontext
def delete_expired_command(dry_run: bool, today: datetime | None) -> None:
    """Keep the results of contracts past retention, then delete their survey answers.

    A contract's answers are kept until SVCOLLECT_ANSWER_RETENTION_DAYS after its end date.
    Then its results are stored as they stand, and its survey responses, their answers,
    unused respondent codes and its evidence packs are deleted; supplier declarations are
    kept. The results are kept first, then the answers go in batches; a run that stopped
    part way is finished by the next. Run it daily (cron or a systemd timer); a run finds
    only contracts not yet done.
    """
    from svcollect.services import retention

    day = today.date() if today else retention.uk_today()
    days = retention.retention_days()
    contracts = retention.due(day, days)
    if not contracts:
        click.echo(f"No contract ended more than {days} days before {day:%Y-%m-%d}.")
        return
    failed = False
    for contract in contracts:
        ended = f"ended {contract.ends_on:%Y-%m-%d}"
        if dry_run:
            would = retention.preview(contract)
            click.echo(
                f"{contract.reference} ({ended}): would delete {would.responses:,} responses "
                f"and {would.answers:,} answers, keeping its results"
            )
            continue
        try:
            record = retention.delete_answers(contract, days=days, now=retention.moment_on(day))
        except retention.Busy as busy:
            click.echo(f"Skipped {busy}", err=True)
            failed = True
            continue
        click.echo(
            f"{contract.reference} ({ended}): deleted {record.responses_deleted:,} responses, "
            f"{record.answers_deleted:,} answers and {record.packs_deleted:,} evidence pack(s); "
            f"results kept (snapshot {record.snapshot_id})"
        )
    if failed:
        sys.exit(1)


COMMANDS = [answers_group]
