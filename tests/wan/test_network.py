from __future__ import annotations

import statistics

import pytest

from opendcc.eui import Eui64
from opendcc.inventory.model import CspRegion, SmiStatus
from opendcc.wan.network import Outcome, RegionProfile, SmWan, carries_traffic

HUB = Eui64.parse("00-DB-12-34-56-78-90-A2")


def test_instantaneous_wan_always_delivers_at_once() -> None:
    wan = SmWan.instantaneous()
    results = {wan.transmit(r, HUB) for r in CspRegion for _ in range(10)}
    assert {(t.outcome, t.round_trip_s) for t in results} == {(Outcome.DELIVERED, 0.0)}


def test_failure_rates_and_latency_follow_the_profile() -> None:
    profile = RegionProfile(
        floor_s=1.0, median_extra_s=2.0, spread=0.5, unreachable=0.1, no_response=0.05
    )
    wan = SmWan({r: profile for r in CspRegion}, seed=42)
    runs = [wan.transmit(CspRegion.NORTH, HUB) for _ in range(20_000)]
    share = {o: sum(t.outcome is o for t in runs) / len(runs) for o in Outcome}
    assert share[Outcome.UNREACHABLE] == pytest.approx(0.10, abs=0.01)
    assert share[Outcome.NO_RESPONSE] == pytest.approx(0.05, abs=0.01)
    delivered = [t.round_trip_s for t in runs if t.outcome is Outcome.DELIVERED]
    assert min(delivered) >= 1.0
    assert statistics.median(delivered) == pytest.approx(3.0, rel=0.05)


def test_same_seed_same_story() -> None:
    profile = RegionProfile(floor_s=0.1, median_extra_s=0.2, unreachable=0.2)
    a = SmWan({r: profile for r in CspRegion}, seed=7)
    b = SmWan({r: profile for r in CspRegion}, seed=7)
    assert [a.transmit(CspRegion.SOUTH, HUB) for _ in range(100)] == [
        b.transmit(CspRegion.SOUTH, HUB) for _ in range(100)
    ]


def test_coverage_power_and_regional_outage_make_hubs_unreachable() -> None:
    """Each says why (the reason goes into the E20 event of the request's trace)."""
    wan = SmWan.instantaneous()
    wan.out_of_coverage.add(HUB)
    lost = wan.transmit(CspRegion.CENTRAL, HUB)
    assert lost.outcome is Outcome.UNREACHABLE and "coverage" in (lost.reason or "")
    wan.out_of_coverage.clear()
    wan.without_power.add(HUB)
    lost = wan.transmit(CspRegion.CENTRAL, HUB)
    assert lost.outcome is Outcome.UNREACHABLE and "no power" in (lost.reason or "")
    wan.without_power.clear()
    wan.regions_down.add(CspRegion.CENTRAL)
    lost = wan.transmit(CspRegion.CENTRAL, HUB)
    assert lost.outcome is Outcome.UNREACHABLE and "Central is down" in (lost.reason or "")
    assert wan.transmit(CspRegion.NORTH, HUB).outcome is Outcome.DELIVERED


def test_simulated_failures_say_they_are_drawn() -> None:
    wan = SmWan({r: RegionProfile(no_response=1.0) for r in CspRegion})
    silent = wan.transmit(CspRegion.SOUTH, HUB)
    assert silent.outcome is Outcome.NO_RESPONSE
    assert silent.reason == "no Response came back (South's simulated no-response rate)"
    wan = SmWan({r: RegionProfile(unreachable=1.0) for r in CspRegion})
    assert "unreachable rate" in (wan.transmit(CspRegion.SOUTH, HUB).reason or "")


@pytest.mark.parametrize("bad", [{"unreachable": 1.5}, {"no_response": -0.1}, {"floor_s": -1.0}])
def test_profile_rejects_impossible_values(bad: dict[str, float]) -> None:
    with pytest.raises(ValueError):
        RegionProfile(**bad)


def test_a_hub_out_of_service_carries_nothing() -> None:
    """A returned, never-installed, withdrawn or in-recovery hub is unreachable, whatever the
    region's odds; an installed, Suspended (SEC MP105: the status restricts the requests the
    DCC accepts, not the radio) or recovered one delivers."""
    wan = SmWan.instantaneous()
    for status in SmiStatus:
        sent = wan.transmit(CspRegion.CENTRAL, HUB, status)
        if status in (
            SmiStatus.INSTALLED_NOT_COMMISSIONED,
            SmiStatus.COMMISSIONED,
            SmiStatus.SUSPENDED,
            SmiStatus.RECOVERED,
        ):
            assert sent.outcome is Outcome.DELIVERED and sent.reason is None, status
            assert carries_traffic(status)
        else:
            assert sent.outcome is Outcome.UNREACHABLE, status
            assert sent.reason is not None and status.value in sent.reason
            assert not carries_traffic(status)
    assert wan.transmit(CspRegion.CENTRAL, HUB, None).outcome is Outcome.DELIVERED
