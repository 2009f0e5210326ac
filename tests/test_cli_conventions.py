"""One convention for every ``kolgraph`` command (``kolgraph/cli/support.py``): every command
and subcommand answers ``--help``; a command that prints results takes ``--format
table|json|csv``; ``--out -`` is standard output (a folder ``--out`` refuses it); the same
thing has the same option name everywhere; no visible ``--json`` flag is left."""

from __future__ import annotations

from collections.abc import Iterator

import click
import pytest
from click.testing import CliRunner

from kolgraph.cli import cli, main

FORMATS = ["table", "json", "csv"]
# The commands that print results (rows or a summary), by their path.
PRINTS_RESULTS = {"analyze", "db counts", "db status", "ingest", "models", "query", "recommend",
                  "refresh", "runs", "sample", "seeds", "similar", "train", "user list"}
# The same thing, the same flag: a callback parameter and the only option that sets it.
SAME_NAMES = {"fmt": "--format", "k": "--k", "seed": "--seed", "limit": "--limit",
              "out": "--out", "device": "--device", "epochs": "--epochs", "hidden": "--hidden",
              "weights_file": "--weights", "persons": "--persons"}


def _commands(group: click.Group = cli, path: tuple[str, ...] = ()) -> Iterator[
        tuple[tuple[str, ...], click.Command]]:
    ctx = click.Context(group)
    for name in group.list_commands(ctx):
        command = group.get_command(ctx, name)
        assert command is not None, name
        yield (*path, name), command
        if isinstance(command, click.Group):
            yield from _commands(command, (*path, name))


COMMANDS = dict(_commands())


def _options(command: click.Command) -> list[click.Option]:
    return [p for p in command.params if isinstance(p, click.Option)]


def test_every_command_is_found_and_available():
    names = {" ".join(path) for path in COMMANDS}
    assert names >= PRINTS_RESULTS
    assert {"export persons", "export communities", "export recommendations", "user add",
            "demo", "serve"} <= names
    unavailable = [n for n, c in ((" ".join(p), c) for p, c in COMMANDS.items())
                   if (c.help or "").startswith("(unavailable")]
    assert unavailable == []


@pytest.mark.parametrize("path", sorted(COMMANDS), ids=" ".join)
def test_help_of_every_command(path: tuple[str, ...]):
    result = CliRunner().invoke(cli, [*path, "--help"], prog_name="kolgraph")
    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"Usage: kolgraph {' '.join(path)}")
    assert len(result.output.splitlines()) > 3


def test_root_help():
    result = CliRunner().invoke(cli, ["--help"])
    assert result.exit_code == 0 and "analyze" in result.output


def test_commands_that_print_results_take_format():
    for path, command in COMMANDS.items():
        formats = [o for o in _options(command) if "--format" in o.opts]
        if " ".join(path) in PRINTS_RESULTS:
            assert len(formats) == 1, path
        for option in formats:
            assert option.name == "fmt" and option.default == "table", path
            assert isinstance(option.type, click.Choice), path
            assert list(option.type.choices) == FORMATS, path


def test_no_visible_json_flag():
    for path, command in COMMANDS.items():
        for option in _options(command):
            assert "--json" not in option.opts or option.hidden, path


def test_same_thing_same_option_name():
    for path, command in COMMANDS.items():
        for option in _options(command):
            expected = SAME_NAMES.get(option.name or "")
            if expected is not None:
                assert option.opts == [expected], (path, option.opts)
            for name, flag in SAME_NAMES.items():
                if flag in option.opts and flag not in ("--out",):
                    assert option.name == name, (path, flag, option.name)


def test_every_out_takes_dash_for_standard_output_or_is_a_folder():
    for path, command in COMMANDS.items():
        for option in _options(command):
            if "--out" not in option.opts:
                continue
            assert isinstance(option.type, click.Path), path
            assert option.type.allow_dash or not option.type.file_okay, path


def test_a_folder_out_refuses_dash(capsys):
    with pytest.raises(SystemExit) as exited:
        main(["sample", "--out", "-"])
    assert exited.value.code == 2
    assert capsys.readouterr().err.startswith("error: --out: '-' (standard output) cannot")


def test_the_deprecated_json_flag_is_format_json(tmp_path, monkeypatch):
    monkeypatch.setenv("KOLGRAPH_HOME", str(tmp_path))
    listed = CliRunner().invoke(cli, ["user", "list", "--json"])
    assert listed.exit_code == 0, listed.output
    assert "deprecated" in listed.output and "[]" in listed.output
