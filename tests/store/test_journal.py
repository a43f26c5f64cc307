from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from opendcc.store import events as ev
from opendcc.store import journal as jr
from opendcc.store.database import Database

T0 = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def db(tmp_path: Path):  # type: ignore[no-untyped-def]
    with Database(tmp_path / "hub.sqlite", parts=[*ev.SCHEMA_PARTS, jr.SCHEMA]) as database:
        yield database


def _insert(db: Database, counter: int, state: jr.RequestState = jr.RequestState.ACCEPTED) -> int:
    return db.write_now(
        lambda c: jr.insert_request(
            c,
            request_id=f"90-B3-D5-1F-30-01-00-00:00-DB-12-34-56-78-90-A0:{counter}",
            originator="90-B3-D5-1F-30-01-00-00",
            target="00-DB-12-34-56-78-90-A0",
            counter=counter,
            variant="4.1.1",
            command_variant=1,
            role="IS",
            state=state,
            at=T0,
            request_xml=b"<x/>",
        )
    )


def test_lifecycle_follows_the_table(db: Database) -> None:
    row = _insert(db, 1)
    assert (
        db.write_now(lambda c: jr.advance(c, row, jr.Step.RESPONDED, T0))
        is jr.RequestState.RESPONDED
    )
    with pytest.raises(jr.LifecycleError, match="responded: no transition for signed"):
        db.write_now(lambda c: jr.advance(c, row, jr.Step.SIGNED, T0))
    db.write_now(lambda c: jr.advance(c, row, jr.Step.DELIVERED, T0, response_code="I0"))
    entry = jr.get_by_row(db.reader(), row)
    assert entry is not None and entry.state is jr.RequestState.COMPLETED
    assert entry.response_code == "I0"
    assert jr.open_entries(db.reader()) == []


def test_open_and_due_entries_for_recovery(db: Database) -> None:
    a = _insert(db, 10)
    b = _insert(db, 11)
    db.write_now(lambda c: jr.advance(c, b, jr.Step.HELD, T0, due_at=T0 + timedelta(hours=1)))
    assert [e.row for e in jr.open_entries(db.reader())] == [a, b]
    assert jr.due_entries(db.reader(), T0) == []
    assert [e.row for e in jr.due_entries(db.reader(), T0 + timedelta(hours=2))] == [b]


def test_uint64_counters_survive_and_order(db: Database) -> None:
    top = (1 << 64) - 1
    _insert(db, top)
    db.write_now(lambda c: jr.record_counter(c, "A", 5))
    db.write_now(lambda c: jr.record_counter(c, "A", 3))  # never lowers
    db.write_now(lambda c: jr.record_counter(c, "B", top))
    assert jr.load_counters(db.reader()) == {"A": 5, "B": top}
    entry = jr.get_by_request_id(
        db.reader(), f"90-B3-D5-1F-30-01-00-00:00-DB-12-34-56-78-90-A0:{top}"
    )
    assert entry is not None and entry.counter == top


def test_replay_guard_claims_strictly_increasing() -> None:
    guard = jr.ReplayGuard({"A": 10})
    assert not guard.claim("A", 10)
    assert not guard.claim("A", 9)
    assert guard.claim("A", 11)
    assert not guard.claim("A", 11)
    assert guard.claim("B", 0)


def test_event_log_is_append_only(db: Database) -> None:
    event = ev.Event(ev.EventKind.RECEIVED, T0, request_id="r1", detail={"bytes": 10})
    db.write_now(lambda c: ev.append_events(c, [event]))
    stored = ev.events_for_request(db.reader(), "r1")
    assert [s.event for s in stored] == [event]
    import sqlite3

    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        db.write_now(lambda c: c.execute("UPDATE events SET kind = 'x'"))
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        db.write_now(lambda c: c.execute("DELETE FROM events"))
    assert len(ev.events_between(db.reader(), T0, T0 + timedelta(seconds=1))) == 1
