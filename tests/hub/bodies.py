"""CV 8 request bodies the hub's tests send: DUIS 8.14 Communications Hub Status Updates
and 12.2 Device Pre-notification."""

from __future__ import annotations

from lxml import etree

from opendcc.duis import build
from opendcc.eui import Eui64
from opendcc.inventory.model import DeviceType


def chf_install_success(device: Eui64) -> etree._Element:
    """8.14.1 Install Success: a new hub installed with SM WAN."""
    return build.sr(
        "CHFInstallSuccessSMWAN",
        children=[
            build.sr("DeviceID", str(device)),
            build.sr("CHFInstallType", "New CHF Install"),
            build.sr("MPxN", "1000999888"),
            build.sr("AerialInstall", "false"),
            build.sr("CHFLocation", "Basement or Cellar"),
        ],
    )


def chf_no_fault_return(device: Eui64, kind: str = "Lost or Stolen Hub") -> etree._Element:
    """8.14.4 No Fault Return of ``device``, for ``kind``."""
    return build.sr(
        "CHFNoFaultReturn",
        children=[build.sr("DeviceID", str(device)), build.sr("CHFNoFaultReturnType", kind)],
    )


def chf_fault_return(device: Eui64, other: Eui64, kind: str) -> etree._Element:
    """8.14.3 Fault Return of ``device`` (its GPF ``other``), prior to or post installation."""
    return build.sr(
        "CHFFaultReturn",
        children=[
            build.sr("DeviceID", str(device)),
            build.sr("CHFFaultReturnType", kind),
            build.sr("OtherDeviceID", str(other)),
            build.sr("CHFConnectionMethod", "Cradle"),
            build.sr("CHFFaultReason", "SM WAN Fault"),
        ],
    )


def chf_install_no_wan(device: Eui64) -> etree._Element:
    """8.14.2 Install No SM WAN, with the survey answers."""
    return build.sr(
        "CHFInstallSuccessNoSMWAN",
        children=[
            build.sr("DeviceID", str(device)),
            build.sr("CHFInstallType", "CHF Install - no SM WAN"),
            build.sr("MPxN", "1000999888"),
            build.sr("AerialInstall", "false"),
            build.sr("CHFLocation", "Deep indoors"),
            build.sr("PremiseType", "Terraced"),
            build.sr("MetalObstructionCheck", "true"),
            build.sr("ConnectivityObstructionCheck", "false"),
            build.sr("SharedObstructionCheck", "false"),
        ],
    )


def pre_notification(device: Eui64, kind: DeviceType) -> etree._Element:
    """12.2 Device Pre-notification of a ``kind`` Device."""
    children = [
        build.sr("DeviceID", str(device)),
        build.sr("DeviceManufacturer", "0D0A"),
        build.sr("DeviceModel", "0D0A0002"),
        build.sr("DeviceType", kind.value),
    ]
    return build.sr("DevicePrenotification", children=children)
