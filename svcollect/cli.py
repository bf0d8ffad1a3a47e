"""The `svcollect` command: Flask's commands plus questionnaires, demo and data commands."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import FlaskGroup, with_appcontext


def _create_app():
    from svcollect import create_app
    from svcollect.config import ConfigError
    from svcollect.questionnaires import QuestionnaireError
    from svcollect.services.questionnaires import ReleasedVersionEdited

    try:
        return create_app()
    except (QuestionnaireError, ReleasedVersionEdited, ConfigError) as error:
        # Stop with the file and problem named, not a traceback.
        click.echo(f"svcollect cannot start:\n{error}", err=True)
        sys.exit(2)


@click.group("questionnaires")
def questionnaires_group() -> None:
    """Check, list and release questionnaire files."""


@questionnaires_group.command("validate")
@click.option(
    "--dir",
    "directory",
    type=click.Path(path_type=Path),
    default=None,
    help="Folder to check (default: SVCOLLECT_QUESTIONNAIRE_DIR, else questionnaires/).",
)
def validate_command(directory: Path | None) -> None:
    """Check every questionnaire file; print file:line: problem for each error."""
    from svcollect.config import PROJECT_ROOT
    from svcollect.questionnaires import validate_directory
    from svcollect.scoring import scorer_names

    root = directory or Path(
        os.environ.get("SVCOLLECT_QUESTIONNAIRE_DIR") or PROJECT_ROOT / "questionnaires"
    )
    problems = validate_directory(root, scorer_names())
    for problem in problems:
        click.echo(str(problem))
    if problems:
        click.echo(f"{len(problems)} problem(s) found", err=True)
        sys.exit(1)
    click.echo(f"All questionnaire files in {root} are valid")


@questionnaires_group.command("sync")
@with_appcontext
def sync_command() -> None:
    """Record each (id, version) with its content hash; refuse edited released versions."""
    from svcollect.services.questionnaires import (
        ReleasedVersionEdited,
        registry,
        sync_releases,
    )

    try:
        result = sync_releases(registry())
    except ReleasedVersionEdited as error:
        click.echo(str(error), err=True)
        sys.exit(1)
    for key in result.added:
        click.echo(f"released {key}")
    click.echo(f"{len(result.added)} released, {len(result.unchanged)} already released")


@questionnaires_group.command("list")
@with_appcontext
def list_command() -> None:
    """List loaded questionnaires with their content hashes."""
    from svcollect.services.questionnaires import registry

    for q in registry():
        click.echo(f"{q.id}/v{q.version}  {q.content_hash[:12]}  {q.title}")


@click.command("demo")
@with_appcontext
def demo_command() -> None:
    """Create the demo contract, collections and accounts, and print links and passwords."""
    from svcollect.services.demo import DemoFailed, seed_demo

    base = (current_app.config.get("SVCOLLECT_BASE_URL") or "http://127.0.0.1:5000").rstrip("/")
    try:
        demo = seed_demo()
    except DemoFailed as failed:
        click.echo(f"The demo could not be completed: {failed}", err=True)
        sys.exit(1)
    click.echo("Demo survey links (open to anyone with the link):")
    for link in demo.links:
        click.echo(f"  {link.questionnaire} [{link.audience}]: {base}{link.path}")
    click.echo(f"\nStaff sign-in at {base}/sign-in (passwords are new each time this runs):")
    for role, email, password in demo.accounts:
        click.echo(f"  {role:17} {email}  password: {password}")
    for note in demo.notes:
        click.echo(f"\n{note}")


@click.command("score")
@click.argument("contract_reference")
@click.option("--json", "as_json", is_flag=True, help="Print the full results as JSON.")
@click.option("--store/--no-store", default=True, help="Keep a snapshot with its provenance.")
@click.option("--buyer", default=None, help="The buyer's name, where two buyers use the reference.")
@with_appcontext
def score_command(contract_reference: str, as_json: bool, store: bool, buyer: str | None) -> None:
    """Score, pair and value a contract's collections (suppression applied)."""
    from svcollect.services import contracts
    from svcollect.services.results import (
        ContractResults,
        public_dict,
        render_text,
        results_of,
        store_snapshot,
    )

    try:
        contract = contracts.contract_by_reference(contract_reference, buyer)
    except contracts.ContractRefused as refused:
        click.echo(str(refused), err=True)
        sys.exit(1)
    results = results_of(contract)
    if results.deletion is not None:
        click.echo(
            f"The survey answers were deleted on {results.deletion.deleted_at:%Y-%m-%d} at the "
            "end of their retention period: these are the results kept then.",
            err=True,
        )
    elif store and isinstance(results, ContractResults):
        store_snapshot(results)
    if as_json:
        import json

        click.echo(json.dumps({**public_dict(results), "sha256": results.sha256}, indent=2))
    else:
        click.echo(render_text(results))


@click.group("users")
def users_group() -> None:
    """Staff accounts."""


@users_group.command("create")
@click.option("--email", required=True, help="The person's email address; they sign in with it.")
@click.option("--name", required=True, help="The person's full name, as staff pages show it.")
@click.option(
    "--role",
    required=True,
    type=click.Choice(["admin", "contract_manager", "supplier_user"]),
    help="What they may do; contract managers and supplier users need --organisation-id.",
)
@click.option(
    "--organisation-id",
    type=int,
    default=None,
    help="The id of the organisation they work for (see /admin).",
)
@with_appcontext
def create_user_command(email: str, name: str, role: str, organisation_id: int | None) -> None:
    """Create an account and print its one-time set-password link (shown only now)."""
    from svcollect.services.accounts import AccountRefused, create_user

    try:
        issued = create_user(email, name, role, organisation_id, actor=None)
    except AccountRefused as refused:
        message = str(refused)
        if message == "Select an organisation from the list":  # the form's words: no list here
            message = f"No organisation has id {organisation_id}"
        click.echo(message, err=True)
        sys.exit(1)
    base = (current_app.config.get("SVCOLLECT_BASE_URL") or "http://127.0.0.1:5000").rstrip("/")
    click.echo(f"Created {issued.user.email} ({role}).")
    click.echo(f"One-time link to set a password (expires {issued.expires_at:%Y-%m-%d %H:%M} UTC):")
    click.echo(f"  {base}/set-password/{issued.token}")


from svcollect.cli_exports import COMMANDS as EXPORT_COMMANDS  # noqa: E402
from svcollect.cli_imports import import_responses_command  # noqa: E402
from svcollect.cli_retention import COMMANDS as RETENTION_COMMANDS  # noqa: E402

COMMANDS = [
    questionnaires_group,
    demo_command,
    users_group,
    score_command,
    import_responses_command,
    *EXPORT_COMMANDS,
    *RETENTION_COMMANDS,
]


def register_commands(app) -> None:
    for command in COMMANDS:
        app.cli.add_command(command)


@click.group(cls=FlaskGroup, create_app=_create_app, add_version_option=False)
def main() -> None:
    """svcollect: social value evidence for UK public contracts."""


for _command in COMMANDS:
    main.add_command(_command)
