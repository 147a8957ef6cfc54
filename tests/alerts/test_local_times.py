"""Digests and alerts show a hearing in its state's own time, not the one BILLWATCH_TIMEZONE."""

from __future__ import annotations

import datetime as dt

from alerts.render import environment


def test_a_california_hearing_reads_in_pacific_time():
    env = environment("America/New_York")
    start = dt.datetime(2026, 12, 9, 17, 0, tzinfo=dt.UTC)  # 09:00 PST
    assert env.from_string("{{ t|localtime(state='CA') }}").render(t=start) == (
        "Wed 09 Dec 2026, 09:00 PST"
    )
    assert env.from_string("{{ t|localtime }}").render(t=start) == "Wed 09 Dec 2026, 12:00 EST"
