"""Price cluster (0x0700, SE D.4): tariffs, prices, block thresholds, CV and conversion factor.

GBCS carries a gas tariff as Publish Tariff Information, Publish Price Matrix and Publish
Block Thresholds (GCS01a/b), the calorific value and conversion factor as Publish
Calorific Value and Publish Conversion Factor (GCS23), the billing calendar as Publish
Billing Period (GCS25) and reads them back with the Get... commands (GCS21*).
"""

from __future__ import annotations

from typing import Final

from opendcc.gbcs.gbz.clusters import AttributeDef, ClusterDef, Meaning, attributes, commands
from opendcc.gbcs.gbz.clusters.units import CALORIFIC_VALUE_UNITS, UNITS_OF_MEASURE
from opendcc.gbcs.gbz.datatypes import ZclDataType as T
from opendcc.gbcs.gbz.fields import (
    BITMAP8,
    ENUM8,
    OCTETS,
    U8,
    U16,
    U24,
    U32,
    U48,
    UTC,
    Command,
    CountRule,
    Field,
    Record,
    Repeat,
)

COMMODITY_TYPES: Final = {0x00: "Electric metering", 0x01: "Gas metering", 0x02: "Water metering"}
TIER_BLOCK_MODES: Final = {
    0x00: "ActiveBlock",
    0x01: "ActiveBlockPriceTier",
    0x02: "ActiveBlockPriceTierThreshold",
    0xFF: "NotUsed",
}


def _tier_labels() -> list[AttributeDef]:
    return [
        AttributeDef(n - 1, f"Tier{n}PriceLabel", T.OCTET_STRING, Meaning.TEXT)
        for n in range(1, 49)
    ]


def _block_thresholds() -> list[AttributeDef]:
    rows = [
        AttributeDef(0x0100 + m - 1, f"Block{m}Threshold", T.UINT48, Meaning.BLOCK_THRESHOLD)
        for m in range(1, 16)
    ]
    rows.append(AttributeDef(0x010F, "BlockThresholdCount", T.UINT8))
    for n in range(1, 16):
        base = 0x0110 + 16 * (n - 1)
        rows += [
            AttributeDef(
                base + m - 1, f"Tier{n}Block{m}Threshold", T.UINT48, Meaning.BLOCK_THRESHOLD
            )
            for m in range(1, 16)
        ]
        rows.append(AttributeDef(base + 15, f"Tier{n}BlockThresholdCount", T.UINT8))
    return rows


def _block_prices() -> list[AttributeDef]:
    rows = [
        AttributeDef(0x0400 + m - 1, f"NoTierBlock{m}Price", T.UINT32, Meaning.PRICE)
        for m in range(1, 17)
    ]
    for n in range(1, 16):
        rows += [
            AttributeDef(
                0x0410 + 16 * (n - 1) + m - 1, f"Tier{n}Block{m}Price", T.UINT32, Meaning.PRICE
            )
            for m in range(1, 17)
        ]
    return rows


ATTRIBUTES: Final = attributes(
    _tier_labels(),
    _block_thresholds(),
    AttributeDef(0x0200, "StartOfBlockPeriod", T.UTC_TIME, Meaning.TIMESTAMP),
    AttributeDef(0x0201, "BlockPeriodDuration", T.UINT24),
    AttributeDef(0x0202, "ThresholdMultiplier", T.UINT24),
    AttributeDef(0x0203, "ThresholdDivisor", T.UINT24),
    AttributeDef(0x0204, "BlockPeriodDurationType", T.BITMAP8, Meaning.FLAGS),
    AttributeDef(0x0300, "CommodityType", T.ENUM8, Meaning.ENUMERATION, COMMODITY_TYPES),
    AttributeDef(0x0301, "StandingCharge", T.UINT32, Meaning.PRICE),
    AttributeDef(0x0302, "ConversionFactor", T.UINT32),
    AttributeDef(0x0303, "ConversionFactorTrailingDigit", T.BITMAP8, Meaning.TRAILING_DIGIT),
    AttributeDef(0x0304, "CalorificValue", T.UINT32),
    AttributeDef(0x0305, "CalorificValueUnit", T.ENUM8, Meaning.ENUMERATION, CALORIFIC_VALUE_UNITS),
    AttributeDef(0x0306, "CalorificValueTrailingDigit", T.BITMAP8, Meaning.TRAILING_DIGIT),
    _block_prices(),
    AttributeDef(0x0610, "TariffLabel", T.OCTET_STRING, Meaning.TEXT),
    AttributeDef(0x0611, "NumberOfPriceTiersInUse", T.UINT8),
    AttributeDef(0x0612, "NumberOfBlockThresholdsInUse", T.UINT8),
    AttributeDef(0x0613, "TierBlockMode", T.ENUM8, Meaning.ENUMERATION, TIER_BLOCK_MODES),
    AttributeDef(0x0615, "UnitOfMeasure", T.ENUM8, Meaning.UNIT_OF_MEASURE, UNITS_OF_MEASURE),
    AttributeDef(0x0616, "Currency", T.UINT16, Meaning.CURRENCY),
    AttributeDef(0x0617, "PriceTrailingDigit", T.BITMAP8, Meaning.TRAILING_DIGIT),
    AttributeDef(0x0619, "TariffResolutionPeriod", T.ENUM8, Meaning.ENUMERATION),
    AttributeDef(0x0620, "CO2", T.UINT32),
    AttributeDef(0x0621, "CO2Unit", T.ENUM8, Meaning.ENUMERATION),
    AttributeDef(0x0622, "CO2TrailingDigit", T.BITMAP8, Meaning.TRAILING_DIGIT),
    AttributeDef(0x0700, "CurrentBillingPeriodStart", T.UTC_TIME, Meaning.TIMESTAMP),
    AttributeDef(0x0701, "CurrentBillingPeriodDuration", T.UINT24),
    AttributeDef(0x0702, "LastBillingPeriodStart", T.UTC_TIME, Meaning.TIMESTAMP),
    AttributeDef(0x0703, "LastBillingPeriodDuration", T.UINT24),
    AttributeDef(0x0704, "LastBillingPeriodConsolidatedBill", T.UINT32, Meaning.MONEY),
)


