"""SMKI speed: key derivation, certificate issuing, look-ups and the certificate service.

Run as a script (``python bench/smki_bench.py [--quick]``); it prints one line per
measure. Every figure is single-threaded on one core.

What the figures answer:

- Can the hub seed a 100,000-premises estate (about 600,000 Devices, 1.2 million keys and
  certificates) in under a minute? Seeding needs no SMKI work at all: Device keys are
  derived and certificates issued on first use. The "seed" line shows the cost of making
  the estate's ``DeviceDirectory``; the per-item lines show what first use costs later.
- How fast are the cached paths the hub takes for every message (a Device's key, its
  certificate by EUI or by serial)?
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric import ec

from opendcc.eui import Eui64
from opendcc.smki import estates, service
from opendcc.smki.authority import CertificateAuthority
from opendcc.smki.devices import DeviceCredentials, DeviceDirectory, DeviceKeyId
from opendcc.smki.directory import ChainedDirectory
from opendcc.smki.identity import KeyUsage, RemotePartyRole
from opendcc.smki.keystore import Keystore
from opendcc.smki.orgcrypto import org_crypto_zip
from opendcc.smki.pkidir import PkiDirectory, init_pki

NOW = datetime(2025, 1, 1, tzinfo=UTC)
DEVICES_PER_PREMISES = 6


def rate(label: str, count: int, action: Callable[[int], object], unit: str = "/s") -> float:
    """Run ``action(i)`` for i in range(count), three times; report the median rate."""
    rates = []
    for attempt in range(3):
        offset = attempt * count
        start = time.perf_counter()
        for i in range(count):
            action(offset + i)
        rates.append(count / (time.perf_counter() - start))
    value = statistics.median(rates)
    print(f"{label:<58} {value:>12,.0f} {unit}")
    return value


def seconds(label: str, action: Callable[[], object]) -> float:
    start = time.perf_counter()
    action()
    elapsed = time.perf_counter() - start
    print(f"{label:<58} {elapsed:>12.3f} s")
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer iterations")
    args = parser.parse_args()
    n = 500 if args.quick else 3000

    print(f"opendcc SMKI bench, {n} operations per run, median of 3, one core")
    authority = CertificateAuthority.create(NOW)
    secret = os.urandom(32)
    base = 0x00DB_1234_0000_0000

    # --- Device keys ----------------------------------------------------------------------
    keys = DeviceCredentials(authority.device, secret, not_before=NOW, key_cache_size=0)
    rate(
        "device key scalars derived (HKDF)",
        n * 10,
        lambda i: keys.scalar(Eui64(base + i), KeyUsage.KEY_AGREEMENT),
    )
    rate(
        "device private keys derived (HKDF + public point)",
        n,
        lambda i: keys.key(Eui64(base + i), KeyUsage.KEY_AGREEMENT),
    )
    rate(
        "device certificate serials computed",
        n * 10,
        lambda i: keys.serial(Eui64(base + i), KeyUsage.DIGITAL_SIGNING),
    )

    # --- Device certificates ---------------------------------------------------------------
    fresh = DeviceCredentials(authority.device, secret, not_before=NOW)
    rate(
        "device certificates issued, key derived too (template)",
        n,
        lambda i: fresh.certificate(Eui64(base + 10_000_000 + i), KeyUsage.DIGITAL_SIGNING),
    )
    for i in range(3 * n):
        fresh.key(Eui64(base + 20_000_000 + i), KeyUsage.DIGITAL_SIGNING)
    rate(
        "device certificates issued, key cached (template)",
        n,
        lambda i: fresh.certificate(Eui64(base + 20_000_000 + i), KeyUsage.DIGITAL_SIGNING),
    )
    rate(
        "device certificates issued, key cached (builder)",
        n // 2,
        lambda i: fresh.issue_with_builder(
            DeviceKeyId(Eui64(base + 20_000_000 + i), KeyUsage.DIGITAL_SIGNING)
        ),
    )
    rate(
        "device certificate, cached",
        n * 20,
        lambda i: fresh.certificate(Eui64(base + 20_000_000 + i % n), KeyUsage.DIGITAL_SIGNING),
    )

    # --- Seeding an estate -----------------------------------------------------------------
    premises = 100_000
    devices = premises * DEVICES_PER_PREMISES
    enrolled = set(range(base, base + devices))

    def seed() -> None:
        credentials = DeviceCredentials(authority.device, secret, not_before=NOW)
        DeviceDirectory(credentials, lambda eui: eui.value in enrolled)

    seconds(f"seed SMKI for {premises:,} premises ({devices:,} devices)", seed)
    directory = DeviceDirectory(fresh, lambda eui: eui.value in enrolled)
    serials = [
        fresh.serial(Eui64(base + 20_000_000 + i % n), KeyUsage.DIGITAL_SIGNING) for i in range(n)
    ]
    rate("DeviceDirectory.by_serial, cached", n * 20, lambda i: directory.by_serial(serials[i % n]))

    # --- Organisation certificates and files ------------------------------------------------
    public = ec.generate_private_key(ec.SECP256R1()).public_key()
    rate(
        "organisation certificates issued (builder)",
        n // 2,
        lambda i: authority.issue_organisation(
            Eui64(0x020DCC0000010000 + i),
            RemotePartyRole.SUPPLIER,
            KeyUsage.DIGITAL_SIGNING,
            public,
            not_before=NOW,
        ),
    )
    with tempfile.TemporaryDirectory() as folder:
        pki_path = Path(folder) / "pki"
        seconds(
            "pki init --estate demo (24 key pairs)", lambda: init_pki(pki_path, estates.DEMO, NOW)
        )
        seconds("Keystore.load of the demo PKI", lambda: Keystore.load(pki_path))
        pki = PkiDirectory.open(pki_path)
        store = pki.keystore()
        seconds("org-crypto.zip of the demo PKI", lambda: org_crypto_zip(store))

        # --- The certificate service ----------------------------------------------------------
        chain = ChainedDirectory(store, directory)
        meter = str(Eui64(base + 20_000_000))
        search = (
            f"<CertificateSearchRequest><CertificateSubjectAltName>{meter}"
            "</CertificateSubjectAltName></CertificateSearchRequest>"
        ).encode()
        at = NOW + timedelta(days=1)
        rate(
            "certificatesearch requests answered (device)",
            n,
            lambda i: service.certificate_search(chain, search, at=at, audit_reference="0-0"),
        )
        retrieve = (
            f"<CertificateDataRequest><CertificateSerial>{serials[0]:X}</CertificateSerial>"
            "</CertificateDataRequest>"
        ).encode()
        rate(
            "retrievecertificate requests answered (device)",
            n,
            lambda i: service.retrieve_certificate(chain, retrieve, at=at, audit_reference="0-0"),
        )

    reference = Path(__file__).resolve().parents[2] / "shared" / "reference" / "gbcs" / "keystore"
    if reference.is_dir():
        seconds("Keystore.load of the GBCS reference keystore", lambda: Keystore.load(reference))
    return 0


if __name__ == "__main__":
    sys.exit(main())
