"""Hostile, correctly signed requests through the whole hub.

Signature checks stop most mutated documents at the door (tests/duis/test_mutations.py). Here
each mutation is made to the body of a reference request template (DCC Boxed RTDS estate) and
the document is then signed with its originator's own key, under a fresh RequestID counter, so
that it passes parsing, the signature and replay checks and reaches the deep layers: the
Command Variant and endpoint checks, access control, the transforms, the Pre-Command round of
critical variants, the simulated Devices and the non-device services.

Whatever arrives, the hub must answer as docs/duis-errors.md says: an HTTP 4xx carrying a
readable reason, or a signed, schema-valid DUIS Response with a Response Code (also when the
hub runs without the DUIS schema, which is not shipped, and the request is schema-invalid);
when it accepted the request for processing (I99), deliver the final Response (a Device
response or a DUIS error) to the User, unless the request is held for a future execution
date; never answer 5xx, never log an ERROR (an unhandled exception in the DUIS service, the
processor, the scheduler or a non-device change); leave the estate (inventory, registrations,
Users, links, status history) untouched when it refuses; and keep serving (``/healthz`` and
a plain 4.1.1 afterwards).

The number of examples per test and hub is ``OPENDCC_FUZZ_EXAMPLES`` (default small, for the
default suite); run with a large count to hunt for bugs. With ``-s`` each run prints which
outcomes occurred.
"""

from __future__ import annotations

import asyncio
import base64
import copy
import hashlib
import logging
import os
import re
import threading
from collections import Counter as Tally
from collections.abc import Coroutine, Iterator
from concurrent.futures import Future
from dataclasses import dataclass, field
from datetime import UTC
from pathlib import Path
from typing import Any, Final, TypeVar

import aiohttp
import pytest
from hypothesis import HealthCheck, event, given, note, settings
from hypothesis import strategies as st
from lxml import etree

from opendcc.client.identity import UserIdentity
from opendcc.client.requests import prepare, sign, signed_pre_command_request
from opendcc.client.session import DuisClient, SyncAnswer
from opendcc.clock import SystemClock
from opendcc.duis.command_variant import CommandVariant
from opendcc.duis.matrix import REQUEST_MATRIX
from opendcc.duis.messages import ServiceRequest, parse_request
from opendcc.duis.signature import SignatureVerifier
from opendcc.eui import Eui64
from opendcc.gbcs import build as gbcs_build
from opendcc.smki.identity import KeyUsage
from opendcc.smki.keystore import Keystore
from opendcc.store import journal as jr
from opendcc.store.events import events_for_request
from tests.hub.harness import COUNTERS, RunningHub, duis_schema, running_hub
from tests.reference import require_reference

T = TypeVar("T")

SR: Final = "{http://www.dccinterface.co.uk/ServiceUserGateway}"
EXAMPLES: Final = int(os.environ.get("OPENDCC_FUZZ_EXAMPLES", "50"))
FINAL_WAIT: Final = 10.0
"""Seconds an accepted (I99) request may take to be answered: the simulated WAN answers
in well under a second; a request lost or stuck takes for ever."""

HOSTILE: Final[tuple[str, ...]] = (
    "",
    " ",
    "\t\n ",
    " 1 ",
    "x" * 10_000,
    "9" * 10_000,
    "-1",
    "0",
    "-0",
    "00000000000000000000001",
    "2147483647",
    "2147483648",
    "4294967295",
    "4294967296",
    str(2**63 - 1),
    str(2**63),
    str(2**64),
    str(-(2**63) - 1),
    "1e308",
    "NaN",
    "INF",
    "1.5",
    "-0.0001",
    "true",
    "abc",
    "é中文😀",
    "\u202e\u0000".replace("\u0000", ""),
    "0001-01-01T00:00:00Z",
    "1970-01-01T00:00:00Z",
    "9999-12-31T23:59:59Z",
    "2026-02-30",
    "2026-02-30T00:00:00Z",
    "2026-13-01T00:00:00Z",
    "2026-01-01T24:00:00Z",
    "2026-01-01T00:00:00+14:00",
    "2026-01-01T00:00:00.999999999Z",
    "P1D",
    "--12-25",
    "00:00:00",
    "23:59:60",
    "24:00:00",
    "ABC",
    "0",
    "00" * 512,
    "FF" * 9,
    "FFFFFFFFFFFFFFFF",
    "00-00-00-00-00-00-00-00",
    "GG",
    "!!!notbase64",
    "AAAA=",
    "A",
    "====",
    "QUJD" * 2000,
)


