"""Input files of a bulk ingest: a file, a folder (any depth) or a zip, read one at a time."""

from __future__ import annotations

import json
import zipfile
from collections.abc import Callable, Iterable
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from billwatch.ingest.common import ParseError


@dataclass
class Input:
    """One input document: a display name (path, or zip:member) and how to read it."""

    name: str
    read: Callable[[], bytes]
    relpath: str = ""  # path inside the folder or zip, "/"-separated
    path: Path | None = None  # the file on disk, when it is one

    def head(self, size: int = 4096) -> bytes:
        """The first bytes, without reading a whole file from disk."""
        if self.path is not None:
            with self.path.open("rb") as handle:
                return handle.read(size)
        return self.read()[:size]


def _wanted(relpath: str, suffixes: tuple[str, ...]) -> bool:
    """A document to read: the right suffix, not an archiver's side file (`__MACOSX/._x`)."""
    parts = relpath.split("/")
    if "__MACOSX" in parts or parts[-1].startswith("._"):
        return False
    return parts[-1].lower().endswith(suffixes)


def _file(path: Path, relpath: str = "") -> Input:
    return Input(str(path), path.read_bytes, relpath or path.name, path)


def collect(path: Path, suffixes: Iterable[str], stack: ExitStack) -> list[Input]:
    """The files under `path` whose names end in one of `suffixes` (a zip is opened on `stack`,
    which closes it when the run is over)."""
    wanted = tuple(s.lower() for s in suffixes)
    if not path.exists():
        raise ParseError("no such file or folder")
    if path.is_dir():
        return [
            _file(p, p.relative_to(path).as_posix())
            for p in sorted(path.rglob("*"))
            if p.is_file() and _wanted(p.relative_to(path).as_posix(), wanted)
        ]
    if path.suffix.lower() == ".zip":
        return zip_members(path, wanted, stack)
    return [_file(path)]


def zip_members(path: Path, suffixes: tuple[str, ...], stack: ExitStack) -> list[Input]:
    """Members of a zip archive as inputs; the archive stays open until `stack` closes."""
    try:
        archive = stack.enter_context(zipfile.ZipFile(path))
    except (zipfile.BadZipFile, OSError) as exc:
        raise ParseError(f"not a readable zip archive: {exc}") from exc
    names = sorted(n for n in archive.namelist() if not n.endswith("/") and _wanted(n, suffixes))

    def reader(name: str) -> Callable[[], bytes]:
        return lambda: archive.read(name)

    return [Input(f"{path}:{name}", reader(name), name) for name in names]


def load_json(data: bytes) -> Any:
    """Parsed JSON, with empty and malformed documents reported as such."""
    if not data.strip():
        raise ParseError("empty file")
    try:
        return json.loads(data)
    except UnicodeDecodeError as exc:
        raise ParseError(f"not UTF-8 text: {exc}") from exc
    except json.JSONDecodeError as exc:
        raise ParseError(
            f"malformed JSON: {exc.msg} at line {exc.lineno} column {exc.colno}"
        ) from exc


def load_yaml(data: bytes) -> Any:
    """Parsed YAML, with empty and malformed documents reported as such."""
    import yaml

    if not data.strip():
        raise ParseError("empty file")
    try:
        return yaml.safe_load(data)
    except yaml.YAMLError as exc:
        raise ParseError(f"malformed YAML: {' '.join(str(exc).split())}") from exc
