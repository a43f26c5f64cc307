"""Every ``opendcc`` command under wrong input.

What engineers and their scripts rely on: a wrong file, option or environment gets a
non-zero exit and a short message on stderr that names the problem, never a Python
traceback, and nothing half-written is left behind. The exit codes (``opendcc.cli_checks``):
2 for usage errors (typer's own and bad option values the commands find), and 1 or 2 for
input a command cannot use, as each group's docstring documents (``duis``: 1 refused, 2
could not run; ``sec``: 2 bad input; ``send``/``utrn``/``serve``: 2; the rest: 1).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from opendcc.cli import app
from opendcc.duis.build import to_bytes
from tests.duis.conftest import read_registers

runner = CliRunner()

EUI = "00-DB-12-34-56-78-90-A0"
SUPPLIER_EUI = "02-0D-CC-00-00-01-00-03"
ORG = "pki issue organisation {pki} --eui " + SUPPLIER_EUI


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """Wrong inputs of every kind, and one good request and PKI to get past the first check."""
    base = tmp_path_factory.mktemp("wrong")
    made = {
        "text": b"hello, not a message\n",
        "rand": bytes(range(255, 0, -3)),
        "empty": b"",
        "notduis": b"<a><b/></a>",
        "trunc": b'<?xml version="1.0"?><sr:Request xmlns:sr="urn:x"><sr:Hea',
        "json": b'{"a": 1}',
        "request": to_bytes(read_registers(1000)),
    }
    paths = {}
    for name, data in made.items():
        path = base / f"{name}.dat"
        path.write_bytes(data)
        paths[name] = str(path)
    (base / "folder").mkdir()
    paths["dir"] = str(base / "folder")
    paths["missing"] = str(base / "no-such-file")
    paths["under_file"] = str(base / "text.dat" / "sub")
    other = base / "other.sqlite"
    import sqlite3

    with sqlite3.connect(other) as conn:
        conn.execute("CREATE TABLE t (x)")
    conn.close()
    paths["other_db"] = str(other)
    data = base / "data"
    done = runner.invoke(app, ["pki", "init", str(data / "pki")])
    assert done.exit_code == 0, done.output
    paths["data"] = str(data)
    paths["pki"] = str(data / "pki")
    return paths


def _refused(argv: list[str], *names: str, code: int | None = None) -> str:
    result = runner.invoke(app, argv)
    output = result.output
    assert result.exit_code != 0, f"accepted: {argv}\n{output}"
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        f"{argv} raised {type(result.exception).__name__}: {result.exception}"
    )
    assert "Traceback" not in output, output
    for name in names:
        assert name.lower() in output.lower(), f"{argv}: {name!r} not in {output!r}"
    if code is not None:
        assert result.exit_code == code, (argv, result.exit_code, output)
    return output


# argv with {placeholders} from ``files``; the words the message must hold; the exit code.
CASES: list[tuple[str, tuple[str, ...], int | None]] = [
    # duis
    ("duis show {missing}", ("cannot read", "no such file"), 2),
    ("duis show {dir}", ("is a directory",), 2),
    ("duis show {text}", ("not a DUIS message", "not XML"), 1),
    ("duis show {rand}", ("not a DUIS message",), 1),
    ("duis show {empty}", ("empty",), 1),
    ("duis show {notduis}", ("not sr:Request",), 1),
    ("duis show {trunc}", ("MALFORMED_XML",), 1),
    ("duis validate {text} --schema-dir {missing}", ("SCHEMA_UNAVAILABLE", "not a directory"), 2),
    ("duis verify {request} --keystore {missing}", ("--keystore", "does not exist"), 2),
    ("duis verify {request} --keystore {text}", ("no certificates",), 2),
    ("duis verify {request} --keystore {pki} --at yesterday", ("--at", "ISO 8601"), 2),
    ("duis verify {text} --keystore {pki}", ("not a DUIS message",), 1),
    ("duis sign {request} --key {missing} --cert {missing}", ("cannot read",), 2),
    ("duis sign {request} --key {text} --cert {text}", ("private key",), 2),
    # gbcs
    ("gbcs decode zz", ("'zz' is no file", "hex nor base64"), 1),
    ("gbcs decode {missing}", ("no-such-file", "is no file"), 1),
    ("gbcs decode {dir}", ("is a directory",), 1),
    ("gbcs decode {text}", ("neither hex nor base64",), 1),
    ("gbcs decode {rand}", ("neither hex, base64 nor a binary GBCS",), 1),
    ("gbcs decode {empty}", ("empty input",), 1),
    ("gbcs decode DDF", ("odd number of hex digits",), 1),
    ("gbcs decode DD00", ("not a GBCS message",), 1),
    ("gbcs decode DD00 --acb-eui xyz", ("--acb-eui", "EUI-64"), 1),
    ("gbcs decode DD00 --keystore {missing}", ("--keystore", "does not exist"), 1),
    ("gbcs decode DD00 --keystore {text}", ("--keystore", "no keys or certificates"), 1),
    ("gbcs encode {missing}", ("cannot read", "no such file"), 1),
    ("gbcs encode {dir}", ("cannot read", "is a directory"), 1),
    ("gbcs encode {text}", ("not JSON",), 1),
    ("gbcs encode {rand}", ("not UTF-8",), 1),
    ("gbcs encode {json}", ("cra",), 1),
    ("gbcs codes zzz", ("no message code or use case",), 1),
    ("gbcs codes --alerts zzz", ("no alert code",), 1),
    # parse
    ("parse {missing}", ("cannot read", "no such file"), 1),
    ("parse {dir}", ("is a directory",), 1),
    ("parse {text}", ("not a GBCS message",), 1),
    ("parse {empty}", ("empty",), 1),
    ("parse {notduis}", ("not a DUIS Response or Alert",), 1),
    ("parse {request}", ("not a DUIS Response or Alert",), 1),
    ("parse {request} --keys {missing}", ("--keys", "does not exist"), 1),
    ("parse {request} --keys {dir}", ("--keys", "no keys or certificates"), 1),
    ("parse {request} --format xml", ("--format",), 2),
    ("correlate {request} {rand} --keys {text}", ("--keys", "no keys or certificates"), 1),
    # correlate
    ("correlate {missing} {request}", ("cannot read",), 1),
    ("correlate {text} {request}", ("not a DUIS Service Request",), 1),
    ("correlate {request} {missing}", ("cannot read",), 1),
    ("correlate {request} {notduis}", ("not a DUIS response",), 1),
    ("correlate {request} {rand}", ("not a GBCS",), 1),
    ("correlate {request} {rand} --at notadate", ("--at", "ISO 8601"), 1),
    ("correlate {request} {rand} --role XX", ("not a User Role",), 1),
    ("correlate {request} {rand} --device zz", ("--device", "EUI-64"), 1),
    ("correlate {request} {rand} --device " + EUI + "=ZZZ", ("--device", "ZZZ"), 1),
    # transform
    ("transform {missing}", ("cannot read",), 1),
    ("transform {dir}", ("is a directory",), 1),
    ("transform {rand}", ("not a DUIS Service Request",), 1),
    ("transform {notduis}", ("not a DUIS Service Request",), 1),
    ("transform {request} --at notadate", ("--at", "ISO 8601"), 1),
    ("transform {request} --role XX", ("not a User Role",), 1),
    ("transform {request} --esme-variant Q", ("--esme-variant",), 1),
    ("transform {request} --keystore {missing}", ("--keystore", "does not exist"), 1),
    ("transform {request}", ("--keystore",), 1),
    # estate
    ("estate seed --db {dir} -n 1", ("is a directory",), 1),
    ("estate seed --db {text} -n 1", ("not an SQLite database",), 1),
    ("estate seed --db {under_file} -n 1", ("text.dat",), 1),
    ("estate seed --db {missing} -n 1 --as-of zz", ("--as-of",), 1),
    ("estate seed --db {missing} -n 1 --pki {missing}", ("cannot read",), 1),
    ("estate seed --db {missing} -n 1 --callback-url ftp://x", ("http",), 1),
    ("estate seed --db {missing} --estate rtds --keys {text}", ("--keys", "no keys"), 1),
    ("estate seed --estate zz", ("--estate",), 2),
    ("estate seed -n -1", ("--premises",), 2),
    ("estate show --db {missing}", ("does not exist",), 1),
    ("estate show --db {dir}", ("is a directory",), 1),
    ("estate show --db {text}", ("not an SQLite database",), 1),
    ("estate show --db {empty}", ("is empty",), 1),
    ("estate show --db {other_db}", ("not an opendcc estate database",), 1),
    # pki
    ("pki init {text}", ("not a folder",), 1),
    ("pki init {missing} --estate zz", ("unknown estate",), 1),
    ("pki issue organisation {dir} --eui zz --role 02 --usage ds", ("--eui", "EUI-64"), 1),
    (
        "pki issue organisation {pki} --eui " + SUPPLIER_EUI + " --role zz --usage ds",
        ("--role",),
        1,
    ),
    (
        "pki issue organisation {pki} --eui " + SUPPLIER_EUI + " --role 02 --usage zz",
        ("--usage",),
        1,
    ),
    (
        "pki issue organisation {pki} --eui " + SUPPLIER_EUI + " --role 02 --usage ds "
        "--user-role QQ",
        ("--user-role", "not a User Role"),
        1,
    ),
    ("pki issue organisation {dir} --eui " + SUPPLIER_EUI + " --role 02 --usage ds", ("PKI",), 1),
    ("pki issue device {missing} --eui " + EUI + " --usage ds", ("not an opendcc PKI",), 1),
    ("pki issue device {pki} --eui " + EUI + " --usage ds --public-key {text}", ("PEM",), 1),
    (
        "pki issue device {pki} --eui " + EUI + " --usage ds --public-key {missing}",
        ("cannot read",),
        1,
    ),
    ("pki init {under_file}", ("cannot write", "not a directory"), 1),
    ("pki tls {under_file}", ("is a file",), 1),
    ("pki revoke {pki} zz", ("not a serial number",), 1),
    ("pki revoke {pki} 5 --reason zz", ("unknown reason",), 1),
    ("pki revoke {pki} 5 --at zz", ("ISO 8601",), 1),
    ("pki crl {pki} --issuer zz", ("issuer",), 1),
    ("pki show", ("give a certificate file",), 1),
    ("pki show {missing}", ("no such file",), 1),
    ("pki show {text}", ("not an X.509 certificate",), 1),
    ("pki show --pki {missing} --serial 5", ("--pki", "does not exist"), 1),
    ("pki show --pki {pki} --serial zz", ("not a serial number",), 1),
    ("pki list {missing}", ("does not exist",), 1),
    ("pki list {text}", ("no keys or certificates",), 1),
    ("pki org-crypto {text} --out {missing}", ("no organisation key pairs",), 1),
    ("pki org-crypto {pki} --out {dir}", ("is a directory",), 1),
    ("pki tls {text}", ("not a folder",), 1),
    # sec
    ("sec m86 --drafting zz", ("--drafting",), 2),
    ("sec m86 --on zz", ("--on",), 2),
    ("sec m86 --service core --role zz --drafting sec1", ("--role",), 2),
    ("sec m86 --scenario {missing}", ("cannot read",), 2),
    ("sec m86 --scenario {rand}", ("not YAML or JSON",), 2),
    ("sec liability --marking zz --party dcc", ("--marking",), 2),
    ("sec liability --marking confidential --party dcc --events 0", ("--events",), 2),
    ("sec security-report zz", ("SUPPLIER", "EUI-64"), 2),
    ("sec security-report " + SUPPLIER_EUI + " --data {missing}", ("no hub store",), 2),
    ("sec security-report " + SUPPLIER_EUI + " --from {text}", ("not JSON",), 2),
    ("sec bmit --margins {missing} --index {missing}", ("cannot read", "no such file"), 2),
    ("sec bmit --margins {rand} --index {rand}", ("not YAML or JSON",), 2),
    ("sec services --category zz", ("--category",), 2),
    # send and utrn before any network (the hub is never reached)
    ("send {request} --as supplier-a --data {missing} --hub http://127.0.0.1:1", ("no PKI",), 2),
    ("send {request} --as nobody --data {data} --hub http://127.0.0.1:1", ("no User called",), 2),
    ("send {missing} --as supplier-a --data {data} --hub http://127.0.0.1:1", ("no such file",), 2),
    ("send {text} --as supplier-a --data {data} --hub http://127.0.0.1:1", ("not XML",), 2),
    ("send {request} --as supplier-a --data {data} --hub notaurl", ("--hub", "http"), 2),
    ("send {request} --as supplier-a --data {data} --target zz", ("EUI-64",), 2),
    (
        "send {request} --as supplier-a --data {data} --hub https://127.0.0.1:1 --ca {text}",
        ("TLS root",),
        2,
    ),
    ("utrn --as supplier-a --device zz --amount 1 --data {data}", ("--device",), 2),
    ("utrn --as nobody --device " + EUI + " --amount 1 --data {data}", ("--as",), 2),
    ("utrn --as supplier-a --device " + EUI + " --amount 1 --hub ftp://x", ("--hub",), 2),
    ("utrn --as supplier-a --device " + EUI + " --amount -5 --data {data}", ("1 penny",), 2),
    ("utrn --as supplier-a --device " + EUI + " --amount 8250 --data {data}", ("whole pounds",), 2),
    (
        "utrn --as supplier-a --device " + EUI + " --amount 1 --counter 5 --data {data}",
        ("multiple of 2**32",),
        2,
    ),
    ("utrn --as supplier-a --device " + EUI + " --amount 1 --request {dir}", ("--request",), 2),
    ("send {request} --as supplier-a --data {data} --wait -1", ("--wait",), 2),
    # option values the commands check before starting anything
    ("serve --estate zz", ("--estate",), 2),
    ("serve --callback zz", ("--callback",), 2),
    ("serve --tls-cert {text}", ("--tls-key",), 2),
    ("serve --tls-cert {missing} --tls-key {missing}", ("--tls-cert",), 2),
    ("serve --log-level zz", ("--log-level",), 2),
    ("serve --tls-cert {text} --tls-key {text}", ("--tls-cert", "not a usable PEM"), 2),
    ("serve --schema-dir {dir}", ("--schema-dir",), 2),
    ("serve --port 70000", ("--port",), 2),
    ("serve --premises -3", ("--premises",), 2),
    ("serve --estate rtds", ("--boxed-keys",), 2),
    ("serve --boxed-keys {missing}", ("--boxed-keys",), 2),
    ("serve --keystore {missing}", ("--keystore",), 2),
    ("serve --schema-dir {missing}", ("--schema-dir",), 2),
    ("demo --port 0", ("--port",), 2),
    ("demo --premises 0", ("--premises",), 2),
    ("bench --streams 0", ("--streams",), 2),
    ("bench --duration 0", ("--duration",), 2),
    ("bench --port 70000", ("--port",), 2),
]


@pytest.mark.parametrize(("template", "names", "code"), CASES, ids=[c[0] for c in CASES])
def test_wrong_input_is_refused_cleanly(
    files: dict[str, str], template: str, names: tuple[str, ...], code: int | None
) -> None:
    _refused([word.format(**files) for word in template.split()], *names, code=code)
    # Nothing is left behind by a refused command: no file or folder at the missing path.
    assert not Path(files["missing"]).exists(), template


@pytest.fixture
def held_port() -> Iterator[int]:
    """A port a listener holds, so that a serve that gets past its checks fails at once
    instead of serving (and the port-in-use check itself is exercised)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        yield sock.getsockname()[1]


