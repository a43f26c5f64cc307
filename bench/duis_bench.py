"""DUIS hot-path benchmark: ``python bench/duis_bench.py [--quick]``.

For a signed 4.1.1 Read Instantaneous Import Registers request it prints microseconds per
call for opendcc's parse, validate (when the DUIS schema is at hand), verify, build and sign,
the two end-to-end paths the hub runs (parse + verify on every request, build + sign on every
response), and for each path the ratio of opendcc's time to the sum of the raw primitives it
cannot avoid, measured in the same run: lxml parsing, the C14N calls, SHA-256 and ECDSA
(``cryptography``). A ratio near 1 means the Python around the primitives costs little.

Uses the shared reference data when present (the RTDS 4.1.1 template, DCC Boxed's supplier
XML-signing key, the DUIS schema); otherwise builds the request and a throw-away P-256
certificate itself and skips validation. Timings are the best of several repeats, which
filters out noise from other processes on the machine.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import sys
import timeit
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.name import _ASN1Type
from cryptography.x509.oid import NameOID
from lxml import etree

from opendcc.duis.build import gbcs_payload, request_document, service_response, sr, to_bytes
from opendcc.duis.codes import ResponseCode
from opendcc.duis.command_variant import CommandVariant
from opendcc.duis.ids import RequestId
from opendcc.duis.matrix import REQUEST_MATRIX
from opendcc.duis.messages import RequestHeader, ServiceRequest, parse_request
from opendcc.duis.schema import DuisSchema, load_schema
from opendcc.duis.signature import (
    SignatureVerifier,
    SigningIdentity,
    VerifiedSignature,
    sign_to_bytes,
)
from opendcc.eui import DCC_ACCESS_CONTROL_BROKER, Eui64
from opendcc.smki.directory import CertificateDirectory, StaticDirectory
from opendcc.smki.identity import RemotePartyRole
from opendcc.smki.keystore import Keystore

ROOT = Path(__file__).resolve().parent.parent
REFERENCE = Path(os.environ.get("OPENDCC_REFERENCE_DIR", ROOT.parent / "shared" / "reference"))
TEMPLATE = REFERENCE / "duis" / "templates" / "ECS17b_4.1.1_SINGLE_SUCCESS_REQUEST_DUIS.XML"
SUPPLIER = Eui64.parse("90-B3-D5-1F-30-01-00-00")
DEVICE = Eui64.parse("00-DB-12-34-56-78-90-A0")
ECDSA = ec.ECDSA(hashes.SHA256())


def best(fn: Callable[[], object], number: int, repeat: int) -> float:
    """Microseconds per call, best of ``repeat`` runs of ``number`` calls."""
    fn()
    return min(timeit.repeat(fn, number=number, repeat=repeat)) / number * 1e6


def throwaway_identity(eui: Eui64, role: RemotePartyRole) -> SigningIdentity:
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, role.ou),
            x509.NameAttribute(
                NameOID.X500_UNIQUE_IDENTIFIER, b"\x00" + bytes(eui), _type=_ASN1Type.BitString
            ),
        ]
    )
    issuer = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "bench")])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    return SigningIdentity.of(key, cert)


def setup() -> tuple[bytes, CertificateDirectory, SigningIdentity, DuisSchema | None, str]:
    """The unsigned request, a directory, the supplier's and DCC's identities, the schema."""
    if TEMPLATE.is_file():
        keystore = Keystore.load(REFERENCE / "keys" / "dccboxed")
        entry = keystore.signer(SUPPLIER, roles=[RemotePartyRole.XML_SIGNING])
        if entry is not None:
            schema = load_schema(REFERENCE / "duis" / "xsd")
            return (
                TEMPLATE.read_bytes(),
                keystore,
                SigningIdentity.from_entry(entry),
                schema if isinstance(schema, DuisSchema) else None,
                "reference data (RTDS template, DCC Boxed keys)",
            )
    supplier = throwaway_identity(SUPPLIER, RemotePartyRole.XML_SIGNING)
    variant = REQUEST_MATRIX["4.1.1"]
    header = RequestHeader(RequestId(SUPPLIER, DEVICE, 1000), CommandVariant(1), "4.1", variant)
    unsigned = to_bytes(request_document(header, sr("ReadInstantaneousImportRegisters")))
    directory = StaticDirectory.of([supplier.certificate])
    return unsigned, directory, supplier, None, "generated request and key (no reference data)"


def main() -> int:
    options = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    options.add_argument("--quick", action="store_true", help="fewer iterations")
    args = options.parse_args()
    number, repeat = (300, 3) if args.quick else (400, 25)

    unsigned, directory, supplier, schema, source = setup()
    dsp = throwaway_identity(DCC_ACCESS_CONTROL_BROKER, RemotePartyRole.DSP_XML_SIGNING)
    template = parse_request(unsigned)
    assert isinstance(template, ServiceRequest), template
    data = sign_to_bytes(template.root, supplier)
    request = parse_request(data)
    assert isinstance(request, ServiceRequest), request
    at = datetime.now(UTC)
    if (
        not supplier.certificate.not_valid_before_utc
        <= at
        <= supplier.certificate.not_valid_after_utc
    ):
        at = supplier.certificate.not_valid_before_utc + timedelta(days=1)
    verifier = SignatureVerifier(directory)
    assert isinstance(verifier.verify_request(request, at), VerifiedSignature)
    header = request.header
    payload = bytes(range(256)) * 2

    def build_request() -> bytes:
        return to_bytes(request_document(header, sr("ReadInstantaneousImportRegisters")))

    def build_response() -> etree._Element:
        return service_response(header, ResponseCode.I0, at, gbcs_payload(payload))

    unsigned_request = request_document(header, sr("ReadInstantaneousImportRegisters"))
    response_tree = build_response()

    # Raw primitives, measured on the same documents.
    plain = etree.XMLParser()
    tree = etree.fromstring(data, plain)
    signed_info = tree[-1][0]
    document_c14n = etree.tostring(tree.getroottree(), method="c14n", with_comments=False)
    signed_info_c14n = etree.tostring(signed_info, method="c14n", exclusive=True)
    der = supplier.private_key.sign(signed_info_c14n, ECDSA)
    public = supplier.private_key.public_key()

    t = {
        "parse": best(lambda: parse_request(data), number, repeat),
        "verify (parsed tree)": best(lambda: verifier.verify_request(request, at), number, repeat),
        "build request": best(build_request, number, repeat),
        "sign request": best(lambda: sign_to_bytes(unsigned_request, supplier), number, repeat),
        "build response": best(build_response, number, repeat),
        "sign response": best(lambda: sign_to_bytes(response_tree, dsp), number, repeat),
        "parse + verify": best(
            lambda: verifier.verify_request(parse_request(data), at),  # type: ignore[arg-type]
            number,
            repeat,
        ),
        "build + sign response": best(lambda: sign_to_bytes(build_response(), dsp), number, repeat),
    }
    if schema is not None:
        t["validate"] = best(lambda: schema.validate(request.root), number, repeat)

        def parse_validate_verify() -> object:
            parsed = parse_request(data)
            assert isinstance(parsed, ServiceRequest) and schema is not None
            schema.validate(parsed.root)
            return verifier.verify_request(parsed, at)

        t["parse + validate + verify"] = best(parse_validate_verify, number, repeat)

    raw = {
        "lxml parse": best(lambda: etree.fromstring(data, plain), number, repeat),
        "C14N request": best(
            lambda: etree.tostring(tree.getroottree(), method="c14n", with_comments=False),
            number,
            repeat,
        ),
        "C14N response": best(
            lambda: etree.tostring(response_tree.getroottree(), method="c14n", with_comments=False),
            number,
            repeat,
        ),
        "exclusive C14N SignedInfo": best(
            lambda: etree.tostring(signed_info, method="c14n", exclusive=True), number, repeat
        ),
        "SHA-256": best(lambda: hashlib.sha256(document_c14n).digest(), number, repeat),
        "ECDSA verify": best(lambda: public.verify(der, signed_info_c14n, ECDSA), number, repeat),
        "ECDSA sign": best(lambda: dsp.private_key.sign(signed_info_c14n, ECDSA), number, repeat),
        "lxml serialise response": best(lambda: etree.tostring(response_tree), number, repeat),
    }
    inbound_raw = (
        raw["lxml parse"]
        + raw["C14N request"]
        + raw["exclusive C14N SignedInfo"]
        + raw["SHA-256"]
        + raw["ECDSA verify"]
    )
    outbound_raw = (
        raw["C14N response"] + raw["SHA-256"] + raw["ECDSA sign"] + raw["lxml serialise response"]
    )

    print(f"opendcc DUIS benchmark: signed 4.1.1 request of {len(data)} bytes; {source}")
    print(f"best of {repeat} x {number} calls, microseconds per call\n")
    print("opendcc step")
    for name in (
        "parse",
        "validate",
        "verify (parsed tree)",
        "build request",
        "sign request",
        "build response",
        "sign response",
    ):
        value = t.get(name)
        print(f"  {name:<28}{'n/a (no schema)' if value is None else f'{value:8.1f}'}")
    print("\nraw primitives")
    for name, value in raw.items():
        print(f"  {name:<28}{value:8.1f}")
    print("\nhot paths                       opendcc   primitives   ratio")
    print(
        f"  {'parse + verify (request)':<28}{t['parse + verify']:8.1f}   {inbound_raw:10.1f}"
        f"   {t['parse + verify'] / inbound_raw:5.2f}"
    )
    print(
        f"  {'build + sign (response)':<28}{t['build + sign response']:8.1f}   {outbound_raw:10.1f}"
        f"   {t['build + sign response'] / outbound_raw:5.2f}"
    )
    if "parse + validate + verify" in t:
        print(f"  {'parse + validate + verify':<28}{t['parse + validate + verify']:8.1f}")
    total = t["parse + verify"] + t["build + sign response"]
    print(
        f"  {'whole (both paths)':<28}{total:8.1f}   {inbound_raw + outbound_raw:10.1f}"
        f"   {total / (inbound_raw + outbound_raw):5.2f}"
    )
    per_core = 1e6 / total
    print(f"\none core carries about {per_core:,.0f} request/response pairs a second on DUIS work")
    return 0


if __name__ == "__main__":
    sys.exit(main())
