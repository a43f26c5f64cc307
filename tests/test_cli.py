from __future__ import annotations

import subprocess
import sys

import pytest
from typer.testing import CliRunner

from opendcc.cli import app


def test_version() -> None:
    result = CliRunner().invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.output.startswith("opendcc ")


def _commands(group: object, prefix: list[str]) -> list[list[str]]:
    import typer.main

    click_cmd = typer.main.get_command(group)  # type: ignore[arg-type]
    found = [prefix]
    for name, sub in getattr(click_cmd, "commands", {}).items():
        found.append([*prefix, name])
        found += [[*prefix, name, n] for n in getattr(sub, "commands", {})]
    return found


@pytest.mark.parametrize("argv", _commands(app, []), ids=lambda a: " ".join(a) or "opendcc")
def test_every_command_has_help(argv: list[str]) -> None:
    result = CliRunner().invoke(app, [*argv, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage" in result.output


def test_module_entry_point() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "opendcc", "--help"], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0
    assert "duis" in done.stdout