def _serve_refused(argv: list[str], data: Path, port: int, *names: str) -> None:
    _refused(["serve", "--data", str(data), "--port", str(port), *argv], *names, code=2)


def test_serve_refuses_a_data_directory_under_a_file(files: dict[str, str], held_port: int) -> None:
    _serve_refused([], Path(files["under_file"]), held_port, "text.dat")


def test_serve_refuses_a_folder_of_other_things_and_writes_nothing(
    tmp_path: Path, held_port: int
) -> None:
    (tmp_path / "notes.txt").write_text("mine")
    _serve_refused([], tmp_path, held_port, "not an opendcc data directory")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]


def test_serve_refuses_a_hub_sqlite_that_is_not_a_database(tmp_path: Path, held_port: int) -> None:
    (tmp_path / "hub.sqlite").write_bytes(b"garbage")
    _serve_refused([], tmp_path, held_port, "not an SQLite database")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["hub.sqlite"]


def test_serve_refuses_a_pki_folder_that_is_not_one(tmp_path: Path, held_port: int) -> None:
    (tmp_path / "pki").mkdir()
    (tmp_path / "pki" / "junk.txt").write_text("junk")
    _serve_refused([], tmp_path, held_port, "no index.json")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pki"]
    (tmp_path / "pki" / "junk.txt").unlink()
    (tmp_path / "pki").rmdir()
    (tmp_path / "pki").write_text("a file")
    _serve_refused([], tmp_path, held_port, "is a file")


