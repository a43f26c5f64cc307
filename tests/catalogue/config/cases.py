"""The configuration family's reference cases: every RTDS vector stem of the family, with
the DUIS request that matches it.

A stem (``ECS40_6.2.7_SINGLE``) names a template when the reference set has one
(``<stem>_SUCCESS_REQUEST_DUIS.XML``); otherwise the request body is generated here from
what the vector says (these are the project's own test inputs, built at test time; no
reference file is copied). Each case also says which Device it needs: the GBCS version
(older use cases), the ESME variant (polyphase, twin element), the User Role.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

from lxml import etree

from opendcc.eui import Eui64
from opendcc.roles import UserRole
from opendcc.transform.duisxml import SR_NS, timestamp
from opendcc.transform.registry import TransformInput
from tests.catalogue.config import support as s
from tests.reference import REFERENCE_DIR

# fmt: off
FOLDERS = (
    "3.1_ECS10", "3.1_GCS07", "3.2_ECS12", "3.2_GCS09", "3.3_CS11", "3.3_ECS15a", "3.3_ECS15c",
    "3.4_ECS16", "3.4_GCS44", "3.5_ECS14", "3.5_GCS11", "6.2.1_ECS26b", "6.2.1_ECS26k",
    "6.2.2_ECS26c", "6.2.3_ECS26d", "6.2.3_ECS26l", "6.2.3_GCS21d", "6.2.3_GCS21k",
    "6.2.4_ECS26e", "6.2.4_ECS26i", "6.2.4_ECS26m", "6.2.4_ECS26n", "6.2.4_GCS21e",
    "6.2.4_GCS21m", "6.2.5_ECS26f", "6.2.7_ECS40", "6.2.7_GCS46", "6.2.8_GCS21a",
    "6.2.10_ECS25r1", "6.2.10_ECS25r2", "6.2.10_GCS20r", "6.4.1_ECS28a", "6.4.2_ECS28b",
    "6.5_ECS29a", "6.5_ECS29b", "6.5_ECS29c", "6.5_ECS29d", "6.6_GCS23", "6.7_GCS24",
    "6.7_GCS24a", "6.8_ECS30", "6.8_ECS30a", "6.8_GCS25", "6.8_GCS25a", "6.11_ECS70",
    "6.11_GCS28", "6.12_ECS34", "6.14.1_ECS46a", "6.14.2_ECS46c", "6.14.3_ECS46d",
    "6.18.1_ECS37", "6.18.2_ECS57", "6.20.1_ECS39a", "6.20.1_GCS41", "6.20.2_ECS39b",
    "6.22_ECS25a", "6.22_ECS25a1", "6.22_ECS25a2", "6.22_ECS25a3", "6.22_ECS25b",
    "6.22_ECS25b3", "6.22_GCS20", "6.25_ECS81", "6.27_ECS29e", "6.27_ECS29f", "6.28_DBCH04",
    "6.29_DBCH05", "6.30_DBCH03", "6.31_DBCH01", "6.32_DBCH02",
)
# fmt: on

VECTOR = re.compile(
    r"(?P<stem>.+?)_(?:8F66_)?(?P<rest>(?:FUTURE_DATED_|CANCELLATION_|IMMEDIATE_|NA_)?.*?)"
    r"(?P<outcome>SUCCESS|ERROR)_(?P<kind>COMMAND|PRECOMMAND|RESPONSE|ALERT)"
)

OLDER = frozenset({"ECS26d", "ECS26e", "ECS26i", "GCS21d", "GCS21e"})
POLYPHASE = frozenset({"ECS26k", "ECS29b", "ECS29d", "ECS29f"})


def vectors() -> list[Path]:
    out = []
    for folder in FOLDERS:
        base = REFERENCE_DIR / "gbcs" / "rtds" / folder
        if base.is_dir():
            out += sorted(base.glob("*.HEX"))
    return out


@dataclass(frozen=True, slots=True)
class Vector:
    path: Path
    use_case: str
    variant: str
    stem: str
    outcome: str
    kind: str

    @classmethod
    def of(cls, path: Path) -> Vector:
        name = path.name.removesuffix("_GBCS.HEX")
        use_case, variant = name.split("_")[:2]
        kind = next(k for k in ("PRECOMMAND", "COMMAND", "RESPONSE", "ALERT") if f"_{k}" in name)
        outcome = "ERROR" if "_ERROR_" in name else "SUCCESS"
        stem = name.split(f"_{outcome}")[0].replace("_8F66", "").removesuffix("_NA")
        return cls(path, use_case, variant, stem, outcome, kind)


def E(tag: str, *children: etree._Element | str, **attrs: str) -> etree._Element:
    element = etree.Element(f"{{{SR_NS}}}{tag}", attrib=attrs)
    for child in children:
        if isinstance(child, str):
            element.text = child
        else:
            element.append(child)
    return element


@dataclass(frozen=True, slots=True)
class Generated:
    """A request the reference set has no template for."""

    variant: str
    target: int
    body: Callable[[], etree._Element]
    originator: Eui64 = s.SUPPLIER
    role: UserRole | None = None


def _rms(*phases: tuple[int, int, int], single: bool, reset: bool) -> etree._Element:
    rms = E(
        "RMSVoltageSettings",
        E("RMSExtremeOverVoltageMeasurementPeriod", "30"),
        E("RMSExtremeOverVoltageThreshold", "287"),
        E("RMSExtremeUnderVoltageMeasurementPeriod", "30"),
        E("RMSExtremeUnderVoltageThreshold", "180"),
        E("RMSVoltageSagMeasurementPeriod", "30"),
        E("RMSVoltageSagThreshold", "216"),
        E("RMSVoltageSwellMeasurementPeriod", "30"),
        E("RMSVoltageSwellThreshold", "253"),
    )

    def settings(name: str, over: int, under: int) -> etree._Element:
        return E(
            name,
            E("AverageRMSOverVoltageThreshold", str(over)),
            E("AverageRMSUnderVoltageThreshold", str(under)),
            E("AverageRMSVoltageMeasurementPeriod", "30"),
        )

    body = E("UpdateDeviceConfigurationVoltage", rms)
    if single:
        body.append(settings("SinglePhaseVoltageSettings", *phases[0][1:]))
    else:
        for phase, over, under in phases:
            body.append(
                E(
                    "PolyPhaseVoltageSettings",
                    E("Phase", str(phase)),
                    settings("PhaseVoltageSettings", over, under),
                )
            )
    if not reset:
        body.append(E("RMSVoltageCountersNotReset"))
    return body


_PHASES = ((1, 264, 200), (2, 126, 96), (3, 126, 96))


def _alerts(container: str, group: str, **codes: str) -> etree._Element:
    return E(
        "ConfigureAlertBehaviour",
        E(container, E(group, *(E(code, value) for code, value in codes.items()))),
    )


def _gas_events(**codes: tuple[str, str, str, str]) -> etree._Element:
    settings = E("GasSupplierAlertEventSettings")
    for code, (wan, han, log, alarm) in codes.items():
        settings.append(
            E(code, E("WANAlert", wan), E("HANAlert", han), E("EventLog", log), E("Alarm", alarm))
        )
    return E("ConfigureAlertBehaviour", settings)


_ALL = ("Enable",) * 4
_WAN = ("Enable", "Disable", "Disable", "Disable")
_WAN_LOG_ALARM = ("Enable", "Disable", "Enable", "Enable")
_LOG_ALARM = ("Disable", "Disable", "Enable", "Enable")

GENERATED: dict[str, Generated] = {
    "GCS07_3.1": Generated("3.1", 0xA1, lambda: E("DisplayMessage", E("SupplierMessage", "Reset"))),
    "GCS09_3.2": Generated(
        "3.2",
        0xA3,
        # The template's RestrictionDateTime is not the vector's (2016-11-22T02:46:56Z).
        lambda: E(
            "RestrictAccessForChangeOfTenancy", E("RestrictionDateTime", "2016-11-22T02:46:56Z")
        ),
    ),
    "GCS44_3.4": Generated(
        "3.4",
        0xA1,
        lambda: E(
            "UpdateSupplierName",
            E("SupplierName", "E-ON"),
            E("SupplierTelephoneNumber", "0333 202 4650"),
        ),
    ),
    "ECS14_3.5": Generated("3.5", 0xA0, lambda: E("DisablePrivacyPIN")),
    "ECS26b_6.2.1": Generated("6.2.1", 0xA0, lambda: E("ReadDeviceConfigurationVoltage")),
    "ECS26i_6.2.4": Generated("6.2.4", 0xA2, lambda: E("ReadDeviceConfigurationIdentityExcMPxN")),
    "GCS20r_6.2.10": Generated(
        "6.2.10", 0xA1, lambda: E("ReadDeviceConfigurationEventAndAlertBehaviours")
    ),
    "GCS21a_6.2.8": Generated("6.2.8", 0xA1, lambda: E("ReadDeviceConfigurationGas")),
    "ECS39a_6.20.1_SINGLE": Generated(
        "6.20.1",
        0xA0,
        lambda: E(
            "SetDeviceConfigurationImportMPxN",
            E("ImportMPANs", E("ImportMPAN", "1312345678333")),
        ),
    ),
    "ECS81_6.25": Generated(
        "6.25", 0xA0, lambda: E("SetElectricitySupplyTamperState", E("SupplyTamperState", "Locked"))
    ),
    "ECS29a_6.5": Generated(
        "6.5", 0xA0, lambda: _rms(*_PHASES[:1], single=True, reset=True), s.NETWORK_OPERATOR
    ),
    "ECS29c_6.5": Generated(
        "6.5", 0xA0, lambda: _rms(*_PHASES[:1], single=True, reset=False), s.NETWORK_OPERATOR
    ),
    "ECS29d_6.5": Generated(
        "6.5", 0xA0, lambda: _rms(*_PHASES, single=False, reset=False), s.NETWORK_OPERATOR
    ),
    "ECS30a_6.8": Generated(
        "6.8",
        0xA0,
        lambda: E(
            "UpdateDeviceConfigurationBillingCalendar",
            E(
                "ElectricityBillingCalendar",
                E("BillingTime", "00:00:00.00Z"),
                E("Quarterly", E("DayOfMonth", "1"), E("BillingPeriodStartMonth", "1")),
            ),
        ),
    ),
    "ECS25a_6.22": Generated(
        "6.22",
        0xA0,
        lambda: _alerts(
            "ElectricitySupplierAlerts",
            "SupplierESMECommon",
            x810D="Enable",
            x810E="Disable",
            x81C4="Disable",
            x81C5="Disable",
        ),
    ),
    "ECS25b3_6.22": Generated(
        "6.22",
        0xA0,
        lambda: _alerts(
            "ElectricityNetworkOperatorLoggingSettings",
            "NetworkOperatorESMECommon",
            x8014="Enable",
            x8015="Disable",
        ),
        s.NETWORK_OPERATOR,
    ),
    "GCS20_6.22": Generated(
        "6.22",
        0xA1,
        lambda: _gas_events(
            x810E=_WAN,
            x8161=_LOG_ALARM,
            x8162=_LOG_ALARM,
            x81AA=_ALL,
            x81AB=_ALL,
            x81BD=_WAN_LOG_ALARM,
            x81BE=_WAN_LOG_ALARM,
            x81BF=_WAN_LOG_ALARM,
            x81C0=_WAN_LOG_ALARM,
            x81C4=_ALL,
            x81C6=_LOG_ALARM,
        ),
    ),
    "GCS28_6.11": Generated(
        "6.11",
        0xA1,
        lambda: E(
            "SynchroniseClock",
            E("CurrentDateTime", "2014-12-31T23:30:00Z"),
            E("TolerancePeriod", "3600"),
        ),
    ),
    "DBCH03_6.30": Generated("6.30", 0xA2, lambda: E("ReadCHFSubGHzConfiguration")),
    "DBCH01_6.31": Generated("6.31", 0xA2, lambda: E("ReadCHFSubGHzChannel")),
    "DBCH02_6.32": Generated(
        "6.32",
        0xA2,
        lambda: E(
            "ReadCHFSubGHzChannelLog",
            E(
                "ReadLogPeriod",
                E("StartDateTime", "2014-12-20T00:00:00Z"),
                E("EndDateTime", "2014-12-31T09:00:00Z"),
            ),
        ),
    ),
}


def _edited(template: str, edit: Callable[[etree._Element], None]) -> Callable[[], etree._Element]:
    def body() -> etree._Element:
        root = s.template(template)
        found = root.find(f"{{{SR_NS}}}Body")
        assert found is not None
        element = copy.deepcopy(found[0])
        edit(element)
        return element

    return body


def _execute_at(value: str) -> Callable[[etree._Element], None]:
    def edit(element: etree._Element) -> None:
        node = element.find(f"{{{SR_NS}}}ExecutionDateTime")
        assert node is not None
        node.text = value

    return edit


def _outputs(element: etree._Element) -> None:
    """The APC input template's schedule, driving the outputs instead."""
    for node in element.iter(f"{{{SR_NS}}}InputFromControlledLoad"):
        parent = node.getparent()
        assert parent is not None
        parent.remove(node)


