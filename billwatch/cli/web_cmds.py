"""`billwatch serve`, `billwatch users add` and `billwatch api-keys add`: the workbench."""

from __future__ import annotations

import typer

from billwatch.cli.common import console, err_console, fail, open_database
from billwatch.settings import get_settings
from billwatch.web.security import ROLES, WeakPassword, create_api_key, create_user
from billwatch.web.server import UnsafeServe, make_server

users_app = typer.Typer(help="Workbench users (coalition staff).", no_args_is_help=True)
keys_app = typer.Typer(help="API keys for programs reading /api/v1.", no_args_is_help=True)


def serve(
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on."),
    port: int = typer.Option(8000, "--port", help="Port to listen on."),
) -> None:
    """Serve the workbench (pages, /api/v1, review, members' preferences) until interrupted."""
    factory = open_database()
    try:
        server, configured = make_server(factory, get_settings(), host, port)
    except UnsafeServe as exc:
        fail(str(exc))
    if not configured:
        err_console.print(
            "warning: BILLWATCH_SECRET_KEY is missing or weak; using a throwaway key "
            "(sign-ins end with this process, members' links are not served)",
            highlight=False,
        )
    console.print(f"workbench on http://{host}:{port}/", highlight=False)
    server.run()
    if not server.started:
        fail(f"could not listen on {host}:{port}")


def users_add(
    email: str = typer.Argument(..., help="The user's email address (their sign-in name)."),
    role: str = typer.Option("viewer", "--role", help=f"One of {', '.join(ROLES)}."),
    name: str = typer.Option("", "--name", help="Display name."),
    password: str = typer.Option(
        ..., prompt=True, hide_input=True, confirmation_prompt=True, help="At least 12 characters."
    ),
) -> None:
    """Add a workbench user with a role (the password is prompted for, never echoed)."""
    factory = open_database()
    try:
        with factory.begin() as session:
            user = create_user(session, email, password, role, name)
            added = f"added {user.email} as {user.role}"
    except (ValueError, WeakPassword) as exc:
        fail(str(exc))
    console.print(added, highlight=False, markup=False)


def keys_add(
    name: str = typer.Argument(..., help="The program the key is for."),
    rate: int = typer.Option(60, "--rate", min=1, max=10_000, help="Requests a minute."),
) -> None:
    """Create an API key; it is printed once and stored only as a hash."""
    factory = open_database()
    with factory.begin() as session:
        _, key = create_api_key(session, name[:200], rate)
    console.print(key, highlight=False, markup=False)


def register(app: typer.Typer) -> None:
    """Add serve and the users and api-keys groups."""
    app.command("serve")(serve)
    users_app.command("add")(users_add)
    keys_app.command("add")(keys_add)
    app.add_typer(users_app, name="users")
    app.add_typer(keys_app, name="api-keys")
