"""``kolgraph user``: web users — add (or change the password and role of) one, list,
remove, new API token (``kolgraph.usecases.users``)."""

from __future__ import annotations

import os
import sys

import click

from kolgraph.cli.main import KolgraphGroup
from kolgraph.cli.support import UserError, format_option, settings_from, write_rows
from kolgraph.usecases.users import ROLES, UserStore

ROLE_CHOICE = click.Choice(ROLES)


@click.group(cls=KolgraphGroup)
def user() -> None:
    """Web users: add (or change the password/role of) one, list, remove, new API token."""


def _users(ctx: click.Context) -> UserStore:
    return UserStore.for_home(settings_from(ctx).home)


def _read_password(password_stdin: bool, password_env: str | None) -> str:
    if password_stdin and password_env:
        raise UserError("--password-stdin and --password-env: give only one", 2)
    if password_stdin:
        value = sys.stdin.readline().rstrip("\r\n")
        if not value:
            raise UserError("--password-stdin: standard input held no password", 2)
        return value
    if password_env:
        value = os.environ.get(password_env, "")
        if not value:
            raise UserError(f"--password-env: environment variable {password_env} is unset "
                            "or empty", 2)
        return value
    return click.prompt("Password", hide_input=True, confirmation_prompt=True, err=True)


@user.command(name="add")
@click.argument("name")
@click.option("--role", type=ROLE_CHOICE, required=True, help="viewer, analyst or admin.")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@click.option("--password-env", metavar="VAR", default=None,
              help="Read the password from environment variable VAR.")
@click.pass_context
def user_add(ctx: click.Context, name: str, role: str, password_stdin: bool,
             password_env: str | None) -> None:
    """Add user NAME, or set the role and password of an existing one (password prompted
    twice unless --password-stdin or --password-env)."""
    users = _users(ctx)
    password = _read_password(password_stdin, password_env)
    existed = users.exists(name)
    users.add(name, role, password)
    click.echo(f"user {name} {'updated' if existed else 'added'} ({role})")


@user.command(name="list")
@format_option()
@click.pass_context
def user_list(ctx: click.Context, fmt: str) -> None:
    """List the users and their roles."""
    rows = [{"name": u.name, "role": u.role, "created_at": u.created_at}
            for u in _users(ctx).list()]
    write_rows(rows, ["name", "role", "created_at"], fmt)


@user.command(name="remove")
@click.argument("name")
@click.pass_context
def user_remove(ctx: click.Context, name: str) -> None:
    """Remove user NAME and its API tokens."""
    _users(ctx).remove(name)
    click.echo(f"user {name} removed")


@user.command(name="token")
@click.argument("name")
@click.option("--revoke", is_flag=True, help="Delete every API token of NAME instead.")
@click.pass_context
def user_token(ctx: click.Context, name: str, revoke: bool) -> None:
    """Print a new API token for NAME (send it as 'Authorization: Bearer TOKEN'); only its
    hash is kept, so it cannot be shown again. --revoke deletes all of NAME's tokens."""
    users = _users(ctx)
    if revoke:
        count = users.revoke_tokens(name)
        click.echo(f"revoked {count} token(s) of {name}")
        return
    click.echo(users.new_token(name))