def test_serve_refuses_an_empty_admin_token_and_creates_nothing(
    tmp_path: Path, held_port: int
) -> None:
    data = tmp_path / "data"
    _serve_refused(["--admin-token", "  "], data, held_port, "--admin-token", "empty")
    assert not data.exists()


def test_serve_existing_needs_an_estate_and_creates_none(tmp_path: Path, held_port: int) -> None:
    data = tmp_path / "data"
    _serve_refused(["--estate", "existing"], data, held_port, "--estate existing", "hub.sqlite")
    assert not data.exists()


def test_serve_on_a_port_in_use_says_so_and_writes_nothing(tmp_path: Path, held_port: int) -> None:
    """A real process, as a user starts it: a second hub on the same port."""
    data = tmp_path / "data"
    done = subprocess.run(
        [sys.executable, "-m", "opendcc", "serve", "--data", str(data), "--port", str(held_port)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2, done.stderr
    assert f"port {held_port}" in done.stderr and "in use" in done.stderr
    assert "Traceback" not in done.stderr + done.stdout
    assert not data.exists()


def test_demo_on_a_port_in_use_says_so(held_port: int) -> None:
    _refused(["demo", "--port", str(held_port)], f"port {held_port}", "in use", code=2)


def test_bench_on_a_port_in_use_or_a_bad_folder_says_so(
    files: dict[str, str], held_port: int
) -> None:
    _refused(["bench", "--port", str(held_port)], f"port {held_port}", "in use", code=2)
    # With the port held too: a check that regressed refuses instead of running a bench.
    _refused(["bench", "--data", files["under_file"], "--port", str(held_port)], "text.dat", code=2)


def test_send_to_a_port_nobody_listens_on(files: dict[str, str]) -> None:
    """A real process: the hub is not running. The message names the URL."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # bound, never listening: connections are refused
        hub = f"http://127.0.0.1:{port}"
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "opendcc",
                "send",
                files["request"],
                "--as",
                "supplier-a",
                "--data",
                files["data"],
                "--hub",
                hub,
            ],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    assert done.returncode == 2, done.stderr
    assert f"talking to {hub}" in done.stderr and "connect" in done.stderr.lower()
    assert "Traceback" not in done.stderr + done.stdout


async def test_send_to_a_hub_that_never_answers_is_reported(files: dict[str, str]) -> None:
    """A server that takes the connection and says nothing: named within the answer timeout,
    not waited on for aiohttp's default five minutes."""
    from opendcc.client.run import SendError, run_send

    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read(1 << 16)
        await asyncio.sleep(30)

    server = await asyncio.start_server(silent, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        with pytest.raises(SendError, match=r"did not answer within 0.5 s"):
            await run_send(
                Path(files["request"]),
                "supplier-a",
                hub=f"http://127.0.0.1:{port}",
                data=Path(files["data"]),
                boxed_keys=None,
                target=None,
                keep_counter=False,
                wait=1.0,
                answer_timeout=0.5,
            )
    finally:
        server.close()


@contextlib.contextmanager
def _utrn_to_nobody(files: dict[str, str], *extra: str) -> Iterator[list[str]]:
    """A ``utrn`` whose hub (its SMKI service on the port + 4) nobody runs: the port is held
    bound, never listening, while the command runs."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
        yield [
            "utrn",
            "--as",
            "supplier-a",
            "--device",
            EUI,
            "--amount",
            "100",
            "--data",
            files["data"],
            "--hub",
            f"http://127.0.0.1:{port - 4}",
            *extra,
        ]


def test_utrn_to_a_hub_nobody_runs(files: dict[str, str]) -> None:
    with _utrn_to_nobody(files) as argv:
        _refused(argv, "SMKI service", code=2)


def test_utrn_request_file_under_a_file(files: dict[str, str]) -> None:
    """--request cannot be written: refused before the hub is asked anything, so no UTRN
    counter is used up for a request that could not be saved."""
    with _utrn_to_nobody(files, "--request", files["under_file"]) as argv:
        _refused(argv, "--request", "text.dat", code=2)
    assert not (Path(files["data"]) / "top-up-counters.json").exists()


@pytest.mark.parametrize(
    "index", [b"{", b'{"parties": 5}', b'{"parties": [{"name": "x"}]}', b"\xff\xfe"]
)
@pytest.mark.parametrize("command", ["send", "utrn"])
def test_send_and_utrn_with_a_damaged_pki_index(
    files: dict[str, str], tmp_path: Path, index: bytes, command: str
) -> None:
    (tmp_path / "pki").mkdir()
    (tmp_path / "pki" / "index.json").write_bytes(index)
    argv = (
        ["send", files["request"], "--as", "supplier-a"]
        if command == "send"
        else ["utrn", "--as", "supplier-a", "--device", EUI, "--amount", "1"]
    )
    _refused([*argv, "--data", str(tmp_path), "--hub", "http://127.0.0.1:1"], "index.json", code=2)


def test_estate_show_leaves_an_empty_file_alone(files: dict[str, str], tmp_path: Path) -> None:
    """``show`` only reads: it must not turn a file into a database."""
    empty = tmp_path / "empty.db"
    empty.write_bytes(b"")
    _refused(["estate", "show", "--db", str(empty)], "is empty")
    assert empty.read_bytes() == b""
    other = Path(files["other_db"])
    before = other.read_bytes()
    _refused(["estate", "show", "--db", str(other)], "not an opendcc estate database")
    assert other.read_bytes() == before


def test_org_crypto_writes_no_empty_archive(files: dict[str, str], tmp_path: Path) -> None:
    out = tmp_path / "org-crypto.zip"
    _refused(["pki", "org-crypto", files["text"], "--out", str(out)], "no organisation key")
    assert not out.exists()


def test_security_report_refuses_a_store_that_is_not_one(
    files: dict[str, str], tmp_path: Path
) -> None:
    (tmp_path / "hub.sqlite").write_bytes(b"garbage" * 20)
    _refused(
        ["sec", "security-report", SUPPLIER_EUI, "--data", str(tmp_path)],
        "not an SQLite database",
        code=2,
    )


# --- random files into the commands that read them ---------------------------------------

_FUZZ = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def _mangled_request() -> st.SearchStrategy[bytes]:
    good = to_bytes(read_registers(1000))
    return st.one_of(
        st.integers(0, len(good)).map(lambda n: good[:n]),
        st.tuples(st.integers(0, len(good) - 1), st.binary(min_size=1, max_size=8)).map(
            lambda cut: good[: cut[0]] + cut[1] + good[cut[0] + len(cut[1]) :]
        ),
    )


_ANY_INPUT = st.one_of(
    st.binary(max_size=400),
    st.text(max_size=300).map(lambda t: t.encode("utf-8")),
    st.binary(max_size=300).map(lambda b: b"\xdd" + b),
    st.binary(max_size=300).map(lambda b: b"\xdf" + b),
    st.binary(max_size=120).map(lambda b: b.hex().upper().encode()),
    _mangled_request(),
)


def _answers_or_refuses(argv: list[str], answer_is_json: bool) -> None:
    result = runner.invoke(app, argv)
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        f"{argv} raised {type(result.exception).__name__}: {result.exception}"
    )
    assert "Traceback" not in result.output
    assert result.exit_code in (0, 1, 2), result.output
    if result.exit_code:
        assert result.stderr.strip() or result.stdout.strip(), "refused without saying why"
    elif answer_is_json:
        json.loads(result.stdout)


@pytest.fixture(scope="module")
def fuzz_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("fuzz")


@_FUZZ
@given(data=_ANY_INPUT)
def test_random_files_never_crash_the_readers(
    files: dict[str, str], fuzz_dir: Path, data: bytes
) -> None:
    path = fuzz_dir / "input.bin"
    path.write_bytes(data)
    name = str(path)
    for argv, is_json in (
        (["duis", "show", name], True),
        (["duis", "verify", name, "--keystore", files["pki"]], False),
        (["gbcs", "decode", name], True),
        (["parse", name], True),
        (["correlate", files["request"], name], False),
        (["correlate", name, files["request"]], False),
        (["transform", name], False),
    ):
        _answers_or_refuses(argv, is_json)


@_FUZZ
@given(data=_ANY_INPUT)
def test_random_files_never_crash_validate(data: bytes, fuzz_dir: Path) -> None:
    from tests.reference import require_reference

    schema = require_reference("duis", "xsd")
    path = fuzz_dir / "validate.bin"
    path.write_bytes(data)
    _answers_or_refuses(["duis", "validate", str(path), "--schema-dir", str(schema)], False)
