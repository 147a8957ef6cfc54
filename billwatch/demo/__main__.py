"""Run the whole main job against a local replay of the bundled sample sources.

A local HTTP server on 127.0.0.1 replays `billwatch/demo/sample/` as the LegiScan, New York Open
Legislation and Open States people APIs; `billwatch run --once` crawls it into a fresh SQLite
database, classifies the versions, raises rapid-response alerts and renders digests, which land as
`.eml` files with HTML previews in `demo-out/`. Then a summary is printed.
"""

from __future__ import annotations

import datetime as dt
import email
import os
import re
import secrets
import shutil
import sqlite3
import subprocess
import sys
from email import policy
from pathlib import Path

from rich.console import Console
from rich.table import Table

from billwatch.demo.replay import serve_sample

SAMPLE = Path(__file__).resolve().parent / "sample"
# The sample bundle's hearings and actions are written around this day; the demo moves every
# date by whole weeks so that, whenever it runs, the hearings are still ahead.
SAMPLE_TODAY = dt.date(2026, 11, 26)
SOURCES = ("people", "legiscan", "ny_openleg")
SUBSCRIBERS = [
    [
        "organiser@example.org",
        "--name",
        "Rapid Response Desk",
        "--org",
        "Coalition",
        "--states",
        "CA,NY,OH",
        "--tags",
        "alert",
        "--frequency",
        "immediate",
    ],
    [
        "analyst@example.org",
        "--name",
        "Policy Analyst",
        "--org",
        "Survivor Network",
        "--states",
        "CA,NY,OH",
        "--tags",
        "alert,track",
        "--frequency",
        "daily",
    ],
    [
        "housing@example.org",
        "--name",
        "Housing Advocate",
        "--org",
        "Safe Homes",
        "--tags",
        "survivor_services,prevention",
        "--keywords",
        "housing",
        "--frequency",
        "weekly",
    ],
]
DATE = re.compile(rb"(?<![\d-])(\d{4})-(\d{2})-(\d{2})(?![\d])")
STATES = "CA,NY,OH"
os.environ.setdefault("COLUMNS", "120")  # the same width for our tables and the commands' own
console = Console()


def shift_dates(source: Path, target: Path, days: int) -> None:
    """Copy the sample bundle, moving every ISO date in its JSON and YAML files by `days`."""

    def move(match: re.Match[bytes]) -> bytes:
        try:
            day = dt.date(int(match[1]), int(match[2]), int(match[3]))
        except ValueError:
            return match[0]
        return (day + dt.timedelta(days=days)).isoformat().encode()

    shutil.copytree(source, target)
    if days == 0:
        return
    for path in target.rglob("*"):
        if path.suffix in (".json", ".yml", ".yaml"):
            path.write_bytes(DATE.sub(move, path.read_bytes()))


def billwatch(
    args: list[str], env: dict[str, str], check: bool = True
) -> subprocess.CompletedProcess[str]:
    """Run one `billwatch` command as a user would, showing its output."""
    console.print(f"[bold cyan]$ billwatch {' '.join(args)}")
    result = subprocess.run(
        [sys.executable, "-m", "billwatch.cli", *args], env=env, text=True, capture_output=True
    )
    if result.stdout:
        console.print(result.stdout.rstrip(), markup=False, highlight=False)
    if result.returncode and check:
        console.print(result.stderr, markup=False, highlight=False)
        raise SystemExit(f"billwatch {args[0]} failed with exit code {result.returncode}")
    return result


def write_previews(outbox: Path, preview: Path) -> list[tuple[str, str, str]]:
    """An .html file beside every .eml; returns (recipient, subject, file) rows."""
    preview.mkdir(parents=True, exist_ok=True)
    rows = []
    for eml in sorted(outbox.rglob("*.eml")):
        message = email.message_from_bytes(eml.read_bytes(), policy=policy.default)
        html = message.get_body(preferencelist=("html",))
        target = preview / (eml.stem + ".html")
        if html is not None:
            target.write_text(html.get_content(), encoding="utf-8")
        rows.append((str(message["To"]), str(message["Subject"]), str(target)))
    return rows


