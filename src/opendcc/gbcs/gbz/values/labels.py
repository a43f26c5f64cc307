"""Readable labels for enumerated command fields, keyed by field name (and cluster where the
same name means different things in different clusters)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from opendcc.gbcs.gbz.alerts import ALERT_CODES
from opendcc.gbcs.gbz.clusters import calendar, device_management, events, metering, prepayment
from opendcc.gbcs.gbz.clusters.units import CALORIFIC_VALUE_UNITS, CURRENCIES, UNITS_OF_MEASURE

ANY_CLUSTER: Final = -1

FIELD_LABELS: Final[dict[tuple[int, str], Mapping[int, str]]] = {
    (ANY_CLUSTER, "unit_of_measure"): UNITS_OF_MEASURE,
    (ANY_CLUSTER, "currency"): CURRENCIES,
    (ANY_CLUSTER, "calorific_value_unit"): CALORIFIC_VALUE_UNITS,
    (ANY_CLUSTER, "calendar_type"): calendar.CALENDAR_TYPES,
    (ANY_CLUSTER, "proposed_supply_status"): metering.SUPPLY_STATUS,
    (ANY_CLUSTER, "supply_status"): metering.SUPPLY_STATUS,
    (ANY_CLUSTER, "sample_type"): metering.SAMPLE_TYPES,
    (ANY_CLUSTER, "supply_tamper_state"): metering.SUPPLY_STATE_CHANGES,
    (ANY_CLUSTER, "supply_depletion_state"): metering.SUPPLY_STATE_CHANGES,
    (ANY_CLUSTER, "supply_uncontrolled_flow_state"): metering.SUPPLY_STATE_CHANGES,
    (ANY_CLUSTER, "load_limit_supply_state"): metering.SUPPLY_STATE_CHANGES,
    (0x0702, "snapshot_payload_type"): metering.SNAPSHOT_PAYLOAD_TYPES,
    (0x0705, "snapshot_payload_type"): prepayment.SNAPSHOT_PAYLOAD_TYPES,
    (ANY_CLUSTER, "originating_device"): prepayment.ORIGINATING_DEVICES,
    (ANY_CLUSTER, "source_of_top_up"): prepayment.ORIGINATING_DEVICES,
    (ANY_CLUSTER, "result_type"): prepayment.TOP_UP_RESULTS,
    (ANY_CLUSTER, "debt_type"): prepayment.DEBT_TYPES,
    (ANY_CLUSTER, "debt_recovery_method"): prepayment.DEBT_RECOVERY_METHODS,
    (ANY_CLUSTER, "debt_recovery_frequency"): prepayment.DEBT_RECOVERY_FREQUENCIES,
    (ANY_CLUSTER, "credit_adjustment_type"): prepayment.CREDIT_ADJUSTMENT_TYPES,
    (ANY_CLUSTER, "password_type"): device_management.PASSWORD_TYPES,
    (ANY_CLUSTER, "configuration_control"): device_management.EVENT_CONFIGURATION_CONTROLS,
    (ANY_CLUSTER, "log_id"): events.LOG_IDS,
    (ANY_CLUSTER, "event_id"): ALERT_CODES,
}


def field_labels(cluster_id: int, name: str) -> Mapping[int, str] | None:
    return FIELD_LABELS.get((cluster_id, name)) or FIELD_LABELS.get((ANY_CLUSTER, name))


IMMEDIATE_WHEN_ZERO: Final = frozenset(
    {
        "start_time",
        "implementation_date_time",
        "implementation_time",
        "start_sampling_time",
        "start_date_time",
        "provider_change_implementation_time",
        "command_issue_date_time",
        "request_date_time",
    }
)
"""UTC fields where 0 means "now" (SE: a start time of zero starts immediately)."""
