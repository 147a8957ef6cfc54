"""alerts/README.md documents every command, template and setting this area adds."""

from __future__ import annotations

from pathlib import Path

import typer.main

from alerts.render import TEMPLATES
from billwatch.cli import app

README = (Path(__file__).resolve().parents[2] / "alerts" / "README.md").read_text()
OURS = {"subscribers", "digest", "alerts", "outbox", "unsubscribe", "serve-unsubscribe", "run"}


def test_every_command_and_option_is_documented():
    group = typer.main.get_command(app)
    for name in OURS:
        command = group.commands[name]  # type: ignore[attr-defined]
        subcommands = getattr(command, "commands", {"": command})
        for sub_name, sub in subcommands.items():
            assert f"billwatch {name} {sub_name}".strip() in README, (name, sub_name)
            for param in sub.params:
                for opt in param.opts:
                    if opt.startswith("--") and opt != "--help":
                        assert opt in README, (name, sub_name, opt)


def test_every_template_is_documented():
    for path in TEMPLATES.rglob("*.j2"):
        assert str(path.relative_to(TEMPLATES)) in README, path.name


def test_settings_we_added_are_documented():
    for name in (
        "CRAWL_INTERVALS",
        "CRAWL_INTERVAL_MINUTES",
        "SOURCE_BASE_URLS",
        "CRAWL_SOURCES",
        "DIGEST_DAILY_TIME",
        "DIGEST_WEEKLY_DAY",
        "DIGEST_WEEKLY_TIME",
        "ALERT_LOOKBACK_DAYS",
        "SEND_MAX_ATTEMPTS",
        "SEND_RETRY_BASE_S",
        "SMTP_URL",
        "TIMEZONE",
    ):
        assert f"BILLWATCH_{name}" in README, name
