"""DUIS response codes and DCC Alert codes, as the DUIS XML schema (V5.4) lists them.

``ResponseCode`` holds all 194 values of the schema's ``ResponseCode`` type: ``I`` codes
inform (``I0`` success, ``I99`` acknowledged with more to come), ``E`` codes report an error
and ``W`` codes a warning. The six-digit codes (``E050101``) are specific to one Service
Reference: digits 1-4 are the Service Reference (``0501`` is 5.1) and the last two number
the error within it. Meanings are given where the project's protocol notes state them; the
DUIS specification documents the rest, and ``meaning`` says so rather than guess.

``DccAlertCode`` holds the schema's ``DCCAlertCode`` values (``N32`` is absent there).
"""

from __future__ import annotations

import enum
from typing import Final


class ResponseCode(enum.Enum):
    """A DUIS ``ResponseCode``; the value is the code as written in XML."""

    I0 = "I0"
    I99 = "I99"
    E1 = "E1"
    E2 = "E2"
    E3 = "E3"
    E4 = "E4"
    E5 = "E5"
    E11 = "E11"
    E12 = "E12"
    E13 = "E13"
    E17 = "E17"
    E19 = "E19"
    E20 = "E20"
    E21 = "E21"
    E30 = "E30"
    E31 = "E31"
    E40 = "E40"
    E41 = "E41"
    E42 = "E42"
    E43 = "E43"
    E44 = "E44"
    E45 = "E45"
    E46 = "E46"
    E47 = "E47"
    E48 = "E48"
    E49 = "E49"
    E50 = "E50"
    E51 = "E51"
    E52 = "E52"
    E53 = "E53"
    E54 = "E54"
    E55 = "E55"
    E56 = "E56"
    E57 = "E57"
    E58 = "E58"
    E59 = "E59"
    E60 = "E60"
    E61 = "E61"
    E62 = "E62"
    E63 = "E63"
    E64 = "E64"
    E65 = "E65"
    E66 = "E66"
    E67 = "E67"
    E68 = "E68"
    E69 = "E69"
    E70 = "E70"
    E71 = "E71"
    E100 = "E100"
    E1000 = "E1000"
    E1001 = "E1001"
    E1003 = "E1003"
    E1004 = "E1004"
    E1006 = "E1006"
    E1007 = "E1007"
    E1008 = "E1008"
    E1010 = "E1010"
    E1011 = "E1011"
    E010101 = "E010101"
    E010102 = "E010102"
    E010201 = "E010201"
    E030301 = "E030301"
    E030302 = "E030302"
    E040101 = "E040101"
    E041701 = "E041701"
    E050101 = "E050101"
    E050102 = "E050102"
    E050103 = "E050103"
    E050105 = "E050105"
    E050107 = "E050107"
    E050108 = "E050108"
    E050109 = "E050109"
    E050110 = "E050110"
    E050111 = "E050111"
    E050112 = "E050112"
    E050201 = "E050201"
    E050202 = "E050202"
    W050201 = "W050201"
    E050301 = "E050301"
    E050302 = "E050302"
    W050301 = "W050301"
    E060501 = "E060501"
    E060502 = "E060502"
    E060701 = "E060701"
    E060801 = "E060801"
    E060802 = "E060802"
    E060803 = "E060803"
    E061301 = "E061301"
    E061304 = "E061304"
    E061305 = "E061305"
    E061501 = "E061501"
    E061504 = "E061504"
    E061505 = "E061505"
    E061506 = "E061506"
    E061507 = "E061507"
    E061508 = "E061508"
    E061509 = "E061509"
    E061801 = "E061801"
    E061802 = "E061802"
    E061803 = "E061803"
    E062101 = "E062101"
    E062102 = "E062102"
    E062103 = "E062103"
    E062105 = "E062105"
    E062201 = "E062201"
    E062202 = "E062202"
    E062203 = "E062203"
    E062301 = "E062301"
    E062302 = "E062302"
    E062303 = "E062303"
    E062304 = "E062304"
    E062305 = "E062305"
    E062306 = "E062306"
    E062401 = "E062401"
    E062402 = "E062402"
    E062403 = "E062403"
    E062801 = "E062801"
    E062802 = "E062802"
    E062803 = "E062803"
    E080201 = "E080201"
    E080202 = "E080202"
    E080301 = "E080301"
    E080302 = "E080302"
    E080405 = "E080405"
    E080406 = "E080406"
    E080407 = "E080407"
    E080408 = "E080408"
    E080409 = "E080409"
    E080410 = "E080410"
    E080411 = "E080411"
    E080412 = "E080412"
    E080413 = "E080413"
    E080414 = "E080414"
    E080415 = "E080415"
    E080501 = "E080501"
    E080502 = "E080502"
    E080503 = "E080503"
    E080601 = "E080601"
    E080602 = "E080602"
    E080604 = "E080604"
    E080606 = "E080606"
    E080607 = "E080607"
    E080702 = "E080702"
    E080721 = "E080721"
    E080722 = "E080722"
    E080723 = "E080723"
    E080801 = "E080801"
    E080821 = "E080821"
    E080822 = "E080822"
    E080901 = "E080901"
    E080902 = "E080902"
    E080903 = "E080903"
    E081101 = "E081101"
    E081102 = "E081102"
    E081104 = "E081104"
    E081105 = "E081105"
    E081106 = "E081106"
    E081107 = "E081107"
    E081108 = "E081108"
    E081109 = "E081109"
    E081110 = "E081110"
    E081111 = "E081111"
    E081202 = "E081202"
    E081204 = "E081204"
    E081205 = "E081205"
    E081221 = "E081221"
    E081222 = "E081222"
    E081223 = "E081223"
    E081301 = "E081301"
    E081302 = "E081302"
    E081303 = "E081303"
    E081401 = "E081401"
    E081402 = "E081402"
    E081405 = "E081405"
    E081406 = "E081406"
    W081401 = "W081401"
    E110101 = "E110101"
    E110102 = "E110102"
    E110103 = "E110103"
    E110105 = "E110105"
    E110106 = "E110106"
    W110101 = "W110101"
    E110401 = "E110401"
    E110402 = "E110402"
    E110403 = "E110403"
    E110405 = "E110405"
    W110401 = "W110401"
    E120101 = "E120101"
    E120102 = "E120102"
    E120103 = "E120103"
    E120201 = "E120201"
    E120203 = "E120203"
    E120204 = "E120204"
    E120207 = "E120207"

    @property
    def category(self) -> str:
        """``information``, ``error`` or ``warning``."""
        return _CATEGORY[self.value[0]]

    @property
    def is_success(self) -> bool:
        return self is ResponseCode.I0

    @property
    def is_error(self) -> bool:
        return self.value[0] == "E"

    @property
    def service_reference(self) -> str | None:
        """For a six-digit Service-Reference-specific code, that Service Reference."""
        digits = self.value[1:]
        if len(digits) != 6:
            return None
        return f"{int(digits[0:2])}.{int(digits[2:4])}"

    @property
    def meaning(self) -> str:
        known = _MEANINGS.get(self)
        if known is not None:
            return known
        reference = self.service_reference
        if reference is not None:
            kind = "warning" if self.value[0] == "W" else "error"
            return (
                f"Service Reference {reference} specific {kind} {self.value[-2:]}"
                " (meaning documented in DUIS)"
            )
        return f"{self.category} code (meaning documented in DUIS)"