def _low_nibble(field: str) -> CountRule:
    def rule(record: Record) -> int:
        return record.number(field) & 0x0F

    return rule


_GET_BY_EVENT: Final = (
    Field("earliest_start_time", UTC),
    Field("min_issuer_event_id", U32),
    Field("number_of_commands", U8),
)

SERVER_COMMANDS: Final = commands(
    Command(
        0x00,
        "PublishPrice",
        (
            Field("provider_id", U32),
            Field("rate_label", OCTETS),
            Field("issuer_event_id", U32),
            Field("current_time", UTC),
            Field("unit_of_measure", ENUM8),
            Field("currency", U16),
            Field("price_trailing_digit_and_price_tier", BITMAP8),
            Field("number_of_price_tiers_and_register_tier", BITMAP8),
            Field("start_time", UTC),
            Field("duration_in_minutes", U16),
            Field("price", U32),
            Field("price_ratio", U8, optional=True),
            Field("generation_price", U32, optional=True),
            Field("generation_price_ratio", U8, optional=True),
            Field("alternate_cost_delivered", U32, optional=True),
            Field("alternate_cost_unit", ENUM8, optional=True),
            Field("alternate_cost_trailing_digit", BITMAP8, optional=True),
            Field("number_of_block_thresholds", U8, optional=True),
            Field("price_control", BITMAP8, optional=True),
            Field("number_of_generation_tiers", U8, optional=True),
            Field("generation_tier", ENUM8, optional=True),
            Field("extended_number_of_price_tiers", ENUM8, optional=True),
            Field("extended_price_tier", ENUM8, optional=True),
            Field("extended_register_tier", ENUM8, optional=True),
        ),
        True,
    ),
    Command(
        0x01,
        "PublishBlockPeriod",
        (
            Field("provider_id", U32),
            Field("issuer_event_id", U32),
            Field("block_period_start_time", UTC),
            Field("block_period_duration", U24),
            Field("block_period_control", BITMAP8),
            Field("block_period_duration_type", BITMAP8),
            Field("tariff_type", BITMAP8),
            Field("tariff_resolution_period", ENUM8),
        ),
        True,
    ),
    Command(
        0x02,
        "PublishConversionFactor",
        (
            Field("issuer_event_id", U32),
            Field("start_time", UTC),
            Field("conversion_factor", U32),
            Field("conversion_factor_trailing_digit", BITMAP8),
        ),
        True,
    ),
    Command(
        0x03,
        "PublishCalorificValue",
        (
            Field("issuer_event_id", U32),
            Field("start_time", UTC),
            Field("calorific_value", U32),
            Field("calorific_value_unit", ENUM8),
            Field("calorific_value_trailing_digit", BITMAP8),
        ),
        True,
    ),
    Command(
        0x04,
        "PublishTariffInformation",
        (
            Field("provider_id", U32),
            Field("issuer_event_id", U32),
            Field("issuer_tariff_id", U32),
            Field("start_time", UTC),
            Field("tariff_type_charging_scheme", BITMAP8),
            Field("tariff_label", OCTETS),
            Field("number_of_price_tiers_in_use", U8),
            Field("number_of_block_thresholds_in_use", U8),
            Field("unit_of_measure", ENUM8),
            Field("currency", U16),
            Field("price_trailing_digit", BITMAP8),
            Field("standing_charge", U32),
            Field("tier_block_mode", U8),
            Field("block_threshold_multiplier", U24),
            Field("block_threshold_divisor", U24),
        ),
        True,
    ),
    Command(
        0x05,
        "PublishPriceMatrix",
        (
            Field("provider_id", U32),
            Field("issuer_event_id", U32),
            Field("start_time", UTC),
            Field("issuer_tariff_id", U32),
            Field("command_index", U8),
            Field("total_number_of_commands", U8),
            Field("sub_payload_control", BITMAP8),
            Repeat("prices", (Field("tier_block_id", U8), Field("price", U32))),
        ),
        True,
    ),
    Command(
        0x06,
        "PublishBlockThresholds",
        (
            Field("provider_id", U32),
            Field("issuer_event_id", U32),
            Field("start_time", UTC),
            Field("issuer_tariff_id", U32),
            Field("command_index", U8),
            Field("total_number_of_commands", U8),
            Field("sub_payload_control", BITMAP8),
            Repeat(
                "tiers",
                (
                    Field("tier_number_of_block_thresholds", U8),
                    Repeat(
                        "block_thresholds",
                        (Field("block_threshold", U48),),
                        _low_nibble("tier_number_of_block_thresholds"),
                    ),
                ),
            ),
        ),
        True,
    ),
    Command(
        0x07,
        "PublishCO2Value",
        (
            Field("provider_id", U32),
            Field("issuer_event_id", U32),
            Field("start_time", UTC),
            Field("tariff_type", ENUM8),
            Field("co2_value", U32),
            Field("co2_value_unit", ENUM8),
            Field("co2_value_trailing_digit", BITMAP8),
        ),
        True,
    ),
    Command(
        0x08,
        "PublishTierLabels",
        (
            Field("provider_id", U32),
            Field("issuer_event_id", U32),
            Field("issuer_tariff_id", U32),
            Field("command_index", U8),
            Field("total_number_of_commands", U8),
            Field("number_of_labels", U8, counts="labels"),
            Repeat(
                "labels", (Field("tier_id", U8), Field("tier_label", OCTETS)), "number_of_labels"
            ),
        ),
        True,
    ),
    Command(
        0x09,
        "PublishBillingPeriod",
        (
            Field("provider_id", U32),
            Field("issuer_event_id", U32),
            Field("billing_period_start_time", UTC),
            Field("billing_period_duration", U24),
            Field("billing_period_duration_type", BITMAP8),
            Field("tariff_type", BITMAP8),
        ),
        True,
    ),
    Command(
        0x0A,
        "PublishConsolidatedBill",
        (
            Field("provider_id", U32),
            Field("issuer_event_id", U32),
            Field("billing_period_start_time", UTC),
            Field("billing_period_duration", U24),
            Field("billing_period_duration_type", BITMAP8),
            Field("tariff_type", BITMAP8),
            Field("consolidated_bill", U32),
            Field("currency", U16),
            Field("bill_trailing_digit", BITMAP8),
        ),
        True,
    ),
    Command(
        0x0E,
        "CancelTariff",
        (Field("provider_id", U32), Field("issuer_tariff_id", U32), Field("tariff_type", BITMAP8)),
        True,
    ),
)