def _run_loop(loop: asyncio.AbstractEventLoop) -> None:
    asyncio.set_event_loop(loop)
    loop.run_forever()


class ErrorRecords(logging.Handler):
    """ERROR records of the hub's loggers (and asyncio's: a task's unretrieved exception)."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def since(self, start: int) -> list[str]:
        return [
            f"{r.name}: {r.getMessage()}\n{self.format(r) if r.exc_info else ''}"
            for r in self.records[start:]
        ]


@dataclass
class Fuzzer:
    """A hub in the DCC Boxed RTDS estate on its own event loop (its own thread), so that
    hypothesis's synchronous examples can drive it."""

    loop: asyncio.AbstractEventLoop
    hub: RunningHub
    keys: Keystore
    with_schema: bool
    clients: dict[Eui64, DuisClient] = field(default_factory=dict)
    session: aiohttp.ClientSession | None = None

    def run(self, coro: Coroutine[Any, Any, T], timeout: float = 120) -> T:
        future: Future[T] = asyncio.run_coroutine_threadsafe(coro, self.loop)
        return future.result(timeout)

    async def client(self, originator: Eui64) -> DuisClient:
        if originator not in self.clients:
            identity = UserIdentity.from_keystore(self.keys, originator)
            verifier = SignatureVerifier(self.keys, check_validity=False)
            self.clients[originator] = await DuisClient(
                self.hub.base_url, identity, verifier
            ).__aenter__()
        return self.clients[originator]

    async def healthy(self) -> int:
        if self.session is None:
            self.session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30))
        async with self.session.get(f"{self.hub.base_url}/healthz") as reply:
            await reply.read()
            return reply.status

    async def close(self) -> None:
        for client in self.clients.values():
            await client.__aexit__(None, None, None)
        if self.session is not None:
            await self.session.close()


@pytest.fixture(scope="module", params=["schema", "no-schema"])
def fuzzer(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Fuzzer]:
    """The hub with the DUIS schema configured (hostile values the schema allows reach the
    transforms and Devices), and without it (the schema is not shipped: then the hub's own
    checks are all there is, and every shape of body reaches them)."""
    boxed = require_reference("keys", "dccboxed")
    keys = Keystore.load(boxed)
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=_run_loop, args=(loop,), daemon=True)
    thread.start()
    with_schema = request.param == "schema"
    context = running_hub(tmp_path_factory.mktemp("fuzz"), estate="rtds", boxed_keys=boxed)
    hub = asyncio.run_coroutine_threadsafe(context.__aenter__(), loop).result(120)
    # As OPENDCC_DUIS_SCHEMA_DIR (or the config file) sets it, whatever this machine's is.
    hub.hub.pipeline.schema = duis_schema() if with_schema else None
    fuzz = Fuzzer(loop, hub, keys, with_schema)
    try:
        yield fuzz
    finally:
        fuzz.run(fuzz.close())
        asyncio.run_coroutine_threadsafe(context.__aexit__(None, None, None), loop).result(60)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        loop.close()


@pytest.fixture(scope="module")
def errors() -> Iterator[ErrorRecords]:
    handler = ErrorRecords()
    watched = [logging.getLogger(name) for name in ("opendcc", "asyncio", "uvicorn.error")]
    for logger in watched:
        logger.addHandler(handler)
    try:
        yield handler
    finally:
        for logger in watched:
            logger.removeHandler(handler)


