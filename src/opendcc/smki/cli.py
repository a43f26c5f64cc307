"""``opendcc pki``: a test SMKI: certificate authority, keystores and certificate facts.

Commands: ``init`` (a fresh PKI for an estate), ``issue organisation`` and ``issue device``,
``revoke``, ``crl``, ``show`` (a certificate's SMKI facts as JSON), ``list`` (what a
keystore holds, in any supported layout) and ``org-crypto`` (the DCC Boxed
``org-crypto.zip``). Heavy imports happen inside the commands so ``opendcc --help`` stays
fast.
"""

# PLC0415: imports sit inside the commands on purpose (see the module docstring).
# B008: typer declares parameters by calling typer.Option/Argument in their defaults.
# ruff: noqa: PLC0415, B008

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

if TYPE_CHECKING:
    from cryptography import x509

    from opendcc.smki.directory import CertificateRecord

app = typer.Typer(
    help="A test SMKI: certificate authority, keystores and certificate facts.",
    no_args_is_help=True,
)
issue_app = typer.Typer(
    help="Issue an Organisation or Device Certificate from a PKI made by 'pki init'.",
    no_args_is_help=True,
)
app.add_typer(issue_app, name="issue")

_REASONS = (
    "keyCompromise",
    "cACompromise",
    "affiliationChanged",
    "superseded",
    "cessationOfOperation",
    "certificateHold",
    "privilegeWithdrawn",
    "aACompromise",
)


def _fail(message: str) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(code=1)


def _now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def _parse_time(text: str | None) -> datetime:
    if not text:
        return _now()
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise _fail(f"not an ISO 8601 time: {text}") from None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _parse_serial(text: str) -> int:
    try:
        value = int(text[2:], 16) if text.lower().startswith("0x") else int(text, 10)
    except ValueError:
        raise _fail(f"not a serial number (decimal, or hex with 0x): {text}") from None
    if value <= 0:
        raise _fail("serial numbers are positive")
    return value


def _usage(text: str) -> Any:
    from opendcc.smki.identity import KeyUsage

    try:
        return KeyUsage(text.strip().lower())
    except ValueError:
        raise _fail(f"--usage: ds or ka, not {text!r}") from None


def _missing(paths: list[Path], what: str) -> None:
    from opendcc.cli_checks import missing_paths

    if (problem := missing_paths(paths, what)) is not None:
        raise _fail(problem)


def _open_pki(directory: Path) -> Any:
    from opendcc.smki.pkidir import PkiDirectory
    from opendcc.smki.pkiindex import PkiDirectoryError

    try:
        return PkiDirectory.open(directory)
    except PkiDirectoryError as exc:
        raise _fail(str(exc)) from None


def _echo_json(document: Any) -> None:
    typer.echo(json.dumps(document, indent=2))


@app.command()
def init(
    directory: Path = typer.Argument(..., help="Folder to create the PKI in."),
    estate: str = typer.Option("demo", help="Which set of Parties to issue certificates for."),
    force: bool = typer.Option(
        False, "--force", help="Replace the PKI files of a folder that is not empty."
    ),
) -> None:
    """Write a fresh test PKI: root, organisation and device CAs, the DCC and each User.

    Every Party gets PEM certificates and PKCS#8 keys named <eui>-<label>.pem|key, loadable
    with the keystore; index.json says who is who.
    """
    from opendcc.smki.estates import ESTATES
    from opendcc.smki.pkidir import init_pki
    from opendcc.smki.pkiindex import PkiDirectoryError

    chosen = ESTATES.get(estate)
    if chosen is None:
        raise _fail(f"unknown estate {estate!r}; known: {', '.join(sorted(ESTATES))}")
    try:
        index = init_pki(directory, chosen, _now(), force=force)
    except PkiDirectoryError as exc:
        raise _fail(str(exc)) from None
    typer.echo(f"Wrote the {chosen.name} PKI to {directory}:")
    for party in index.parties:
        roles = ",".join(r.value for r in party.user_roles) or "DCC"
        labels = " ".join(c.label for c in party.certificates)
        typer.echo(f"  {party.eui}  {party.name:<24} {roles:<8} role {party.role.ou}  {labels}")


