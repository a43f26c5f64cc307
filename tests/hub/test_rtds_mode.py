"""The DCC Boxed-compatible mode: reference templates signed with the DCC Boxed key of their
originator run unchanged; responses are signed with the DCC Boxed DSP XML-signing key; the
SMKI service on port+4 answers as DCC Boxed's does."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import aiohttp
import pytest

from opendcc.client.identity import UserIdentity
from opendcc.client.receiver import CallbackReceiver
from opendcc.client.requests import Counter, prepare
from opendcc.client.session import DuisClient
from opendcc.clock import SystemClock
from opendcc.duis.signature import SignatureVerifier, VerifiedSignature
from opendcc.eui import Eui64
from opendcc.gbcs.codec import decode
from opendcc.gbcs.security import GbcsSecurity
from opendcc.smki.identity import RemotePartyRole
from opendcc.smki.keystore import Keystore
from tests.hub.harness import running_hub
from tests.reference import require_reference

SUPPLIER = Eui64.parse("90-B3-D5-1F-30-01-00-00")
ESME = Eui64.parse("00-DB-12-34-56-78-90-A0")


@pytest.mark.conformance
async def test_a_template_runs_unchanged_and_the_answer_verifies_with_boxed_keys(
    tmp_path: Path,
) -> None:
    boxed = require_reference("keys", "dccboxed")
    template = require_reference(
        "duis", "templates", "ECS17b_4.1.1_SINGLE_SUCCESS_REQUEST_DUIS.XML"
    )
    async with running_hub(tmp_path, estate="rtds", boxed_keys=boxed) as hub:
        keys = Keystore.load(boxed)  # what a DCC Boxed client holds, nothing of opendcc's
        verifier = SignatureVerifier(keys, check_validity=False)
        receiver = await CallbackReceiver(verifier).start()
        from opendcc.estate.records import UserUpdate

        await hub.hub.estate.users.update(SUPPLIER, UserUpdate(callback_url=receiver.url))
        identity = UserIdentity.from_keystore(keys, SUPPLIER)
        assert identity.xml.certificate is not None
        root = prepare(template.read_bytes(), counter=Counter().next(SystemClock().now()))
        try:
            async with DuisClient(hub.base_url, identity, verifier) as client:
                sent, answer = await client.send(root)
            assert answer.problem is None and answer.code == "I99"
            final = await receiver.response_for(str(sent.header.request_id), 10)
            assert final is not None, receiver.rejected
            # Signed with the DCC Boxed DSP XML-signing identity (role 0x89).
            signed = verifier.verify_response(final.response, SystemClock().now())
            assert isinstance(signed, VerifiedSignature)
            assert signed.record.role is RemotePartyRole.DSP_XML_SIGNING
            # The Device's certificates come from the hub's SMKI service, as a client gets them.
            async with aiohttp.ClientSession() as session:
                smki = (
                    hub.base_url.rsplit(":", 1)[0] + f":{int(hub.base_url.rsplit(':', 1)[1]) + 4}"
                )
                from opendcc.client.smki import add_device_certificates

                assert await add_device_certificates(keys, session, smki, ESME) == 2
                async with session.get(f"{smki}/assets/crypto/org-crypto.zip") as reply:
                    assert reply.status == 200
                    archive = zipfile.ZipFile(io.BytesIO(await reply.read()))
                    assert any(name.endswith(".pem") for name in archive.namelist())
            gbcs = final.response.gbcs_payload()
            assert isinstance(gbcs, bytes)
            decoded = decode(gbcs, GbcsSecurity(keys))
            assert decoded.mac.valid is True
            assert decoded.payload.to_json()["values"]["ActiveImportRegister"]["unit"] == "Wh"
        finally:
            await receiver.stop()
