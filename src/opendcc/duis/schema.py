"""Validation against the DUIS XML schema, when a schema directory is configured.

The schema is DCC/SEC material and is not shipped with opendcc: point
``OPENDCC_DUIS_SCHEMA_DIR`` (or ``duis_schema_dir`` in the config file, see
``opendcc.config``) at a directory holding ``DUIS Schema V5.4.xsd``, ``MMC Schema V5.4.xsd``
and ``xmldsig-core-schema.xsd``. The DUIS schema imports the MMC schema by a file name with
spaces, which libxml2 does not resolve on its own: every ``schemaLocation`` is rewritten to a
private URL scheme that a resolver maps back to a file in the same directory (and only
there: no other file and no network location is ever read). Loading takes tens of
milliseconds, so each directory's schema is loaded once and cached.

Documents are validated as parsed, i.e. with ignorable whitespace already removed.
"""

from __future__ import annotations

import re
import threading
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from lxml import etree

from opendcc import config
from opendcc.duis.errors import DuisError, DuisErrorKind

DUIS_SCHEMA_FILE: Final = "DUIS Schema V5.4.xsd"
_SCHEME: Final = "opendcc-duis-schema:"
_XS: Final = "{http://www.w3.org/2001/XMLSchema}"
_VERSIONED: Final = re.compile(r"^DUIS Schema V(\d+)\.(\d+)[a-z]?\.xsd$")
_MAX_SCHEMA_BYTES: Final = 8 << 20


class _DirectoryResolver(etree.Resolver):
    """Resolves schemaLocations to files of one directory, and nothing else."""

    def __init__(self, directory: Path) -> None:
        super().__init__()
        self._directory = directory

    # lxml calls resolve(url, public_id, context); lxml-stubs omit the context argument and
    # resolve_empty, hence the ignore and the cast.
    def resolve(self, system_url: str, public_id: str, context: Any) -> Any:  # type: ignore[override]
        this: Any = self
        if system_url.startswith(_SCHEME):
            name = urllib.parse.unquote(system_url[len(_SCHEME) :])
            text = _read_schema_file(self._directory, name)
            if text is not None:
                return this.resolve_string(text, context, base_url=system_url)
        # Anything else (a DTD, a network URL) resolves to nothing rather than being fetched.
        return this.resolve_empty(context)


def _read_schema_file(directory: Path, name: str) -> bytes | None:
    """A schema file's bytes with its imports redirected to the resolver, or None."""
    if "/" in name or "\\" in name or name in {"", ".", ".."}:
        return None
    path = directory / name
    try:
        if not path.is_file() or path.stat().st_size > _MAX_SCHEMA_BYTES:
            return None
        data = path.read_bytes()
    except OSError:
        return None
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    try:
        document = etree.fromstring(data, parser)
    except etree.XMLSyntaxError:
        return None
    for element in document:
        if element.tag in (_XS + "import", _XS + "include"):
            location = element.get("schemaLocation")
            if location:
                element.set("schemaLocation", _SCHEME + urllib.parse.quote(location))
    return etree.tostring(document)


@dataclass(slots=True)
class DuisSchema:
    """A loaded DUIS schema. ``validate`` is safe to call from several threads."""

    directory: Path
    schema: etree.XMLSchema
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def validate(self, root: etree._Element) -> DuisError | None:
        """None when ``root`` is valid, else the first error."""
        with self._lock:
            if self.schema.validate(root):
                return None
            log: Any = self.schema.error_log  # lxml-stubs leave _ErrorLog opaque
            first = next(iter(log), None)
        if first is None:
            return DuisError(DuisErrorKind.SCHEMA_INVALID, "not valid against the DUIS schema")
        return DuisError(DuisErrorKind.SCHEMA_INVALID, str(first.message), first.line or None)


_cache: dict[Path, DuisSchema] = {}
_cache_lock = threading.Lock()


def load_schema(directory: Path | str | None = None) -> DuisSchema | DuisError:
    """The DUIS schema in ``directory`` (default: the configured one), loaded once per directory."""
    if directory is None:
        directory = config.duis_schema_dir()
        if directory is None:
            return DuisError(
                DuisErrorKind.SCHEMA_UNAVAILABLE,
                "no DUIS schema directory configured (set OPENDCC_DUIS_SCHEMA_DIR)",
            )
    path = Path(directory).expanduser().resolve()
    with _cache_lock:
        cached = _cache.get(path)
        if cached is not None:
            return cached
        loaded = _load(path)
        if isinstance(loaded, DuisSchema):
            _cache[path] = loaded
        return loaded


def _main_file(directory: Path) -> str | None:
    if (directory / DUIS_SCHEMA_FILE).is_file():
        return DUIS_SCHEMA_FILE
    candidates = []
    try:
        for entry in directory.iterdir():
            match = _VERSIONED.match(entry.name)
            if match and entry.is_file():
                candidates.append(((int(match.group(1)), int(match.group(2))), entry.name))
    except OSError:
        return None
    return max(candidates)[1] if candidates else None


def _load(directory: Path) -> DuisSchema | DuisError:
    if not directory.is_dir():
        return DuisError(DuisErrorKind.SCHEMA_UNAVAILABLE, f"{directory} is not a directory")
    main = _main_file(directory)
    if main is None:
        return DuisError(
            DuisErrorKind.SCHEMA_UNAVAILABLE, f"{directory} holds no 'DUIS Schema V*.xsd'"
        )
    text = _read_schema_file(directory, main)
    if text is None:
        return DuisError(DuisErrorKind.SCHEMA_UNAVAILABLE, f"cannot read {directory / main}")
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    parser.resolvers.add(_DirectoryResolver(directory))
    try:
        document = etree.fromstring(text, parser, base_url=_SCHEME + urllib.parse.quote(main))
        schema = etree.XMLSchema(document)
    except (etree.XMLSchemaParseError, etree.XMLSyntaxError) as exc:
        return DuisError(DuisErrorKind.SCHEMA_UNAVAILABLE, f"{directory / main}: {exc}")
    return DuisSchema(directory, schema)


def validate(root: etree._Element, directory: Path | str | None = None) -> DuisError | None:
    """Validate ``root`` against the (configured) DUIS schema; None when valid."""
    schema = load_schema(directory)
    if isinstance(schema, DuisError):
        return schema
    return schema.validate(root)