def _target(root: etree._Element) -> str:
    return (root.findtext(f"{SR}Header/{SR}RequestID") or "").split(":")[1]


def _originator(root: etree._Element) -> Eui64:
    return Eui64.parse((root.findtext(f"{SR}Header/{SR}RequestID") or "").split(":")[0])


ESTATE_CHANGES: Final = frozenset(
    ("6.15.1", "6.15.2", "6.17", "6.21", "6.23", "8.3", "8.4", "8.8.1", "8.8.2", "8.14.1")
)
"""Variants that change who a Device trusts, what is joined to it or whether it is in
service: once one is accepted the estate refuses most of the rest (E5, E1...), so they are
fuzzed after the others, by their own test."""


def _signable() -> list[tuple[Path, str]]:
    """Every reference request template whose originator has an XML-signing key, with its
    Service Reference Variant."""
    keys = Keystore.load(require_reference("keys", "dccboxed"))
    found = []
    for path in sorted(require_reference("duis", "templates").glob("*_REQUEST_DUIS.XML")):
        root = prepare(path.read_bytes())
        originator = _originator(root)
        if not keys.find(originator, KeyUsage.DIGITAL_SIGNING):
            continue
        try:
            UserIdentity.from_keystore(keys, originator)
        except (KeyError, ValueError, LookupError):
            continue
        found.append((path, root.findtext(f"{SR}Header/{SR}ServiceReferenceVariant") or ""))
    assert len(found) >= 200
    return found


@pytest.fixture(scope="module")
def templates() -> list[Path]:
    return [path for path, variant in _signable() if variant not in ESTATE_CHANGES]


@pytest.fixture(scope="module")
def estate_changes() -> list[Path]:
    found = [path for path, variant in _signable() if variant in ESTATE_CHANGES]
    assert len(found) >= len(ESTATE_CHANGES)
    return found


# --- mutations -------------------------------------------------------------------------------


def _hostile(original: str) -> st.SearchStrategy[str]:
    derived = [original * 2, original + "0", "-" + original, original[:-1], original + " "]
    return st.one_of(
        st.sampled_from(HOSTILE),
        st.sampled_from(derived),
        st.integers().map(str),
        st.text(
            st.characters(exclude_categories=("Cs", "Cc")) | st.sampled_from("\t\n"), max_size=40
        ),
    )


_INT = re.compile(r"-?\d+")
_DECIMAL = re.compile(r"-?\d+\.\d+")
_DATETIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)?")
_DATE = re.compile(r"\d{4}-\d\d-\d\d")
_TIME = re.compile(r"\d\d:\d\d:\d\d(\.\d+)?")
_EUI = re.compile(r"([0-9A-Fa-f]{2}-){7}[0-9A-Fa-f]{2}")
_HEX = re.compile(r"([0-9A-Fa-f]{2})+")
_BASE64 = re.compile(r"[A-Za-z0-9+/]{16,}={0,2}")
_BOUNDARIES = (0, 1, -1, 127, 128, 255, 256, 65535, 65536, 2**31 - 1, 2**31, 2**32 - 1, 2**32)
_BOUNDARIES += (2**63 - 1, 2**63, 2**64 - 1, 2**64, -(2**31), -(2**63))


