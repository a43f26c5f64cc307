"""Transforms of the range reads (Service Reference 4): billing data logs, daily read logs,
profile data, network data and the daily consumption log. Each reads the DUIS
``ReadLogPeriod`` and asks the Device for the entries in it.

| DUIS variant | ESME (DLMS) | GSME / GPF (GBZ) |
|---|---|---|
| 4.4.2 Change Of Mode / Tariff Triggered Billing Data Log | ECS20b (protected) | GCS15b |
| 4.4.3 Billing Calendar Triggered Billing Data Log | ECS20c (protected) | GCS15c |
| 4.4.4 Billing Data Log (Payment Based Debt Payments) | ECS20a | GCS15d |
| 4.4.5 Billing Data Log (Prepayment Credits) | ECS20d | GCS15e |
| 4.6.1 Import Daily Read Log | ECS21a (protected) | GCS16a |
| 4.6.2 Export Daily Read Log | ECS21c | |
| 4.8.1 Active Import Profile Data | ECS22b (protected) | GCS17 |
| 4.8.2 Reactive Import Profile Data | ECS22c | |
| 4.8.3 Export Profile Data | ECS22a | |
| 4.10 Read Network Data | ECS23 (single phase), ECS23b (polyphase) | GCS18 |
| 4.17 Retrieve Daily Consumption Log | ECS66 (protected) | GCS61 |

DLMS: profile buffers are read with a range descriptor (seconds since 2000) or, for the
protected reads, a ``{from, to}`` selection of COSEM date-times, both from the period.

GBZ, as the reference Commands show:

- Snapshot logs ask for each possible entry by offset, the log's capacity: GCS15b and
  GCS15c 12 prepayment snapshots and 12 metering snapshots (Prepayment first for the
  change of mode / tariff log, cause mask 0x6008; Metering first for the billing calendar
  log, cause 2), GCS16a 31 daily snapshots (cause 1); each component's ZCL sequence number
  is its position.
- GCS15d and GCS15e carry the start in the component's from-date-time and the end in the
  command; GCS15d asks for up to 10 payment-based (type 3) debt collections, GCS15e for the
  5 most recent top-ups.
- Sampled data (GetSampledData): GCS17 the half-hourly profile (sample id 0) with one
  sample per half hour from the start to the end inclusive; GCS61 the daily consumption
  log (sample id 1), one per day, at most the log's 731 days; GCS18 the network data log
  (sample id 2) that GCS31 starts, always from its first sample (earliest time 1 s after
  the epoch) for the 41 samples GCS31 asks the GSME to take.

Polyphase or not (ECS23 or ECS23b) is a fact of the ESME's variant, which the DCC holds in
the Smart Metering Inventory (DUIS ``ESMEVariant``, C = polyphase). A transform sees the
inventory through ``InventoryView``; an inventory that can say it implements
``EsmeVariantView``. Without it the ESME is taken as single phase.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Final, Protocol, runtime_checkable

from opendcc.eui import Eui64
from opendcc.gbcs.gbz import builders as z
from opendcc.gbcs.gbz import encode as encode_gbz
from opendcc.gbcs.gbz.payload import GbzComponent
from opendcc.inventory.model import DeviceType
from opendcc.transform.duisxml import BodyValueError
from opendcc.transform.reads_common import (
    LogPeriod,
    Origination,
    command_spec,
    dlms_read,
    ka_certificate,
    log_period,
    originate,
    refuse,
    zigbee_seconds,
)
from opendcc.transform.registry import CommandSpec, TransformInput, TransformRefusal, transforms


@runtime_checkable
class EsmeVariantView(Protocol):
    """An inventory that knows each ESME's DUIS ``ESMEVariant`` (``"A"``, ``"CD"``...)."""

    def esme_variant(self, eui: Eui64) -> str | None: ...


def is_polyphase(request: TransformInput) -> bool:
    inventory = request.inventory
    if isinstance(inventory, EsmeVariantView):
        variant = inventory.esme_variant(request.target)
        return bool(variant) and str(variant).upper().startswith("C")
    return False


ESME_LOG_READS: Final[dict[str, str]] = {
    "4.4.2": "ECS20b",
    "4.4.3": "ECS20c",
    "4.4.4": "ECS20a",
    "4.4.5": "ECS20d",
    "4.6.1": "ECS21a",
    "4.6.2": "ECS21c",
    "4.8.1": "ECS22b",
    "4.8.2": "ECS22c",
    "4.8.3": "ECS22a",
    "4.10": "ECS23",
    "4.17": "ECS66",
}
URP_CREDENTIAL_VARIANTS: Final = frozenset({"4.4.2", "4.4.3", "4.6.1", "4.8.1", "4.10", "4.17"})
"""Variants whose body may carry the User's KA certificate (DUIS
``ReadLogFutureDatableAndURPCredentials``)."""


