"""The demo estate: N premises of smart metering systems, deterministic for a seed.

Seeding rules (docs/estate.md has the figures):

- Premises ``n`` gets a distribution area (uniformly among the fourteen, hence a CSP
  region), a postcode in one of the area's postcode areas, a street address, UPRN
  ``10,000,000,000 + n``, and the device EUIs ``02-0D-CC-01-...`` of its slots
  (``estate.ids``).
- 72% are dual fuel (ESME, GSME, GPF, CHF, IHD) when some User is a Gas Supplier, the rest
  electricity only (ESME, CHF, IHD). 12% also have a PPMID (joined to every meter), 2% an
  HCALCS (joined to the ESME); 6% have an export MPAN (when a User is an Export Supplier);
  2% of ESMEs are twin element (variant B, with a secondary import MPAN), 1% polyphase (C).
- Statuses by premises: 95.5% all Commissioned; 1.5% installing (CHF and GPF Commissioned,
  meters InstalledNotCommissioned, PPMID/HCALCS Whitelisted); 1% pre-notified only (all
  Pending, not yet installed, so no MPxN or CHF association yet); 0.8% with a replaced ESME
  (the old one Decommissioned, a new one Commissioned); 0.5% withdrawn (meters Withdrawn);
  0.4% ESME Suspended, 0.2% in Recovery, 0.1% Recovered. Type 2 devices are NotApplicable.
  Each Device's history walks the transition table from Pending to its status (the walks
  are checked against the table when this module loads), with plausible dates:
  pre-notified three to eight weeks before installation, commissioned minutes after.
- MPANs are valid for the area's distributor ID, MPRNs carry valid check digits; both are
  unique per premises for up to 100 million premises.
- Registrations: each import MPAN has a Supplier (an Import Supplier User; 15% changed
  supplier once, both registrations kept), the area's Electricity Distributor, and for 10%
  a Registered Supplier Agent; an export MPAN an Export Supplier; an MPRN a Gas Supplier
  (the electricity supplier in 80% of dual-fuel premises when it supplies gas; 15% changed
  once) and the region's Gas Transporter.

Speed: a 100,000-premises estate is about 2.2 million rows, so this module writes table
rows directly (``store.estate.EstateRows``), with times as integer microseconds, rather
than building a record object per row; tests read the result back through the
repositories and check it against ``estate.rules``. Randomness comes from one
``random.Random`` per chunk of ``CHUNK`` premises, seeded from the seed and the chunk's
first premises, so the estate is the same for a seed however it is consumed.
"""

from __future__ import annotations

import bisect
import itertools
import random
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final, TypeVar

from opendcc.estate import catalogue
from opendcc.estate.cast import DemoCast
from opendcc.estate.ids import DEVICE_BASE, MAX_PREMISES, Slot
from opendcc.estate.mpxn import DISTRIBUTION_AREAS, make_mpan, make_mprn
from opendcc.inventory.model import DeviceType, SmiStatus
from opendcc.inventory.transitions import InventoryEvent, next_status
from opendcc.store import users as usr
from opendcc.store.estate import EstateRows
from opendcc.store.keys import eui_key, to_us

T = TypeVar("T")

CHUNK: Final = 2_000
UPRN_BASE: Final = 10_000_000_000
MAX_DEMO_PREMISES: Final = min(MAX_PREMISES, 100_000_000)
DEFAULT_AS_OF: Final = datetime(2025, 1, 1, tzinfo=UTC)
NETWORK_SINCE: Final = datetime(2000, 1, 1, tzinfo=UTC)

E = InventoryEvent
S = SmiStatus

_MINUTE: Final = 60_000_000
_HOUR: Final = 60 * _MINUTE
_DAY: Final = 24 * _HOUR

_METER_PATHS: Final[dict[SmiStatus, tuple[InventoryEvent, ...]]] = {
    S.PENDING: (),
    S.INSTALLED_NOT_COMMISSIONED: (E.INSTALL,),
    S.COMMISSIONED: (E.INSTALL, E.COMMISSION),
    S.DECOMMISSIONED: (E.INSTALL, E.COMMISSION, E.DECOMMISSION),
    S.WITHDRAWN: (E.INSTALL, E.COMMISSION, E.WITHDRAW),
    S.SUSPENDED: (E.INSTALL, E.COMMISSION, E.SUSPEND),
    S.RECOVERY: (E.INSTALL, E.COMMISSION, E.SUSPEND, E.START_RECOVERY),
    S.RECOVERED: (E.INSTALL, E.COMMISSION, E.SUSPEND, E.START_RECOVERY, E.RECOVER),
}
"""The events that take a CHF, GPF or meter from Pending to each status."""