CLIENT_COMMANDS: Final = commands(
    Command(0x00, "GetCurrentPrice", (Field("command_options", BITMAP8),), False),
    Command(
        0x01,
        "GetScheduledPrices",
        (Field("start_time", UTC), Field("number_of_events", U8)),
        False,
    ),
    Command(
        0x02,
        "PriceAcknowledgement",
        (
            Field("provider_id", U32),
            Field("issuer_event_id", U32),
            Field("price_ack_time", UTC),
            Field("control", BITMAP8),
        ),
        False,
    ),
    Command(
        0x03,
        "GetBlockPeriods",
        (Field("start_time", UTC), Field("number_of_events", U8), Field("tariff_type", BITMAP8)),
        False,
    ),
    Command(0x04, "GetConversionFactor", _GET_BY_EVENT, False),
    Command(0x05, "GetCalorificValue", _GET_BY_EVENT, False),
    Command(0x06, "GetTariffInformation", (*_GET_BY_EVENT, Field("tariff_type", BITMAP8)), False),
    Command(0x07, "GetPriceMatrix", (Field("issuer_tariff_id", U32),), False),
    Command(0x08, "GetBlockThresholds", (Field("issuer_tariff_id", U32),), False),
    Command(0x09, "GetCO2Value", (*_GET_BY_EVENT, Field("tariff_type", BITMAP8)), False),
    Command(0x0A, "GetTierLabels", (Field("issuer_tariff_id", U32),), False),
    Command(0x0B, "GetBillingPeriod", (*_GET_BY_EVENT, Field("tariff_type", BITMAP8)), False),
    Command(0x0C, "GetConsolidatedBill", (*_GET_BY_EVENT, Field("tariff_type", BITMAP8)), False),
    Command(0x0F, "GetCurrencyConversion", (), False),
    Command(0x10, "GetTariffCancellation", (), False),
)

CLUSTER: Final = ClusterDef(0x0700, "Price", ATTRIBUTES, CLIENT_COMMANDS, SERVER_COMMANDS)
