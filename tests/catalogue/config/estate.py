"""A small simulated premises for scripted state tests: Service Requests go through the
transform, the Command is built and signed as the hub would, and the Device answers from
the state it keeps between requests."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from lxml import etree

from opendcc.devices import config  # noqa: F401
from opendcc.devices.simulator import DeviceSimulator, Outcome, Simulation
from opendcc.devices.state import DeviceState
from opendcc.eui import Eui64
from opendcc.gbcs.codec import decode
from opendcc.inventory.model import Device
from opendcc.roles import UserRole
from opendcc.transform.registry import CommandSpec, TransformInput, TransformRefusal, transform
from tests.catalogue.config import support as s


@dataclass
class Premises:
    """The reference premises' Devices with state, and the counters of each party."""

    now: datetime = s.RTDS_NOW
    states: dict[Eui64, DeviceState] = field(default_factory=dict)
    counters: dict[Eui64, int] = field(default_factory=dict)
    variant: str | None = None

    def __post_init__(self) -> None:
        self.simulator = DeviceSimulator(s.device_security(), peers=self.states.get)
        for last in (0xA0, 0xA1, 0xA2, 0xA3, 0xA6):
            dev = s.device(last)
            if last == 0xA1:
                dev = replace(dev, parent_id=s.eui(0xA3), mpxn="7416180308")
            if last == 0xA0:
                dev = replace(dev, mpxn="1431415926535")
            self.states[dev.device_id] = DeviceState(dev)

    def device(self, last: int) -> Device:
        return self.states[s.eui(last)].device

    def state(self, last: int) -> DeviceState:
        return self.states[s.eui(last)]

    def _next(self, party: Eui64) -> int:
        self.counters[party] = self.counters.get(party, 999) + 1
        return self.counters[party]

    def request(
        self,
        variant: str,
        target: int,
        body: etree._Element,
        *,
        originator: Eui64 = s.SUPPLIER,
        role: UserRole | None = None,
        execution_at: datetime | None = None,
    ) -> TransformInput:
        dev = self.device(target)
        return TransformInput(
            variant=variant,
            body=body,
            originator=originator,
            target=dev.device_id,
            counter=self._next(originator),
            device=dev,
            role=role or s.role_for(originator, variant, dev.device_type),
            now=self.now,
            execution_at=execution_at,
            inventory=s.Inventory(self.variant),
            dcc_counter=s.fixed_counter(self._next(s.ACB)),
        )

    def send(self, request: TransformInput) -> Simulation:
        spec = transform(request)
        if isinstance(spec, TransformRefusal):
            raise AssertionError(f"refused: {spec}")
        command = (
            s.signed_command(spec, request)
            if s.is_critical(request.variant)
            else s.command(spec, request)
        )
        result = self.simulator.process(command.encode(), self.states[request.target], self.now)
        assert result.outcome is Outcome.RESPONDED, result.reason
        return result

    def ask(
        self, variant: str, target: int, body: etree._Element, **options: Any
    ) -> dict[str, Any]:
        """Send and return the decoded Response payload (JSON form)."""
        result = self.send(self.request(variant, target, body, **options))
        assert result.response is not None
        doc: dict[str, Any] = decode(result.response, s.device_security()).payload.to_json()
        return doc

    def spec(self, request: TransformInput) -> CommandSpec | TransformRefusal:
        return transform(request)


def results(doc: dict[str, Any]) -> list[dict[str, Any]]:
    """The DLMS results of a Response: ``{"kind", "result", "data"}`` each."""
    return list(doc["apdu"]["responses"])


def ok(doc: dict[str, Any]) -> bool:
    if doc["format"] == "dlms":
        return all(r["result"] == "success" for r in results(doc))
    return bool(doc["values"]["outcome"]["success"])
