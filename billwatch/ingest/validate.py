"""Checks every parser applies to a source's values before a record is built (hostile input).

A value of the wrong type or out of range is a ParseError naming the field, so that a bad
record is refused whole before anything is written: `"bill_id": "abc"`, `1e30`, `-1`, a list
where a title belongs, a session year of `1e30`, a million actions.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from typing import Any, ParamSpec, TypeVar
from urllib.parse import urlsplit

from billwatch.ingest.common import ParseError

P = ParamSpec("P")
R = TypeVar("R")
# What a parser raises when a field has a type or value it does not expect (None for an
# object, a float for a string, 1e308 for an int): the record is malformed, refused whole.
MALFORMED = (TypeError, AttributeError, IndexError, ValueError, OverflowError, RecursionError)
MAX_ID = 2**31 - 1  # ids are compared as INTEGER in the database (PostgreSQL int4)
MAX_ITEMS = 20_000  # actions, versions, sponsors... of one bill: real bills have hundreds
MAX_TEXT = 20_000  # characters of a title or an action's text
MAX_DOCUMENT = 32 * 1024 * 1024  # characters of a bill's full text inside a JSON record
YEARS = (1789, 2200)  # the first Congress to far beyond any session we will see


def source_id(value: Any, field: str) -> int:
    """A positive integer id from an int or a string of digits; ParseError otherwise."""
    if isinstance(value, bool):
        raise ParseError(f"{field} {value!r} is not an id")
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        value = int(value)  # 1234.0 from a JSON writer that had only floats
    if isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():
        value = int(value.strip())
    if not isinstance(value, int) or not 0 < value <= MAX_ID:
        raise ParseError(f"{field} {_show(value)} is not an id (a positive whole number)")
    return value


def year(value: Any, field: str) -> int:
    """A plausible year (1789..2200) from an int or a string of digits; ParseError otherwise."""
    try:
        number = source_id(value, field)
    except ParseError:
        number = 0
    if not YEARS[0] <= number <= YEARS[1]:
        raise ParseError(f"{field} {_show(value)} is not a year between {YEARS[0]} and {YEARS[1]}")
    return number


def text(value: Any, field: str, limit: int = MAX_TEXT) -> str:
    """A string value (None as ""); a list, an object or an overlong text is a ParseError."""
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise ParseError(f"{field} is a {type(value).__name__}, not text")
    result = str(value)
    if len(result) > limit:
        raise ParseError(f"{field} is {len(result)} characters long (at most {limit})")
    return result


def items(value: Any, field: str, limit: int = MAX_ITEMS) -> list[dict[str, Any]]:
    """A list of objects (None as []), at most `limit` long; ParseError otherwise."""
    if value in (None, ""):
        return []
    if not isinstance(value, list):
        raise ParseError(f"{field} is a {type(value).__name__}, not a list")
    if len(value) > limit:
        raise ParseError(f"{field} has {len(value)} entries (at most {limit})")
    for index, entry in enumerate(value):
        if not isinstance(entry, dict):
            raise ParseError(f"{field}[{index}] is a {type(entry).__name__}, not an object")
    return value


def web_url(value: Any) -> str | None:
    """`value` if it is an http or https URL, else None: no javascript:, data: or file: links."""
    if not isinstance(value, str) or not value.strip():
        return None
    url = value.strip()
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    if any(ord(c) < 0x21 or c in '"<>\\^`{|}' for c in url):
        return None  # whitespace, quotes or control characters have no place in a link
    return url


def check_document(data: bytes, media_type: Any, where: str) -> None:
    """ParseError when a document said to be text (text/html, text/plain) is binary noise."""
    kind = str(media_type or "").lower()
    if not kind.startswith("text/") and "html" not in kind and "xml" not in kind:
        return  # PDFs and Word files are checked by their extractors
    sample = data[:65536]
    # Text in any 8-bit encoding has few control bytes; random bytes have one in eight.
    controls = sum(1 for b in sample if b < 0x20 and b not in b"\t\n\r\f") + sample.count(0x7F)
    if b"\x00" in sample or (sample and controls / len(sample) > 0.01):
        raise ParseError(f"{where}: said to be {kind}, but the bytes are not text")


def _show(value: Any) -> str:
    """A short repr of a bad value for an error message."""
    shown = repr(value)
    return shown if len(shown) <= 40 else shown[:37] + "..."


def checked(what: str) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Make a parser's unexpected-type failures a ParseError naming `what` was malformed."""

    def decorate(parse: Callable[P, R]) -> Callable[P, R]:
        @functools.wraps(parse)
        def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
            try:
                return parse(*args, **kwargs)
            except ParseError:
                raise
            except MALFORMED as exc:
                reason = " ".join(str(exc).split())[:200]
                raise ParseError(
                    f"malformed {what}: a field has an unexpected type or value"
                    f" ({type(exc).__name__}: {reason})"
                ) from exc

        return wrapper

    return decorate
