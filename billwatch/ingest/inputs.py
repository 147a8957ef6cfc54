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

# One input document is read whole (JSON, YAML): bigger ones are refused, not loaded, so that
# memory stays far under 1 GB (a 230 MB LegiScan bill once took 6 GB as Python objects).
MAX_FILE_BYTES = 64 * 1024 * 1024
MAX_ZIP_MEMBERS = 500_000  # a dataset zip of a whole state has tens of thousands
MIB = 1024 * 1024


class TooLarge(ParseError):
    """An input over one of the caps above; the message names the cap and the path."""


def check_size(size: int, name: str, limit: int = MAX_FILE_BYTES) -> None:
    """TooLarge when `size` bytes exceed `limit`."""
    if size > limit:
        raise TooLarge(f"{name}: {size / MIB:.0f} MiB is over the {limit / MIB:.0f} MiB limit")


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


def read_file(path: Path, limit: int = MAX_FILE_BYTES) -> bytes:
    """The bytes of a file, TooLarge (without reading it) when it is over `limit`."""
    check_size(path.stat().st_size, str(path), limit)
    return path.read_bytes()


def read_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, where: str, limit: int) -> bytes:
    """The bytes of a zip member, read at most `limit` (+1) bytes: a lying header cannot pass."""
    check_size(info.file_size, where, limit)
    with archive.open(info) as handle:
        data = handle.read(limit + 1)
    check_size(len(data), where, limit)
    return data


def _wanted(relpath: str, suffixes: tuple[str, ...]) -> bool:
    """A document to read: the right suffix, not an archiver's side file (`__MACOSX/._x`)."""
    parts = relpath.split("/")
    if "__MACOSX" in parts or parts[-1].startswith("._"):
        return False
    return parts[-1].lower().endswith(suffixes)


def _file(path: Path, relpath: str = "") -> Input:
    return Input(str(path), lambda: read_file(path), relpath or path.name, path)


def collect(path: Path, suffixes: Iterable[str], stack: ExitStack) -> list[Input]:
    """The files under `path` whose names end in one of `suffixes` (a zip is opened on `stack`,
    which closes it when the run is over)."""
    wanted = tuple(s.lower() for s in suffixes)
    if not path.exists():
        raise ParseError("no such file or folder")
    if path.is_dir():
        found = [
            _file(p, p.relative_to(path).as_posix())
            for p in sorted(path.rglob("*"))
            if p.is_file() and _wanted(p.relative_to(path).as_posix(), wanted)
        ]
    elif path.suffix.lower() == ".zip":
        found = zip_members(path, wanted, stack)
    else:
        return [_file(path)]
    if not found:  # an empty folder is a mistake to report, not a successful run
        raise ParseError(f"no {' or '.join(wanted)} files in it")
    return found


def zip_members(path: Path, suffixes: tuple[str, ...], stack: ExitStack) -> list[Input]:
    """Members of a zip archive as inputs; the archive stays open until `stack` closes."""
    try:
        archive = stack.enter_context(zipfile.ZipFile(path))
    except (zipfile.BadZipFile, OSError) as exc:
        raise ParseError(f"not a readable zip archive: {exc}") from exc
    members = archive.infolist()
    if len(members) > MAX_ZIP_MEMBERS:
        raise TooLarge(f"{path}: {len(members)} members is over the {MAX_ZIP_MEMBERS} limit")
    chosen = sorted(
        (m for m in members if not m.is_dir() and _wanted(m.filename, suffixes)),
        key=lambda m: m.filename,
    )

    def reader(info: zipfile.ZipInfo) -> Callable[[], bytes]:
        # One member at a time, each capped: a bomb is refused with its name, never unpacked.
        return lambda: read_member(archive, info, f"{path}:{info.filename}", MAX_FILE_BYTES)

    return [Input(f"{path}:{m.filename}", reader(m), m.filename) for m in chosen]


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
    except RecursionError:  # "[[[[..." nested beyond what any source writes
        raise ParseError("malformed JSON: nested too deeply") from None


def load_yaml(data: bytes) -> Any:
    """Parsed YAML, with empty and malformed documents reported as such."""
    import yaml

    if not data.strip():
        raise ParseError("empty file")
    try:
        return yaml.load(data, Loader=NoAliasLoader)  # noqa: S506 - a safe loader, see below
    except yaml.YAMLError as exc:
        raise ParseError(f"malformed YAML: {' '.join(str(exc).split())}") from exc
    except RecursionError:
        raise ParseError("malformed YAML: nested too deeply") from None


def _no_aliases() -> type:
    """A SafeLoader that refuses aliases: nested ones expand exponentially (a 700-byte file
    grew to 23 GB), and people YAML never needs them."""
    import yaml

    class Loader(yaml.SafeLoader):
        def compose_node(self, parent: Any, index: Any) -> Any:
            if self.check_event(yaml.AliasEvent):
                event = self.peek_event()
                raise yaml.composer.ComposerError(
                    None, None, "aliases (*name) are not allowed here", event.start_mark
                )
            return super().compose_node(parent, index)

    return Loader


NoAliasLoader = _no_aliases()
