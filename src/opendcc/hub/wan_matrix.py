"""DUIS 12.1 Request WAN Matrix: whether the SM WAN reaches an address, and how.

The DCC answers from its Communications Service Providers' coverage data, which is not
public. opendcc answers from a model that gives the same answer every time for the same
address, so that a User's installation planning can be tested end to end:

- the CSP region is the premises' region when the Smart Metering Inventory knows the address
  (by UPRN, or by post code and address identifier), else the region of the post code area
  (``AREA_REGIONS``: Scotland and the north of England North; Wales, the Midlands and the
  east Central; London and the south South);
- the WAN technology is the region's (long range radio in the North, cellular in Central
  and South);
- coverage and the likelihood of a connection come from a hash of the normalised post code:
  about 97 % of post codes are covered, most with a high likelihood; a low-likelihood
  address needs an external antenna; an uncovered one gets an anticipated coverage date.

Refusals: a UPRN the inventory does not hold is E120101; a post code that is not a GB post
code is E120102.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Final

from opendcc.inventory.model import CspRegion

# fmt: off
NORTH_AREAS: Final = frozenset((
    "AB", "DD", "DG", "EH", "FK", "G", "HS", "IV", "KA", "KW", "KY", "ML", "PA", "PH", "TD",
    "ZE",  # Scotland
    "BB", "BD", "BL", "CA", "DH", "DL", "DN", "FY", "HD", "HG", "HU", "HX", "LA", "LS", "M",
    "NE", "OL", "PR", "S", "SR", "TS", "WF", "WN", "YO",  # the north of England
))
CENTRAL_AREAS: Final = frozenset((
    "B", "CB", "CH", "CO", "CV", "CW", "DE", "DY", "HR", "IP", "L", "LD", "LE", "LL", "LN",
    "LU", "MK", "NG", "NN", "NR", "PE", "SG", "SK", "ST", "SY", "TF", "WA", "WR", "WS", "WV",
))
# fmt: on
WAN_TECHNOLOGY: Final[dict[CspRegion, str]] = {
    CspRegion.NORTH: "Long Range Radio",
    CspRegion.CENTRAL: "Cellular",
    CspRegion.SOUTH: "Cellular",
}
_POSTCODE: Final = re.compile(r"^([A-Z]{1,2})[0-9][0-9A-Z]? ?[0-9][A-Z]{2}$")


class WanMatrixRefusalError(ValueError):
    """The request cannot be answered; ``code`` is the DUIS response code."""

    def __init__(self, code: str, reason: str) -> None:
        super().__init__(reason)
        self.code = code


@dataclass(frozen=True, slots=True)
class Coverage:
    """One DSPWANMatrixResponse."""

    region: CspRegion
    available: bool
    technology: str
    likelihood: str
    """High, Medium or Low."""
    anticipated: date | None = None
    auxiliary_equipment: str | None = None
    information: str | None = None


def postcode_area(postcode: str) -> str:
    """The post code area (``M22 0RR`` -> ``M``), or WanMatrixRefusalError E120102."""
    compact = " ".join(postcode.upper().split())
    found = _POSTCODE.match(compact)
    if found is None:
        raise WanMatrixRefusalError("E120102", f"{postcode!r} is not a GB post code")
    return found.group(1)


def region_of(postcode: str) -> CspRegion:
    area = postcode_area(postcode)
    if area in NORTH_AREAS:
        return CspRegion.NORTH
    if area in CENTRAL_AREAS:
        return CspRegion.CENTRAL
    return CspRegion.SOUTH


def coverage(postcode: str, region: CspRegion, now: datetime) -> Coverage:
    """The modelled coverage of ``postcode`` in ``region`` (see the module docstring)."""
    postcode_area(postcode)
    digest = hashlib.sha256("".join(postcode.upper().split()).encode()).digest()
    roll = int.from_bytes(digest[:4], "big") % 100
    technology = WAN_TECHNOLOGY[region]
    if roll >= 97:
        months = 3 + digest[4] % 10
        return Coverage(
            region,
            False,
            technology,
            "Low",
            anticipated=(now + timedelta(days=30 * months)).date(),
            information="SM WAN coverage is planned for this post code",
        )
    if roll >= 90:
        return Coverage(region, True, technology, "Low", auxiliary_equipment="External antenna")
    if roll >= 75:
        return Coverage(region, True, technology, "Medium")
    return Coverage(region, True, technology, "High")