@transforms("4.4.2", DeviceType.ESME)
@transforms("4.4.3", DeviceType.ESME)
@transforms("4.4.4", DeviceType.ESME)
@transforms("4.4.5", DeviceType.ESME)
@transforms("4.6.1", DeviceType.ESME)
@transforms("4.6.2", DeviceType.ESME)
@transforms("4.8.1", DeviceType.ESME)
@transforms("4.8.2", DeviceType.ESME)
@transforms("4.8.3", DeviceType.ESME)
@transforms("4.10", DeviceType.ESME)
@transforms("4.17", DeviceType.ESME)
def esme_log_read(request: TransformInput) -> CommandSpec | TransformRefusal:
    """ECS20a-d, ECS21a/c, ECS22a-c, ECS23/ECS23b, ECS66 (see the module table)."""
    use_case = ESME_LOG_READS[request.variant]
    if use_case == "ECS23" and is_polyphase(request):
        use_case = "ECS23b"
    try:
        period = log_period(request.body, request.now)
        certificate = (
            ka_certificate(request.body) if request.variant in URP_CREDENTIAL_VARIANTS else None
        )
        origin = originate(request, use_case, certificate)
        payload = dlms_read(use_case, request, origin, period)
    except BodyValueError as exc:
        return refuse(request, str(exc))
    return command_spec(request, use_case, payload, origin)


# --- gas --------------------------------------------------------------------------------

SNAPSHOT_LOG_CAPACITY: Final = 12
"""Entries of each GSME billing data log the GBZ reads ask for (12 billing periods)."""
DAILY_READ_LOG_CAPACITY: Final = 31
DAILY_CONSUMPTION_LOG_CAPACITY: Final = 731
NETWORK_DATA_SAMPLES: Final = 41
"""Samples of the gas network data log: GCS31 starts it with this maximum."""
NETWORK_DATA_EARLIEST: Final = 1
PROFILE_SAMPLE_ID, DAILY_CONSUMPTION_SAMPLE_ID, NETWORK_DATA_SAMPLE_ID = 0, 1, 2
CONSUMPTION_DELIVERED: Final = 0
DEBT_TYPE_PAYMENT_BASED: Final = 2
"""ZigBee debt type 2 is "Debt 3", GBCS's payment-based debt register."""
DEBT_LOG_ENTRIES: Final = 10
TOP_UP_LOG_ENTRIES: Final = 5

CAUSE_GENERAL: Final = 0x0000_0001
CAUSE_END_OF_BILLING_PERIOD: Final = 0x0000_0002
CAUSE_CHANGE_OF_MODE_OR_TARIFF: Final = 0x0000_6008
"""Change of tariff information (bit 3) with the payment mode change causes (bits 13,
14), as GCS15b asks."""


def _snapshots(
    period: LogPeriod, groups: tuple[tuple[str, str, int], ...], cause: int
) -> list[GbzComponent]:
    start, end = zigbee_seconds(period.start), zigbee_seconds(period.end)
    components: list[GbzComponent] = []
    for cluster, command, count in groups:
        for offset in range(count):
            frame = z.cluster_command(
                cluster,
                command,
                tsn=len(components),
                earliest_start_time=start,
                latest_end_time=end,
                snapshot_offset=offset,
                snapshot_cause=cause,
            )
            components.append(z.component(cluster, frame))
    return components


def _gcs15b(period: LogPeriod) -> list[GbzComponent]:
    groups = (
        ("Prepayment", "GetPrepaySnapshot", SNAPSHOT_LOG_CAPACITY),
        ("Metering", "GetSnapshot", SNAPSHOT_LOG_CAPACITY),
    )
    return _snapshots(period, groups, CAUSE_CHANGE_OF_MODE_OR_TARIFF)


def _gcs15c(period: LogPeriod) -> list[GbzComponent]:
    groups = (
        ("Metering", "GetSnapshot", SNAPSHOT_LOG_CAPACITY),
        ("Prepayment", "GetPrepaySnapshot", SNAPSHOT_LOG_CAPACITY),
    )
    return _snapshots(period, groups, CAUSE_END_OF_BILLING_PERIOD)


