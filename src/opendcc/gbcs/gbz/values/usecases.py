"""Per use case: its GBCS title and the function naming the values of its Responses.

The table is the specification: a use case listed here gets use-case-specific named
values (``values.data``) for its Response (or, for alerts, for the Alert); every payload,
listed or not, gets the generic per-component view. Titles are the GBCS use case names.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

from opendcc.gbcs.gbz.values import configuration as c
from opendcc.gbcs.gbz.values import readings as r
from opendcc.gbcs.gbz.values.view import Json, PayloadView

Extractor = Callable[[PayloadView], dict[str, Json] | None]


@dataclass(frozen=True, slots=True)
class UseCase:
    code: str
    title: str
    response: Extractor | None = None


def _table(*rows: UseCase) -> dict[str, UseCase]:
    return {row.code: row for row in rows}


USE_CASES: Final = _table(
    UseCase("CS01b", "Apply Prepayment Top Up to a GSME", c.top_up_outcome),
    UseCase("CS10a", "Read ZigBee Device Event Log", c.event_log),
    UseCase("CS10b", "Read ZigBee Device Security Log", c.event_log),
    UseCase("CS11", "Clear ZigBee Device Event Log", c.event_log_cleared),
    UseCase("GCS01a", "Set Tariff and Price on GSME"),
    UseCase("GCS01b", "Set Price on GSME"),
    UseCase("GCS02", "Set GSME Payment Mode to Credit", c.payment_mode_changed),
    UseCase("GCS03", "Set GSME Payment Mode to Prepayment", c.payment_mode_changed),
    UseCase("GCS04", "Manage Debt on the GSME"),
    UseCase("GCS05", "Update Prepayment Configurations on GSME"),
    UseCase("GCS06", "Activate Emergency Credit Remotely on GSME"),
    UseCase("GCS07", "Send Message to GSME"),
    UseCase("GCS09", "Set Change of Tenancy date on GPF"),
    UseCase("GCS11", "Disable Privacy PIN Protection on GSME"),
    UseCase("GCS13a", "Read GSME Consumption Register", r.consumption_register),
    UseCase("GCS13b", "Read GSME Block Counters", r.block_counters),
    UseCase("GCS13c", "Read GSME Register (TOU)", r.tou_registers),
    UseCase("GCS14", "Read GSME Prepayment Register(s)", r.prepay_values),
    UseCase(
        "GCS15b",
        "Read GSME Billing Data Log (change of mode / tariff triggered)",
        r.billing_data_log_change_of_mode,
    ),
    UseCase(
        "GCS15c",
        "Read GSME Billing Data Log (billing calendar triggered)",
        r.billing_data_log_calendar,
    ),
    UseCase("GCS15d", "Read GSME Billing Data Log (payment-based debt payments)", r.debt_payments),
    UseCase("GCS15e", "Read GSME Billing Data Log (prepayment credits)", r.prepayment_credits),
    UseCase("GCS16a", "Read GSME Daily Read log(s)", r.daily_read_log),
    UseCase("GCS16b", "Read GSME Daily Read log(s) (prepayment)", r.prepayment_daily_read_log),
    UseCase("GCS17", "Read GSME Profile Data Log", r.profile_data),
    UseCase("GCS18", "Read Gas Network Data Log", r.network_data),
    UseCase("GCS20", "Set Alert Behaviours - GSME"),
    UseCase("GCS20r", "Read non-critical event and alert behaviours - GSME", c.event_behaviours),
    UseCase("GCS21a", "Read Gas Configuration Data Device Information", c.gas_configuration),
    UseCase("GCS21b", "Read GSME Configuration Data Prepayment", c.prepayment_configuration),
    UseCase(
        "GCS21d",
        "Read GSME Configuration Data Device Information (Billing Calendar)",
        c.billing_calendar,
    ),
    UseCase(
        "GCS21e",
        "Read GSME/GPF Configuration Data Device Information (device identity)",
        c.device_identity,
    ),
    UseCase("GCS21f", "Read GSME Tariff Data", c.tariff),
    UseCase(
        "GCS21j", "Read GSME Configuration Data Device Information (Payment Mode)", c.payment_mode
    ),
    UseCase(
        "GCS21k",
        "Read GSME Configuration Data Device Information (Billing Calendar - all periodicities)",
        c.billing_calendar,
    ),
    UseCase(
        "GCS21m",
        "Read GSME Configuration Data Device Information (identity, type and supply tamper / "
        "depletion state)",
        c.device_identity,
    ),
    UseCase("GCS23", "Set CV and Conversion Factor Value(s) on the GSME"),
    UseCase("GCS24", "Set Uncontrolled Gas Flow Rate and Supply Tamper State on the GSME"),
    UseCase(
        "GCS24a",
        "Set Uncontrolled Gas Flow Rate at greater resolution and Supply Tamper State on the GSME",
    ),
    UseCase("GCS25", "Set Billing Calendar on the GSME"),
    UseCase("GCS25a", "Set Billing Calendar on the GSME - all periodicities"),
    UseCase("GCS31", "Start Network Data Log on GSME", r.sampling_started),
    UseCase("GCS32", "Remotely close the valve in the GSME", r.supply_status_response),
    UseCase("GCS33", "Read GSME Valve Status", r.supply_status),
    UseCase("GCS36", "Send CIN to GSME"),
    UseCase("GCS38", "Read GSME Firmware Version", c.firmware_version),
    UseCase("GCS39", "Arm Valve in GSME", r.supply_status_response),
    UseCase("GCS40a", "Adjust Pre-payment Mode Meter Balance on the GSME"),
    UseCase("GCS40b", "Reset Pre-payment Mode Meter Balance on the GSME"),
    UseCase("GCS40c", "Adjust Credit Mode Meter Balance on the GSME"),
    UseCase("GCS40d", "Reset Credit Mode Meter Balance on the GSME"),
    UseCase("GCS41", "Set MPRN Value on the GSME"),
    UseCase("GCS44", "Write Contact Details on GSME"),
    UseCase("GCS46", "Read MPRN on the GSME", c.mprn),
    UseCase("GCS53", "Push Billing Data Log as an Alert", r.billing_data_log_snapshot),
    UseCase("GCS60", "Read Meter Balance for GSME", r.meter_balance),
    UseCase("GCS60a", "Read Meter Balance for GSME (prepayment and credit)", r.meter_balance),
    UseCase("GCS61", "Read gas Daily Consumption Log", r.daily_consumption_log),
    UseCase("PCS01", "Apply Pre-payment Top Up to a GSME using PPMID", c.top_up_outcome),
    UseCase("PCS02", "Activate Emergency Credit on GSME from PPMID"),
    UseCase("GCA-ZigBee", "Generic Critical Alert (ZigBee)"),
    UseCase("GNCA-ZigBee", "Generic Non Critical Alert (ZigBee)"),
    UseCase("FDRA-ZigBee", "Firmware Distribution Receipt Alert (GSME)"),
    UseCase("MIIWA-ZigBee", "Meter Integrity Issue Warning Alert - GSME"),
)


def use_case(code: str | None) -> UseCase | None:
    return None if code is None else USE_CASES.get(code)