def _same_type(original: str) -> st.SearchStrategy[str]:
    """Hostile values of the lexical type of ``original``: they pass the schema's type
    checks more often, so they reach the transforms and Devices."""
    text = original.strip()
    if _INT.fullmatch(text) and len(text) < 40:
        near = [int(text) + d for d in (-1, 1)]
        return st.sampled_from(_BOUNDARIES + tuple(near)).map(str) | st.integers().map(str)
    if _DECIMAL.fullmatch(text):
        return st.decimals(allow_nan=False, allow_infinity=False, places=3).map(str)
    if _DATETIME.fullmatch(text):
        return st.datetimes(timezones=st.just(UTC)).map(
            lambda d: d.strftime("%Y-%m-%dT%H:%M:%S") + ("Z" if d.microsecond % 2 else ".00Z")
        )
    if _DATE.fullmatch(text):
        return st.dates().map(lambda d: d.strftime("%Y-%m-%d"))
    if _TIME.fullmatch(text):
        return st.times().map(lambda t: t.strftime("%H:%M:%S"))
    if _EUI.fullmatch(text):
        return st.binary(min_size=8, max_size=8).map(lambda b: b.hex("-").upper())
    if text in ("true", "false"):
        return st.sampled_from(("true", "false", "1", "0"))
    if _HEX.fullmatch(text):
        size = len(text) // 2
        return st.binary(max_size=max(2 * size, 4)).map(lambda b: b.hex().upper())
    if _BASE64.fullmatch(text):
        return st.binary(max_size=1200).map(lambda b: base64.b64encode(b).decode())
    return st.text(st.characters(codec="ascii", exclude_categories=("Cc",)), max_size=80)


KINDS: Final = (
    "typed",
    "typed",
    "typed",
    "value",
    "value",
    "delete",
    "duplicate",
    "reorder",
    "unknown",
)
"""The mutations, weighted: most change a value (of its own lexical type, or anything)."""


def mutate_header(root: etree._Element, data: st.DataObject, targets: list[str]) -> str:
    """Readdress the request, or change its Command Variant or Service Reference Variant
    (the signature is made afterwards, so it still verifies): the matrix, endpoint and
    access checks, and transforms meeting a body meant for another variant or Device."""
    header = root.find(f"{SR}Header")
    assert header is not None
    what = data.draw(st.sampled_from(("target", "cv", "variant", "variant only")))
    if what == "target":
        node = header.find(f"{SR}RequestID")
        assert node is not None
        originator, _, counter = (node.text or "").split(":")
        target = data.draw(st.sampled_from(targets))
        node.text = f"{originator}:{target}:{counter}"
        return f"target {target}"
    if what == "cv":
        value = str(data.draw(st.integers(1, 8)))
        node = header.find(f"{SR}CommandVariant")
        assert node is not None
        node.text = value
        return f"CV {value}"
    variant = data.draw(st.sampled_from(sorted(REQUEST_MATRIX)))
    srv = header.find(f"{SR}ServiceReferenceVariant")
    reference = header.find(f"{SR}ServiceReference")
    assert srv is not None and reference is not None
    srv.text = variant
    if what == "variant":
        reference.text = REQUEST_MATRIX[variant].service_reference
    return f"{what} {variant}"


def mutate(root: etree._Element, data: st.DataObject) -> str:
    """One value-level change to the body of ``root`` (in place); returns what was done."""
    body = root.find(f"{SR}Body")
    assert body is not None
    elements = [e for e in body.iter() if isinstance(e.tag, str) and e is not body]
    if not elements:
        return "no body elements"
    kind = data.draw(st.sampled_from(KINDS))
    target = data.draw(st.sampled_from(elements))
    name = etree.QName(target).localname
    if kind in ("typed", "value"):
        leaves = [e for e in elements if len(e) == 0]
        target = data.draw(st.sampled_from(leaves))
        name = etree.QName(target).localname
        strategy = _same_type if kind == "typed" else _hostile
        value = data.draw(strategy(target.text or ""))
        target.text = value
        return f"value {name}={value[:60]!r}{'...' if len(value) > 60 else ''}"
    parent = target.getparent()
    assert parent is not None
    if kind == "delete":
        parent.remove(target)
    elif kind == "duplicate":
        parent.insert(parent.index(target) + 1, copy.deepcopy(target))
    elif kind == "reorder":
        siblings = list(parent)
        if len(siblings) < 2:
            return f"reorder {name}: alone"
        order = data.draw(st.permutations(range(len(siblings))))
        for child in siblings:
            parent.remove(child)
        for i in order:
            parent.append(siblings[i])
    else:
        where = data.draw(st.sampled_from(("child", "sibling")))
        unknown = etree.Element(f"{SR}Unknown{data.draw(st.integers(0, 9))}")
        unknown.text = data.draw(st.sampled_from(("1", "", "x")))
        if where == "child" and len(target):
            target.insert(data.draw(st.integers(0, len(target))), unknown)
        else:
            parent.insert(parent.index(target) + 1, unknown)
    return f"{kind} {name}"


