"""COSEM interface classes GBCS uses: names of their attributes and methods, and how each
attribute's value reads (Blue Book 4.x; class 9000 is GBCS's own "GB extended data").

Objects (``objects.py``) refine these defaults per OBIS code.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final

from opendcc.gbcs.dlms.layouts import (
    AUTO,
    BITS,
    DATE,
    DATETIME,
    EUI,
    FLAG,
    HEX,
    INT,
    OBIS,
    SCALER_UNIT,
    TEXT,
    TIME,
    EnumOf,
    Fields,
    Layout,
    ListOf,
)


@dataclass(frozen=True, slots=True)
class InterfaceClass:
    class_id: int
    name: str
    attributes: dict[int, tuple[str, Layout]] = field(default_factory=dict)
    methods: dict[int, tuple[str, Layout]] = field(default_factory=dict)
    returns: dict[int, Layout] = field(default_factory=dict)
    """How the data a method returns reads, for methods that return data."""

    def attribute(self, attribute_id: int) -> tuple[str, Layout]:
        return self.attributes.get(attribute_id, (f"attribute_{attribute_id}", AUTO))

    def method(self, method_id: int) -> tuple[str, Layout]:
        return self.methods.get(method_id, (f"method_{method_id}", AUTO))


CAPTURE_OBJECT: Final = Fields(
    (("class_id", INT), ("logical_name", OBIS), ("attribute_index", INT), ("data_index", INT))
)
SPECIAL_DAY: Final = Fields((("index", INT), ("date", DATE), ("day_id", INT)))
SCHEDULE_ENTRY: Final = Fields(
    (
        ("index", INT),
        ("enable", FLAG),
        ("script_logical_name", OBIS),
        ("script_selector", INT),
        ("switch_time", TIME),
        ("validity_window", INT),
        ("exec_weekdays", BITS),
        ("exec_specdays", BITS),
        ("begin_date", DATE),
        ("end_date", DATE),
    )
)
SEASON: Final = Fields(
    (("season_profile_name", HEX), ("season_start", DATETIME), ("week_name", HEX))
)
WEEK: Final = Fields(
    (
        ("week_profile_name", HEX),
        ("monday", INT),
        ("tuesday", INT),
        ("wednesday", INT),
        ("thursday", INT),
        ("friday", INT),
        ("saturday", INT),
        ("sunday", INT),
    )
)
DAY_ACTION: Final = Fields(
    (("start_time", TIME), ("script_logical_name", OBIS), ("script_selector", INT))
)
DAY_PROFILE: Final = Fields((("day_id", INT), ("day_schedule", ListOf(DAY_ACTION))))
EXECUTION_TIME: Final = Fields((("time", TIME), ("date", DATE)))
UNIT_CHARGE: Final = Fields(
    (
        ("charge_per_unit_scaling", Fields((("commodity_scale", INT), ("price_scale", INT)))),
        (
            "commodity",
            Fields((("class_id", INT), ("logical_name", OBIS), ("attribute_index", INT))),
        ),
        ("charge_table", ListOf(Fields((("index", HEX), ("charge_per_unit", INT))))),
    )
)
PAYMENT_MODE: Final = EnumOf(((1, "Credit"), (2, "Prepayment")))
ACCOUNT_STATUS: Final = EnumOf(
    ((1, "new (inactive) account"), (2, "account active"), (3, "account closed"))
)
CREDIT_CHARGE: Final = Fields(
    (("credit_reference", OBIS), ("charge_reference", OBIS), ("collection_configuration", BITS))
)
ACTIVE_DEVICE: Final = Fields(
    (
        ("mac_address", EUI),
        ("status", BITS),
        ("max_rssi", INT),
        ("average_rssi", INT),
        ("min_rssi", INT),
        ("max_lqi", INT),
        ("average_lqi", INT),
        ("min_lqi", INT),
        ("last_communication_date_time", DATETIME),
        ("number_of_hops", INT),
        ("transmission_failures", INT),
        ("retries", INT),
        ("keep_alive", INT),
        ("join_method", INT),
    )
)
DEVICE_KEY: Final = Fields((("mac_address", EUI), ("hashed_tc_link_key", HEX)))
PAN_BACKUP: Final = Fields((("extended_pan_id", HEX), ("devices", ListOf(DEVICE_KEY))))
CONTROL_STATE: Final = EnumOf(((0, "Disconnected"), (1, "Connected"), (2, "ReadyForReconnection")))
OBJECT_DEFINITION: Final = Fields(
    (
        ("class_id", INT),
        ("logical_name", OBIS),
        ("attribute_index", INT),
        ("data_index", INT),
        ("restriction", Fields((("restriction_type", INT), ("restriction_value", AUTO)))),
    )
)

_CLASSES: Final[tuple[InterfaceClass, ...]] = (
    InterfaceClass(1, "Data", {2: ("value", AUTO)}),
    InterfaceClass(
        3, "Register", {2: ("value", INT), 3: ("scaler_unit", SCALER_UNIT)}, {1: ("reset", INT)}
    ),
    InterfaceClass(
        4,
        "Extended register",
        {
            2: ("value", INT),
            3: ("scaler_unit", SCALER_UNIT),
            4: ("status", AUTO),
            5: ("capture_time", DATETIME),
        },
        {1: ("reset", INT)},
    ),
    InterfaceClass(
        7,
        "Profile generic",
        {
            2: ("buffer", AUTO),
            3: ("capture_objects", ListOf(CAPTURE_OBJECT)),
            4: ("capture_period", INT),
            5: ("sort_method", INT),
            7: ("entries_in_use", INT),
            8: ("profile_entries", INT),
        },
        {1: ("reset", INT), 2: ("capture", INT)},
    ),
    InterfaceClass(
        8,
        "Clock",
        {
            2: ("time", DATETIME),
            3: ("time_zone", INT),
            4: ("status", INT),
            9: (
                "clock_base",
                EnumOf(
                    (
                        (0, "not defined"),
                        (1, "internal crystal"),
                        (2, "mains 50 Hz"),
                        (3, "mains 60 Hz"),
                        (4, "GPS"),
                        (5, "radio controlled"),
                    )
                ),
            ),
        },
        {
            4: ("adjust_to_preset_time", INT),
            5: (
                "preset_adjusting_time",
                Fields(
                    (
                        ("preset_time", DATETIME),
                        ("validity_interval_start", DATETIME),
                        ("validity_interval_end", DATETIME),
                    )
                ),
            ),
            6: ("shift_time", INT),
        },
    ),
    InterfaceClass(9, "Script table", {}, {1: ("execute", INT)}),
    InterfaceClass(10, "Schedule", {2: ("entries", ListOf(SCHEDULE_ENTRY))}),
    InterfaceClass(11, "Special days table", {2: ("entries", ListOf(SPECIAL_DAY))}),
    InterfaceClass(
        20,
        "Activity calendar",
        {
            2: ("calendar_name_active", TEXT),
            3: ("season_profile_active", ListOf(SEASON)),
            4: ("week_profile_table_active", ListOf(WEEK)),
            5: ("day_profile_table_active", ListOf(DAY_PROFILE)),
            6: ("calendar_name_passive", TEXT),
            7: ("season_profile_passive", ListOf(SEASON)),
            8: ("week_profile_table_passive", ListOf(WEEK)),
            9: ("day_profile_table_passive", ListOf(DAY_PROFILE)),
            10: ("activate_passive_calendar_time", DATETIME),
        },
        {1: ("activate_passive_calendar", INT)},
    ),
    InterfaceClass(
        21,
        "Register monitor",
        {2: ("thresholds", ListOf(INT)), 3: ("monitored_value", AUTO), 4: ("actions", AUTO)},
    ),
    InterfaceClass(
        22,
        "Single action schedule",
        {
            2: ("executed_script", AUTO),
            3: ("type", INT),
            4: ("execution_time", ListOf(EXECUTION_TIME)),
        },
    ),
    InterfaceClass(
        30,
        "Data protection",
        {},
        {
            1: (
                "get_protected_attributes",
                Fields(
                    (("object_list", ListOf(OBJECT_DEFINITION)), ("protection_parameters", AUTO))
                ),
            ),
            2: ("set_protected_attributes", AUTO),
            3: ("invoke_protected_method", AUTO),
        },
    ),
    InterfaceClass(
        70,
        "Disconnect control",
        {2: ("output_state", FLAG), 3: ("control_state", CONTROL_STATE), 4: ("control_mode", INT)},
        {1: ("remote_disconnect", INT), 2: ("remote_reconnect", INT)},
    ),
    InterfaceClass(
        71,
        "Limiter",
        {
            2: ("monitored_value", AUTO),
            3: ("threshold_active", INT),
            4: ("threshold_normal", INT),
            5: ("threshold_emergency", INT),
            6: ("min_over_threshold_duration", INT),
            7: ("min_under_threshold_duration", INT),
        },
    ),
    InterfaceClass(
        104,
        "ZigBee network control",
        {
            2: ("enable_disable_joining", FLAG),
            3: ("join_timeout", INT),
            4: ("active_devices", ListOf(ACTIVE_DEVICE)),
        },
        {
            1: (
                "register_device",
                Fields((("ieee_address", EUI), ("key_type", INT), ("key", HEX))),
            ),
            2: ("unregister_device", EUI),
            3: ("unregister_all_devices", INT),
            4: ("backup_pan", AUTO),
            5: ("restore_pan", PAN_BACKUP),
        },
        {4: PAN_BACKUP},
    ),
    InterfaceClass(
        111,
        "Account",
        {
            2: (
                "account_mode_and_status",
                Fields((("payment_mode", PAYMENT_MODE), ("account_status", ACCOUNT_STATUS))),
            ),
            3: ("current_credit_in_use", INT),
            4: ("current_credit_status", BITS),
            5: ("available_credit", INT),
            6: ("amount_to_clear", INT),
            7: ("clearance_threshold", INT),
            8: ("aggregated_debt", INT),
            9: ("credit_reference_list", ListOf(OBIS)),
            10: ("charge_reference_list", ListOf(OBIS)),
            11: ("credit_charge_configuration", ListOf(CREDIT_CHARGE)),
            12: ("token_gateway_configuration", AUTO),
            13: ("account_activation_time", DATETIME),
            14: ("account_closure_time", DATETIME),
            15: ("currency", AUTO),
            16: ("low_credit_threshold", INT),
            17: ("next_credit_available_threshold", INT),
            18: ("max_provision", INT),
            19: ("max_provision_period", INT),
        },
        {1: ("activate_account", INT), 2: ("close_account", INT), 3: ("reset_account", INT)},
    ),
    InterfaceClass(
        112,
        "Credit",
        {
            2: ("current_credit_amount", INT),
            3: ("credit_type", INT),
            4: ("priority", INT),
            5: ("warning_threshold", INT),
            6: ("limit", INT),
            7: ("credit_configuration", BITS),
            8: ("credit_status", INT),
            9: ("preset_credit_amount", INT),
            10: ("credit_available_threshold", INT),
            11: ("period", DATETIME),
        },
        {1: ("update_amount", INT), 2: ("set_amount_to_value", INT), 3: ("invoke_credit", INT)},
    ),
    InterfaceClass(
        113,
        "Charge",
        {
            2: ("total_amount_paid", INT),
            3: ("charge_type", INT),
            4: ("priority", INT),
            5: ("unit_charge_active", UNIT_CHARGE),
            6: ("unit_charge_passive", UNIT_CHARGE),
            7: ("unit_charge_activation_time", DATETIME),
            8: ("period", INT),
            9: ("charge_configuration", BITS),
            10: ("last_collection_time", DATETIME),
            11: ("last_collection_amount", INT),
            12: ("total_amount_remaining", INT),
            13: ("proportion", INT),
        },
        {
            1: ("update_unit_charge", AUTO),
            2: ("activate_passive_unit_charge", INT),
            3: ("collect", INT),
            4: ("update_total_amount_remaining", INT),
            5: ("set_total_amount_remaining", INT),
        },
    ),
    InterfaceClass(
        115,
        "Token gateway",
        {2: ("token", TEXT), 3: ("token_time", DATETIME), 6: ("token_status", AUTO)},
        {1: ("enter", TEXT)},
    ),
    InterfaceClass(
        9000,
        "GB extended data",
        {
            2: ("value_active", AUTO),
            3: ("scaler_unit_active", SCALER_UNIT),
            4: ("value_passive", AUTO),
            5: ("scaler_unit_passive", SCALER_UNIT),
            6: ("activate_passive_value_time", DATETIME),
        },
    ),
)

INTERFACE_CLASSES: Final[dict[int, InterfaceClass]] = {cls.class_id: cls for cls in _CLASSES}


def interface_class(class_id: int) -> InterfaceClass:
    return INTERFACE_CLASSES.get(class_id) or InterfaceClass(class_id, f"class {class_id}")
