"""Every svcollect command and option explains itself in --help."""

from __future__ import annotations

import click
import pytest

from svcollect.cli import COMMANDS


def _commands(command: click.Command, path: str = "svcollect"):
    name = f"{path} {command.name}"
    yield name, command
    if isinstance(command, click.Group):
        for sub in command.commands.values():
            yield from _commands(sub, name)


ALL = [pair for command in COMMANDS for pair in _commands(command)]


@pytest.mark.parametrize(("name", "command"), ALL, ids=[name for name, _ in ALL])
def test_command_and_its_options_have_help(name, command):
    assert (command.help or "").strip(), f"{name} has no description"
    silent = [
        "/".join(parameter.opts)
        for parameter in command.params
        if isinstance(parameter, click.Option) and not (parameter.help or "").strip()
    ]
    assert not silent, f"{name}: options without help text: {silent}"