def _alcs(element: etree._Element) -> None:
    """The same schedule for on/off switches: a commanded level of 100 switches on."""
    _outputs(element)
    for node in element.iter(f"{{{SR_NS}}}CommandedStateLevel"):
        if node.text == "50":
            node.text = "100"


_APC_INPUT = "ECS46d_6.14.3_IMMEDIATE_APC_INPUT_SUCCESS_REQUEST_DUIS.XML"
_APC_FUTURE = "ECS46d_6.14.3_FUTURE_DATED_APC_OUTPUT_SUCCESS_REQUEST_DUIS.XML"
EDITED: dict[str, tuple[str, int, Callable[[], etree._Element]]] = {
    "ECS46d_6.14.3_CANCELLATION_APC_OUTPUT": (
        "6.14.3",
        0xA6,
        _edited(_APC_FUTURE, _execute_at("3000-12-31T00:00:00Z")),
    ),
    "ECS46d_6.14.3_IMMEDIATE_APC_OUTPUT": ("6.14.3", 0xA0, _edited(_APC_INPUT, _outputs)),
    "ECS46d_6.14.3_IMMEDIATE_ALCS": ("6.14.3", 0xA0, _edited(_APC_INPUT, _alcs)),
}


def esme_variant_for(use_case: str, stem: str) -> str | None:
    """The ESME variant a use case's vectors were made on: polyphase, twin element."""
    return "C" if use_case in POLYPHASE else ("B" if "TWIN" in stem else None)


