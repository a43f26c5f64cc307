"""Checks the command line makes on what a user gives it, before any work starts.

Every ``opendcc`` command meets wrong input with a non-zero exit and one readable line on
stderr naming the problem, never a traceback, and never leaves half-written output or a
half-initialised data directory behind. The convention: 2 for usage errors (typer's own,
and a wrong option value found here), 1 (or 2, as each group's docstring says) for input
the command cannot use. These helpers return the problem as text (or ``None``) so that each
group keeps its own exit code; they import only the standard library, so ``opendcc --help``
stays fast.
"""

from __future__ import annotations

import contextlib
import errno
import os
import socket
from pathlib import Path
from urllib.parse import urlsplit

SQLITE_MAGIC = b"SQLite format 3\x00"

#: What the hub keeps in its data directory (``opendcc serve --data``): the database (with
#: SQLite's write-ahead log beside it), the PKI and the TLS files ``--tls`` issues.
DATA_DIR_ENTRIES = frozenset({"hub.sqlite", "hub.sqlite-wal", "hub.sqlite-shm", "pki", "tls"})


def sqlite_problem(path: Path, *, must_exist: bool) -> str | None:
    """Why ``path`` cannot be an SQLite database file (``None`` when it can).

    A missing file is a problem only with ``must_exist``; an empty file is an empty
    database to SQLite, so it is one only with ``must_exist`` too (nothing to read)."""
    try:
        if path.is_dir():
            return f"{path} is a directory, not a database file"
        if not path.exists():
            return f"{path} does not exist" if must_exist else _creatable(path)
        with path.open("rb") as handle:
            head = handle.read(len(SQLITE_MAGIC))
    except OSError as exc:
        return f"cannot read {path}: {exc.strerror or exc}"
    if not head:
        return f"{path} is empty, not an opendcc database" if must_exist else None
    if head != SQLITE_MAGIC:
        return f"{path} is not an SQLite database"
    return None


def _creatable(path: Path) -> str | None:
    """Why a file cannot be created at ``path`` (its folder is a file, or not writable)."""
    return writable_directory_problem(path.parent)


def writable_directory_problem(path: Path) -> str | None:
    """Why a folder cannot be used or made at ``path`` for writing (``None`` when it can):
    it is a file, a parent on the way is a file, or the nearest existing folder is
    read-only."""
    probe = path
    while True:
        try:
            if probe.exists():
                break
        except OSError as exc:
            return f"cannot use {path}: {exc.strerror or exc}"
        if probe.parent == probe:
            break
        probe = probe.parent
    if not probe.is_dir():
        return f"{probe} is not a folder" if probe == path else f"{probe} (in {path}) is a file"
    if not os.access(probe, os.W_OK | os.X_OK):
        return f"{probe} is not writable"
    return None


def data_directory_problem(path: Path) -> str | None:
    """Why ``path`` cannot be the hub's data directory: not a writable folder, a folder of
    something else (non-empty, with none of the hub's files), or a ``hub.sqlite`` that is
    not a database."""
    problem = writable_directory_problem(path)
    if problem is not None or not path.is_dir():
        return problem
    try:
        names = {entry.name for entry in path.iterdir()}
    except OSError as exc:
        return f"cannot list {path}: {exc.strerror or exc}"
    if names and not names & DATA_DIR_ENTRIES:
        return (
            f"{path} is not an opendcc data directory (it holds other files and no hub.sqlite "
            "or pki/): give a new or empty folder"
        )
    pki = path / "pki"
    if pki.exists() and not pki.is_dir():
        return f"{pki} is a file; the hub keeps its PKI in that folder"
    if pki.is_dir() and not (pki / "index.json").exists() and any(pki.iterdir()):
        return (
            f"{pki} holds files but no index.json: not a PKI made by opendcc "
            "(move it away, or start with a new --data folder)"
        )
    return sqlite_problem(path / "hub.sqlite", must_exist=False)


def port_problem(host: str, port: int) -> str | None:
    """Why nothing can listen on ``host:port`` now (``None`` when a listener could).

    Binds and releases the port the way the HTTP server does (``SO_REUSEADDR``), so a port
    in TIME_WAIT is free and one held by a listening process is not."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except (OSError, UnicodeError) as exc:
        return f"cannot listen on {host}: {getattr(exc, 'strerror', None) or exc}"
    family, kind, proto, _, address = infos[0]
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                return f"port {port} on {host} is in use (another hub or program listens there)"
            return f"cannot listen on {host}:{port}: {exc.strerror or exc}"
    return None


def local_hub_problem(data: Path | None, port: int) -> str | None:
    """What stops a hub of its own (``demo``, ``bench``) on 127.0.0.1 from starting: ``data``
    (when given) not usable as its data directory, or ``port`` (DUIS) or ``port + 4`` (SMKI)
    in use."""
    problem = None if data is None else data_directory_problem(data)
    for number in (port, port + 4):
        problem = problem or port_problem("127.0.0.1", number)
    return problem


def http_url_problem(url: str, option: str) -> str | None:
    """Why ``url`` is not an http(s) base URL with a host (``None`` when it is)."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 (raises ValueError on a port that is not a number)
    except ValueError as exc:
        return f"{option}: not a URL: {url!r} ({exc})"
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return f"{option}: not an http:// or https:// URL with a host: {url!r}"
    return None


def missing_paths(paths: list[Path] | tuple[Path, ...], option: str) -> str | None:
    """The first of ``paths`` that does not exist, as a message naming ``option``."""
    for path in paths:
        if not path.exists():
            return f"{option} {path} does not exist"
    return None


def opendcc_database_problem(path: Path, parts: list[str] | tuple[str, ...]) -> str | None:
    """Why ``path`` is not an existing opendcc database holding the schema ``parts`` (by
    name), checked read-only so that a command that only reads never changes the file."""
    import sqlite3  # noqa: PLC0415 (lazy: keeps --help fast)

    problem = sqlite_problem(path, must_exist=True)
    if problem is not None:
        return problem
    try:
        with contextlib.closing(
            sqlite3.connect(path.absolute().as_uri() + "?mode=ro", uri=True)
        ) as conn:
            applied = {row[0] for row in conn.execute("SELECT name FROM schema_parts")}
    except sqlite3.Error as exc:
        if "no such table" in str(exc):
            applied = set()
        else:
            return f"cannot read {path}: {exc}"
    missing = [name for name in parts if name not in applied]
    if missing:
        return f"{path} is not an opendcc estate database (no {', '.join(missing)} tables)"
    return None
