"""Named values of the gas read use cases: registers, prepayment, logs and profiles.

Names follow the DUIS response schema the DCC's Parse and Correlate produces for each
Service Request (MMC schema 5.4: ``ConsumptionRegister``, ``MeterBalance``,
``TimeDebtRegisters1``...), so a supplier sees the same words here as in DUIS. Registers
are ``{"Raw": n, "Value": "12.345", "Unit": "m3"}``: ``Value`` and ``Unit`` appear when the
payload carries the Metering formatting attributes (Multiplier, Divisor, UnitOfMeasure);
log entries inside snapshots and samples carry none, so they stay raw. Monetary amounts
are the device's integers, as DUIS gives them.
"""

from __future__ import annotations

from opendcc.gbcs.gbz.clusters.metering import SUPPLY_STATUS
from opendcc.gbcs.gbz.clusters.prepayment import DEBT_TYPES
from opendcc.gbcs.gbz.fields import Record
from opendcc.gbcs.gbz.values.generic import time_value
from opendcc.gbcs.gbz.values.view import METERING, PREPAYMENT, Json, PayloadView, compact, iso

Values = dict[str, Json] | None


def consumption_register(v: PayloadView) -> Values:
    """GCS13a: CurrentSummationDelivered, scaled."""
    register = v.attribute_register(0x0000)
    return None if register is None else {"ConsumptionRegister": register}


def tou_registers(v: PayloadView) -> Values:
    """GCS13c: CurrentTier1..4SummationDelivered as the TOU register matrix."""
    matrix = []
    for index in range(1, 49):
        register = v.attribute_register(0x0100 + 2 * (index - 1))
        if register is not None:
            matrix.append({"Index": index, **register})
    return {"TariffTOURegisterMatrix": matrix} if matrix else None


def block_counters(v: PayloadView) -> Values:
    """GCS13b: CurrentNoTierBlock1..4SummationDelivered as the block counters."""
    counters = []
    for index in range(1, 17):
        register = v.attribute_register(0x0700 + index - 1)
        if register is not None:
            counters.append({"Index": index, **register})
    return {"ImportBlockCounters": counters} if counters else None


def prepay_values(v: PayloadView) -> Values:
    """GCS14: the prepayment registers."""
    out = compact(
        {
            "EmergencyCreditBalance": v.number(PREPAYMENT, 0x0002),
            "AccumulatedDebtRegister": v.number(PREPAYMENT, 0x0005),
            "PaymentDebtRegister": v.number(PREPAYMENT, 0x0231),
            "TimeDebtRegister1": v.number(PREPAYMENT, 0x0211),
            "TimeDebtRegister2": v.number(PREPAYMENT, 0x0221),
            "MeterBalance": v.number(PREPAYMENT, 0x0001),
        }
    )
    return out or None


def meter_balance(v: PayloadView) -> Values:
    """GCS60: the credit-mode meter balance and, on prepayment, the credit remaining."""
    out = compact(
        {
            "MeterBalance": v.number(METERING, 0x0A00),
            "MeterBalancePrepaymentMode": v.number(PREPAYMENT, 0x0001),
        }
    )
    return out or None


def supply_status(v: PayloadView) -> Values:
    """GCS33: the valve state and the remaining battery capacity (days)."""
    state = v.number(METERING, 0x0014)
    out = compact(
        {
            "SupplyState": None if state is None else _SUPPLY_STATE.get(state, state),
            "RemainingBatteryCapacity": v.number(METERING, 0x0205),
        }
    )
    return out or None


_SUPPLY_STATE = {0x00: "Disabled", 0x01: "Armed", 0x02: "Enabled"}
"""SupplyStatus as DUIS names the valve states (Off = Disabled, On = Enabled)."""


