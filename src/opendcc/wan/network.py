"""How a Command reaches a Device, and whether its Response comes back.

Each CSP region (North, Central, South) has its own ``RegionProfile``: a round-trip
latency (a floor plus a lognormal tail, as cellular and mesh WANs show), the probability
that the Communications Hub cannot be reached (the DCC answers E20) and the probability
that a Command is delivered but no Response returns within the Target Response Time (E21).
Communications Hubs can also be marked out of coverage or without power (a regional outage
storm takes every hub of a region off the air): the DCC then answers E20.

A Communications Hub carries SM WAN traffic only while it is in service: its Communications
Hub Function installed (``InstalledNotCommissioned``, ``Commissioned``), ``Suspended``
(its Device Model / firmware left the Certified Products List: the status restricts which
Service Requests the DCC accepts for it, E5, not the radio; SEC modification MP105 has the
DCC send it 11.2 and 11.3, and firmware with 11.1, so it must be reachable) or brought
back by the recovery procedure (``Recovered``). A hub that was never installed
(``Pending``, ``Whitelisted``), was returned to the DCC (``Decommissioned``: DUIS 8.14.3
Fault Return, 8.14.4 No Fault Return; SEC F7), whose premises opted out (``Withdrawn``), or
which is in ``Recovery`` is not reachable: a Command to it, or to any Device behind it,
cannot be delivered, and the DCC answers the User E20 ("the Command could not be sent",
DUIS response codes), as for a hub out of coverage. ``transmit`` takes the hub's SMI status
for that check.

Sources: the SEC glossary's "Commissioned" (the seed text's glossary) has the DCC
demonstrate that it can communicate with a Device over the SM WAN before it is
Commissioned, so an ``InstalledNotCommissioned`` hub carries traffic. MP105 (public, SEC
modification implemented November 2021) has the DCC send firmware requests to
``Suspended`` Devices. No source the project holds says whether ``Recovered`` or
``Recovery`` hubs carry traffic: that part of the set below is opendcc's reading
(docs/decisions.md, 3).

The model is deterministic for a given seed, so a simulation or a failing test can be
replayed exactly. Latency zero (the default) makes the WAN instantaneous, as the
benchmarks need.
"""

from __future__ import annotations

import enum
import math
import random
from dataclasses import dataclass, field
from typing import Final

from opendcc.eui import Eui64
from opendcc.inventory.model import CspRegion, SmiStatus

IN_SERVICE: Final = frozenset(
    {
        SmiStatus.INSTALLED_NOT_COMMISSIONED,
        SmiStatus.COMMISSIONED,
        SmiStatus.SUSPENDED,
        SmiStatus.RECOVERED,
    }
)
"""The SMI statuses in which a Communications Hub Function carries SM WAN traffic."""


def carries_traffic(status: SmiStatus) -> bool:
    """Whether a Communications Hub Function in ``status`` relays Commands and Responses."""
    return status in IN_SERVICE


class Outcome(enum.Enum):
    DELIVERED = "delivered"
    UNREACHABLE = "unreachable"
    """The Command could not be sent to the Communications Hub (DUIS E20)."""
    NO_RESPONSE = "no_response"
    """The Command was sent but no Response came back in time (DUIS E21)."""


@dataclass(frozen=True, slots=True)
class Transmission:
    outcome: Outcome
    round_trip_s: float
    """Seconds from sending the Command to the Response arriving (0 when not delivered)."""
    reason: str | None = None
    """Why the Command was not delivered, when the network can say (a hub out of service)."""


@dataclass(frozen=True, slots=True)
class RegionProfile:
    floor_s: float = 0.0
    """Smallest round trip, in seconds."""
    median_extra_s: float = 0.0
    """Median of the lognormal part added to the floor."""
    spread: float = 0.5
    """Sigma of the lognormal part (0 gives a fixed latency)."""
    unreachable: float = 0.0
    no_response: float = 0.0

    def __post_init__(self) -> None:
        for name in ("unreachable", "no_response"):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"{name} must be a probability, got {value}")
        if self.floor_s < 0 or self.median_extra_s < 0 or self.spread < 0:
            raise ValueError("latencies and spread must not be negative")


@dataclass(slots=True)
class SmWan:
    """The three regional networks and the state of every Communications Hub on them."""

    profiles: dict[CspRegion, RegionProfile] = field(
        default_factory=lambda: {r: RegionProfile() for r in CspRegion}
    )
    seed: int = 0
    out_of_coverage: set[Eui64] = field(default_factory=set)
    without_power: set[Eui64] = field(default_factory=set)
    regions_down: set[CspRegion] = field(default_factory=set)
    _rng: random.Random = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._rng = random.Random(self.seed)

    @classmethod
    def instantaneous(cls) -> SmWan:
        return cls()

    @classmethod
    def realistic(cls, seed: int = 0) -> SmWan:
        """Latencies of a few seconds, as the GB network shows, and rare failures."""
        profile = RegionProfile(
            floor_s=1.5, median_extra_s=2.0, spread=0.6, unreachable=0.002, no_response=0.001
        )
        return cls({r: profile for r in CspRegion}, seed=seed)

    def transmit(
        self, region: CspRegion, hub: Eui64 | None, hub_status: SmiStatus | None = None
    ) -> Transmission:
        """Send one Command through ``hub`` in ``region`` and say what happened.

        ``hub_status`` is the SMI status of the hub's Communications Hub Function (None:
        not known, taken as in service): a hub out of service carries nothing.
        """
        if hub_status is not None and not carries_traffic(hub_status):
            return Transmission(
                Outcome.UNREACHABLE,
                0.0,
                f"the Communications Hub {hub} is {hub_status.value}: it carries no SM WAN traffic",
            )
        if region in self.regions_down:
            return Transmission(Outcome.UNREACHABLE, 0.0, f"the SM WAN in {region.value} is down")
        if hub is not None and hub in self.out_of_coverage:
            return Transmission(
                Outcome.UNREACHABLE, 0.0, f"the Communications Hub {hub} has no SM WAN coverage"
            )
        if hub is not None and hub in self.without_power:
            return Transmission(
                Outcome.UNREACHABLE, 0.0, f"the Communications Hub {hub} has no power"
            )
        profile = self.profiles[region]
        draw = self._rng.random()
        if draw < profile.unreachable:
            return Transmission(
                Outcome.UNREACHABLE,
                0.0,
                f"the Command was not delivered ({region.value}'s simulated unreachable rate)",
            )
        if draw < profile.unreachable + profile.no_response:
            return Transmission(
                Outcome.NO_RESPONSE,
                0.0,
                f"no Response came back ({region.value}'s simulated no-response rate)",
            )
        return Transmission(Outcome.DELIVERED, self._latency(profile))

    def _latency(self, profile: RegionProfile) -> float:
        if profile.median_extra_s == 0.0:
            return profile.floor_s
        if profile.spread == 0.0:
            return profile.floor_s + profile.median_extra_s
        tail = self._rng.lognormvariate(math.log(profile.median_extra_s), profile.spread)
        return profile.floor_s + tail
