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
    session: aiohttp.ClientSession, base_url: str, eui: Eui64, *, in_use_only: bool = False
) -> list[x509.Certificate]:
    """The certificates the SMKI service holds for Device ``eui``; with ``in_use_only``
    only those whose ``CertificateStatus`` is I (in use: not pending, expired or revoked),
    as a User takes a join partner's (the service lists them all, DCC Boxed's clients
    filter on status themselves). An answer that is not XML counts as none found."""
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
        try:
            found = etree.fromstring(await reply.read(), _PARSER)
        except etree.XMLSyntaxError:
            return []
    serials = [
        result.findtext("CertificateSerial")
        for result in found.iter("Result")
        if not in_use_only or (result.findtext("CertificateStatus") or "").strip() == "I"
    ]
    certificates = []
    for serial in serials:
        if not serial:
            continue
        request = (
            f"<CertificateDataRequest><CertificateSerial>{serial.strip()}"
            "</CertificateSerial></CertificateDataRequest>"
        ).encode()
        async with session.post(
            f"{base_url}/services/retrievecertificate",
            data=request,
            headers={"Content-Type": "application/xml"},
        ) as reply:
            if reply.status != 200:
                continue
            try:
                data = etree.fromstring(await reply.read(), _PARSER)
            except etree.XMLSyntaxError:
                continue
        body = next(data.iter("CertificateBody"), None)
        if body is not None and body.text:
            certificates.append(
                x509.load_der_x509_certificate(base64.b64decode("".join(body.text.split())))
            )
    return certificates


async def add_device_certificates(
    keystore: Keystore,
    session: aiohttp.ClientSession,
    base_url: str,
    eui: Eui64,
    *,
    in_use_only: bool = False,
) -> int:
    """Add Device ``eui``'s certificates from the SMKI service to ``keystore``; how many
    were new to it."""
    count = 0
    for certificate in await device_certificates(session, base_url, eui, in_use_only=in_use_only):
        if keystore.add_certificate(certificate, source=f"{base_url} SMKI") is not None:
            count += 1
    return count
