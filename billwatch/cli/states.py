"""The `--state` option: a two-letter code, or a clear error that suggests the right one."""

from __future__ import annotations

import difflib

import us

from billwatch.cli.common import fail

_CODES = {s.abbr: s.name for s in [*us.states.STATES, us.states.DC]} | {
    "US": "United States Congress"
}


def state_code(value: str, option: str = "--state") -> str:
    """The code for "ca" or "CA"; for "California" or "ZZ", exit 2 suggesting the right code."""
    code = value.strip().upper()
    if code in _CODES:
        return code
    found = us.states.lookup(value.strip())
    if found is not None and found.abbr in _CODES:
        fail(f"{option} wants a two-letter code: use {found.abbr} for {found.name}")
    names = {name.upper(): abbr for abbr, name in _CODES.items()}
    close = difflib.get_close_matches(code, [*_CODES, *names], n=3, cutoff=0.6)
    hint = ", ".join(sorted({names.get(c, c) for c in close}))
    fail(f"{option} {value!r} is not a state code" + (f"; did you mean {hint}?" if hint else ""))
