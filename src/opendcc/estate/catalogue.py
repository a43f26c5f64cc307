"""What the demo estate draws from: places for each distribution area, and device models.

All of it is opendcc's own invention for plausibility: postcode *areas* are real GB ones
for the region (the districts and units generated from them are random and may not
exist), street names are common ones, and manufacturers and models are fictional: IDs in
the ``0Dxx`` block, which belongs to no real manufacturer in opendcc's tables.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from opendcc.inventory.model import DeviceType

POSTCODE_AREAS: Final[dict[int, tuple[str, ...]]] = {
    # MPAN distributor ID -> postcode areas of that distribution area.
    10: ("CB", "IP", "NR", "CO", "CM", "SG"),
    11: ("NG", "LE", "DE", "NN"),
    12: ("E", "N", "SE", "SW", "W", "NW"),
    13: ("L", "CH", "LL"),
    14: ("B", "CV", "WV", "DY", "WS"),
    15: ("NE", "DH", "SR", "TS", "DL"),
    16: ("M", "PR", "BB", "BL", "OL", "LA"),
    17: ("AB", "IV", "PH", "DD"),
    18: ("EH", "G", "KA", "ML", "PA"),
    19: ("BN", "TN", "CT", "ME", "RH"),
    20: ("SO", "PO", "GU", "RG", "OX", "BH"),
    21: ("CF", "SA", "NP"),
    22: ("BS", "EX", "PL", "TQ", "TR", "BA"),
    23: ("LS", "BD", "HU", "YO", "S", "HG"),
}

POSTCODE_UNIT_LETTERS: Final = "ABDEFGHJLNPQRSTUWXYZ"
"""Letters used in the inward code's unit (C, I, K, M, O and V never are)."""

STREETS: Final = (
    "High Street",
    "Station Road",
    "Church Lane",
    "Victoria Road",
    "Park Road",
    "Green Lane",
    "Manor Road",
    "Church Street",
    "Mill Lane",
    "Queens Road",
    "New Road",
    "Kings Road",
    "London Road",
    "School Lane",
    "The Avenue",
    "Grange Road",
    "Albert Road",
    "Springfield Road",
    "Windsor Road",
    "York Road",
    "North Street",
    "Chapel Lane",
    "Main Street",
    "Richmond Road",
    "Stanley Road",
    "Alexandra Road",
    "Highfield Road",
    "Orchard Close",
    "Cedar Avenue",
    "Meadow View",
    "Willow Close",
    "Elm Grove",
)


@dataclass(frozen=True, slots=True)
class DeviceModel:
    """A (fictional) product: DUIS DeviceManufacturer and DeviceModel, and what it runs."""

    manufacturer: str
    model: str
    firmware_versions: tuple[str, ...]
    gbcs_version: str
    smets_chts_version: str


MODELS: Final[dict[DeviceType, tuple[DeviceModel, ...]]] = {
    DeviceType.CHF: (
        DeviceModel("0D01", "0D010001", ("01020003", "01030001"), "4.1", "CHTS V1.3"),
        DeviceModel("0D02", "0D020001", ("02000104",), "4.0", "CHTS V1.2"),
    ),
    DeviceType.GPF: (
        DeviceModel("0D01", "0D010002", ("01020003", "01030001"), "4.1", "CHTS V1.3"),
        DeviceModel("0D02", "0D020002", ("02000104",), "4.0", "CHTS V1.2"),
    ),
    DeviceType.ESME: (
        DeviceModel("0D03", "0D030010", ("03010000", "03010102"), "4.1", "SMETS2 V4.2"),
        DeviceModel("0D04", "0D040020", ("04000009",), "3.2", "SMETS2 V3.2"),
        DeviceModel("0D05", "0D050011", ("05020001",), "4.2", "SMETS2 V5.0"),
    ),
    DeviceType.GSME: (
        DeviceModel("0D03", "0D030030", ("03010000",), "4.1", "SMETS2 V4.2"),
        DeviceModel("0D06", "0D060001", ("06000201", "06000300"), "4.0", "SMETS2 V4.0"),
    ),
    DeviceType.IHD: (
        DeviceModel("0D07", "0D070001", ("07000001",), "4.0", "SMETS2 V4.0"),
        DeviceModel("0D08", "0D080003", ("08010000",), "4.1", "SMETS2 V4.2"),
    ),
    DeviceType.PPMID: (DeviceModel("0D07", "0D070010", ("07000100",), "4.1", "SMETS2 V4.2"),),
    DeviceType.HCALCS: (DeviceModel("0D09", "0D090001", ("09000001",), "4.1", "SMETS2 V4.2"),),
}
