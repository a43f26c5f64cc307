"""The event log's request index (schema part events-2): a trace is every event recorded with
the RequestID, whether the request had a journal row when the event was written or not, and
a log written before events-2 upgrades in place with its traces unchanged."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

from opendcc.store import events as ev
from opendcc.store import journal as jr
from opendcc.store.database import Database

T0 = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
ORIGINATOR = "90-B3-D5-1F-30-01-00-00"


def _rid(counter: int, target: int = 0) -> str:
    return f"{ORIGINATOR}:00-DB-12-34-56-78-90-{target:02X}:{counter}"


def _journal(conn: sqlite3.Connection, request_id: str, at: datetime) -> int:
    counter = int(request_id.rsplit(":", 1)[1])
    return jr.insert_request(
        conn,
        request_id=request_id,
        originator=ORIGINATOR,
        target=request_id.split(":")[1],
        counter=counter,
        variant="4.1.1",
        command_variant=1,
        role="IS",
        state=jr.RequestState.ACCEPTED,
        at=at,
        request_xml=b"<x/>",
    )


def _event(kind: ev.EventKind, request_id: str | None, at: datetime, **detail: object) -> ev.Event:
    return ev.Event(kind, at, request_id, ORIGINATOR, None, "4.1.1", None, detail)


def _every_event_with(conn: sqlite3.Connection, request_id: str) -> list[ev.StoredEvent]:
    """The trace by its definition: a scan of the whole log (no index)."""
    return [
        s
        for s in ev.events_between(conn, T0 - timedelta(days=1), T0 + timedelta(days=1))
        if s.event.request_id == request_id
    ]


def test_a_trace_is_every_event_with_its_request_id(tmp_path: Path) -> None:
    with Database(tmp_path / "hub.sqlite", parts=[*ev.SCHEMA_PARTS, jr.SCHEMA]) as db:
        refused_then_accepted = _rid(1)
        accepted = _rid(2, target=1)
        refused = _rid(3, target=2)
        at = T0

        # A first attempt refused before it was journalled (a bad signature, say).
        db.write_now(
            lambda c: ev.append_events(
                c,
                [
                    _event(ev.EventKind.RECEIVED, refused_then_accepted, at),
                    _event(ev.EventKind.SIGNATURE_FAILED, refused_then_accepted, at),
                    _event(ev.EventKind.RECEIVED, refused, at),
                    _event(ev.EventKind.REFUSED, refused, at, reason="E4"),
                ],
            )
        )

        def accept(request_id: str, when: datetime) -> None:
            def job(c: sqlite3.Connection) -> None:
                # One event before the journal row in the same job, the rest after it.
                ev.append_events(c, [_event(ev.EventKind.RECEIVED, request_id, when)])
                _journal(c, request_id, when)
                ev.append_events(
                    c,
                    [
                        _event(ev.EventKind.AUTHORISED, request_id, when),
                        _event(ev.EventKind.ACCEPTED, request_id, when),
                        _event(ev.EventKind.DCC_ALERT, None, when),
                    ],
                )

            db.write_now(job)

        accept(refused_then_accepted, at + timedelta(seconds=1))
        accept(accepted, at + timedelta(seconds=2))
        # Later steps: one call mixing two requests' events and one with none.
        later = at + timedelta(seconds=3)
        db.write_now(
            lambda c: ev.append_events(
                c,
                [
                    _event(ev.EventKind.DEVICE_RESPONDED, accepted, later),
                    _event(ev.EventKind.DEVICE_RESPONDED, refused_then_accepted, later),
                    _event(ev.EventKind.ADMIN, None, later),
                    _event(ev.EventKind.DELIVERED, accepted, later),
                    _event(ev.EventKind.REPLAY_REJECTED, refused, later),
                ],
            )
        )

        reader = db.reader()
        for request_id, count in ((refused_then_accepted, 6), (accepted, 5), (refused, 3)):
            trace = ev.events_for_request(reader, request_id)
            assert trace == _every_event_with(reader, request_id)
            assert len(trace) == count
        assert ev.events_for_request(reader, _rid(99)) == []

        # Journalled requests' events are keyed by the journal row, the others by the ID.
        rows = dict(reader.execute("SELECT request_id, id FROM requests"))
        keyed = reader.execute(
            "SELECT request_id, kind, request_row FROM events WHERE request_id IS NOT NULL"
            " ORDER BY seq"
        ).fetchall()
        assert [k for k in keyed if k[0] == accepted] == [
            (accepted, "received", None),
            (accepted, "authorised", rows[accepted]),
            (accepted, "accepted", rows[accepted]),
            (accepted, "device_responded", rows[accepted]),
            (accepted, "delivered", rows[accepted]),
        ]
        assert all(row is None for rid, _, row in keyed if rid == refused)


def test_journalled_requests_leave_the_request_id_index_alone(tmp_path: Path) -> None:
    """The point of events-2: appending a journalled request's events writes the end of an
    index keyed by journal row, never the RequestID index (one leaf however many)."""
    with Database(tmp_path / "hub.sqlite", parts=[*ev.SCHEMA_PARTS, jr.SCHEMA]) as db:
        for n in range(2000):
            request_id = _rid(n + 1, target=n % 200)
            at = T0 + timedelta(milliseconds=n)

            def job(c: sqlite3.Connection, request_id: str = request_id, at: datetime = at) -> None:
                _journal(c, request_id, at)
                ev.append_events(c, [_event(k, request_id, at) for k in list(ev.EventKind)[:6]])

            db.write_now(job)
        pages = dict(
            db.reader().execute(
                "SELECT name, count(*) FROM dbstat WHERE name LIKE 'events%' GROUP BY name"
            )
        )
        assert pages["events_unjournalled"] == 1
        assert pages["events_request_row"] > 20  # 12,000 entries: the index is in use
        assert len(ev.events_for_request(db.reader(), _rid(1000, target=999 % 200))) == 6


def test_a_log_written_before_events_2_upgrades_in_place(tmp_path: Path) -> None:
    path = tmp_path / "hub.sqlite"
    old_insert = (
        "INSERT INTO events (at_us, kind, request_id, originator, target, variant, code,"
        " detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
    )
    journalled, refused = _rid(1), _rid(2)
    with Database(path, parts=[ev.SCHEMA, jr.SCHEMA]) as old:  # the schema before events-2

        def job(c: sqlite3.Connection) -> None:
            _journal(c, journalled, T0)
            for kind, rid in (
                ("received", journalled),
                ("received", refused),
                ("accepted", journalled),
                ("refused", refused),
                ("delivered", journalled),
            ):
                c.execute(old_insert, (ev.to_us(T0), kind, rid, ORIGINATOR, None, None, None, None))

        old.write_now(job)
        before = {
            rid: old.reader()
            .execute("SELECT seq, kind FROM events WHERE request_id = ? ORDER BY seq", (rid,))
            .fetchall()
            for rid in (journalled, refused)
        }

    with Database(path, parts=[*ev.SCHEMA_PARTS, jr.SCHEMA]) as db:
        reader = db.reader()
        assert {name for (name,) in reader.execute("SELECT name FROM schema_parts")} >= {
            "events-1",
            "events-2",
        }
        indexes = {
            n for (n,) in reader.execute("SELECT name FROM sqlite_schema WHERE type='index'")
        }
        assert "events_request" not in indexes
        assert {"events_request_row", "events_unjournalled"} <= indexes
        for rid, expected in before.items():
            assert [(s.seq, s.event.kind.value) for s in ev.events_for_request(reader, rid)] == (
                expected
            )
        # New events of the old journalled request join its trace, keyed by its row.
        later = T0 + timedelta(seconds=1)
        db.write_now(
            lambda c: ev.append_events(c, [_event(ev.EventKind.COMPLETED, journalled, later)])
        )
        trace = ev.events_for_request(reader, journalled)
        assert [s.event.kind.value for s in trace] == [
            "received",
            "accepted",
            "delivered",
            "completed",
        ]
        assert trace == _every_event_with(reader, journalled)
        # The append-only guard survived the upgrade.
        try:
            db.write_now(lambda c: c.execute("UPDATE events SET request_row = 1"))
        except sqlite3.IntegrityError as exc:
            assert "append-only" in str(exc)
        else:
            raise AssertionError("the event log accepted an UPDATE")


def test_a_known_journal_row_is_used_and_other_requests_are_still_looked_up(
    tmp_path: Path,
) -> None:
    """``append_events(..., request_id=, journal_row=)``: the caller's row for its own
    request's events (no look-up), the journal's own row for any other request's events."""
    with Database(tmp_path / "hub.sqlite", parts=[*ev.SCHEMA_PARTS, jr.SCHEMA]) as db:
        mine, other, never = _rid(1), _rid(2, target=1), _rid(3, target=2)

        def job(conn: sqlite3.Connection) -> tuple[int, int]:
            mine_row = _journal(conn, mine, T0)
            other_row = _journal(conn, other, T0)
            ev.append_events(
                conn,
                [
                    _event(ev.EventKind.RECEIVED, mine, T0),
                    _event(ev.EventKind.RECEIVED, other, T0),
                    _event(ev.EventKind.RECEIVED, never, T0),
                    _event(ev.EventKind.COMPLETED, mine, T0),
                ],
                request_id=mine,
                journal_row=mine_row,
            )
            return mine_row, other_row

        mine_row, other_row = db.write_now(job)
        rows = dict(
            db.reader().execute("SELECT seq, request_row FROM events ORDER BY seq").fetchall()
        )
        assert list(rows.values()) == [mine_row, other_row, None, mine_row]
        for request_id in (mine, other, never):
            traced = ev.events_for_request(db.reader(), request_id)
            assert traced == _every_event_with(db.reader(), request_id)
