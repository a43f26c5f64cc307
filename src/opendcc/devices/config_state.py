"""The configuration family's Device state: what the 3.x and 6.x Service Requests set and
read back, kept per Device in ``DeviceState`` sections.

- ``CosemObjects``: the DLMS/COSEM attribute values of an ESME, CHF or HAN auxiliary
  controller that this family writes and reads, keyed ``class/OBIS/attribute`` (the
  object model a DLMS Device exposes; ``config_cosem`` says which objects exist, their
  defaults and what they accept). Values are kept in the DLMS JSON form of
  ``opendcc.gbcs.dlms.jsonform``, exact and readable.
- ``GasConfiguration``: the GSME's (and, mirrored, its GPF's) ZigBee attributes and
  publications: display message, tenancy, supplier details, PIN, MPRN, conversion, flow,
  billing period, supply tamper and depletion states.
- ``EventConfiguration``: the GSME's ZSE event configuration per event code.
- ``ClockState``: the Device clock as an offset from the hub's time, its status and the
  pending adjustment window (6.11).
- ``LogClears``: when each event log was last cleared (3.3).
- ``DeviceFaults``: faults injected to make the Device answer as the reference ERROR
  vectors do (hardware faults on chosen objects or commands).
- ``SubGhz``: the dual-band CHF's sub-GHz configuration, operating channel and channel log.

Initial values are plausible for a freshly installed Device and derive only from its
identity, so a seeded estate is deterministic.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Final

from opendcc.devices.state import Section
from opendcc.inventory.model import Device


def identity_number(device: Device, salt: str, modulus: int) -> int:
    """A number in ``0..modulus-1`` derived from the Device's EUI (deterministic)."""
    digest = hashlib.blake2b(bytes(device.device_id) + salt.encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") % modulus


@dataclass(slots=True)
class CosemObjects(Section):
    """DLMS attribute values written by Commands (unwritten attributes read their default)."""

    NAME = "config.cosem"
    values: dict[str, Any] = field(default_factory=dict)
    """``class/OBIS/attribute`` -> the value's DLMS JSON form."""


CV_DEFAULT_TENTHS: Final = 395
"""39.5 MJ/m3, a typical GB calorific value."""
CF_DEFAULT: Final = 102_264
"""1.02264, the GB standard conversion factor (five decimals)."""


@dataclass(slots=True)
class GasConfiguration(Section):
    """A GSME's configuration; the GPF holds a mirror the GSME's writes keep current."""

    NAME = "config.gas"
    display_message: str | None = None
    display_message_id: int | None = None
    display_message_from: datetime | None = None
    display_message_until: datetime | None = None
    """None: shown until replaced (ZSE duration 0xFFFF)."""
    change_of_tenancy: datetime | None = None
    supplier_name: str = ""
    supplier_contact: str = ""
    privacy_pin_enabled: bool = True
    mprn: str = ""
    calorific_value: int = CV_DEFAULT_TENTHS
    calorific_value_digits: int = 1
    conversion_factor: int = CF_DEFAULT
    conversion_factor_digits: int = 5
    uncontrolled_flow_threshold: int = 200
    uncontrolled_flow_divisor: int = 1
    flow_stabilisation_period: int = 10
    flow_measurement_period: int = 3600
    supply_tamper_state: int = 3
    supply_depletion_state: int = 3
    billing_issuer_event_id: int = 0
    billing_period_start: int = 0
    """ZigBee UTC seconds; 0 until a calendar is set."""
    billing_period_duration: int = 1
    billing_period_duration_type: int = 0x23

    @classmethod
    def initial(cls, device: Device) -> GasConfiguration:
        return cls(mprn=device.mpxn or "")


@dataclass(slots=True)
class EventConfiguration(Section):
    """A GSME's ZSE event configuration (Device Management cluster) per event code."""

    NAME = "config.gsme_events"
    configurations: dict[str, int] = field(default_factory=dict)
    """Event code as four hex digits -> the ZSE event configuration bitmap."""


@dataclass(slots=True)
class ClockState(Section):
    """The Device's clock: hub time plus ``offset_seconds``; the status and the adjustment
    window of the last 6.11 Command."""

    NAME = "config.clock"
    offset_seconds: float = 0.0
    status: int = 0
    """COSEM clock status: 0 OK; 0x01 invalid value (set when an adjustment failed)."""
    clock_base: int = 1
    """COSEM clock_base: 1 internal crystal until a 6.11 sets 5 (external signal)."""
    window_start: datetime | None = None
    window_end: datetime | None = None
    synchronised_at: datetime | None = None
    """When the clock last took the Communications Hub's time (6.11, 8.1.1)."""
    commissioned_at: datetime | None = None
    """The first such time: 8.1.1 Commission Device and 6.11 send the same Command, so
    the meter's first synchronisation is its commissioning (GBCS 9.1)."""

    def synchronise(self, now: datetime) -> None:
        """The clock takes the Communications Hub's time."""
        self.offset_seconds = 0.0
        self.synchronised_at = now
        if self.commissioned_at is None:
            self.commissioned_at = now

    @classmethod
    def initial(cls, device: Device) -> ClockState:
        # A freshly installed meter has drifted by up to +/- 5 s.
        return cls(offset_seconds=identity_number(device, "clock", 11) - 5.0)


@dataclass(slots=True)
class LogClears(Section):
    """When each event log was last cleared: entries logged before are gone."""

    NAME = "config.log_clears"
    cleared: dict[str, datetime] = field(default_factory=dict)


@dataclass(slots=True)
class DeviceFaults(Section):
    """Faults to inject: an object key (``class/OBIS/attribute``, ``class/OBIS/m<method>``,
    ``<cluster>:<attribute or command>``) -> the result code the Device answers with."""

    NAME = "config.faults"
    failing: dict[str, int] = field(default_factory=dict)


@dataclass(slots=True)
class SubGhz(Section):
    """The dual-band Communications Hub's sub-GHz state (DBCH use cases)."""

    NAME = "config.subghz"
    channel_log: list[dict[str, Any]] = field(default_factory=list)
    """Entries ``{"at": ISO time, "channel": 32-bit mask as int}``, oldest first."""
    scans: int = 0
    channel_changes: list[str] = field(default_factory=list)
    """ISO times of the operating channel changes of the last week (the weekly limit)."""