# --- sending and checking --------------------------------------------------------------------


def _readable(answer: SyncAnswer, what: str) -> str:
    """The code of a synchronous answer, after checking it is a proper one: a refusal with
    a reason, or a signed, schema-valid DUIS Response (even to a schema-invalid request
    that a hub without the schema let in)."""
    assert answer.status < 500, (what, answer.status, answer.body[:500])
    if answer.status != 200:
        assert 400 <= answer.status < 500, (what, answer.status)
        text = answer.body.decode("utf-8")
        assert text.strip(), (what, answer.status, "empty refusal")
        return f"http {answer.status}"
    assert answer.problem is None, (what, answer.problem)
    assert answer.response is not None
    assert duis_schema().validate(answer.response.root) is None, (what, answer.body[:500])
    assert answer.code, what
    return answer.code


ESTATE_TABLES: Final = (
    "premises",
    "registrations",
    "devices",
    "device_links",
    "status_history",
    "dcc_users",
    "user_certificates",
)
"""What the estate is: a refused request must leave all of it as it was."""


def estate_digest(hub: RunningHub) -> str:
    conn = hub.hub.db.reader()
    digest = hashlib.sha256()
    for table in ESTATE_TABLES:
        for row in sorted(repr(r) for r in conn.execute(f"SELECT * FROM {table}")):
            digest.update(row.encode())
    return digest.hexdigest()


async def exchange(fuzz: Fuzzer, root: etree._Element, what: str) -> str:
    """Send ``root`` signed by its originator (the CV 4 -> CV 5 round when critical); check
    every answer; for an accepted request, wait for its final Response. Returns the
    outcome."""
    client = await fuzz.client(_originator(root))
    cv = int(root.findtext(f"{SR}Header/{SR}CommandVariant") or "0")
    signed = sign(root, client.identity)
    before = estate_digest(fuzz.hub)
    answer = await client.post(CommandVariant(cv).endpoint.path, signed)
    code = _readable(answer, what)
    outcome = code
    if not (code.startswith("I") or code.startswith("W")):
        # A refusal (an HTTP 4xx, or an E code: a non-device change rolled back whole).
        assert estate_digest(fuzz.hub) == before, (
            what,
            code,
            "a refused request changed the estate",
        )
    if cv == int(CommandVariant.CRITICAL_TRANSFORM) and code == "I0":
        assert answer.response is not None
        payload = answer.response.gbcs_payload()
        assert isinstance(payload, bytes), (what, "a CV 4 I0 without a Pre-Command")
        request = parse_request(signed)
        assert isinstance(request, ServiceRequest), (what, request)
        signature = gbcs_build.sign_pre_command(payload, client.identity.gbcs_key(None))
        returned = signed_pre_command_request(request.header, payload + b"\x40" + signature)
        second = await client.post(
            CommandVariant.SIGNED_PRE_COMMAND_SM_WAN.endpoint.path, sign(returned, client.identity)
        )
        code = _readable(second, what + " (CV 5)")
        outcome = f"I0 -> {code}"
    if code != "I99":
        return outcome
    request_id = (root.findtext(f"{SR}Header/{SR}RequestID") or "").strip()
    entry = jr.get_by_request_id(fuzz.hub.hub.db.reader(), request_id)
    assert entry is not None, (what, "accepted but not in the journal", request_id)
    if entry.due_at is not None:
        return f"{outcome} held"
    final = await fuzz.hub.receiver.response_for(request_id, FINAL_WAIT)
    if final is None:
        entry = jr.get_by_request_id(fuzz.hub.hub.db.reader(), request_id)
        raise AssertionError((what, "accepted but never answered", request_id, entry))
    assert duis_schema().validate(final.response.root) is None, (what, final.body[:500])
    code = final.response.header.response_code.value
    if code == "E21":  # why the Device did not answer: reported, not judged
        stored = events_for_request(fuzz.hub.hub.db.reader(), request_id)
        reasons = [e.event.detail.get("reason") for e in stored if e.event.code == "E21"]
        code = f"E21 ({str(reasons[-1] if reasons else '?')[:60]})"
    return f"{outcome} -> {code}"


