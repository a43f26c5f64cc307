"""DUIS 8.14.1 to 8.14.4 Communications Hub Status Update: the hub's inventory transitions.

A Communications Hub is two Devices in the Smart Metering Inventory: its Communications Hub
Function (the ``DeviceID`` of every 8.14 request) and its Gas Proxy Function (the GPF whose
``chf_id`` is that CHF; a hub pre-notified alone has none yet). The Supplier that installs
or returns the hub tells the DCC so (SEC Section F7 and the Communications Hub Installation
and Maintenance Support Materials; DUIS Service Reference 8.14), and the DCC moves both
Functions together:

- 8.14.1 Install Success (``CHFInstallSuccessSMWAN``): installed and connected to the SM
  WAN. Both Functions become ``InstalledNotCommissioned`` (from ``Pending`` or
  ``Whitelisted``); the installation details (install type, MPxN, aerial, location) are
  recorded in the request's event. A hub already installed (``InstalledNotCommissioned``
  or ``Commissioned``) is answered I0 without a change, a replacement install included.
- 8.14.2 Install No SM WAN (``CHFInstallSuccessNoSMWAN``): installed where the SM WAN does
  not (yet) reach. Both Functions become ``InstalledNotCommissioned`` as for 8.14.1; the
  survey answers (premises type, obstruction checks) are recorded in the request's event
  for the CSP's coverage work. A hub already installed is answered I0 again (as 8.14.1).
- 8.14.3 Fault Return (``CHFFaultReturn``): the Supplier returns a faulty hub. A fault
  "identified prior to installation" is for a hub never installed (``Pending`` or
  ``Whitelisted``); "post installation" for an installed one (``InstalledNotCommissioned``,
  ``Commissioned``, or ``Suspended``). ``OtherDeviceID`` names the hub's GPF and must be it.
- 8.14.4 No Fault Return (``CHFNoFaultReturn``): returned without a fault (general, non-
  domestic opt out, HAN variant change, SM WAN variant change, lost or stolen), from any
  status short of ``Decommissioned``, ``Withdrawn`` or the recovery statuses.

A returned hub's Functions become ``Decommissioned`` (``InventoryEvent.RETURN`` in
``opendcc.inventory.transitions``). The meters and HAN Devices behind it keep their own
statuses: they wait for a replacement hub (8.14.1 "Replacement CHF Install" and the joins
the installer sends then), which is why a return that leaves Devices behind the hub is
answered ``W081401`` (done, with a warning) instead of I0.

DUIS opens all four variants to the same User Roles, Import Supplier and Gas Supplier
(the request matrix; E2 otherwise, in the pipeline), and all four are checked alike here.
Refusals: E19 the CHF is not in the inventory; E4 the hub serves meters whose MPxNs the
User is not registered for now (a hub with no meter behind it yet is open to any Supplier
that installs it), checked before the hub's status so that a hub's state is told only to
its Suppliers; ``E081401`` the DeviceID is no CHF;
``E081402`` ``OtherDeviceID`` is not this hub's GPF; E5 when the hub's SMI status does not
permit the update (the transition table, or the fault-return rule above). These readings
of the variant codes are opendcc's (docs/duis-errors.md).

All or nothing: both Functions move in one write job with the request's journal entry
(``hub.change``); a refusal of the second (its status, checked again in the job) rolls
the first back, and the request is journalled with the refusal alone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from lxml import etree

from opendcc.access.eligibility import Refusal, check_registration
from opendcc.access.users import DccUser
from opendcc.duis.codes import ResponseCode
from opendcc.duis.messages import ServiceRequest
from opendcc.estate.records import DeviceFilter, EstateRefusal
from opendcc.hub.change import Answer, Change, WriteSteps, inventory_recorder
from opendcc.hub.pipeline import RequestTrace
from opendcc.inventory.model import Device, DeviceType, SmiStatus
from opendcc.inventory.transitions import InventoryEvent, TransitionRefused, next_status
from opendcc.roles import UserRole
from opendcc.store.estate import SqliteEstate
from opendcc.store.events import EventKind, append_events
from opendcc.transform import duisxml as x

ELIGIBLE = (UserRole.IMPORT_SUPPLIER, UserRole.GAS_SUPPLIER)
"""The User Roles DUIS opens 8.14 to."""

S = SmiStatus
NEVER_INSTALLED = frozenset({S.PENDING, S.WHITELISTED})
INSTALLED = frozenset({S.INSTALLED_NOT_COMMISSIONED, S.COMMISSIONED, S.SUSPENDED})
PRIOR_TO_INSTALLATION = "Fault identified prior to installation"
POST_INSTALLATION = "Fault identified post installation"

_INSTALL_DETAILS = ("CHFInstallType", "MPxN", "AerialInstall", "CHFLocation")
"""The 8.14.1 installation details recorded in the request's event."""
_SURVEY = (
    "CHFInstallType",
    "PremiseType",
    "MetalObstructionCheck",
    "ConnectivityObstructionCheck",
    "SharedObstructionCheck",
    "CHFLocation",
)
"""The 8.14.2 survey answers recorded in the request's event (for the CSP's coverage work)."""


