"""The bulk-ingest registry, discovered from the parser modules (no list kept by hand).

A parser module of `billwatch.ingest` that sets `SOURCE` and defines `ingest(ing, paths, total)`
is a source of `billwatch ingest SOURCE`; its name is the spider's name and the settings' name.
"""

from __future__ import annotations

import importlib
import pkgutil
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from types import ModuleType

from sqlalchemy.orm import Session, sessionmaker

import billwatch.ingest
from billwatch.db.people import merge_after_load
from billwatch.ingest.bulk import Total
from billwatch.ingest.runner import Ingester, IngestStats

IngestFn = Callable[[Ingester, Sequence[Path], Total], None]


class UnknownSource(ValueError):
    """A source name no parser module declares."""


@dataclass(frozen=True)
class IngestSource:
    """One source's bulk ingest: its name, what it reads (one line) and the function."""

    name: str
    summary: str
    ingest: IngestFn
    module: str


def _declared(module: ModuleType) -> IngestSource | None:
    name, ingest = getattr(module, "SOURCE", None), getattr(module, "ingest", None)
    if not isinstance(name, str) or not callable(ingest):
        return None
    summary = (ingest.__doc__ or "").strip().splitlines()[0] if ingest.__doc__ else name
    return IngestSource(name, summary, ingest, module.__name__)


@cache
def ingest_sources() -> dict[str, IngestSource]:
    """{name: source} of every parser module with a bulk ingest, by name."""
    found: dict[str, IngestSource] = {}
    for info in pkgutil.iter_modules(billwatch.ingest.__path__):
        module = importlib.import_module(f"billwatch.ingest.{info.name}")
        source = _declared(module)
        if source is None:
            continue
        if source.name in found:
            raise RuntimeError(f"two parser modules declare SOURCE = {source.name!r}")
        found[source.name] = source
    return dict(sorted(found.items()))


def source_name(name: str) -> str:
    """The registered name of `name`; old hyphenated names ("ny-openleg") still work, warned."""
    sources = ingest_sources()
    if name in sources:
        return name
    if name.replace("-", "_") in sources:
        new = name.replace("-", "_")
        warnings.warn(
            f"the source name {name!r} is deprecated; use {new!r}", FutureWarning, stacklevel=2
        )
        return new
    raise UnknownSource(f"unknown source {name!r}; one of {', '.join(sources)}")


def ingest_path(ing: Ingester, source: str, path: Path | Sequence[Path], total: Total) -> None:
    """Run one source's ingest on one path or several; unreadable paths are reported errors."""
    paths = [Path(path)] if isinstance(path, str | Path) else [Path(p) for p in path]
    ingest = ingest_sources()[source_name(source)].ingest
    with ing.guard(", ".join(map(str, paths))):
        ingest(ing, paths, total)


def run_ingest(
    factory: sessionmaker[Session],
    source: str,
    path: Path | Sequence[Path],
    total: Total | None = None,
    advance: Callable[[], None] | None = None,
) -> IngestStats:
    """Ingest one path or several as `source` ("legiscan", "ca_pubinfo", ...); record the run."""
    name = source_name(source)
    ingester = Ingester(factory, f"ingest:{name}", advance=advance)
    ingester.start()
    ingest_path(ingester, name, path, total or (lambda _: None))
    ingester.writer.commit()  # the merge reads what this run wrote: its last batch must be visible
    with ingester.guard("merging people"):
        merge_after_load(factory)  # one person per legislator, whatever the source
    return ingester.finish()
