"""The answer of a correlation: does the Pre-Command do what was asked, and if not, what differs.

A ``Verdict`` is true when the Pre-Command correlates. When it does not, ``difference`` is a
sentence a person can act on ("the Pre-Command would disable supply where the request asks
to arm it"), ``kind`` says which sort of difference it is (for a program deciding what to
do), and ``field`` names where: the DUIS body element when the difference could be traced
to one, else the GBCS payload's named value.

When it correlates, ``dcc_filled`` lists the fields the DCC legitimately filled in with its
own values (see ``opendcc.correlate.expected``: the DCC's time of transformation), so that
a User's audit log can show them.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime


class DifferenceKind(enum.Enum):
    """The sort of difference found (the first one, in the order they are checked)."""

    NOT_A_PRE_COMMAND = "not_a_pre_command"
    """The bytes are not an unsigned GBCS Command without a MAC header."""
    NOT_CRITICAL = "not_critical"
    """The request is not a critical Service Request: nothing to correlate."""
    ORIGINATOR = "originator"
    """The Pre-Command names another Remote Party as originator."""
    COUNTER = "counter"
    """The originator counter is not the request's RequestID counter."""
    DEVICE = "device"
    """The Pre-Command is addressed to another Device."""
    USE_CASE = "use_case"
    """The Pre-Command is another GBCS use case (message code)."""
    SUPPLY_ACTION = "supply_action"
    """The Pre-Command would change supply in another way (enable, disable, arm)."""
    EXECUTION_DATE_TIME = "execution_date_time"
    """The Pre-Command would act at another time."""
    CERTIFICATE = "certificate"
    """The Pre-Command carries another certificate (or trust anchor)."""
    VALUE = "value"
    """A parameter (price, amount, threshold, setting...) differs."""
    HEADER = "header"
    """Another grouping-header field (supplementary remote party...) differs."""
    DCC_TIME = "dcc_time"
    """The only difference is the DCC's time of transformation, too far from when the
    Pre-Command was issued."""
    CANNOT_CHECK = "cannot_check"
    """opendcc cannot transform this request itself, so it cannot vouch for the Pre-Command."""


@dataclass(frozen=True, slots=True)
class DccFilledField:
    """A field of the Pre-Command the DCC filled in with its own value (allowed)."""

    field: str
    """The GBCS payload's named value (path), e.g. ``components[0]/fields/issuer_event_id``."""
    value: str
    """What the Pre-Command carries, as the payload codec shows it."""
    reason: str
    """Why the DCC may choose it."""


@dataclass(frozen=True, slots=True)
class Verdict:
    """Whether a Pre-Command correlates with its Service Request (true when it does)."""

    correlates: bool
    difference: str | None = None
    use_case: str | None = None
    kind: DifferenceKind | None = None
    field: str | None = None
    """Where the difference is: ``DUIS <body path>`` or ``GBCS <payload path>``."""
    dcc_filled: tuple[DccFilledField, ...] = ()
    dcc_time: datetime | None = None
    """The DCC's time of transformation the Pre-Command's own time fields give, when they
    depend on it (None when the Pre-Command has no such field)."""
    device_type: str | None = None
    """The Device type the matching (or closest) transform was for."""

    def __bool__(self) -> bool:
        return self.correlates

    def to_json(self) -> dict[str, object]:
        return {
            "correlates": self.correlates,
            "difference": self.difference,
            "kind": self.kind.value if self.kind else None,
            "field": self.field,
            "use_case": self.use_case,
            "device_type": self.device_type,
            "dcc_time": self.dcc_time.isoformat() if self.dcc_time else None,
            "dcc_filled": [
                {"field": f.field, "value": f.value, "reason": f.reason} for f in self.dcc_filled
            ],
        }


def refuse(
    kind: DifferenceKind,
    difference: str,
    *,
    field: str | None = None,
    use_case: str | None = None,
    device_type: str | None = None,
    dcc_time: datetime | None = None,
) -> Verdict:
    """A verdict that does not correlate."""
    return Verdict(
        False,
        difference,
        use_case,
        kind=kind,
        field=field,
        dcc_time=dcc_time,
        device_type=device_type,
    )