@dataclass(frozen=True, slots=True)
class _Hub:
    chf: Device
    gpf: Device | None


class CommsHubStatus:
    """The handlers of 8.14.1, 8.14.2, 8.14.3 and 8.14.4 over the estate's inventory."""

    def __init__(self, estate: SqliteEstate) -> None:
        self.estate = estate

    async def install_success(
        self, request: ServiceRequest, user: DccUser, now: datetime, trace: RequestTrace
    ) -> Answer | Change:
        """8.14.1: installed with SM WAN: both Functions InstalledNotCommissioned."""
        return await self._install(request, user, now, trace, "install_success", _INSTALL_DETAILS)

    async def install_no_sm_wan(
        self, request: ServiceRequest, user: DccUser, now: datetime, trace: RequestTrace
    ) -> Answer | Change:
        """8.14.2: installed without SM WAN coverage: both Functions InstalledNotCommissioned."""
        return await self._install(request, user, now, trace, "install_no_sm_wan", _SURVEY)

    async def fault_return(
        self, request: ServiceRequest, user: DccUser, now: datetime, trace: RequestTrace
    ) -> Answer | Change:
        """8.14.3: a faulty hub returned, before or after installation."""
        body = request.body
        found = self._hub(body, user, now)
        if not isinstance(found, _Hub):
            return found
        chf, gpf = found.chf, found.gpf
        other = x.eui(body, "OtherDeviceID")
        if gpf is None or other != gpf.device_id:
            return (
                ResponseCode.E081402,
                None,
                f"OtherDeviceID {other} is not the Gas Proxy Function of {chf.device_id}",
            )
        kind = x.text(body, "CHFFaultReturnType")
        allowed = NEVER_INSTALLED if kind == PRIOR_TO_INSTALLATION else INSTALLED
        if chf.status not in allowed:
            return (
                ResponseCode.E5,
                None,
                f"'{kind}' is for a Communications Hub that is "
                f"{' or '.join(sorted(s.value for s in allowed))};"
                f" {chf.device_id} is {chf.status.value}",
            )
        detail = {
            "change": "fault_return",
            "fault": x.text(body, "CHFFaultReason"),
            "connection": x.text(body, "CHFConnectionMethod"),
        }
        return await self._move(
            chf, gpf, InventoryEvent.RETURN, now, trace, warn=True, detail=detail
        )

    async def no_fault_return(
        self, request: ServiceRequest, user: DccUser, now: datetime, trace: RequestTrace
    ) -> Answer | Change:
        """8.14.4: a hub returned without a fault (or lost or stolen)."""
        body = request.body
        found = self._hub(body, user, now)
        if not isinstance(found, _Hub):
            return found
        detail = {"change": "no_fault_return", "reason": x.text(body, "CHFNoFaultReturnType")}
        return await self._move(
            found.chf, found.gpf, InventoryEvent.RETURN, now, trace, warn=True, detail=detail
        )

    # --- the common part ----------------------------------------------------------------

    async def _install(
        self,
        request: ServiceRequest,
        user: DccUser,
        now: datetime,
        trace: RequestTrace,
        change: str,
        fields: tuple[str, ...],
    ) -> Answer | Change:
        """8.14.1 and 8.14.2 alike: both Functions InstalledNotCommissioned.

        A hub already installed is answered I0 without a change; ``fields`` (the
        installation details of 8.14.1, the survey answers of 8.14.2) that the body carries
        are recorded in the request's ``inventory_changed`` event under ``change``.
        """
        body = request.body
        found = self._hub(body, user, now)
        if not isinstance(found, _Hub):
            return found
        if found.chf.status in (S.INSTALLED_NOT_COMMISSIONED, S.COMMISSIONED):
            return ResponseCode.I0, None, "the Communications Hub was already installed"
        details = {name: x.text(body, name) for name in fields if x.child(body, name) is not None}
        return await self._move(
            found.chf,
            found.gpf,
            InventoryEvent.INSTALL,
            now,
            trace,
            warn=False,
            detail={"change": change, **details},
        )

    def _hub(self, body: etree._Element, user: DccUser, now: datetime) -> _Hub | Answer:
        """The CHF the body names and its GPF (None if the inventory holds none).

        A hub that serves meters is the business of their Suppliers: the User must be
        registered now for one of the MPxNs behind it (E4, as for a device request). A hub
        with no meter behind it yet (pre-notified, in the installer's van) has no MPxN and
        is open to any Supplier that installs it.
        """
        device_id = x.eui(body, "DeviceID")
        inventory = self.estate.inventory
        chf = inventory.get_device(device_id)
        if chf is None:
            return ResponseCode.E19, None, f"no Communications Hub {device_id} in the inventory"
        if chf.device_type is not DeviceType.CHF:
            return ResponseCode.E081401, None, f"{device_id} is not a Communications Hub Function"
        fuels = inventory.fuels_by_mpxn(chf)
        if fuels:
            roles = tuple(r for r in ELIGIBLE if r in user.roles)
            held = self.estate.registrations.registrations_for(fuels, now)
            refused = check_registration(user, roles, chf, fuels, held, now)
            if isinstance(refused, Refusal):
                return ResponseCode.E4, None, refused.reason
        return _Hub(chf, self._gpf_of(chf))

    def _gpf_of(self, chf: Device) -> Device | None:
        """The hub's GPF: the GPF that talks through this CHF (None if none does)."""
        inventory = self.estate.inventory
        page = inventory.list_devices(
            DeviceFilter(device_type=DeviceType.GPF, chf_id=chf.device_id), limit=2
        )
        return page.items[0].device if page.items else None

    def _behind(self, chf: Device, gpf: Device | None) -> list[Device]:
        """Devices other than the hub's own Functions that talk through it, still in use."""
        page = self.estate.inventory.list_devices(DeviceFilter(chf_id=chf.device_id), limit=50)
        own = {chf.device_id} | ({gpf.device_id} if gpf is not None else set())
        return [
            d.device
            for d in page.items
            if d.device.device_id not in own and d.device.status is not S.DECOMMISSIONED
        ]

    async def _move(
        self,
        chf: Device,
        gpf: Device | None,
        event: InventoryEvent,
        now: datetime,
        trace: RequestTrace,
        *,
        warn: bool,
        detail: dict[str, Any] | None = None,
    ) -> Answer | Change:
        """Both Functions through ``event``, all or nothing.

        The statuses the caches give are checked first (a quick E5); then one ``Change``
        (``hub.change``) moves the CHF and the GPF in the request's own write job, each
        checked again against the database: if the second is refused (its status changed
        meanwhile, or its write fails), the first is rolled back with it and the request is
        journalled with the refusal only. ``detail`` (the survey answers, the fault) is
        logged as an ``inventory_changed`` event only when the change is kept.
        """
        for device in (chf, gpf):
            if device is None:
                continue
            refused = next_status(device.status, event)
            if isinstance(refused, TransitionRefused):
                return ResponseCode.E5, None, f"{device.device_id}: {refused}"
        cause = trace.request_id or "8.14"
        moves = []
        for d in (chf, gpf):
            if d is None:
                continue
            step = self.estate.inventory.change_status_step(
                d.device_id,
                event,
                now,
                cause,
                record=inventory_recorder(trace, now, event.value, name_device=True),
            )
            if isinstance(step, EstateRefusal):
                return ResponseCode.E081405, None, step.message
            moves.append(step)
        noted = [trace.event(EventKind.INVENTORY_CHANGED, now, None, **detail)] if detail else []
        behind = self._behind(chf, gpf) if warn else []  # Devices this change leaves alone
        steps = WriteSteps()

        def apply(conn: Any) -> Answer:
            moved_devices: list[Device] = []
            for step in moves:
                result = steps.run(step, conn)
                if isinstance(result, TransitionRefused):
                    return ResponseCode.E5, None, str(result)
                if isinstance(result, EstateRefusal):
                    return ResponseCode.E081405, None, result.message
                moved_devices.append(result)
            append_events(conn, noted)
            moved = ", ".join(f"{d.device_id} is now {d.status.value}" for d in moved_devices)
            if behind:
                names = ", ".join(str(d.device_id) for d in behind[:5])
                return (
                    ResponseCode.W081401,
                    None,
                    f"{moved}; {len(behind)} Devices behind it ({names}) await a replacement hub",
                )
            return ResponseCode.I0, None, moved

        return Change(apply, steps.committed)
