"""The COSEM objects and script identifiers of supply and auxiliary load control.

One table, read by the supply transforms (what a Command asks for) and by the simulated
ESME (what the Command means), so both sides agree by construction. The facts come from
the GBCS use cases ECS42-ECS47e, ECS61a-e and ECS62 as the reference Commands carry them:

- The load switch is the Disconnect control object (class 70) ``0-0:96.3.10.255``; it is
  operated through the Disconnect control script table ``0-0:10.0.106.255`` with script 51
  (close: Enable Supply), 52 (open: Disable Supply) or 54 (arm), and read through its
  ``control_state`` (attribute 3: 0 disconnected, 1 connected, 2 ready for reconnection,
  which DUIS reports as Disabled, Enabled and Armed).
- Auxiliary Controller [n] (n = 1..5) has a parameter block ``0-0:94.44.(116+n).k``: for
  ECS47 (Activate / Deactivate an ALCS or HCALCS) k=1 holds the activation duration and
  k=2 the deactivation duration; for ECS47a (Set Auxiliary Controller State) k=1 and k=2
  hold the period's start and end; for ECS47e (Limit APC Level) k=3 and k=4 hold the limit
  period's start and end. (The reference Commands show n=1 -> 117, n=3 -> 119, n=5 -> 121.)
- The auxiliary load control script table ``0-0:10.0.103.255`` takes two kinds of
  selector. ECS47 and the auxiliary controller calendar use ``n << 8 | action`` (action
  0x01 on, 0x02 off, 0x11 on for the duration, 0x12 off for the duration, 0x20 back to the
  calendar: the reference Commands carry 0x0111, 0x0312 and 0x0520; the calendar entries
  read back by ECS61a carry 0x0101, 0x0102, 0x0201, 0x0202). ECS47a uses
  ``controller << 8 | level`` where the controller octet is ``0x10 | n`` for the output to
  the controlled load and ``0x20 | n`` for the input from it, and level is 0..100 % (the
  references carry 0x1100, 0x2332 and 0x1564). ECS47e sends the same selector to the APC
  level script table ``0-0:10.0.107.255``; the ECS101/ECS102 Alerts repeat the controller
  octet.
"""

from __future__ import annotations

import enum
from typing import Final

from opendcc.gbcs.dlms.cosem import ObisCode

REFUSAL: Final = "E100"
"""The DUIS response code of a supply transform's refusal. The schema's ResponseCode list
has no 7.x-specific codes (``E07nnnn``), so the refusals of this family (a period that
ends before it starts, a boost association naming no controller, an HCALCS with no ESME)
use DUIS's general code; the schema-valid body could not be carried out as asked."""

# --- the load switch (ECS42-ECS45) -----------------------------------------------------------

DISCONNECT_CONTROL = "0-0:96.3.10.255"
DISCONNECT_CONTROL_CLASS: Final = 70
CONTROL_STATE_ATTRIBUTE: Final = 3
OUTPUT_STATE_ATTRIBUTE: Final = 2
DISCONNECT_SCRIPT_TABLE = "0-0:10.0.106.255"
SCRIPT_TABLE_CLASS: Final = 9
EXECUTE_METHOD: Final = 1


class DisconnectScript(enum.IntEnum):
    """Scripts of the Disconnect control script table (GBCS ECS42, ECS43, ECS44)."""

    ENABLE = 51
    DISABLE = 52
    ARM = 54


class ControlState(enum.IntEnum):
    """The Disconnect control ``control_state`` (Blue Book class 70)."""

    DISCONNECTED = 0
    CONNECTED = 1
    READY_FOR_RECONNECTION = 2


# --- auxiliary load control (ECS47, ECS47a, ECS47e, ECS61a-e, ECS62, ECS38) ------------------

CONTROLLERS: Final = range(1, 6)
"""Auxiliary Controller [n], n = 1..5 (DUIS ``range_1_5``)."""

