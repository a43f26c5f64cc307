"""Hostile and malformed input: a typed error, quickly, with bounded memory."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest
from lxml import etree

from opendcc.duis.errors import DuisError, DuisErrorKind
from opendcc.duis.messages import parse_message, parse_request, parse_response
from opendcc.duis.parsing import ParseLimits, parse_document
from tests.duis.conftest import read_registers
from tests.reference import PROJECT_ROOT


def _billion_laughs() -> bytes:
    entities = ['<!ENTITY lol0 "lol">']
    entities += [f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10)]
    return (
        '<?xml version="1.0"?>\n<!DOCTYPE lolz [\n' + "\n".join(entities) + "\n]>\n"
        '<sr:Request xmlns:sr="http://www.dccinterface.co.uk/ServiceUserGateway">&lol9;'
        "</sr:Request>"
    ).encode()


BILLION_LAUGHS = _billion_laughs()
EXTERNAL_ENTITY = (
    b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><r>&xxe;</r>'
)


def _kind(result: object) -> DuisErrorKind:
    assert isinstance(result, DuisError), result
    return result.kind


def test_billion_laughs_is_refused_as_a_dtd() -> None:
    assert _kind(parse_document(BILLION_LAUGHS)) is DuisErrorKind.DTD_FORBIDDEN


def test_external_entity_is_refused_as_a_dtd() -> None:
    assert _kind(parse_document(EXTERNAL_ENTITY)) is DuisErrorKind.DTD_FORBIDDEN


def test_re_encoded_hostile_documents_cannot_evade_the_dtd_check() -> None:
    utf16 = BILLION_LAUGHS.decode().replace('<?xml version="1.0"?>', "").encode("utf-16")
    assert _kind(parse_document(utf16)) is DuisErrorKind.UNSUPPORTED_ENCODING
    latin = b'<?xml version="1.0" encoding="ISO-8859-1"?><r/>'
    assert _kind(parse_document(latin)) is DuisErrorKind.UNSUPPORTED_ENCODING
    ebcdic = b'<?xml version="1.0" encoding="EBCDIC-US"?><r/>'
    assert _kind(parse_document(ebcdic)) is DuisErrorKind.UNSUPPORTED_ENCODING
    # Really EBCDIC: libxml2 would recognise it from its first bytes; opendcc does not try.
    truly = BILLION_LAUGHS.decode().replace("?>", ' encoding="cp500"?>', 1).encode("cp500")
    assert _kind(parse_document(truly)) is DuisErrorKind.MALFORMED_XML
    hidden = b'<?xml version="1.0"' + b" " * 300 + b' encoding="UTF-16"?><r/>'
    assert _kind(parse_document(hidden)) is DuisErrorKind.MALFORMED_XML
    assert _kind(parse_document(b'<?xml version="1.0" encoding="\xff"?><r/>')) is (
        DuisErrorKind.UNSUPPORTED_ENCODING
    )


def test_an_undeclared_entity_is_malformed_not_expanded() -> None:
    assert _kind(parse_document(b"<r>&xxe;</r>")) is DuisErrorKind.MALFORMED_XML


def test_ten_mebibytes_is_refused_before_parsing() -> None:
    root = read_registers()
    body = b"A" * (10 << 20)
    data = etree.tostring(root).replace(b"<sr:Body>", b"<sr:Body><!--" + body + b"-->")
    assert _kind(parse_request(data)) is DuisErrorKind.TOO_LARGE
    # The limit is configurable, both ways.
    assert _kind(parse_request(etree.tostring(root), ParseLimits(max_bytes=100))) is (
        DuisErrorKind.TOO_LARGE
    )


def test_deep_nesting_is_refused() -> None:
    deep = b"<a>" * 10_000 + b"</a>" * 10_000
    assert _kind(parse_document(deep)) is DuisErrorKind.TOO_DEEP
    moderate = b"<a>" * 65 + b"</a>" * 65
    assert _kind(parse_document(moderate)) is DuisErrorKind.TOO_DEEP
    assert isinstance(parse_document(moderate, ParseLimits(max_depth=65)), etree._Element)


def test_limits_are_validated() -> None:
    with pytest.raises(ValueError):
        ParseLimits(max_depth=0)
    with pytest.raises(ValueError):
        ParseLimits(max_depth=1000)
    with pytest.raises(ValueError):
        ParseLimits(max_bytes=0)


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"   ",
        b"<",
        b"<a>",
        b"<a></b>",
        b"<a/><b/>",
        b"\xff\xfe<a/>",
        b"<a>\x00</a>",
        b"not xml",
    ],
)
def test_malformed_documents_give_typed_errors(data: bytes) -> None:
    for parse in (parse_document, parse_message, parse_request, parse_response):
        assert isinstance(parse(data), DuisError)


_MEMORY_PROBE = textwrap.dedent(
    """
    import resource, sys
    from tests.duis.test_parsing import BILLION_LAUGHS, EXTERNAL_ENTITY
    from opendcc.duis.errors import DuisError
    from opendcc.duis.messages import parse_request
    hostile = {
        "laughs": BILLION_LAUGHS,
        "laughs-utf16": BILLION_LAUGHS.decode().split("?>", 1)[1].encode("utf-16"),
        "xxe": EXTERNAL_ENTITY,
        "big": b"<r>" + b"A" * (10 << 20) + b"</r>",
        "deep": b"<a>" * 10000 + b"</a>" * 10000,
    }
    # Everything is imported and the inputs exist: from here on, at most 64 MiB more.
    with open("/proc/self/statm") as fh:
        pages = int(fh.read().split()[0])
    limit = pages * resource.getpagesize() + (64 << 20)
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    for name, data in hostile.items():
        result = parse_request(data)
        assert isinstance(result, DuisError), name
        print(name, result.kind.name)
    """
)


def test_hostile_inputs_stay_within_a_memory_limit() -> None:
    """Each hostile document is refused in a process that may grow by only 64 MiB."""
    done = subprocess.run(
        [sys.executable, "-c", _MEMORY_PROBE],
        capture_output=True,
        text=True,
        check=False,
        cwd=PROJECT_ROOT,
    )
    assert done.returncode == 0, done.stderr
    kinds = dict(line.split() for line in done.stdout.splitlines())
    assert kinds == {
        "laughs": "DTD_FORBIDDEN",
        "laughs-utf16": "UNSUPPORTED_ENCODING",
        "xxe": "DTD_FORBIDDEN",
        "big": "TOO_LARGE",
        "deep": "TOO_DEEP",
    }


def test_libxml2_settings_alone_do_not_expand_entities() -> None:
    """Defence in depth: even were the DTD byte scan bypassed, the parser expands nothing."""
    from opendcc.duis.parsing import _new_parser

    parser = _new_parser()
    try:
        root = etree.fromstring(EXTERNAL_ENTITY, parser)
    except etree.XMLSyntaxError:
        return
    assert b"root:" not in etree.tostring(root)