def _snapshot_registers(v: PayloadView, fields: Record) -> dict[str, Json]:
    tiers = [r.number("summation") for r in _records(fields, "tier_summations")]
    blocks = [r.number("summation") for r in _records(fields, "tier_block_summations")]
    total = fields.get("current_summation_delivered")
    return compact(
        {
            "Timestamp": iso(fields.get("snapshot_time")),
            "ConsumptionRegister": v.register(total if isinstance(total, int) else None),
            "TariffTOURegisterMatrixValue": [
                {"Index": i + 1, **(v.register(t) or {})} for i, t in enumerate(tiers)
            ],
            "BlockRegisterMatrixValue": [
                {"Index": i + 1, **(v.register(b) or {})} for i, b in enumerate(blocks)
            ],
        }
    )


def _when(seconds: object) -> str | None:
    return time_value(seconds, "implementation_date_time") if isinstance(seconds, int) else None


def _records(fields: Record, key: str) -> tuple[Record, ...]:
    value = fields.get(key)
    return value if isinstance(value, tuple) else ()


def _prepayment_entry(fields: Record) -> dict[str, Json]:
    return compact(
        {
            "Timestamp": iso(fields.get("snapshot_time")),
            "AccumulatedDebtRegister": fields.get("accumulated_debt"),
            "EmergencyCreditBalance": fields.get("emergency_credit_remaining"),
            "MeterBalance": fields.get("credit_remaining"),
            "PaymentDebtRegister": fields.get("type3_debt_remaining"),
            "TimeDebtRegisters1": fields.get("type1_debt_remaining"),
            "TimeDebtRegisters2": fields.get("type2_debt_remaining"),
        }
    )


def _metering_snapshots(v: PayloadView) -> list[dict[str, Json]]:
    return [_snapshot_registers(v, f) for f in v.commands(METERING, "PublishSnapshot")]


def _prepay_snapshots(v: PayloadView) -> list[dict[str, Json]]:
    return [_prepayment_entry(f) for f in v.commands(PREPAYMENT, "PublishPrepaySnapshot")]


def billing_data_log_change_of_mode(v: PayloadView) -> Values:
    """GCS15b: billing data log entries triggered by a change of mode or tariff."""
    out = compact(
        {
            "LogEntryConsumptionRegister": _metering_snapshots(v),
            "LogEntryPrepaymentData": _prepay_snapshots(v),
        }
    )
    return out or None


def billing_data_log_calendar(v: PayloadView) -> Values:
    """GCS15c: billing data log entries triggered by the billing calendar."""
    entries = []
    for entry in _metering_snapshots(v):
        renamed = dict(entry)
        if "ConsumptionRegister" in renamed:
            renamed["ActiveImportRegisterValueConsumption"] = renamed.pop("ConsumptionRegister")
        entries.append(renamed)
    out = compact(
        {
            "GSMEBillingDataLogEntry": entries,
            "GSMEBillingPrepaymentDataLogEntry": _prepay_snapshots(v),
        }
    )
    return out or None


def billing_data_log_snapshot(v: PayloadView) -> Values:
    """GCS53 (alert): the billing data log entry the meter pushed."""
    entries = _metering_snapshots(v)
    return {"LogEntryConsumptionRegister": entries} if entries else None


def debt_payments(v: PayloadView) -> Values:
    """GCS15d: payment-based debt repayments (Publish Debt Log)."""
    entries = []
    for fields in v.commands(PREPAYMENT, "PublishDebtLog"):
        for d in _records(fields, "debts"):
            debt_type = d.get("debt_type")
            entries.append(
                compact(
                    {
                        "Amount": d.get("amount_collected"),
                        "Timestamp": iso(d.get("collection_time")),
                        "DebtType": DEBT_TYPES.get(debt_type, debt_type)
                        if isinstance(debt_type, int)
                        else None,
                        "OutstandingDebt": d.get("outstanding_debt"),
                    }
                )
            )
    return {"PaymentBasedDebtRepayment": {"LogEntry": entries}} if entries else None