@issue_app.command("organisation")
def issue_organisation(
    directory: Path = typer.Argument(..., help="A PKI folder made by 'opendcc pki init'."),
    eui: str = typer.Option(..., help="The Party's EUI-64, e.g. 02-0D-CC-00-00-01-00-03."),
    role: str = typer.Option(..., help="Remote-party role as two hex digits (02, 03, 7F, 87)."),
    usage: str = typer.Option(..., help="ds (digital signing) or ka (key agreement)."),
    name: str | None = typer.Option(None, help="Party name in index.json (default: the EUI)."),
    label: str | None = typer.Option(
        None, help="File label; must end in -ds or -ka (default: the usage)."
    ),
    common_name: str | None = typer.Option(None, help="Subject CN."),
    user_role: list[str] = typer.Option(
        [], help="SEC User Role the Party acts in (IS, ES, GS, RSA, ED, GT, OU); repeatable."
    ),
    public_key: Path | None = typer.Option(
        None, help="PEM public key to certify (default: make a new key pair)."
    ),
) -> None:
    """Issue an Organisation Certificate and add it to the PKI folder and its index."""
    from opendcc.eui import Eui64
    from opendcc.roles import UserRole
    from opendcc.smki.identity import RemotePartyRole
    from opendcc.smki.pkiindex import PkiDirectoryError

    try:
        party_eui = Eui64.parse(eui)
    except ValueError as exc:
        raise _fail(f"--eui: {exc}") from None
    try:
        party_role = RemotePartyRole(int(role, 16))
    except ValueError:
        known = ", ".join(f"{r.value:02X}" for r in RemotePartyRole)
        raise _fail(
            f"--role: not a remote-party role: {role!r} (two hex digits: {known})"
        ) from None
    key_usage = _usage(usage)
    try:
        roles = tuple(UserRole.parse(r) for r in user_role)
    except ValueError as exc:
        raise _fail(f"--user-role: {exc}") from None
    pki = _open_pki(directory)
    public = _read_public_key(public_key) if public_key else None
    try:
        cert, path = pki.issue_organisation(
            name=name or party_eui.hex,
            eui=party_eui,
            role=party_role,
            usage=key_usage,
            now=_now(),
            label=label,
            common_name=common_name,
            user_roles=roles,
            public_key=public,
        )
    except (PkiDirectoryError, ValueError) as exc:
        raise _fail(str(exc)) from None
    typer.echo(f"Wrote {path}")
    _echo_json(certificate_facts(cert))


@issue_app.command("device")
def issue_device(
    directory: Path = typer.Argument(..., help="A PKI folder made by 'opendcc pki init'."),
    eui: str = typer.Option(..., help="The Device's EUI-64, e.g. 00-DB-12-34-56-78-90-A0."),
    usage: str = typer.Option(..., help="ds (digital signing) or ka (key agreement)."),
    public_key: Path | None = typer.Option(
        None,
        help="PEM public key to certify (default: the key derived from the estate secret, "
        "the one the hub's simulated Device holds).",
    ),
) -> None:
    """Issue a Device Certificate (EUI in subjectAltName) into the PKI folder."""
    from opendcc.eui import Eui64

    try:
        device = Eui64.parse(eui)
    except ValueError as exc:
        raise _fail(f"--eui: {exc}") from None
    key_usage = _usage(usage)
    pki = _open_pki(directory)
    public = _read_public_key(public_key) if public_key else None
    cert, _ = pki.issue_device(device, key_usage, public_key=public, now=_now())
    typer.echo(f"Wrote {directory / f'{device.hex}-{key_usage.value}.pem'}")
    _echo_json(certificate_facts(cert))


@app.command()
def revoke(
    directory: Path = typer.Argument(..., help="A PKI folder made by 'opendcc pki init'."),
    serial: str = typer.Argument(..., help="Serial number: decimal, or hex with 0x."),
    at: str | None = typer.Option(None, help="Revocation time, ISO 8601 (default: now)."),
    reason: str | None = typer.Option(None, help=f"CRL reason: {', '.join(_REASONS)}."),
) -> None:
    """Revoke a certificate of the PKI and re-sign its issuer's CRL."""
    from cryptography import x509

    from opendcc.smki.authority import RevocationError
    from opendcc.smki.pkiindex import PkiDirectoryError

    number = _parse_serial(serial)
    flag = None
    if reason is not None:
        if reason not in _REASONS:
            raise _fail(f"unknown reason {reason!r}; one of {', '.join(_REASONS)}")
        flag = x509.ReasonFlags(reason)
    pki = _open_pki(directory)
    try:
        level = pki.revoke(number, _parse_time(at), flag, now=_now())
    except (PkiDirectoryError, RevocationError) as exc:
        raise _fail(str(exc)) from None
    typer.echo(f"Revoked {number} ({number:X}); re-signed the {level.value} CA's CRL")


