"""Why a DUIS document was refused, as a value.

Every public function of ``opendcc.duis`` that reads untrusted input returns either its
result or a ``DuisError``; none lets an exception escape for bad input. The ``kind`` says
which rule the input broke, so that a caller (the hub) can choose the DUIS response code or
HTTP status, and ``message`` says where, for a person.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass


class DuisErrorKind(enum.Enum):
    """The rule a document broke."""

    TOO_LARGE = "larger than the configured size limit"
    TOO_DEEP = "nested deeper than the configured depth limit"
    DTD_FORBIDDEN = "contains a document type declaration or entity declaration"
    UNSUPPORTED_ENCODING = "not encoded in UTF-8"
    MALFORMED_XML = "not well-formed XML"
    NOT_DUIS = "not a DUIS Request or Response"
    MISSING_ELEMENT = "a required element is missing"
    UNEXPECTED_ELEMENT = "an element is not allowed where it appears"
    INVALID_VALUE = "an element or attribute has a value DUIS does not allow"
    SERVICE_REFERENCE_MISMATCH = "ServiceReference does not match ServiceReferenceVariant"
    COMMAND_VARIANT_NOT_ALLOWED = "the Command Variant is not allowed for the variant"
    BODY_MISMATCH = "the body element does not match the variant and Command Variant"
    SCHEMA_INVALID = "not valid against the DUIS XML schema"
    SCHEMA_UNAVAILABLE = "the DUIS XML schema could not be loaded"


@dataclass(frozen=True, slots=True)
class DuisError:
    """A refused document: the rule it broke and a message naming the place."""

    kind: DuisErrorKind
    message: str
    line: int | None = None

    def __str__(self) -> str:
        where = f" (line {self.line})" if self.line else ""
        return f"{self.kind.name}: {self.message}{where}"
