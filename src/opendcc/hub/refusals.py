"""How the hub refuses, in one table: which answer each failed check gets.

A request that is not a readable, validly signed DUIS request from a known originator gets
an HTTP error with a plain-text reason, because there is no DUIS RequestID the hub can
trust to answer to (DUIS defines no response code for these: DCC Boxed answers them at the
HTTP level too). Every other refusal is a signed DUIS response carrying the RequestID and
the DUIS response code, with HTTP 200, as DCC Boxed answers.

| check                         | answer                         |
|-------------------------------|--------------------------------|
| not XML / not DUIS / hostile  | HTTP 400                       |
| body larger than the limit    | HTTP 413 (``api.duis_http``)   |
| schema-invalid                | HTTP 400                       |
| signature fails               | HTTP 403 (the reason named)    |
| replayed counter              | HTTP 409                       |
| signed Pre-Command not issued | HTTP 409                       |
| E1, E2, E3, E4, E5, E11, E12, E13, E17, E19 | DUIS error response |
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from opendcc.store.events import EventKind


class HttpRefusal(enum.Enum):
    MALFORMED = (400, EventKind.MALFORMED)
    SCHEMA_INVALID = (400, EventKind.SCHEMA_INVALID)
    SIGNATURE = (403, EventKind.SIGNATURE_FAILED)
    REPLAY = (409, EventKind.REPLAY_REJECTED)
    PRECOMMAND_MISMATCH = (409, EventKind.PRECOMMAND_SIGNATURE_FAILED)

    @property
    def status(self) -> int:
        return self.value[0]

    @property
    def event(self) -> EventKind:
        return self.value[1]


@dataclass(frozen=True, slots=True)
class Refusal:
    """A DUIS response code and the reason, for the event log and the request trace."""

    code: str
    reason: str