def has_request(stem: str) -> bool:
    return (
        (REFERENCE_DIR / "duis" / "templates" / f"{stem}_SUCCESS_REQUEST_DUIS.XML").exists()
        or stem in GENERATED
        or stem in EDITED
    )


def request(
    stem: str,
    *,
    use_case: str,
    counter: int | None = None,
    dcc_counter: int | None = None,
    now: datetime = s.RTDS_NOW,
) -> TransformInput:
    """The request for ``stem`` on a Device fit for ``use_case``."""
    gbcs = "1.0" if use_case in OLDER else "4.1"
    variant = esme_variant_for(use_case, stem)
    template = f"{stem}_SUCCESS_REQUEST_DUIS.XML"
    if (REFERENCE_DIR / "duis" / "templates" / template).exists() and stem not in GENERATED:
        return s.request_from(
            template,
            counter=counter,
            gbcs_version=gbcs,
            esme_variant=variant,
            dcc_counter=dcc_counter,
            now=now,
        )
    if stem in EDITED:
        srv, target, body = EDITED[stem]
        generated = Generated(srv, target, body)
    else:
        generated = GENERATED[stem]
    dev = s.device(generated.target, gbcs_version=gbcs)
    body_element = generated.body()
    execution = body_element.find(f"{{{SR_NS}}}ExecutionDateTime")
    return TransformInput(
        variant=generated.variant,
        body=body_element,
        originator=generated.originator,
        target=dev.device_id,
        counter=1000 if counter is None else counter,
        device=dev,
        role=generated.role or s.role_for(generated.originator, generated.variant, dev.device_type),
        now=now,
        execution_at=None if execution is None else timestamp(execution),
        inventory=s.Inventory(variant),
        dcc_counter=s.fixed_counter(dcc_counter),
    )


def log_period(start: datetime, end: datetime) -> etree._Element:
    """A ReadCHFSubGHzChannelLog body for ``start`` to ``end``."""
    return E(
        "ReadCHFSubGHzChannelLog",
        E(
            "ReadLogPeriod",
            E("StartDateTime", start.isoformat().replace("+00:00", "Z")),
            E("EndDateTime", end.isoformat().replace("+00:00", "Z")),
        ),
    )


def with_role(request: TransformInput, role: UserRole) -> TransformInput:
    return replace(request, role=role)