_HAN_PATHS: Final[dict[SmiStatus, tuple[InventoryEvent, ...]]] = {
    S.PENDING: (),
    S.WHITELISTED: (E.WHITELIST,),
    S.COMMISSIONED: (E.WHITELIST, E.COMMISSION),
}
"""A PPMID or HCALCS is whitelisted on the CHF's device log, then commissioned."""


def path_statuses(start: SmiStatus, events: Sequence[InventoryEvent]) -> tuple[SmiStatus, ...]:
    """The statuses ``events`` lead through from ``start``, checked against the table."""
    statuses = [start]
    for event in events:
        found = next_status(statuses[-1], event)
        if not isinstance(found, SmiStatus):
            raise ValueError(str(found))
        statuses.append(found)
    return tuple(statuses)


def _steps(
    target: SmiStatus, events: Sequence[InventoryEvent]
) -> tuple[tuple[str, str, InventoryEvent, str], ...]:
    statuses = path_statuses(S.PENDING, events)
    if statuses[-1] is not target:
        raise ValueError(f"the path to {target.value} ends in {statuses[-1].value}")
    return tuple(
        (old.value, new.value, event, f"seed {event.value}")
        for old, new, event in zip(statuses[:-1], statuses[1:], events, strict=True)
    )


# Built (and so checked against the transition table) when the module loads.
_METER_STEPS: Final = {t: _steps(t, events) for t, events in _METER_PATHS.items()}
_HAN_STEPS: Final = {t: _steps(t, events) for t, events in _HAN_PATHS.items()}

_SCENARIOS: Final = (
    ("live", 0.955),
    ("installing", 0.015),
    ("prenotified", 0.010),
    ("replaced", 0.008),
    ("withdrawn", 0.005),
    ("suspended", 0.004),
    ("recovery", 0.002),
    ("recovered", 0.001),
)
_SCENARIO_NAMES: Final = tuple(name for name, _ in _SCENARIOS)
_SCENARIO_CUMULATIVE: Final = tuple(itertools.accumulate(w for _, w in _SCENARIOS))
_AREAS: Final = tuple(sorted(DISTRIBUTION_AREAS))
_AREA_REGIONS: Final = {area: region.value for area, (_, region) in DISTRIBUTION_AREAS.items()}
_MODEL_ROWS: Final = {
    kind: tuple(
        (m.manufacturer, m.model, firmware, m.gbcs_version, m.smets_chts_version)
        for m in models
        for firmware in m.firmware_versions
    )
    for kind, models in catalogue.MODELS.items()
}
"""Per device type, every (manufacturer, model, firmware, GBCS version, SMETS/CHTS version)."""

# Per scenario: (CHF and GPF status, meters' status, ESME's status, PPMID/HCALCS status).
_STATUSES: Final[dict[str, tuple[SmiStatus, SmiStatus, SmiStatus, SmiStatus]]] = {
    "live": (S.COMMISSIONED, S.COMMISSIONED, S.COMMISSIONED, S.COMMISSIONED),
    "installing": (
        S.COMMISSIONED,
        S.INSTALLED_NOT_COMMISSIONED,
        S.INSTALLED_NOT_COMMISSIONED,
        S.WHITELISTED,
    ),
    "prenotified": (S.PENDING, S.PENDING, S.PENDING, S.PENDING),
    "replaced": (S.COMMISSIONED, S.COMMISSIONED, S.COMMISSIONED, S.COMMISSIONED),
    "withdrawn": (S.COMMISSIONED, S.WITHDRAWN, S.WITHDRAWN, S.COMMISSIONED),
    "suspended": (S.COMMISSIONED, S.COMMISSIONED, S.SUSPENDED, S.COMMISSIONED),
    "recovery": (S.COMMISSIONED, S.COMMISSIONED, S.RECOVERY, S.COMMISSIONED),
    "recovered": (S.COMMISSIONED, S.COMMISSIONED, S.RECOVERED, S.COMMISSIONED),
}
_COMMISSIONED_ONCE: Final = frozenset(
    {S.COMMISSIONED, S.DECOMMISSIONED, S.WITHDRAWN, S.SUSPENDED, S.RECOVERY, S.RECOVERED}
)

_E, _G = "electricity", "gas"
_SUPPLIER, _EXPORT, _NETWORK, _AGENT = (
    "supplier",
    "export_supplier",
    "network_operator",
    "supplier_agent",
)


