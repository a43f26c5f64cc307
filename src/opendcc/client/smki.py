"""Fetching Device Certificates from the hub's SMKI certificate service, as a User does.

A User needs a Device's KA certificate to check the MAC of the Device's Responses (and its
DS certificate for signed ones); it asks the SMKI repository by the Device's EUI-64. This is
that client: ``POST /services/certificatesearch`` then ``/services/retrievecertificate``.
"""

from __future__ import annotations

import base64

import aiohttp
from cryptography import x509
from lxml import etree

from opendcc.eui import Eui64
from opendcc.smki.keystore import Keystore

_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)


async def device_certificates(
    session: aiohttp.ClientSession, base_url: str, eui: Eui64
) -> list[x509.Certificate]:
    """Every in-use certificate the SMKI service holds for Device ``eui``."""
    search = (
        f"<CertificateSearchRequest><CertificateSubjectAltName>{eui}"
        "</CertificateSubjectAltName></CertificateSearchRequest>"
    ).encode()
    async with session.post(
        f"{base_url}/services/certificatesearch",
        data=search,
        headers={"Content-Type": "application/xml"},
    ) as reply:
        if reply.status != 200:
            return []
        found = etree.fromstring(await reply.read(), _PARSER)
    certificates = []
    for serial in found.iter("CertificateSerial"):
        request = (
            f"<CertificateDataRequest><CertificateSerial>{serial.text}"
            "</CertificateSerial></CertificateDataRequest>"
        ).encode()
        async with session.post(
            f"{base_url}/services/retrievecertificate",
            data=request,
            headers={"Content-Type": "application/xml"},
        ) as reply:
            if reply.status != 200:
                continue
            data = etree.fromstring(await reply.read(), _PARSER)
        body = next(data.iter("CertificateBody"), None)
        if body is not None and body.text:
            certificates.append(
                x509.load_der_x509_certificate(base64.b64decode("".join(body.text.split())))
            )
    return certificates


async def add_device_certificates(
    keystore: Keystore, session: aiohttp.ClientSession, base_url: str, eui: Eui64
) -> int:
    count = 0
    for certificate in await device_certificates(session, base_url, eui):
        if keystore.add_certificate(certificate, source=f"{base_url} SMKI") is not None:
            count += 1
    return count