def prepayment_credits(v: PayloadView) -> Values:
    """GCS15e: top-ups (Publish Top Up Log)."""
    entries = []
    for fields in v.commands(PREPAYMENT, "PublishTopUpLog"):
        for t in _records(fields, "top_ups"):
            code = t.get("top_up_code")
            entries.append(
                compact(
                    {
                        "Amount": t.get("top_up_amount"),
                        "Timestamp": iso(t.get("top_up_time")),
                        "UTRN": code.decode("ascii", "replace")
                        if isinstance(code, bytes)
                        else None,
                    }
                )
            )
    return {"PrepaymentCredits": {"LogEntry": entries}} if entries else None


def daily_read_log(v: PayloadView) -> Values:
    """GCS16a: daily reads (Publish Snapshot, one per day)."""
    entries = []
    for fields in v.commands(METERING, "PublishSnapshot"):
        registers = _snapshot_registers(v, fields)
        gas = compact(
            {
                "GasActiveImportRegisterConsumption": registers.get("ConsumptionRegister"),
                "TariffTOURegisterMatrix": registers.get("TariffTOURegisterMatrixValue"),
                "TariffBlockCounterMatrix": registers.get("BlockRegisterMatrixValue"),
            }
        )
        entries.append(compact({"Timestamp": registers.get("Timestamp"), "Gas": gas}))
    return {"LogEntry": entries} if entries else None


def prepayment_daily_read_log(v: PayloadView) -> Values:
    """GCS16b: daily prepayment reads (Publish Prepay Snapshot)."""
    entries = _prepay_snapshots(v)
    return {"LogEntry": entries} if entries else None


DAILY_SAMPLE_INTERVAL = 0xFFFF
"""A Sample Request Interval of 0xFFFF labels a daily log (GCS61); entries are a day apart."""


def _samples(v: PayloadView) -> list[dict[str, Json]]:
    entries: list[dict[str, Json]] = []
    for fields in v.commands(METERING, "GetSampledDataResponse"):
        start = fields.get("sample_start_time")
        interval = fields.get("sample_request_interval")
        step = 86400 if interval == DAILY_SAMPLE_INTERVAL else interval
        for i, sample in enumerate(_records(fields, "samples")):
            when = start + i * step if isinstance(start, int) and isinstance(step, int) else None
            entries.append(
                compact({"Timestamp": iso(when), **(v.register(sample.number("value")) or {})})
            )
    return entries


def profile_data(v: PayloadView) -> Values:
    """GCS17: half-hourly consumption (Get Sampled Data Response)."""
    entries = [
        compact({"Timestamp": e.get("Timestamp"), "Gas": {"PrimaryValue": _without_time(e)}})
        for e in _samples(v)
    ]
    return {"LogEntry": entries} if entries else None


def _without_time(entry: dict[str, Json]) -> dict[str, Json]:
    return {k: val for k, val in entry.items() if k != "Timestamp"}


def network_data(v: PayloadView) -> Values:
    """GCS18: the gas network data log (samples of consumption at the sampling interval)."""
    entries = _samples(v)
    return {"NetworkDataLog": {"LogEntry": entries}} if entries else None


def daily_consumption_log(v: PayloadView) -> Values:
    """GCS61: daily consumption (Get Sampled Data Response, one sample a day)."""
    entries = _samples(v)
    return {"LogEntry": entries} if entries else None


def sampling_started(v: PayloadView) -> Values:
    """GCS31: the sample id the meter gave the network data log."""
    for fields in v.commands(METERING, "StartSamplingResponse"):
        return {"SampleID": fields.get("sample_id")}
    return None


def supply_status_response(v: PayloadView) -> Values:
    """GCS32/GCS39: the supply status the valve reached."""
    for fields in v.commands(METERING, "SupplyStatusResponse"):
        status = fields.get("supply_status")
        return compact(
            {
                "SupplyStatus": SUPPLY_STATUS.get(status, status)
                if isinstance(status, int)
                else None,
                "ImplementationDateTime": _when(fields.get("implementation_date_time")),
            }
        )
    return None
