"""The device errors of the reference ERROR Responses, and how each family's simulated
Devices are driven to give them (``test_error_vectors_coverage``).

An ERROR Response is named by its *error signature*: message code, CRA and payload format,
then per item what the Device answered:

- DLMS (GBCS 7.2.1 / DLMS Blue Book access-response): every response's kind and its
  data-access-result or action-result code (``hardware-fault`` 1 on the failing
  instruction, ``other-reason`` 250 on those a break-on-error Command did not attempt);
- GBZ (GBCS 7.3, ZCL 2.5.12): every component's cluster and command, and its ZCL status
  (Default Response, or each Read Attributes record), or for a cluster-specific response
  the fields that carry its outcome (ConsumerTopUpResponse result type, ClearEventLogResponse
  cleared logs);
- ASN.1/DER (GBCS 13.3.3): the response type and its outcome fields (response codes,
  activation outcome, device time status).

The reproducers reuse each family's own test harness (the state set-ups its device tests
use) and return the simulated Device's Response, decoded.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from functools import cache
from pathlib import Path
from typing import Any

from opendcc.gbcs.codec import DecodedMessage, decode
from opendcc.gbcs.security import GbcsSecurity
from opendcc.smki.keystore import Keystore
from tests.reference import REFERENCE_DIR, require_reference

RTDS = REFERENCE_DIR / "gbcs" / "rtds"
SUFFIX = "_ERROR_RESPONSE_GBCS.HEX"

FAMILIES = ("tariffs", "config", "reads", "security", "supply")


def error_vectors() -> list[Path]:
    """Every ``*ERROR_RESPONSE_GBCS.HEX`` reference vector."""
    return sorted(RTDS.glob(f"*/*{SUFFIX}")) if RTDS.is_dir() else []


def name_of(path: Path) -> str:
    """``ECS01a_1.1.1_IMMEDIATE_ERROR``: the vector name up to RESPONSE."""
    return path.name.removesuffix("_RESPONSE_GBCS.HEX")


@cache
def reference_security() -> GbcsSecurity:
    return GbcsSecurity(Keystore.load(require_reference("gbcs", "keystore")))


def reference(path: Path) -> DecodedMessage:
    return decode(bytes.fromhex(path.read_text().strip()), reference_security())


def family_of(path: Path) -> list[str]:
    """The catalogue families whose device tests cover the vector's folder (exactly one
    for a well-kept catalogue)."""
    from tests.catalogue.config import cases as config_cases
    from tests.catalogue.reads.harness import READS_VARIANTS
    from tests.catalogue.security import test_device_conformance as security_tests
    from tests.catalogue.supply.cases import FAMILY_FOLDERS as SUPPLY_FOLDERS
    from tests.catalogue.tariffs import support as tariffs_support

    folder = path.parent.name
    variant = folder.split("_")[0]
    found = []
    if folder in tariffs_support.FAMILY_FOLDERS:
        found.append("tariffs")
    if folder in config_cases.FOLDERS:
        found.append("config")
    if variant in READS_VARIANTS:
        found.append("reads")
    if variant in security_tests._VARIANTS or folder.startswith("NA_CS02"):
        found.append("security")
    if folder in SUPPLY_FOLDERS:
        found.append("supply")
    return found


# --- error signatures ------------------------------------------------------------------------

OUTCOME_FIELDS = frozenset(
    {
        "result_type",  # ConsumerTopUpResponse (ZSE Prepayment cluster)
        "cleared_event_logs",  # ClearEventLogResponse (ZSE Events cluster)
        "response_code",
        "status_code",  # per remote party / per trust anchor cell (CS02a, CS02b...)
        "activate_image_response_code",
        "device_time_status",
    }
)
"""The fields of cluster-specific or DER responses that carry the outcome; the rest are
values (balances, times, versions) and are no part of the error."""


def _outcomes(value: Any) -> Iterator[tuple[str, Any]]:
    if isinstance(value, dict):
        for key, item in value.items():
            if key in OUTCOME_FIELDS and not isinstance(item, dict | list):
                yield key, item
            else:
                yield from _outcomes(item)
    elif isinstance(value, list):
        for item in value:
            yield from _outcomes(item)


def signature(decoded: DecodedMessage) -> tuple[Any, ...]:
    """The error signature of a Response (module docstring)."""
    header = decoded.message.header
    payload = decoded.payload.to_json()
    form = payload.get("format")
    items: list[Any] = []
    if form == "dlms":
        apdu = payload["apdu"]
        items = [(r["kind"], r["code"]) for r in apdu.get("responses", [])]
        if "result" in apdu:  # a single get/set/action response
            items = [(apdu["type"], apdu["result"])]
    elif form == "gbz":
        for component in payload["components"]:
            body = component.get("plaintext") or component.get("payload") or {}
            kind = body.get("type")
            if kind == "DefaultResponse":
                outcome: Any = ("status", body["status"])
            elif "records" in body:
                outcome = ("records", tuple(r["status"] for r in body["records"]))
            else:
                outcome = ("fields", tuple(_outcomes(body.get("fields", {}))))
            protected = bool(component.get("encrypted"))
            command = component["header"]["command"]
            items.append((component["cluster_id"], command, protected, outcome))
    elif form == "der":
        items = [(payload["type"], tuple(_outcomes(payload.get("structure", {}))))]
    return (f"{header.message_code:04X}", header.cra.label, form, tuple(items))


_DLMS_NAMES = {0: "success", 1: "hardware-fault", 250: "other-reason"}
_ZCL_NAMES = {0: "SUCCESS", 1: "FAILURE", 0x8B: "NOT_FOUND", 0xC0: "HARDWARE_FAILURE"}


def describe(sig: tuple[Any, ...]) -> str:
    """The error a signature shows, in a few words (what failed where)."""
    code, _, form, items = sig
    if form == "dlms":
        parts = [
            f"#{n} {kind} {_DLMS_NAMES.get(result, result)}"
            for n, (kind, result) in enumerate(items, start=1)
            if result != 0
        ]
        return f"{code} DLMS {len(items)} responses: " + ", ".join(parts)
    if form == "gbz":
        parts = []
        for n, (_, command, _, (what, outcome)) in enumerate(items, start=1):
            if what == "status" and outcome != 0:
                parts.append(f"#{n} {command} {_ZCL_NAMES.get(outcome, hex(outcome))}")
            elif what == "records" and any(outcome):
                bad = sorted({_ZCL_NAMES.get(s, hex(s)) for s in outcome if s})
                parts.append(f"#{n} {command} records {'/'.join(bad)}")
            elif what == "fields" and outcome:
                parts.append(f"#{n} {command} {dict(outcome)}")
        return f"{code} GBZ {len(items)} components: " + ", ".join(parts)
    if form == "der":
        ((kind, outcome),) = items
        return f"{code} DER {kind} {dict(outcome)}"
    return f"{code} {form}"


# --- reproducers -------------------------------------------------------------------------------


class NotReproducedError(Exception):
    """The family's harness cannot send this vector's Command (says why)."""


@dataclass(frozen=True)
class Reproduction:
    decoded: DecodedMessage
    how: str
    """The Device state that called for the error."""


_FOUR_DAYS_TWO_WEEKS = {
    "days": {"1": [[0, 1]], "2": [[0, 2]], "3": [[0, 3]], "4": [[0, 4]]},
    "weeks": {"1": [1, 1, 1, 1, 1, 2, 2], "2": [3, 3, 3, 3, 3, 4, 4]},
}
"""A GSME calendar of four day profiles and two week profiles, as the reference GSMEs of
GCS21f and GCS21b hold (their ERROR Responses publish them before the failing Get)."""


def _tariffs_calendar(stem: str, gsme: Any) -> None:
    from opendcc.devices.tariffs_state import GasTariffs

    gas = gsme.get(GasTariffs)
    if stem.startswith("GCS21f"):
        gas.calendar = {
            **gas.calendar,
            **_FOUR_DAYS_TWO_WEEKS,
            "seasons": [["720917ff", 1], ["730314ff", 2]],
        }
    elif stem.startswith("GCS21b"):
        gas.friendly_credit = {**gas.friendly_credit, **_FOUR_DAYS_TWO_WEEKS}


def _tariffs(path: Path) -> Reproduction:
    from opendcc.devices.simulator import Outcome
    from opendcc.devices.tariffs_state import inject_fault
    from tests.catalogue.tariffs import support as s
    from tests.catalogue.tariffs import test_device_responses as t

    stem = name_of(path)
    use_case = stem.split("_", maxsplit=1)[0]
    command = t._command_for(path)
    meter, data_state = t._meter_for(command)
    for key, steps in t.SETUP.items():
        if stem.startswith(key):
            for step in steps:
                step(data_state)
    _tariffs_calendar(stem, data_state)
    inject_fault(meter.state, use_case)
    result = meter.simulator.process(command, meter.state, t.AT)
    assert result.outcome is Outcome.RESPONDED, result.reason
    assert result.response is not None
    return Reproduction(
        decode(result.response, s.device_security()),
        f"hardware fault injected in {use_case}'s instruction (tariffs_state.inject_fault)",
    )


def _config(path: Path) -> Reproduction:
    from opendcc.devices.simulator import Outcome
    from tests.catalogue.config import cases
    from tests.catalogue.config import support as s
    from tests.catalogue.config import test_device_vectors as t

    vector = cases.Vector.of(path)
    if not cases.has_request(vector.stem):
        raise NotReproducedError("the config family has no request for this stem")
    raw = bytes.fromhex(path.read_text().strip())
    result, _, _ = t.simulate(vector, raw)
    assert result.outcome is Outcome.RESPONDED, result.reason
    assert result.response is not None
    how = (
        "a clock adjustment outside the CH's window"
        if vector.use_case == "GCS28"
        else "the reference's fault injected on the object it names (config_api.inject_fault)"
    )
    return Reproduction(decode(result.response, s.device_security()), how)


def _snapshots_of_the_reference(stem: str) -> tuple[Any, tuple[Any, Any] | None, str]:
    """The reads estate set-up and read period that give the GSME as many snapshots as the
    reference GSME held when it failed (GCS15b/c, GCS16a): (set-up, period, what)."""
    from opendcc.devices.reads_state import CAUSE_CHANGE_OF_PAYMENT_MODE, record_billing_snapshot
    from tests.catalogue.reads import test_device_responses as t
    from tests.catalogue.reads.harness import GSME_ID

    now = t.NOW
    if stem.startswith("GCS15b"):
        # The reference holds a change of tariff (cause 0x08), then a change of payment
        # mode (0x2000); the estate has the tariff change 3 days ago.
        def payment_mode_changed(estate: Any) -> None:
            record_billing_snapshot(
                estate.state(GSME_ID), now - timedelta(days=1), CAUSE_CHANGE_OF_PAYMENT_MODE
            )

        return payment_mode_changed, None, "a change of tariff and one of payment mode held"
    if stem.startswith("GCS15c"):
        # Two monthly billing dates in the period, as the reference's (2014-12-01, 2015-01-01).
        return None, (now - timedelta(days=45), now), "two billing dates in the period"
    if stem.startswith("GCS16a"):
        # Three midnights in the period, as the reference's three daily snapshots.
        return None, (now - timedelta(days=3), now), "three midnights in the period"
    return None, None, ""


def _failing_component(payload: dict[str, Any]) -> int | None:
    """The index of the component a ZigBee reference Response fails part way through its
    list (HARDWARE_FAILURE, every later component FAILURE: not attempted), if it does."""
    statuses = [
        (c.get("plaintext") or c.get("payload") or {}).get("status") for c in payload["components"]
    ]
    if 0xC0 not in statuses:
        return None
    at = statuses.index(0xC0)
    if at == 0 or any(s == 0xC0 for s in statuses[:at]):
        return None
    return at if all(s == 0x01 for s in statuses[at + 1 :]) else None


def _reads(path: Path) -> Reproduction:
    from opendcc.devices.reads_state import EVERY_REQUEST, REFERENCE_POSITION
    from tests.catalogue.reads import test_device_responses as t

    payload = reference(path).payload.to_json()
    setup, period = None, None
    if payload["format"] == "dlms":
        place, attribute = REFERENCE_POSITION, None
        how = "a read fault at the reference's place (reads_state.inject_read_fault)"
    elif (component := _failing_component(payload)) is not None:
        place, attribute = component, None
        setup, period, held = _snapshots_of_the_reference(name_of(path))
        how = f"{held}; a read fault at component {component + 1} (inject_read_fault)"
    else:
        place, attribute = EVERY_REQUEST, _failing_record(payload)
        how = "a read fault" + (f" on {attribute}" if attribute else "") + " (inject_read_fault)"
    answer = t._answer(
        path, fault=True, place=place, attribute=attribute, period=period, setup=setup
    )
    return Reproduction(answer, how)


def _failing_record(payload: dict[str, Any]) -> str | None:
    """The attribute whose record a ZigBee reference Response fails, when only one does."""
    failing = [
        record["name"]
        for component in payload["components"]
        for record in (component.get("plaintext") or component.get("payload") or {}).get(
            "records", []
        )
        if record["status"] != 0
    ]
    return failing[0] if len(failing) == 1 else None


def _security(path: Path) -> Reproduction:
    from opendcc.devices.simulator import Outcome
    from opendcc.gbcs.frame import decode_message
    from tests.catalogue.security import test_device_conformance as t
    from tests.catalogue.security.estate import Hub

    stem = name_of(path)
    case = t._case(stem)
    if case.unreproducible:
        raise NotReproducedError(case.unreproducible)
    hub = Hub()
    if case.setup is not None:
        case.setup(hub)
    for earlier in case.before:
        t._deliver(hub, earlier, case.now)
    command = t._command_for(stem, hub, case.now)
    if command is None:
        raise NotReproducedError("no Command of this case is published (nor a Pre-Command)")
    message = decode_message(command)
    if not message.mac_header:
        raise NotReproducedError("its Command is signed without a MAC header")
    result = hub.deliver(command, message.recipient, case.now)
    assert result.outcome is Outcome.RESPONDED, result.reason
    assert result.response is not None
    setup = getattr(case.setup, "__qualname__", "").split(".")[0].strip("_").replace("_", " ")
    how = "security case: " + (setup or "as installed")
    if case.before:
        how += f" after {', '.join(case.before)}"
    return Reproduction(hub.decode(result.response), how)


def _supply(path: Path) -> Reproduction:
    from opendcc.devices.supply_auxiliary_state import use_configuration_source
    from tests.catalogue.supply import test_responses as t
    from tests.catalogue.supply.cases import INLINE_BODIES, stem, variant_of
    from tests.catalogue.supply.harness import ESME, GSME, Meter, body, meter_keystore

    key = name_of(path)
    if key in t.NOT_REPRODUCED:
        raise NotReproducedError(t.NOT_REPRODUCED[key])
    scenario = t.SCENARIOS.get(key, t.Scenario())
    security = GbcsSecurity(meter_keystore())
    meter = Meter(security, GSME if path.name.startswith("GCS") else ESME)
    scenario.setup(meter.state)
    use_configuration_source(t._configured)
    try:
        answer = meter.send(
            variant_of(path.name),
            body(INLINE_BODIES[stem(path.name)]),
            originator=scenario.originator,
        )
    finally:
        use_configuration_source(None)
    if answer.decoded is None:
        raise NotReproducedError(f"no Response: {answer.simulation.reason}")
    setup = getattr(scenario.setup, "__qualname__", "").split(".")[0].strip("_")
    return Reproduction(answer.decoded, f"supply state: {setup.replace('_', ' ')}")


REPRODUCERS: dict[str, Callable[[Path], Reproduction]] = {
    "tariffs": _tariffs,
    "config": _config,
    "reads": _reads,
    "security": _security,
    "supply": _supply,
}
