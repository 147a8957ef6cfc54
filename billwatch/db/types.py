"""Column types: one UTC timestamp that reads back aware on SQLite and PostgreSQL alike."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import us
from sqlalchemy import DateTime
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator


class UtcDateTime(TypeDecorator[dt.datetime]):
    """Stores UTC; returns an aware UTC datetime (after sqlalchemy-utc's UtcDateTime).

    SQLite keeps no offset, so values are written as naive UTC there and given UTC back on
    reading; PostgreSQL's timestamptz is converted to UTC too, so both read the same instant the
    same way and exports are byte-identical. A naive value written is taken to be UTC already.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> dt.datetime | None:
        """An aware value in UTC (naive on SQLite)."""
        if value is None:
            return None
        if not isinstance(value, dt.datetime):
            raise TypeError(f"expected a datetime, got {type(value).__name__}")
        moment = value.astimezone(dt.UTC) if value.tzinfo else value.replace(tzinfo=dt.UTC)
        return moment.replace(tzinfo=None) if dialect.name == "sqlite" else moment

    def process_result_value(self, value: Any, dialect: Dialect) -> dt.datetime | None:
        """The stored instant as an aware UTC datetime."""
        if value is None:
            return None
        moment: dt.datetime = value
        return moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment.astimezone(dt.UTC)


# The zone a legislature's clock runs in; a state over several zones uses its capital's.
_CAPITAL_ZONES = {"US": "America/New_York", "DC": "America/New_York"}


def jurisdiction_zone(code: str) -> ZoneInfo:
    """The time zone of a jurisdiction's legislature ("CA" -> America/Los_Angeles)."""
    code = code.upper()
    if code in _CAPITAL_ZONES:
        return ZoneInfo(_CAPITAL_ZONES[code])
    state = us.states.lookup(code)
    zones = getattr(state, "capital_tz", None) or (state.time_zones[0] if state else None)
    return ZoneInfo(zones or "UTC")


def local_time(moment: dt.datetime, code: str) -> dt.datetime:
    """An instant in the jurisdiction's own local time, with its zone."""
    aware = moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)
    return aware.astimezone(jurisdiction_zone(code))


def show_time(moment: dt.datetime, code: str) -> str:
    """ "2026-12-09 09:00 EST": local wall time and zone name, for people to read."""
    local = local_time(moment, code)
    return f"{local:%Y-%m-%d %H:%M} {local.tzname()}"