def _gcs16a(period: LogPeriod) -> list[GbzComponent]:
    groups = (("Metering", "GetSnapshot", DAILY_READ_LOG_CAPACITY),)
    return _snapshots(period, groups, CAUSE_GENERAL)


def _gcs15d(period: LogPeriod) -> list[GbzComponent]:
    frame = z.cluster_command(
        "Prepayment",
        "GetDebtRepaymentLog",
        latest_end_time=zigbee_seconds(period.end),
        number_of_debts=DEBT_LOG_ENTRIES,
        debt_type=DEBT_TYPE_PAYMENT_BASED,
    )
    return [z.component("Prepayment", frame, from_date_time=zigbee_seconds(period.start))]


def _gcs15e(period: LogPeriod) -> list[GbzComponent]:
    frame = z.cluster_command(
        "Prepayment",
        "GetTopUpLog",
        latest_end_time=zigbee_seconds(period.end),
        number_of_records=TOP_UP_LOG_ENTRIES,
    )
    return [z.component("Prepayment", frame, from_date_time=zigbee_seconds(period.start))]


def _sampled(sample_id: int, earliest: int, count: int) -> list[GbzComponent]:
    frame = z.cluster_command(
        "Metering",
        "GetSampledData",
        sample_id=sample_id,
        earliest_sample_time=earliest,
        sample_type=CONSUMPTION_DELIVERED,
        number_of_samples=max(0, min(count, 0xFFFF)),
    )
    return [z.component("Metering", frame)]


def _intervals(period: LogPeriod, step: timedelta) -> int:
    """Samples of ``step`` from the start to the end inclusive (none if end < start)."""
    if period.end < period.start:
        return 0
    return int((period.end - period.start) // step) + 1


def _gcs17(period: LogPeriod) -> list[GbzComponent]:
    count = _intervals(period, timedelta(minutes=30))
    return _sampled(PROFILE_SAMPLE_ID, zigbee_seconds(period.start), count)


def _gcs61(period: LogPeriod) -> list[GbzComponent]:
    count = min(_intervals(period, timedelta(days=1)), DAILY_CONSUMPTION_LOG_CAPACITY)
    return _sampled(DAILY_CONSUMPTION_SAMPLE_ID, zigbee_seconds(period.start), count)


def _gcs18(period: LogPeriod) -> list[GbzComponent]:
    return _sampled(NETWORK_DATA_SAMPLE_ID, NETWORK_DATA_EARLIEST, NETWORK_DATA_SAMPLES)


GAS_LOG_READS: Final[dict[str, tuple[str, Callable[[LogPeriod], list[GbzComponent]]]]] = {
    "4.4.2": ("GCS15b", _gcs15b),
    "4.4.3": ("GCS15c", _gcs15c),
    "4.4.4": ("GCS15d", _gcs15d),
    "4.4.5": ("GCS15e", _gcs15e),
    "4.6.1": ("GCS16a", _gcs16a),
    "4.8.1": ("GCS17", _gcs17),
    "4.10": ("GCS18", _gcs18),
    "4.17": ("GCS61", _gcs61),
}


@transforms("4.4.2", DeviceType.GSME, DeviceType.GPF)
@transforms("4.4.3", DeviceType.GSME, DeviceType.GPF)
@transforms("4.4.4", DeviceType.GSME, DeviceType.GPF)
@transforms("4.4.5", DeviceType.GSME, DeviceType.GPF)
@transforms("4.6.1", DeviceType.GSME, DeviceType.GPF)
@transforms("4.8.1", DeviceType.GSME, DeviceType.GPF)
@transforms("4.10", DeviceType.GSME, DeviceType.GPF)
@transforms("4.17", DeviceType.GSME, DeviceType.GPF)
def gas_log_read(request: TransformInput) -> CommandSpec | TransformRefusal:
    """GCS15b-e, GCS16a, GCS17, GCS18, GCS61 to the GSME or its GPF."""
    use_case, components = GAS_LOG_READS[request.variant]
    try:
        period = log_period(request.body, request.now)
        certificate = (
            ka_certificate(request.body) if request.variant in URP_CREDENTIAL_VARIANTS else None
        )
        origin: Origination = originate(request, use_case, certificate)
        payload = z.command_payload(*components(period), use_case=use_case)
    except BodyValueError as exc:
        return refuse(request, str(exc))
    return command_spec(request, use_case, encode_gbz(payload), origin)
