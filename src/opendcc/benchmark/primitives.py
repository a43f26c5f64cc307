"""The primitive floor: what one signed 4.1.1 request costs in raw XML and crypto work.

Measured in the same run as the hub, so the ratio of the hub's CPU time per request to this
floor is meaningful whatever the machine's speed. Per request the hub must at least: parse
the request, canonicalise it twice (document, SignedInfo), hash it, verify one ECDSA
signature; MAC the Command and the Device's Response (AES-GCM, with a derived key) and
encrypt the register payload; build and sign two DUIS documents (the I99 and the final
response: canonicalisation, hashing, ECDSA signing each).
"""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Callable
from dataclasses import dataclass

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from lxml import etree

_SAMPLE = (
    b'<sr:Request xmlns:sr="http://www.dccinterface.co.uk/ServiceUserGateway" schemaVersion="5.4">'
    b"<sr:Header><sr:RequestID>02-0D-CC-00-00-01-00-01:02-0D-CC-01-00-00-00-01:1700000000000"
    b"</sr:RequestID><sr:CommandVariant>1</sr:CommandVariant><sr:ServiceReference>4.1"
    b"</sr:ServiceReference><sr:ServiceReferenceVariant>4.1.1</sr:ServiceReferenceVariant>"
    b"</sr:Header><sr:Body><sr:ReadInstantaneousImportRegisters/></sr:Body></sr:Request>"
)


@dataclass(frozen=True, slots=True)
class Floor:
    parse_us: float
    c14n_us: float
    sha256_us: float
    ecdsa_sign_us: float
    ecdsa_verify_us: float
    aes_gcm_us: float

    @property
    def per_request_us(self) -> float:
        """One request's minimum: 1 parse, 4 C14N, 3 hashes, 1 verify, 2 signs, 3 AES-GCM."""
        return (
            self.parse_us
            + 4 * self.c14n_us
            + 3 * self.sha256_us
            + self.ecdsa_verify_us
            + 2 * self.ecdsa_sign_us
            + 3 * self.aes_gcm_us
        )


def _time(fn: Callable[[], object], repeat: int) -> float:
    best = float("inf")
    for _ in range(5):
        start = time.perf_counter()
        for _ in range(repeat):
            fn()
        best = min(best, (time.perf_counter() - start) / repeat)
    return best * 1_000_000


def measure(repeat: int = 300) -> Floor:
    key = ec.generate_private_key(ec.SECP256R1())
    public = key.public_key()
    signature = key.sign(b"x" * 64, ec.ECDSA(hashes.SHA256()))
    root = etree.fromstring(_SAMPLE)
    gcm = AESGCM(os.urandom(16))
    nonce = os.urandom(12)
    return Floor(
        parse_us=_time(lambda: etree.fromstring(_SAMPLE), repeat),
        c14n_us=_time(lambda: etree.tostring(root, method="c14n"), repeat),
        sha256_us=_time(lambda: hashlib.sha256(_SAMPLE).digest(), repeat),
        ecdsa_sign_us=_time(lambda: key.sign(b"x" * 64, ec.ECDSA(hashes.SHA256())), repeat),
        ecdsa_verify_us=_time(
            lambda: public.verify(signature, b"x" * 64, ec.ECDSA(hashes.SHA256())), repeat
        ),
        aes_gcm_us=_time(lambda: gcm.encrypt(nonce, b"y" * 64, b"aad"), repeat),
    )