@dataclass(frozen=True, slots=True)
class DemoSettings:
    premises: int
    seed: int = 0
    as_of: datetime = DEFAULT_AS_OF
    """Every date in the estate is before this; registrations are in force from then on."""

    def __post_init__(self) -> None:
        if not 0 <= self.premises <= MAX_DEMO_PREMISES:
            raise ValueError(f"premises must be 0 to {MAX_DEMO_PREMISES}")
        if self.as_of.tzinfo is None:
            raise ValueError("as_of must be timezone-aware")
        if self.as_of < datetime(2020, 1, 1, tzinfo=UTC):
            raise ValueError("as_of must be 2020 or later (installations reach back 7 years)")


def demo_estate(settings: DemoSettings, cast: DemoCast) -> Iterator[EstateRows]:
    """The estate as slices of up to ``CHUNK`` premises (the Users in the first)."""
    yield EstateRows(
        users=[usr.user_row(s.user, s.created_at) for s in cast.users],
        certificates=[
            usr.certificate_row(s.user.eui, c) for s in cast.users for c in s.certificates
        ],
    )
    builder = _Builder(settings, cast)
    for start in range(0, settings.premises, CHUNK):
        rng = random.Random(f"opendcc-demo:{settings.seed}:{start}")
        yield builder.chunk(range(start, min(settings.premises, start + CHUNK)), rng)