@app.command()
def crl(
    directory: Path = typer.Argument(..., help="A PKI folder made by 'opendcc pki init'."),
    issuer: str = typer.Option("all", help="root, organisation, device or all."),
) -> None:
    """Re-sign CRLs (fresh thisUpdate and nextUpdate) and list what they revoke, as JSON."""
    from opendcc.smki.authority import CaLevel

    levels = list(CaLevel) if issuer == "all" else []
    if not levels:
        try:
            levels = [CaLevel(issuer)]
        except ValueError:
            raise _fail("issuer must be root, organisation, device or all") from None
    pki = _open_pki(directory)
    paths = pki.write_crls(_now(), levels)
    _echo_json(
        {
            level.value: {
                "crl": str(path),
                "revoked": [
                    {
                        "serial": str(r.serial),
                        "serial_hex": f"{r.serial:X}",
                        "revoked_at": r.revoked_at.isoformat(),
                        "reason": r.reason.value if r.reason else None,
                    }
                    for r in pki.revocations(level)
                ],
            }
            for level, path in zip(levels, paths, strict=True)
        }
    )


@app.command()
def show(
    certificate: Path | None = typer.Argument(None, help="A certificate file, PEM or DER."),
    pki: Path | None = typer.Option(
        None, "--pki", help="Keystore or PKI folder to look the serial up in (and CRLs)."
    ),
    serial: str | None = typer.Option(None, help="Serial to look up in --pki."),
) -> None:
    """Print a certificate's SMKI facts as JSON: EUI, role, usage, serial, issuer, validity."""
    from opendcc.smki.keystore import Keystore
    from opendcc.smki.loading import KeyMaterialError, load_certificates_tolerant

    if certificate is None and serial is None:
        raise _fail("give a certificate file, or --pki and --serial")
    if pki is not None:
        _missing([pki], "--pki")
    store = Keystore.load(pki) if pki else None
    if certificate is not None:
        try:
            loaded = load_certificates_tolerant(certificate.read_bytes())
        except OSError as exc:
            raise _fail(f"{certificate}: {exc.strerror}") from None
        except KeyMaterialError as exc:
            raise _fail(f"{certificate}: {exc}") from None
        facts = []
        for item in loaded:
            record = store.by_serial(item.certificate.serial_number) if store else None
            facts.append(certificate_facts(item.certificate, record, repaired=item.repaired))
        _echo_json(facts[0] if len(facts) == 1 else facts)
        return
    if store is None or serial is None:
        raise _fail("--serial needs --pki")
    found = store.by_serial(_parse_serial(serial))
    if found is None:
        raise _fail(f"no certificate with serial {serial} in {pki}")
    _echo_json(certificate_facts(found.certificate, found, repaired=found.repaired))


@app.command("list")
def list_keystore(
    paths: list[Path] = typer.Argument(..., help="Keystore folders or files, any layout."),
) -> None:
    """List the keys and certificates of keystores (opendcc, GBCS or DCC Boxed layouts)."""
    from opendcc.smki.keystore import Keystore

    _missing(paths, "keystore")
    store = Keystore.load(*paths)
    for entry in store.entries:
        record = entry.record
        typer.echo(
            "  ".join(
                [
                    str(entry.eui) if entry.eui else "-" * 23,
                    entry.usage.value if entry.usage else "--",
                    entry.role.ou if entry.role is not None else "--",
                    "key" if entry.private_key is not None else "   ",
                    str(record.serial) if record else "(no certificate)",
                    entry.name,
                ]
            )
        )
    for warning in store.warnings:
        typer.echo(f"warning: {warning}", err=True)
    typer.echo(f"{len(store)} entries, {len(store.warnings)} warnings", err=True)
    if not len(store):
        raise _fail(f"no keys or certificates in {', '.join(map(str, paths))}")


