"""GCS28 Set Clock on GSME (GBCS 9.1; DUIS 6.11, and 8.1.1 at commissioning).

The ``SetTime`` module: the Command gives the interval within which the Communications
Hub's time must lie for the GSME to accept it; the Response gives the GSME's clock after
the Command and its Time Status.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime

from opendcc.gbcs.der import tlv
from opendcc.gbcs.der.common import write_int
from opendcc.gbcs.der.naming import coded, gbcs_name, time_text
from opendcc.gbcs.der.tlv import Reader


class DeviceTimeStatus(enum.IntEnum):
    RELIABLE = 0
    INVALID = 1
    UNRELIABLE = 2


@dataclass(frozen=True, slots=True)
class SetTimeCommand:
    """``SEQUENCE { validityIntervalStart, validityIntervalEnd }`` (GeneralizedTime, UTC)."""

    validity_interval_start: datetime
    validity_interval_end: datetime

    @classmethod
    def read(cls, reader: Reader) -> SetTimeCommand:
        inner = reader.constructed()
        start = inner.generalized_time()
        end = inner.generalized_time()
        inner.finish()
        return cls(start, end)

    def write(self) -> bytes:
        return tlv.encode_constructed(
            tlv.SEQUENCE,
            tlv.encode_generalized_time(self.validity_interval_start),
            tlv.encode_generalized_time(self.validity_interval_end),
        )

    def named_values(self) -> dict[str, object]:
        return {
            "validity_interval_start": time_text(self.validity_interval_start),
            "validity_interval_end": time_text(self.validity_interval_end),
        }


@dataclass(frozen=True, slots=True)
class SetTimeResponse:
    """``SEQUENCE { deviceTime, deviceTimeStatus }``."""

    device_time: datetime
    device_time_status: DeviceTimeStatus | int

    @classmethod
    def read(cls, reader: Reader) -> SetTimeResponse:
        inner = reader.constructed()
        when = inner.generalized_time()
        status = coded(DeviceTimeStatus, inner.integer())
        inner.finish()
        return cls(when, status)

    def write(self) -> bytes:
        return tlv.encode_constructed(
            tlv.SEQUENCE,
            tlv.encode_generalized_time(self.device_time),
            write_int(self.device_time_status),
        )

    def named_values(self) -> dict[str, object]:
        return {
            "device_time": time_text(self.device_time),
            "device_time_status": gbcs_name(self.device_time_status),
        }