def chunk_count(settings: DemoSettings) -> int:
    """How many premises slices ``demo_estate`` yields after the Users."""
    return -(-settings.premises // CHUNK)


class _Builder:
    def __init__(self, settings: DemoSettings, cast: DemoCast) -> None:
        self.as_of = to_us(settings.as_of)
        self.network_since = to_us(NETWORK_SINCE)
        numbers = random.Random(f"opendcc-demo-numbers:{settings.seed}")
        # Unique per premises: n -> (offset + n * step) mod range is a bijection.
        self.mpan_offset = numbers.randrange(10**10)
        self.mprn_offset = numbers.randrange(90_000_000)
        self.importers = [eui_key(e) for e in cast.import_suppliers]
        self.gas_suppliers = [eui_key(e) for e in cast.gas_suppliers]
        self.exporters = [eui_key(e) for e in cast.export_suppliers]
        self.agents = [eui_key(e) for e in cast.supplier_agents]
        self.distributors = {r.value: eui_key(e) for r, e in cast.distributors.items()}
        self.transporters = {r.value: eui_key(e) for r, e in cast.transporters.items()}
        self.dual_share = 0.72 if self.gas_suppliers else 0.0
        self.export_share = 0.06 if self.exporters else 0.0
        self.agent_share = 0.10 if self.agents else 0.0

    def mpan(self, area: int, n: int, kind: int) -> str:
        # kind 0 import, 1 secondary import, 2 export: disjoint quarters of the range.
        return make_mpan(area, (self.mpan_offset + (n + kind * 2_500_000_000) * 7_919) % 10**10)

    def mprn(self, n: int) -> str:
        return make_mprn(10_000_000 + (self.mprn_offset + n * 7_919) % 90_000_000)

    def chunk(self, premises: range, rng: random.Random) -> EstateRows:
        rows = EstateRows()
        # CHFs and GPFs are written before the Devices that name them (foreign keys).
        hubs: list[tuple[Any, ...]] = []
        meters: list[tuple[Any, ...]] = []
        han: list[tuple[Any, ...]] = []
        for n in premises:
            self.premises(n, rng, rows, hubs, meters, han)
        rows.devices = hubs + meters + han
        return rows

    def premises(
        self,
        n: int,
        rng: random.Random,
        rows: EstateRows,
        hubs: list[tuple[Any, ...]],
        meters: list[tuple[Any, ...]],
        han: list[tuple[Any, ...]],
    ) -> None:
        draw = rng.random
        area = _AREAS[int(draw() * len(_AREAS))]
        region = _AREA_REGIONS[area]
        uprn = UPRN_BASE + n
        rows.premises.append((uprn, _postcode(area, draw), _address(draw), region))
        scenario = _SCENARIO_NAMES[
            bisect.bisect_left(_SCENARIO_CUMULATIVE, draw() * _SCENARIO_CUMULATIVE[-1])
        ]
        dual = draw() < self.dual_share
        has_ppmid = draw() < 0.12
        has_hcalcs = draw() < 0.02
        has_export = draw() < self.export_share
        roll = draw()
        variant = "B" if roll < 0.02 else "C" if roll < 0.03 else "A"
        live = scenario != "prenotified"
        if scenario in ("installing", "prenotified"):
            installed = self.as_of - int(1 + draw() * 20) * _DAY - int(1 + draw() * 9) * _HOUR
        else:
            installed = self.as_of - int(45 + draw() * 2_455) * _DAY - int(7 + draw() * 11) * _HOUR
        later = installed + int((self.as_of - installed) * (0.2 + 0.75 * draw()))
        hub_status, meter_status, esme_status, han_status = _STATUSES[scenario]

        mpan = self.mpan(area, n, 0)
        secondary = self.mpan(area, n, 1) if variant == "B" else None
        export = self.mpan(area, n, 2) if has_export else None
        mprn = self.mprn(n) if dual else None
        base = DEVICE_BASE + n * 8
        chf = (base + Slot.CHF).to_bytes(8, "big")
        esme = (base + Slot.ESME).to_bytes(8, "big")
        gsme = (base + Slot.GSME).to_bytes(8, "big")
        gpf = (base + Slot.GPF).to_bytes(8, "big")
        hub = chf if live else None
        history = rows.history

        def device(
            out: list[tuple[Any, ...]],
            kind: DeviceType,
            key: bytes,
            status: SmiStatus,
            at: int,
            points: tuple[str | None, bytes | None, bytes | None],
            extra: tuple[str | None, str | None, str | None],
        ) -> None:
            # A store.inventory.device_row: points are (mpxn, chf_id, parent_id), extra is
            # (secondary MPAN, export MPAN, ESME variant).
            made = _pick(_MODEL_ROWS[kind], draw())
            first, last = _walk(history, key, kind, status, at, later)
            commissioned = at + 3 * _MINUTE if status in _COMMISSIONED_ONCE else None
            out.append(
                (
                    key,
                    kind.value,
                    status.value,
                    last,
                    region,
                    *points,
                    *made[:4],
                    uprn,
                    *extra,
                    made[4],
                    at if live else None,
                    commissioned,
                    first,
                )
            )

        none3 = (None, None, None)
        device(hubs, DeviceType.CHF, chf, hub_status, installed, none3, none3)
        if dual:
            device(
                hubs,
                DeviceType.GPF,
                gpf,
                hub_status,
                installed + 2 * _MINUTE,
                (None, hub, None),
                none3,
            )
        device(
            meters,
            DeviceType.ESME,
            esme,
            esme_status,
            installed + 5 * _MINUTE,
            (mpan if live else None, hub, None),
            (secondary if live else None, export if live else None, variant),
        )
        if scenario == "replaced":
            self.replaced_esme(rows, meters, n, region, uprn, installed)
        joined = [esme]
        if dual:
            joined.append(gsme)
            device(
                meters,
                DeviceType.GSME,
                gsme,
                meter_status,
                installed + 9 * _MINUTE,
                (mprn if live else None, hub, gpf if live else None),
                none3,
            )
        if not live:
            joined = []
        parent = joined[0] if joined else None
        ihd = (base + Slot.IHD).to_bytes(8, "big")
        device(
            han,
            DeviceType.IHD,
            ihd,
            S.NOT_APPLICABLE,
            installed + 15 * _MINUTE,
            (None, hub, parent),
            none3,
        )
        links = rows.links
        links.extend((ihd, m) for m in joined)
        if has_ppmid:
            ppmid = (base + Slot.PPMID).to_bytes(8, "big")
            device(
                han,
                DeviceType.PPMID,
                ppmid,
                han_status,
                installed + 17 * _MINUTE,
                (None, hub, parent),
                none3,
            )
            links.extend((ppmid, m) for m in joined)
        if has_hcalcs:
            hcalcs = (base + Slot.HCALCS).to_bytes(8, "big")
            device(
                han,
                DeviceType.HCALCS,
                hcalcs,
                han_status,
                installed + 19 * _MINUTE,
                (None, hub, parent),
                none3,
            )
            links.extend((hcalcs, m) for m in joined[:1])
        self.registrations(
            rows.registrations, draw, region, installed, mpan, secondary, export, mprn
        )

    def replaced_esme(
        self,
        rows: EstateRows,
        meters: list[tuple[Any, ...]],
        n: int,
        region: str,
        uprn: int,
        replaced_at: int,
    ) -> None:
        """The ESME taken out when the current one was fitted: Decommissioned, kept."""
        key = (DEVICE_BASE + n * 8 + Slot.REPLACED_ESME).to_bytes(8, "big")
        installed = replaced_at - 900 * _DAY
        first, last = _walk(
            rows.history, key, DeviceType.ESME, S.DECOMMISSIONED, installed, replaced_at
        )
        meters.append(
            (
                key,
                "ESME",
                S.DECOMMISSIONED.value,
                last,
                region,
                None,
                None,
                None,
                "0D04",
                "0D040020",
                "04000009",
                "3.2",
                uprn,
                None,
                None,
                "A",
                "SMETS2 V3.2",
                installed,
                installed + 3 * _MINUTE,
                first,
            )
        )

    def registrations(
        self,
        out: list[tuple[Any, ...]],
        draw: Callable[[], float],
        region: str,
        installed: int,
        mpan: str,
        secondary: str | None,
        export: str | None,
        mprn: str | None,
    ) -> None:
        since = installed - int(30 + draw() * 2_970) * _DAY
        switch_at = since + int((self.as_of - since) * (0.3 + 0.6 * draw()))
        supplier = _pick(self.importers, draw())
        previous = _other(draw, self.importers, supplier) if draw() < 0.15 else None
        distributor = self.distributors[region]
        for point in (mpan, secondary):
            if point is not None:
                _supply(out, point, _E, supplier, previous, since, switch_at)
                out.append((point, _E, _NETWORK, distributor, self.network_since, None))
        if draw() < self.agent_share:
            out.append((mpan, _E, _AGENT, _pick(self.agents, draw()), since, None))
        if export is not None:
            out.append((export, _E, _EXPORT, _pick(self.exporters, draw()), installed, None))
            out.append((export, _E, _NETWORK, distributor, self.network_since, None))
        if mprn is not None:
            same = supplier in self.gas_suppliers and draw() < 0.8
            gas = supplier if same else _pick(self.gas_suppliers, draw())
            gas_previous = _other(draw, self.gas_suppliers, gas) if draw() < 0.15 else None
            _supply(out, mprn, _G, gas, gas_previous, since, switch_at)
            out.append((mprn, _G, _NETWORK, self.transporters[region], self.network_since, None))


def _walk(
    history: list[tuple[Any, ...]],
    key: bytes,
    kind: DeviceType,
    status: SmiStatus,
    installed: int,
    later: int,
) -> tuple[int, int]:
    """Append the Device's history rows; its first and last change times."""
    if kind is DeviceType.IHD:
        history.append((key, 1, None, S.NOT_APPLICABLE.value, installed, "seed install"))
        return installed, installed
    steps = (_HAN_STEPS if kind in (DeviceType.PPMID, DeviceType.HCALCS) else _METER_STEPS)[status]
    notified = installed - (21 + key[-1] % 40) * _DAY
    history.append((key, 1, None, S.PENDING.value, notified, "seed pre_notify"))
    at = installed
    for n, (old, new, event, cause) in enumerate(steps, start=2):
        if event is E.COMMISSION:
            at += 3 * _MINUTE
        elif event in (E.DECOMMISSION, E.WITHDRAW, E.SUSPEND):
            at = max(at + _HOUR, later)
        elif event in (E.START_RECOVERY, E.RECOVER):
            at += 2 * _DAY
        history.append((key, n, old, new, at, cause))
    return notified, (at if steps else notified)


def _supply(
    out: list[tuple[Any, ...]],
    mpxn: str,
    fuel: str,
    party: bytes,
    previous: bytes | None,
    since: int,
    switch_at: int,
) -> None:
    if previous is None:
        out.append((mpxn, fuel, _SUPPLIER, party, since, None))
        return
    out.append((mpxn, fuel, _SUPPLIER, previous, since, switch_at))
    out.append((mpxn, fuel, _SUPPLIER, party, switch_at, None))


def _pick(choices: Sequence[T], draw: float) -> T:
    """``choices[i]`` for a uniform draw in [0, 1) (``random.choice`` costs four times more)."""
    return choices[int(draw * len(choices))]


def _other(draw: Callable[[], float], choices: list[bytes], not_this: bytes) -> bytes | None:
    others = [c for c in choices if c != not_this]
    return _pick(others, draw()) if others else None


def _postcode(area: int, draw: Callable[[], float]) -> str:
    outward = _pick(catalogue.POSTCODE_AREAS[area], draw())
    letters = catalogue.POSTCODE_UNIT_LETTERS
    district = 1 + int(draw() * (29 if len(outward) == 2 else 9))
    unit = f"{1 + int(draw() * 9)}{_pick(letters, draw())}{_pick(letters, draw())}"
    return f"{outward}{district} {unit}"


def _address(draw: Callable[[], float]) -> str:
    return f"{1 + int(draw() * 240)} {_pick(catalogue.STREETS, draw())}"
