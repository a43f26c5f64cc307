"""Transforms of Configure Alert Behaviour (DUIS 6.22) and the alert behaviour encodings.

ESME (DLMS, one set of a 512-bit bit-string): the first 256 bits say which alert codes the
Command changes, the last 256 their new values (1 enable, 0 disable). Each alert code owns
the bit numbered by its low byte, counted from the least significant end of each half, so
0x810D is bit 13 (the reference ECS25a1 Command: Enable 810D, Disable 8119 and 8168). The
Supplier's objects hold the 0x81xx codes, the Network Operator's the 0x80xx codes.

``ALERT_SETTINGS`` maps each DUIS settings element to its use case and object: the
Supplier's WAN alerts (ECS25a, ``0-30:97.98.11.255``), HAN device events (ECS25a1, ``.12``),
audible alarm (ECS25a2, ``.13``) and logging (ECS25a3, ``.14``); the Network Operator's WAN
alerts (ECS25b, ``0-33:97.98.11.255``) and logging (ECS25b3, ``.14``). The gas settings
(GasSupplierAlerts, GasSupplierAlertEventSettings) become GCS20.

GSME (GBZ): ZSE event configurations, one SetEventConfiguration per distinct configuration,
listing its events (``configuration_control`` 0, apply to the list). An event configuration
is a bitmap: logging in bits 0-2 (3: the general event log), bit 3 push to the WAN, bit 4
push to the HAN, bit 6 audible/visual alarm. GasSupplierAlertEventSettings gives the four
switches per event; GasSupplierAlerts (0x8154, 0x8155) switches the WAN alert of events
that stay logged. Configurations are ordered as the reference GCS20 Command orders them
(``configuration_order``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from lxml import etree

from opendcc.gbcs.dlms.data import BitString
from opendcc.gbcs.gbz import builders as z
from opendcc.inventory.model import DeviceType
from opendcc.roles import UserRole
from opendcc.transform import duisxml as x
from opendcc.transform.config_common import (
    ZIGBEE_IMMEDIATE,
    RefusalError,
    dlms_spec,
    gbz_spec,
    guarded,
    issuer_event_id,
    set_,
)
from opendcc.transform.config_select import esme_variant, is_polyphase
from opendcc.transform.registry import CommandSpec, TransformInput, transforms

E, G = DeviceType.ESME, DeviceType.GSME

BEHAVIOUR_BITS: Final = 256


@dataclass(frozen=True, slots=True)
class AlertSetting:
    """Where one DUIS settings element goes."""

    use_case: str
    obis: str
    role: UserRole
    code_high_byte: int


_IS, _ED = UserRole.IMPORT_SUPPLIER, UserRole.ELECTRICITY_DISTRIBUTOR
ALERT_SETTINGS: Final[dict[str, AlertSetting]] = {
    "ElectricitySupplierAlerts": AlertSetting("ECS25a", "0-30:97.98.11.255", _IS, 0x81),
    "ElectricitySupplierHANAlertSettings": AlertSetting("ECS25a1", "0-30:97.98.12.255", _IS, 0x81),
    "ElectricitySupplierAlarmSettings": AlertSetting("ECS25a2", "0-30:97.98.13.255", _IS, 0x81),
    "ElectricitySupplierLoggingSettings": AlertSetting("ECS25a3", "0-30:97.98.14.255", _IS, 0x81),
    "ElectricityNetworkOperatorAlerts": AlertSetting("ECS25b", "0-33:97.98.11.255", _ED, 0x80),
    "ElectricityNetworkOperatorLoggingSettings": AlertSetting(
        "ECS25b3", "0-33:97.98.14.255", _ED, 0x80
    ),
}
GAS_SETTINGS: Final = ("GasSupplierAlerts", "GasSupplierAlertEventSettings")
_POLYPHASE_GROUPS: Final = ("SupplierESMEPolyPhase", "NetworkOperatorESMEPolyPhase")
_SINGLE_PHASE_GROUPS: Final = ("NetworkOperatorESMESinglePhase",)

# ZSE event configuration bits (Device Management cluster, Event Configuration).
LOG_GENERAL: Final = 0x03
PUSH_WAN: Final = 0x08
PUSH_HAN: Final = 0x10
ALARM: Final = 0x40
APPLY_BY_LIST: Final = 0


def behaviour_bit(code: int) -> int:
    """The position (0 = first, most significant) of ``code`` in a 256-bit behaviour
    string: bit ``code & 0xFF`` counted from the least significant end."""
    return BEHAVIOUR_BITS - 1 - (code & 0xFF)


def alert_code(element: etree._Element) -> int:
    """The alert code an ``x810D``-style DUIS element names."""
    name = etree.QName(element).localname
    try:
        if not name.startswith("x") or len(name) != 5:
            raise ValueError
        return int(name[1:], 16)
    except ValueError:
        raise x.BodyValueError(f"{name} does not name an alert code") from None


def _enabled(element: etree._Element, name: str | None = None) -> bool:
    value = x.text(element, name)
    if value not in ("Enable", "Disable"):
        raise x.BodyValueError(f"{value!r} is neither Enable nor Disable")
    return value == "Enable"


def esme_settings(settings: etree._Element, high_byte: int) -> BitString:
    """The 512-bit set command of an ESME settings element (mask, then values)."""
    mask = ["0"] * BEHAVIOUR_BITS
    values = ["0"] * BEHAVIOUR_BITS
    for group in settings:
        if not isinstance(group.tag, str):
            continue
        for item in group:
            if not isinstance(item.tag, str):
                continue
            code = alert_code(item)
            if code >> 8 != high_byte:
                raise RefusalError(
                    f"alert {code:04X} cannot be set in {etree.QName(settings).localname}"
                )
            position = behaviour_bit(code)
            mask[position] = "1"
            values[position] = "1" if _enabled(item) else "0"
    if "1" not in mask:
        raise x.BodyValueError("no alert behaviour to set")
    return BitString.from_bits("".join(mask + values))


def configuration_order(config: int) -> tuple[bool, bool, int]:
    """Where one SetEventConfiguration goes in GCS20: configurations that push events to
    the HAN first, then those that push them to the WAN, then the rest; each of these
    ascending by the configuration's value.

    GBCS (GCS20, ZSE SetEventConfiguration) leaves the order open: each event is in one
    configuration only, so the Device ends in the same state whatever the order. The rule
    is opendcc's, fitted to the reference Commands (GCS20 6.22 SUCCESS and ERROR both
    order their groups 91, 8, 75, 67: HAN and WAN, WAN, WAN, neither), so that the DCC's
    Command for the same request is byte for byte the reference one.
    """
    return (not config & PUSH_HAN, not config & PUSH_WAN, config)


def gas_configurations(settings: etree._Element) -> list[tuple[int, list[int]]]:
    """(event configuration, events) groups of a GSME settings element, in
    ``configuration_order``; the events of each in the order the request lists them."""
    kind = etree.QName(settings).localname
    groups: dict[int, list[int]] = {}
    for item in settings:
        if not isinstance(item.tag, str):
            continue
        code = alert_code(item)
        if kind == "GasSupplierAlerts":
            config = LOG_GENERAL | (PUSH_WAN if _enabled(item) else 0)
        else:
            config = (
                (LOG_GENERAL if _enabled(item, "EventLog") else 0)
                | (PUSH_WAN if _enabled(item, "WANAlert") else 0)
                | (PUSH_HAN if _enabled(item, "HANAlert") else 0)
                | (ALARM if _enabled(item, "Alarm") else 0)
            )
        groups.setdefault(config, []).append(code)
    if not groups:
        raise x.BodyValueError("no event behaviour to set")
    return sorted(groups.items(), key=lambda group: configuration_order(group[0]))


def _settings_element(request: TransformInput) -> etree._Element:
    found = [child for child in request.body if isinstance(child.tag, str)]
    if len(found) != 1:
        raise x.BodyValueError("ConfigureAlertBehaviour holds exactly one settings element")
    return found[0]


@transforms("6.22", E, G)
@guarded
def configure_alert_behaviour(request: TransformInput) -> CommandSpec:
    """6.22: ECS25a/a1/a2/a3 (Import Supplier), ECS25b/b3 (Electricity Distributor) on an
    ESME; GCS20 (Gas Supplier) on a GSME. A settings element for another role or fuel is
    refused (E062201, E062202); phase-specific alerts that do not fit the ESME (E062203)."""
    settings = _settings_element(request)
    name = etree.QName(settings).localname
    if request.device.device_type is G:
        if name not in GAS_SETTINGS:
            raise RefusalError(f"{name} is not for a GSME", "E062202")
        if request.role is not UserRole.GAS_SUPPLIER:
            raise RefusalError(f"{name} is for the Gas Supplier", "E062201")
        components = [
            z.component(
                "DeviceManagement",
                z.cluster_command(
                    "DeviceManagement",
                    "SetEventConfiguration",
                    tsn=tsn,
                    issuer_event_id=issuer_event_id(request),
                    start_date_time=ZIGBEE_IMMEDIATE,
                    event_configuration=config,
                    configuration_control=APPLY_BY_LIST,
                    event_ids=[{"event_id": code} for code in codes],
                ),
            )
            for tsn, (config, codes) in enumerate(gas_configurations(settings))
        ]
        return gbz_spec(request, "GCS20", components)
    setting = ALERT_SETTINGS.get(name)
    if setting is None:
        raise RefusalError(f"{name} is not for an ESME", "E062202")
    if request.role is not setting.role:
        raise RefusalError(f"{name} is for the {setting.role.sec_name}", "E062201")
    groups = {etree.QName(g).localname for g in settings if isinstance(g.tag, str)}
    if esme_variant(request) is not None:
        wrong = _SINGLE_PHASE_GROUPS if is_polyphase(request) else _POLYPHASE_GROUPS
        if groups & set(wrong):
            raise RefusalError("alert settings for another ESME variant", "E062203")
    data = esme_settings(settings, setting.code_high_byte)
    return dlms_spec(request, setting.use_case, [set_(1, setting.obis, 2, data)])
