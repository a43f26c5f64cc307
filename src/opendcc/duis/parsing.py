"""Hardened XML parsing for DUIS documents received from anyone.

A DUIS document never needs a document type declaration, entities, the network or more
than a few hundred kilobytes, so every one of those is refused before or during parsing:

- the size is checked first (``ParseLimits.max_bytes``, 1 MiB by default);
- the document must be UTF-8 (or its ASCII subset) as DUIS requires; a byte-order mark of
  UTF-16/32, NUL bytes or an XML declaration naming another encoding are refused, which also
  guarantees the byte scan below cannot be evaded by re-encoding;
- ``<!DOCTYPE`` or ``<!ENTITY`` anywhere (even in a comment) is refused before libxml2
  sees it (billion laughs, external entities); the parser is also configured not to load
  DTDs, resolve entities or touch the network, and the parsed tree is checked again;
- nesting deeper than ``ParseLimits.max_depth`` (64 by default; DUIS needs about 10) is
  refused. libxml2 stops at 256 levels on its own whatever the limit, which also bounds the
  work on a 10,000-deep document.

Whitespace-only text between elements is dropped while parsing (libxml2's
``remove_blank_text``). DUIS has no mixed content, DCC Boxed parses the same way (it ignores
element-content whitespace), and XML signatures are computed and checked over this compact
form, so a pretty-printed and a compact copy of one message verify alike.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from functools import lru_cache
from typing import Final

from lxml import etree

from opendcc.duis.errors import DuisError, DuisErrorKind

DEFAULT_MAX_BYTES: Final = 1 << 20
DEFAULT_MAX_DEPTH: Final = 64
_LIBXML2_MAX_DEPTH: Final = 256

_ENCODING: Final = re.compile(rb"encoding\s*=\s*[\"']([^\"']*)[\"']")
_MAX_DECLARATION: Final = 256
_STARTS_WITH_MARKUP: Final = re.compile(rb"[ \t\r\n]*<")
_ALLOWED_ENCODINGS: Final = frozenset({"utf-8", "utf8", "us-ascii", "ascii"})
_BOMS: Final = (b"\xfe\xff", b"\xff\xfe", b"\x00\x00\xfe\xff", b"\xff\xfe\x00\x00")


@dataclass(frozen=True, slots=True)
class ParseLimits:
    """Bounds on what the parser accepts."""

    max_bytes: int = DEFAULT_MAX_BYTES
    max_depth: int = DEFAULT_MAX_DEPTH

    def __post_init__(self) -> None:
        if self.max_bytes < 1:
            raise ValueError("max_bytes must be positive")
        if not 1 <= self.max_depth <= _LIBXML2_MAX_DEPTH:
            raise ValueError(f"max_depth must be between 1 and {_LIBXML2_MAX_DEPTH}")


DEFAULT_LIMITS: Final = ParseLimits()


def _new_parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_blank_text=True,
        collect_ids=False,
    )


# One parser per thread (lxml parsers must not be used by two threads at once); building one
# per document would cost more than parsing a typical DUIS message.
_local = threading.local()


def _parser() -> etree.XMLParser:
    parser: etree.XMLParser | None = getattr(_local, "parser", None)
    if parser is None:
        parser = _local.parser = _new_parser()
    return parser


@lru_cache(maxsize=16)
def _too_deep(max_depth: int) -> etree.XPath:
    # True when an element exists at depth max_depth + 1; libxml2 evaluates it in C.
    return etree.XPath("boolean(/*" + "/*" * max_depth + ")")


def _precheck(data: bytes, limits: ParseLimits) -> DuisError | None:
    if len(data) > limits.max_bytes:
        return DuisError(
            DuisErrorKind.TOO_LARGE, f"{len(data)} bytes; the limit is {limits.max_bytes}"
        )
    if not data:
        return DuisError(DuisErrorKind.MALFORMED_XML, "empty document")
    if data.startswith(_BOMS) or b"\x00" in data:
        return DuisError(DuisErrorKind.UNSUPPORTED_ENCODING, "UTF-16/32 or NUL bytes")
    body = data[3:] if data.startswith(b"\xef\xbb\xbf") else data
    if not _STARTS_WITH_MARKUP.match(body):
        # Also what an EBCDIC document looks like, which libxml2 would otherwise decode.
        return DuisError(DuisErrorKind.MALFORMED_XML, "not XML: it does not start with '<'")
    if body.startswith(b"<?xml"):
        end = body.find(b"?>", 0, _MAX_DECLARATION)
        if end < 0:
            return DuisError(
                DuisErrorKind.MALFORMED_XML, "unterminated or overlong XML declaration"
            )
        declared = _ENCODING.search(body, 0, end)
        name = declared.group(1).decode("ascii", "replace") if declared else "utf-8"
        if name.lower() not in _ALLOWED_ENCODINGS:
            return DuisError(
                DuisErrorKind.UNSUPPORTED_ENCODING, f"declared encoding {name!r}; DUIS is UTF-8"
            )
    if b"<!DOCTYPE" in data or b"<!ENTITY" in data:
        return DuisError(DuisErrorKind.DTD_FORBIDDEN, "DTDs and entity declarations are refused")
    return None


def parse_document(data: bytes, limits: ParseLimits = DEFAULT_LIMITS) -> etree._Element | DuisError:
    """The root element of ``data``, or why it was refused. Never raises for bad input."""
    refused = _precheck(data, limits)
    if refused is not None:
        return refused
    parser = _parser()
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        message = str(exc.msg or exc)
        if "depth" in message.lower():
            return DuisError(DuisErrorKind.TOO_DEEP, message, exc.lineno or None)
        return DuisError(DuisErrorKind.MALFORMED_XML, message, exc.lineno or None)
    except (etree.LxmlError, ValueError) as exc:
        return DuisError(DuisErrorKind.MALFORMED_XML, str(exc) or type(exc).__name__)
    if root is None:
        return DuisError(DuisErrorKind.MALFORMED_XML, "no root element")
    docinfo = root.getroottree().docinfo
    if docinfo.internalDTD is not None or docinfo.externalDTD is not None:
        return DuisError(DuisErrorKind.DTD_FORBIDDEN, "DTDs are refused")
    if _too_deep(limits.max_depth)(root):
        return DuisError(
            DuisErrorKind.TOO_DEEP, f"elements nested deeper than {limits.max_depth} levels"
        )
    return root
