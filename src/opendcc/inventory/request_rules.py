"""Which Smart Metering Inventory statuses permit a device Service Request (the E5 check).

DUIS refuses a Service Request with E5 when the target Device's SMI status does not permit
it. The rules, as a table (the row that refuses is named in the reason):

- ``Commissioned`` Devices accept every device Service Request their type allows.
- ``InstalledNotCommissioned`` Devices accept what installation and commissioning need:
  security credentials (6.15, 6.17, 6.21, 6.23, 6.24), configuration and tariffs set
  before the first commission, clock synchronisation, joins (8.7) and device-log updates
  (8.9, 8.11, 8.12), commissioning itself (8.1.1) and reads of identity and firmware.
- ``Recovered`` Devices accept only security credential requests, as the Recovery
  procedure requires (SEC Appendix L).
- ``Whitelisted`` Devices (a CHF whose SMKI status is known but not installed) accept the
  device-log requests the installing supplier sends to join the other Devices.
- ``Suspended`` Devices (their Device Model / firmware left the Certified Products List,
  SEC Section F) accept only what brings them back: 11.3 Activate Firmware and 11.2 Read
  Firmware Version, the exceptions to the E5 check ('Failed Authorisation - Invalid Device
  Status') that SEC modification MP105 ("Sending SR11.2 to Devices in Suspended State",
  November 2021) lists; the DCC distributes firmware to them (11.1) as to Commissioned
  Devices (``hub.firmware_distribution``).
- ``Pending``, ``Decommissioned``, ``Withdrawn`` and ``Recovery`` Devices accept no Service
  Request over the SM WAN.
- Type 2 Devices (``NotApplicable``) are never addressed directly except by join and unjoin.
"""

from __future__ import annotations

from typing import Final

from opendcc.inventory.model import SmiStatus

_CREDENTIALS: Final = frozenset({"6.15.1", "6.15.2", "6.17", "6.21", "6.23", "6.24.1", "6.24.2"})
_INSTALLATION: Final = _CREDENTIALS | frozenset({
    "1.1.1", "1.1.2", "1.2.1", "1.2.2", "1.5", "1.6", "2.1", "2.2",
    "6.2.1", "6.2.2", "6.2.3", "6.2.4", "6.2.5", "6.2.7", "6.2.8", "6.2.9", "6.2.10",
    "6.4.1", "6.5", "6.6", "6.7", "6.8", "6.11", "6.12", "6.14.1", "6.14.2", "6.14.3",
    "6.18.1", "6.20.1", "6.20.2", "6.22", "6.25", "6.26", "6.28", "6.29", "6.30", "6.31",
    "6.32", "7.1", "7.2", "7.3", "7.4", "8.1.1", "8.7.1", "8.7.2", "8.8.1", "8.8.2", "8.9",
    "8.11", "8.12.1", "8.12.2", "11.2", "11.3",
})  # fmt: skip
_HAN_LOGS: Final = frozenset({"8.9", "8.11", "8.12.1", "8.12.2"})
_HAN_JOINS: Final = frozenset({"8.7.1", "8.7.2", "8.8.1", "8.8.2"})
_FIRMWARE: Final = frozenset({"11.2", "11.3"})
"""MP105: the device requests a Suspended Device accepts (11.1 is a non-device request)."""

_PERMITTED: Final[dict[SmiStatus, frozenset[str] | None]] = {
    SmiStatus.COMMISSIONED: None,  # None: every variant the device type allows
    SmiStatus.INSTALLED_NOT_COMMISSIONED: _INSTALLATION,
    SmiStatus.RECOVERED: _CREDENTIALS,
    SmiStatus.WHITELISTED: _HAN_LOGS,
    SmiStatus.NOT_APPLICABLE: _HAN_JOINS,
    SmiStatus.PENDING: frozenset(),
    SmiStatus.DECOMMISSIONED: frozenset(),
    SmiStatus.WITHDRAWN: frozenset(),
    SmiStatus.SUSPENDED: _FIRMWARE,
    SmiStatus.RECOVERY: frozenset(),
}


def status_permits(variant: str, status: SmiStatus) -> str | None:
    """None when ``status`` permits ``variant``; otherwise the reason (for the E5 answer)."""
    allowed = _PERMITTED[status]
    if allowed is None or variant in allowed:
        return None
    if not allowed:
        return f"a Device in SMI status {status.value} accepts no Service Request"
    return f"a Device in SMI status {status.value} does not accept {variant}"