def _recount(root: etree._Element) -> None:
    """Give ``root`` a fresh RequestID counter (a new request, the same content)."""
    node = root.find(f"{SR}Header/{SR}RequestID")
    assert node is not None
    originator, target, _ = (node.text or "").split(":")
    node.text = f"{originator}:{target}:{COUNTERS.next(SystemClock().now())}"


def fresh(path: Path) -> etree._Element:
    return prepare(path.read_bytes(), counter=COUNTERS.next(SystemClock().now()))


def fuzz(fuzzer: Fuzzer, errors: ErrorRecords, templates: list[Path]) -> Tally[str]:
    """Run the examples: each a mutated, signed template from ``templates``."""
    seen: Tally[str] = Tally()
    targets = sorted({(_target(fresh(path))) for path in templates})

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(data=st.data())
    def example(data: st.DataObject) -> None:
        path = data.draw(st.sampled_from(templates))
        for _ in range(4):  # with the schema, prefer a mutation it lets through
            root = fresh(path)
            changes = [mutate(root, data) for _ in range(data.draw(st.integers(0, 2)))]
            if not changes or data.draw(st.integers(0, 5)) == 0:
                changes.append(mutate_header(root, data, targets))
            if not fuzzer.with_schema or duis_schema().validate(root) is None:
                break
        what = f"{path.name}: {'; '.join(changes)}"
        note(what)
        start = len(errors.records)
        outcome = fuzzer.run(exchange(fuzzer, root, what))
        # Accepted changes add up on a Device (a balance adjusted again and again): now and
        # then the same request again, under a fresh counter.
        again = data.draw(st.integers(0, 3))  # drawn whatever the outcome: replayable
        for n in range(again if "I0" in outcome else 0):
            _recount(root)
            outcome = fuzzer.run(exchange(fuzzer, root, f"{what} (again, {n + 1})"))
        event(outcome)
        seen[outcome.split(" -> ")[-1]] += 1
        assert fuzzer.run(fuzzer.healthy()) == 200, what
        assert fuzzer.hub.receiver.rejected == [], what
        assert errors.since(start) == [], what

    example()
    mode = "with" if fuzzer.with_schema else "without"
    print(f"\n{sum(seen.values())} signed hostile requests ({mode} the schema): {dict(seen)}")
    return seen


@pytest.mark.conformance
def test_signed_hostile_requests_are_answered(
    fuzzer: Fuzzer, errors: ErrorRecords, templates: list[Path]
) -> None:
    fuzz(fuzzer, errors, templates)
    # The hub still serves a plain request once the hostile ones are through.
    start = len(errors.records)
    plain = require_reference("duis", "templates") / "ECS17b_4.1.1_SINGLE_SUCCESS_REQUEST_DUIS.XML"
    outcome = fuzzer.run(exchange(fuzzer, fresh(plain), "plain 4.1.1"))
    assert outcome.startswith("I99 -> "), outcome
    assert errors.since(start) == []


@pytest.mark.conformance
def test_signed_hostile_estate_changes_are_answered(
    fuzzer: Fuzzer, errors: ErrorRecords, estate_changes: list[Path]
) -> None:
    """After the other test (same hub): the variants that change the estate."""
    fuzz(fuzzer, errors, estate_changes)
    assert fuzzer.run(fuzzer.healthy()) == 200