@app.command("org-crypto")
def org_crypto(
    paths: list[Path] = typer.Argument(..., help="Keystore or PKI folders."),
    out: Path = typer.Option(Path("org-crypto.zip"), help="Where to write the archive."),
) -> None:
    """Write the DCC Boxed style org-crypto.zip of the organisation key pairs."""
    import io
    import zipfile

    from opendcc.smki.keystore import Keystore
    from opendcc.smki.orgcrypto import org_crypto_zip

    _missing(paths, "keystore")
    data = org_crypto_zip(Keystore.load(*paths))
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        if not archive.namelist():
            raise _fail(
                f"no organisation key pairs in {', '.join(map(str, paths))}: nothing to write"
            )
    try:
        out.write_bytes(data)
    except OSError as exc:
        raise _fail(f"{out}: {exc.strerror}") from None
    typer.echo(f"Wrote {out} ({len(data)} bytes)")


@app.command("tls")
def tls(
    directory: Path = typer.Argument(..., help="Folder for the TLS root and server pair."),
    host: list[str] = typer.Option(
        ["localhost", "127.0.0.1"], "--host", help="Host name or IP address (repeat)."
    ),
) -> None:
    """Issue the hub a TLS server certificate from a test DCCKI root (made on first use).

    Writes ca.pem (give it to clients: opendcc send --ca), server.pem and server.key (give
    them to opendcc serve --tls-cert/--tls-key, or use opendcc serve --tls).
    """
    from opendcc.cli_checks import writable_directory_problem
    from opendcc.smki.tls import TlsError, issue_server_certificate

    if (problem := writable_directory_problem(directory)) is not None:
        raise _fail(problem)
    try:
        files = issue_server_certificate(directory, host, _now())
    except TlsError as exc:
        raise _fail(str(exc)) from None
    except OSError as exc:
        raise _fail(f"{exc.filename or directory}: {exc.strerror or exc}") from None
    typer.echo(f"TLS root (trust it in clients): {files.ca}")
    typer.echo(f"server certificate: {files.certificate}")
    typer.echo(f"server key: {files.key}")


def _read_public_key(path: Path) -> Any:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    try:
        text = path.read_bytes()
    except OSError as exc:
        raise _fail(f"cannot read {path}: {exc.strerror or exc}") from None
    try:
        key = serialization.load_pem_public_key(text)
    except ValueError as exc:
        raise _fail(f"{path}: not a PEM public key ({exc})") from None
    if not isinstance(key, ec.EllipticCurvePublicKey) or not isinstance(key.curve, ec.SECP256R1):
        raise _fail(f"{path}: not a P-256 public key")
    return key


def certificate_facts(
    cert: x509.Certificate,
    record: CertificateRecord | None = None,
    *,
    repaired: bool = False,
) -> dict[str, Any]:
    """The SMKI facts of a certificate, as ``pki show`` prints them."""
    from cryptography import x509

    from opendcc.smki.identity import certificate_eui, certificate_role, certificate_usage

    def extension(kind: type[x509.ExtensionType]) -> Any:
        try:
            return cert.extensions.get_extension_for_class(kind).value
        except x509.ExtensionNotFound:
            return None

    eui = certificate_eui(cert)
    role = certificate_role(cert)
    usage = certificate_usage(cert)
    constraints = extension(x509.BasicConstraints)
    kind = (
        "ca"
        if constraints is not None and constraints.ca
        else "device"
        if eui is not None and role is None
        else "organisation"
        if eui is not None
        else "other"
    )
    ski = extension(x509.SubjectKeyIdentifier)
    aki = extension(x509.AuthorityKeyIdentifier)
    policies = extension(x509.CertificatePolicies)
    revoked_at = record.revoked_at if record else None
    return {
        "kind": kind,
        "eui": str(eui) if eui else None,
        "remote_party_role": role.ou if role is not None else None,
        "remote_party_role_name": role.name if role is not None else None,
        "usage": usage.value if usage else None,
        "serial": str(cert.serial_number),
        "serial_hex": f"{cert.serial_number:X}",
        "subject": cert.subject.rfc4514_string(),
        "issuer": cert.issuer.rfc4514_string(),
        "not_before": cert.not_valid_before_utc.isoformat(),
        "not_after": cert.not_valid_after_utc.isoformat(),
        "subject_key_identifier": ski.digest.hex() if ski else None,
        "authority_key_identifier": (
            aki.key_identifier.hex() if aki and aki.key_identifier else None
        ),
        "policies": [p.policy_identifier.dotted_string for p in policies] if policies else [],
        "revoked_at": revoked_at.isoformat() if revoked_at else None,
        "repaired": repaired,
    }