_CATEGORY: Final = {"I": "information", "E": "error", "W": "warning"}

# From the project's protocol notes (design/PROTOCOL.md, gathered from DUIS).
_MEANINGS: Final[dict[ResponseCode, str]] = {
    ResponseCode.I0: "Success",
    ResponseCode.I99: "Acknowledged: the request was accepted and the result will follow",
    ResponseCode.E1: "Not a valid User, or not a valid User Role for the User",
    ResponseCode.E2: "The User Role may not use this Service Reference Variant",
    ResponseCode.E3: "The User's status does not permit the request",
    ResponseCode.E4: "The User Role is not authorised for this Device at this time",
    ResponseCode.E5: "The Device's Smart Metering Inventory status does not permit the request",
    ResponseCode.E11: "The Service Reference Variant does not fit the Device type",
    ResponseCode.E12: "The Command Variant does not fit the request",
    ResponseCode.E13: "The request was sent to the wrong endpoint",
    ResponseCode.E17: "Local delivery is not allowed for this request",
    ResponseCode.E19: "The Device is not known",
    ResponseCode.E20: "The Device cannot be reached",
    ResponseCode.E21: "No response from the Device",
    ResponseCode.E30: "A future-dated request timed out",
}


class DccAlertCode(enum.Enum):
    """A DUIS ``DCCAlertCode`` (the kind of DCC Alert, e.g. ``N24``)."""

    AD1 = "AD1"
    N1 = "N1"
    N2 = "N2"
    N3 = "N3"
    N4 = "N4"
    N5 = "N5"
    N6 = "N6"
    N7 = "N7"
    N8 = "N8"
    N9 = "N9"
    N10 = "N10"
    N11 = "N11"
    N12 = "N12"
    N13 = "N13"
    N14 = "N14"
    N15 = "N15"
    N16 = "N16"
    N17 = "N17"
    N18 = "N18"
    N19 = "N19"
    N20 = "N20"
    N21 = "N21"
    N22 = "N22"
    N23 = "N23"
    N24 = "N24"
    N25 = "N25"
    N26 = "N26"
    N27 = "N27"
    N28 = "N28"
    N29 = "N29"
    N30 = "N30"
    N31 = "N31"
    N33 = "N33"
    N34 = "N34"
    N35 = "N35"
    N36 = "N36"
    N37 = "N37"
    N38 = "N38"
    N39 = "N39"
    N40 = "N40"
    N41 = "N41"
    N42 = "N42"
    N43 = "N43"
    N44 = "N44"
    N45 = "N45"
    N46 = "N46"
    N47 = "N47"
    N48 = "N48"
    N49 = "N49"
    N50 = "N50"
    N51 = "N51"
    N52 = "N52"
    N53 = "N53"
    N54 = "N54"
    N55 = "N55"
    N56 = "N56"
    N57 = "N57"
    N58 = "N58"
    N59 = "N59"
    N60 = "N60"
    N61 = "N61"
    N62 = "N62"
    N63 = "N63"
    N64 = "N64"
    N65 = "N65"
    N999 = "N999"
