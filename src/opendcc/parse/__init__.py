"""Parse: DUIS Responses and Alerts, and the GBCS inside them, as records a person can read.

The "Parse" half of the DCC's Parse and Correlate Software (consultation glossary): software
a User embeds to turn Service Responses and Device Alerts received over the DCC User
Interface into a user-friendly format::

    keys = Keystore.load("my-keys/")                 # the User's keys (and Device certificates)
    record = parse(data, keys)                        # DUIS XML, GBCS hex or GBCS bytes
    record.to_json()                                  # the opendcc.parse/1 schema
    for row in record.rows: ...                       # profile and log entries (CSV form)

One record type per DUIS body kind (``records``): header facts, the response code and its
meaning, and the decoded GBCS (MAC and signature checked, encrypted payloads opened with the
User's Key Agreement key) with named values in user units (``units``): energy in kWh, gas
in m3, money in currency units, UTC date-times, supply state as a word, alert codes named.

Undecodable input raises ``ParseError`` (never another exception); a DUIS document whose
GBCS payload cannot be read still parses, with the reason in ``problems``.
"""

from __future__ import annotations

from typing import Final

from opendcc.duis.errors import DuisError
from opendcc.duis.messages import ServiceResponse, parse_response
from opendcc.duis.signature import SignatureVerifier
from opendcc.gbcs.context import GbcsDecodeError
from opendcc.gbcs.security import GbcsSecurity
from opendcc.smki.keystore import Keystore

from .csv_form import to_csv
from .duis_record import duis_record
from .gbcs_record import gbcs_record
from .records import (
    SCHEMA,
    Check,
    DccAlertRecord,
    DeviceAlertRecord,
    GbcsMessageRecord,
    GbcsRecord,
    LogRow,
    NamedValue,
    Record,
    ResponseHeaderFacts,
    ServiceResponseRecord,
    ValueKind,
)

MAX_INPUT: Final = 8 * 1024 * 1024
"""The largest input read (DUIS documents are refused above the DUIS parser's own limit)."""
_HEX: Final = frozenset(b"0123456789abcdefABCDEF \t\r\n")


class ParseError(ValueError):
    """The input is neither a DUIS Response or Alert nor a GBCS message."""


class Parser:
    """A parser holding the User's keys (build once, parse many: keys derived once)."""

    def __init__(self, keys: Keystore | None = None, *, verify_duis: bool = True) -> None:
        self.keys = keys
        self.security = GbcsSecurity(keys) if keys is not None else None
        # DCC Boxed's test certificates expired in 2025; validity is the User's policy,
        # revocation is still checked.
        self.verifier = (
            SignatureVerifier(keys, check_validity=False)
            if keys is not None and verify_duis
            else None
        )

    def parse(self, data: bytes) -> Record:
        """The record of ``data``: DUIS XML, GBCS as hex text, or GBCS bytes."""
        if not isinstance(data, bytes | bytearray | memoryview):
            raise ParseError(f"expected bytes, got {type(data).__name__}")
        data = bytes(data)
        if len(data) > MAX_INPUT:
            raise ParseError(f"the input is {len(data)} bytes; at most {MAX_INPUT} are read")
        text = data.lstrip(b"\xef\xbb\xbf \t\r\n")
        if not text:
            raise ParseError("the input is empty")
        if text.startswith(b"<"):
            return self.parse_duis(data)
        if set(text) <= _HEX:
            digits = bytes(b for b in text if b not in b" \t\r\n")
            if len(digits) % 2:
                raise ParseError("the hex text has an odd number of digits")
            return self.parse_gbcs(bytes.fromhex(digits.decode("ascii")))
        return self.parse_gbcs(data)

    def parse_duis(self, data: bytes) -> Record:
        parsed = parse_response(data)
        if isinstance(parsed, DuisError):
            raise ParseError(f"not a DUIS Response or Alert: {parsed}")
        return self.record(parsed)

    def record(self, response: ServiceResponse) -> Record:
        """The record of an already parsed DUIS Response."""
        return duis_record(response, self.security, self.verifier)

    def parse_gbcs(self, data: bytes) -> GbcsMessageRecord:
        try:
            gbcs = gbcs_record(data, self.security)
        except GbcsDecodeError as exc:
            raise ParseError(f"not a GBCS message: {exc}") from None
        return GbcsMessageRecord("gbcs_message", None, gbcs, None, ())


def parse(data: bytes, keys: Keystore | None = None, *, verify_duis: bool = True) -> Record:
    """Parse a DUIS Response or Alert, or a GBCS message, with the User's ``keys``.

    Without keys nothing is verified or decrypted (the checks say so); values in the clear
    are still named. Raises ``ParseError`` for input that is neither.
    """
    return Parser(keys, verify_duis=verify_duis).parse(data)


__all__ = [
    "SCHEMA",
    "Check",
    "DccAlertRecord",
    "DeviceAlertRecord",
    "GbcsMessageRecord",
    "GbcsRecord",
    "LogRow",
    "NamedValue",
    "ParseError",
    "Parser",
    "Record",
    "ResponseHeaderFacts",
    "ServiceResponseRecord",
    "ValueKind",
    "parse",
    "to_csv",
]
