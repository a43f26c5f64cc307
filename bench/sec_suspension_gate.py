"""Benchmark: the hub's per-request suspension check (``SuspensionGate.check``).

Run: ``.venv/bin/python bench/sec_suspension_gate.py``. Builds 10,000 Parties, 200 of them
with suspensions in force (and some lifted), then times checks of a mixed request stream:
most from unsuspended Parties (the common case), a share from suspended ones.
"""

from __future__ import annotations

import random
import time
from datetime import UTC, datetime, timedelta

from opendcc.sec.events_of_default import (
    AuthorityApproval,
    EventOfDefault,
    EventOfDefaultRegister,
    SuspendedRight,
    SuspensionDecision,
)
from opendcc.sec.parties import PartyId, UserRole
from opendcc.sec.services import SERVICE_REFERENCE_VARIANTS, ServiceCategory
from opendcc.sec.suspension_gate import SuspensionGate

PARTIES = 10_000
SUSPENDED = 200
REQUESTS = 200_000


def main() -> None:
    rng = random.Random(7)
    start = datetime(2016, 3, 1, tzinfo=UTC)
    register = EventOfDefaultRegister()
    parties = [PartyId(f"P{n:05d}") for n in range(PARTIES)]
    for n, party in enumerate(parties[:SUSPENDED]):
        register.record_event_of_default(EventOfDefault(f"E{n}", party, start, start, "bench"))
        decision = SuspensionDecision(
            suspension_id=f"S{n}",
            party=party,
            event_of_default_id=f"E{n}",
            rights=(
                SuspendedRight.of(ServiceCategory.CORE, UserRole.OTHER_USER),
                SuspendedRight.of(ServiceCategory.LOCAL, UserRole.OTHER_USER),
                SuspendedRight.of(ServiceCategory.ENROLMENT, UserRole.IMPORT_SUPPLIER),
            ),
            decided_at=start + timedelta(days=1),
            effective_from=start + timedelta(days=1),
            approval=AuthorityApproval("A", start),
        )
        register.decide_suspension(decision)
        if n % 4 == 0:
            register.lift(f"S{n}", start + timedelta(days=5))
    gate = SuspensionGate(register.repository)
    variants = [v for v, row in SERVICE_REFERENCE_VARIANTS.items() if row.eligible_roles]
    stream = []
    for _ in range(REQUESTS):
        pick = rng.randrange(SUSPENDED * 2) if rng.random() < 0.2 else rng.randrange(PARTIES)
        party = parties[pick]
        variant = rng.choice(variants)
        role = rng.choice(sorted(SERVICE_REFERENCE_VARIANTS[variant].eligible_roles))
        cv = rng.choice((1, 2, 5, 8))
        stream.append((party, variant, cv, role, start + timedelta(days=rng.randrange(10))))
    refused = 0
    began = time.perf_counter()
    for party, variant, cv, role, at in stream:
        if not gate.check(party, variant, cv, role, at).allowed:
            refused += 1
    elapsed = time.perf_counter() - began
    print(
        f"{REQUESTS} checks in {elapsed:.3f} s: {REQUESTS / elapsed:,.0f} checks/s, "
        f"{elapsed / REQUESTS * 1e6:.2f} us each; {refused} refused E3"
    )


if __name__ == "__main__":
    main()
