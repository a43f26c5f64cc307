"""ZCL status codes (ZigBee Cluster Library, Table 2-12), as default responses and
attribute records carry them."""

from __future__ import annotations

import enum


class ZclStatus(enum.IntEnum):
    SUCCESS = 0x00
    FAILURE = 0x01
    NOT_AUTHORIZED = 0x7E
    RESERVED_FIELD_NOT_ZERO = 0x7F
    MALFORMED_COMMAND = 0x80
    UNSUP_CLUSTER_COMMAND = 0x81
    UNSUP_GENERAL_COMMAND = 0x82
    UNSUP_MANUF_CLUSTER_COMMAND = 0x83
    UNSUP_MANUF_GENERAL_COMMAND = 0x84
    INVALID_FIELD = 0x85
    UNSUPPORTED_ATTRIBUTE = 0x86
    INVALID_VALUE = 0x87
    READ_ONLY = 0x88
    INSUFFICIENT_SPACE = 0x89
    DUPLICATE_EXISTS = 0x8A
    NOT_FOUND = 0x8B
    UNREPORTABLE_ATTRIBUTE = 0x8C
    INVALID_DATA_TYPE = 0x8D
    INVALID_SELECTOR = 0x8E
    WRITE_ONLY = 0x8F
    INCONSISTENT_STARTUP_STATE = 0x90
    DEFINED_OUT_OF_BAND = 0x91
    INCONSISTENT = 0x92
    ACTION_DENIED = 0x93
    TIMEOUT = 0x94
    ABORT = 0x95
    INVALID_IMAGE = 0x96
    WAIT_FOR_DATA = 0x97
    NO_IMAGE_AVAILABLE = 0x98
    REQUIRE_MORE_IMAGE = 0x99
    NOTIFICATION_PENDING = 0x9A
    HARDWARE_FAILURE = 0xC0
    SOFTWARE_FAILURE = 0xC1
    CALIBRATION_ERROR = 0xC2
    UNSUPPORTED_CLUSTER = 0xC3


def status_name(code: int) -> str:
    """The ZCL name of ``code``, or ``0xNN`` for a value the table does not list."""
    try:
        return ZclStatus(code).name
    except ValueError:
        return f"0x{code:02X}"