def summary(db: Path) -> None:
    """Bills per state, versions, actions, tags and hearings in the demo database."""
    with sqlite3.connect(db) as conn:
        table = Table(
            "state",
            "bills",
            "versions",
            "actions",
            "hearings",
            "ALERT",
            "TRACK",
            "mixed",
            title="What the demo crawled and tagged",
        )
        for row in conn.execute("""
            SELECT j.code,
              (SELECT count(*) FROM bills b WHERE b.jurisdiction_id = j.id),
              (SELECT count(*) FROM bill_versions v JOIN bills b ON b.id = v.bill_id
                WHERE b.jurisdiction_id = j.id AND v.text <> ''),
              (SELECT count(*) FROM bill_actions a JOIN bills b ON b.id = a.bill_id
                WHERE b.jurisdiction_id = j.id),
              (SELECT count(*) FROM events e WHERE e.jurisdiction_id = j.id),
              (SELECT count(*) FROM bill_overview o WHERE o.jurisdiction = j.code
                AND o.stance = 'ALERT'),
              (SELECT count(*) FROM bill_overview o WHERE o.jurisdiction = j.code
                AND o.stance = 'TRACK'),
              (SELECT count(*) FROM bill_overview o WHERE o.jurisdiction = j.code
                AND o.stance = 'mixed')
            FROM jurisdictions j ORDER BY j.code"""):
            table.add_row(*[str(v) for v in row])
        console.print(table)
        tags = Table("state", "bill", "stance", "tags", title="bill_overview")
        for row in conn.execute(
            "SELECT jurisdiction, identifier, stance, tags FROM bill_overview"
            " ORDER BY jurisdiction, identifier"
        ):
            tags.add_row(*[str(v or "") for v in row])
        console.print(tags)


def main() -> int:
    """Build demo-out/ from scratch and run the main job once."""
    out = Path("demo-out").resolve()
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir()
    weeks = max(0, (dt.date.today() - SAMPLE_TODAY).days // 7)
    shift_dates(SAMPLE, out / "sample", weeks * 7)
    env = {
        **os.environ,
        "BILLWATCH_DATABASE_URL": f"sqlite:///{out / 'billwatch.db'}",
        "BILLWATCH_SMTP_URL": f"file://{out / 'outbox'}",
        "BILLWATCH_CONTACT_EMAIL": "demo@example.org",
        # A fresh key for this run only: a fixed one in the code could forge real links.
        "BILLWATCH_SECRET_KEY": secrets.token_urlsafe(32),
    }
    server, base_urls = serve_sample(out / "sample")
    try:
        billwatch(["db", "upgrade"], env)
        for subscriber in SUBSCRIBERS:
            billwatch(["subscribers", "add", *subscriber], env)
        sources = [arg for name in SOURCES for arg in ("--source", f"{name}={base_urls[name]}")]
        billwatch(["run", "--once", *sources, "--states", STATES, "--all-digests"], env)
    finally:
        server.close()
    billwatch(["status"], env, check=False)
    summary(out / "billwatch.db")
    billwatch(["show", "HB 611", "--state", "OH"], env)
    messages = write_previews(out / "outbox", out / "preview")
    table = Table("to", "subject", "HTML preview", title="Messages written to demo-out/outbox")
    for row in messages:
        table.add_row(*row)
    console.print(table)
    console.print(
        f"Database: {out / 'billwatch.db'} (try `sqlite3 {out / 'billwatch.db'}"
        " 'select * from bill_overview'`)"
    )
    workbench(out)
    return 0 if messages else 1


def workbench(out: Path) -> None:
    """Render the workbench's dashboard and one bill to PNG, and say how to serve it."""
    from billwatch.web.shots import render_pages

    try:
        for shot in render_pages(f"sqlite:///{out / 'billwatch.db'}", out):
            console.print(f"Workbench page: {shot}", highlight=False)
    except Exception as exc:  # noqa: BLE001 - the pictures are a bonus; the demo stands without
        console.print(f"[yellow]workbench pictures skipped: {exc}", highlight=False)
    console.print(
        f"Serve the workbench: BILLWATCH_DATABASE_URL=sqlite:///{out / 'billwatch.db'} "
        ".venv/bin/billwatch users add you@example.org --role admin && "
        f"BILLWATCH_DATABASE_URL=sqlite:///{out / 'billwatch.db'} .venv/bin/billwatch serve",
        highlight=False,
        markup=False,
    )


if __name__ == "__main__":
    sys.exit(main())