AUXILIARY_LOAD_SCRIPT_TABLE = "0-0:10.0.103.255"
APC_LEVEL_SCRIPT_TABLE = "0-0:10.0.107.255"
AUXILIARY_CONTROLLER_SPECIAL_DAYS = "0-0:11.0.3.255"
SPECIAL_DAYS_CLASS: Final = 11
AUXILIARY_CONTROLLER_SCHEDULE = "0-0:12.0.2.255"
SCHEDULE_CLASS: Final = 10
BOOST_FUNCTION_AVAILABILITY = "0-0:94.44.7.255"
BOOST_BUTTON_EVENT_LOG = "0-0:99.98.20.255"
PROFILE_CLASS: Final = 7
RANDOMISED_OFFSET = "0-0:94.44.0.0"
RANDOMISED_OFFSET_LIMIT = "0-0:94.44.0.1"
RANDOMISED_OFFSET_NUMBER = "0-0:94.44.0.2"
RANDOMISED_OFFSET_LIMIT_MAX: Final = 1799
"""Seconds (DUIS ``SetRandomisedOffsetLimit``: 0..1799)."""
DATA_CLASS: Final = 1
VALUE_ATTRIBUTE: Final = 2
LEVEL_MAX: Final = 100


class AuxiliaryLoadAction(enum.IntEnum):
    """The action octet of an auxiliary load control script selector."""

    ACTIVATE = 0x01
    DEACTIVATE = 0x02
    ACTIVATE_FOR_DURATION = 0x11
    DEACTIVATE_FOR_DURATION = 0x12
    RESET = 0x20


class ControllerParameter(enum.IntEnum):
    """The k of ``0-0:94.44.(116+n).k``, by the use case that writes it."""

    ACTIVATION_DURATION = 1
    DEACTIVATION_DURATION = 2
    PERIOD_START = 1
    PERIOD_END = 2
    APC_LIMIT_START = 3
    APC_LIMIT_END = 4


OUTPUT_FLAG: Final = 0x10
INPUT_FLAG: Final = 0x20


def controller_parameter(n: int, k: int) -> str:
    """The OBIS code of Auxiliary Controller [n]'s parameter k."""
    return f"0-0:94.44.{116 + n}.{k}"


def parse_controller_parameter(obis: ObisCode) -> tuple[int, int] | None:
    """(n, k) for a controller parameter object, else None."""
    if (obis.a, obis.b, obis.c, obis.d) != (0, 0, 94, 44):
        return None
    n = obis.e - 116
    if n not in CONTROLLERS or not 1 <= obis.f <= 4:
        return None
    return n, obis.f


def auxiliary_load_script(n: int, action: AuxiliaryLoadAction) -> int:
    return n << 8 | int(action)


def parse_auxiliary_load_script(selector: int) -> tuple[int, AuxiliaryLoadAction] | None:
    n, action = selector >> 8, selector & 0xFF
    if n not in CONTROLLERS:
        return None
    try:
        return n, AuxiliaryLoadAction(action)
    except ValueError:
        return None


def controller_octet(n: int, input_from_load: bool) -> int:
    """The controller octet of ECS47a/ECS47e selectors and the ECS101/ECS102 Alerts."""
    return (INPUT_FLAG if input_from_load else OUTPUT_FLAG) | n


def parse_controller_octet(octet: int) -> tuple[int, bool] | None:
    """(n, input from the controlled load) for a controller octet, else None."""
    n, kind = octet & 0x0F, octet & 0xF0
    if n not in CONTROLLERS or kind not in (OUTPUT_FLAG, INPUT_FLAG):
        return None
    return n, kind == INPUT_FLAG


def controller_script(n: int, input_from_load: bool, level: int) -> int:
    return controller_octet(n, input_from_load) << 8 | level


def parse_controller_script(selector: int) -> tuple[int, bool, int] | None:
    """(n, input from the controlled load, level %) for an ECS47a/ECS47e selector."""
    parsed = parse_controller_octet(selector >> 8)
    level = selector & 0xFF
    if parsed is None or level > LEVEL_MAX:
        return None
    return parsed[0], parsed[1], level


def description(n: int) -> str:
    """Auxiliary Controller Description [n]."""
    return f"0-0:94.44.0.{10 + n}"


def hcalcs_id(n: int) -> str:
    """Auxiliary Controller HCALCS ID [n] (all zeros when the controller is not an HCALCS)."""
    return f"0-0:94.44.0.{20 + n}"


def controller_state(n: int) -> str:
    """Auxiliary Controller State [n] (operational data, ECS61e and ECS200)."""
    return f"0-0:94.44.0.{30 + n}"


def boost_function_control(n: int) -> str:
    """Whether Auxiliary Controller [n] follows the Boost Function (ECS62)."""
    return f"0-0:94.44.6.{n}"


def auxiliary_load_switch(n: int) -> str:
    """Auxiliary Load Control Switch [n]: a Disconnect control object per controller."""
    return f"0-{n}:96.3.10.255"


def obis(text: str) -> ObisCode:
    return ObisCode.parse(text)
