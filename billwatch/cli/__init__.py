"""The `billwatch` command line: one module per area registers its commands."""

from __future__ import annotations

import logging

import typer

from billwatch.cli import (
    alerts_cmds,
    classify_cmds,
    corpus_cmds,
    crawl_cmds,
    db_cmds,
    export_cmds,
    ingest_cmds,
    people_cmds,
    read_cmds,
    run_cmds,
    text_cmds,
    votes_cmds,
    web_cmds,
)

app = typer.Typer(
    name="billwatch",
    help="Legislative tracking and alerting for the anti-trafficking coalition.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

for module in (
    db_cmds,
    ingest_cmds,
    text_cmds,
    read_cmds,
    export_cmds,
    people_cmds,
    votes_cmds,
    crawl_cmds,
    classify_cmds,
    corpus_cmds,
    alerts_cmds,
    run_cmds,
    web_cmds,
):
    module.register(app)


@app.callback()
def _root(verbose: bool = typer.Option(False, "--verbose", "-v", help="Log debug output.")) -> None:
    """Legislative tracking and alerting for the anti-trafficking coalition."""
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )


def main() -> None:
    """Entry point of the `billwatch` console script."""
    app()
