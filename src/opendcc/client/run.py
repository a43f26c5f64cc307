"""What ``opendcc send`` does, step by step, as a User's system would.

Local delivery (DUIS Command Variants 2 and 6; SEC Section H3, Local Command Services):
the hub answers such a request with the Command in ``LocalCommand`` instead of sending it
over the SM WAN, for the User's installer to carry to the Device on a hand-held terminal.
``opendcc send`` completes that round as a User's system would: it carries the Command to
the hub's simulated hand-held terminal (``POST /admin/v1/devices/{eui}/local``, which runs
it on the simulated Device and gives back the Device's Response) and returns that Response
to the DCC with 8.13 Return Local Command Response, printing each step. It does so for
every answer that is a ``LocalCommand``: a CV 2 request, or a critical one whose signed
Pre-Command went back as CV 6. ``--local`` asks for local delivery of a request written for
the SM WAN: CV 1 is sent as CV 2, and the CV 4 round returns the signed Pre-Command as CV 6.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import ssl
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import aiohttp

from opendcc.client.controllers import (
    ROUTED_VIA_ESME,
    AssociationError,
    associated_esme,
    routed_via_esme,
    stated,
)
from opendcc.client.facts import partner_facts, partners
from opendcc.client.identity import IdentityError, UserIdentity, resolve
from opendcc.client.receiver import CallbackReceiver
from opendcc.client.requests import SR, Counter, RequestError, prepare
from opendcc.client.session import ClientError, DuisClient
from opendcc.client.smki import add_device_certificates
from opendcc.correlate import DeviceFacts, correlate
from opendcc.duis import build
from opendcc.duis.command_variant import CommandVariant
from opendcc.duis.ids import RequestId
from opendcc.duis.matrix import service_reference_variant
from opendcc.duis.messages import RequestHeader, ServiceRequest, ServiceResponse
from opendcc.duis.signature import SignatureVerifier
from opendcc.eui import DCC_ACCESS_CONTROL_BROKER, Eui64
from opendcc.gbcs.codec import decode
from opendcc.gbcs.context import GbcsDecodeError
from opendcc.gbcs.frame import decode_message
from opendcc.gbcs.security import GbcsSecurity
from opendcc.smki.keystore import Keystore


class SendError(RuntimeError):
    """``opendcc send`` cannot go on; the message says why."""


def smki_url(hub: str) -> str:
    """The SMKI service beside a hub: the same host, the DUIS port + 4 (DCC Boxed's layout)."""
    parts = urlsplit(hub)
    port = (parts.port or (443 if parts.scheme == "https" else 80)) + 4
    return urlunsplit((parts.scheme, f"{parts.hostname}:{port}", "", "", ""))


def _keys(data: Path, boxed_keys: Path | None) -> tuple[Keystore, dict[str, Eui64]]:
    names: dict[str, Eui64] = {}
    if boxed_keys is not None:
        return Keystore.load(boxed_keys), names
    pki = data / "pki"
    if not (pki / "index.json").exists():
        raise SendError(
            f"no PKI in {pki}: start the hub (opendcc serve) with --data {data}, "
            "or give --boxed-keys"
        )
    try:
        index = json.loads((pki / "index.json").read_text("utf-8"))
        for party in index.get("parties", []):
            names[party["name"]] = Eui64.parse(party["eui"])
    except OSError as exc:
        raise SendError(f"cannot read {pki / 'index.json'}: {exc.strerror or exc}") from None
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        # ValueError covers JSON and UTF-8 decoding and a bad EUI; the others a wrong shape.
        raise SendError(
            f"{pki / 'index.json'} is not the index 'opendcc pki init' writes: "
            f"{type(exc).__name__}: {exc}"
        ) from None
    return Keystore.load(pki), names


def _connector(ca: Path | None) -> aiohttp.TCPConnector:
    """HTTPS trusts the system's roots, or only ``ca`` (the hub's test DCCKI root) if given."""
    if ca is None:
        return aiohttp.TCPConnector()
    try:
        context = ssl.create_default_context(cafile=str(ca))
    except (OSError, ssl.SSLError) as exc:
        raise SendError(f"cannot load the TLS root {ca}: {exc}") from None
    return aiohttp.TCPConnector(ssl=context)


def admin_headers() -> dict[str, str]:
    """The admin API's bearer token, from ``OPENDCC_ADMIN_TOKEN`` (``api.admin_auth``): a hub
    that can be reached from other machines requires it."""
    token = os.environ.get("OPENDCC_ADMIN_TOKEN")
    return {"Authorization": f"Bearer {token}"} if token else {}


def _admin_refusal(status: int) -> str:
    if status == 401:
        return " (the hub's admin API needs its token: set OPENDCC_ADMIN_TOKEN)"
    return ""


ANSWER_TIMEOUT_S: float = 60.0
"""How long ``opendcc send`` waits for the hub's HTTP answer (connecting, or each read)."""


@contextlib.asynccontextmanager
async def callback_at(
    session: aiohttp.ClientSession, hub: str, user: Eui64, url: str
) -> AsyncIterator[None]:
    """Point ``user``'s Receive Response Service at ``url`` (admin API), restore it after."""
    admin = f"{hub}/admin/v1/users/{user}"
    headers = admin_headers()
    async with session.get(admin, headers=headers) as reply:
        if reply.status == 401:
            raise SendError(f"cannot look up User {user}{_admin_refusal(reply.status)}")
        if reply.status != 200:
            raise SendError(f"the hub does not know User {user} ({reply.status})")
        previous = (await reply.json()).get("callback_url")
    async with session.patch(admin, json={"callback_url": url}, headers=headers) as reply:
        if reply.status != 200:
            raise SendError(f"cannot set the callback URL: {await reply.text()}")
    try:
        yield
    finally:
        with contextlib.suppress(aiohttp.ClientError):
            async with session.patch(admin, json={"callback_url": previous}, headers=headers):
                pass


async def run_send(
    file: Path,
    who: str,
    *,
    hub: str,
    data: Path,
    boxed_keys: Path | None,
    target: str | None,
    keep_counter: bool,
    wait: float,
    ca: Path | None = None,
    local: bool = False,
    via: str | None = None,
    answer_timeout: float = ANSWER_TIMEOUT_S,
) -> dict[str, Any]:
    """Sign and send ``file`` as ``who``; ``answer_timeout`` bounds each wait for an HTTP
    answer from the hub (connecting, and each read), so a hub that accepts the connection and
    never answers is reported, not waited on for aiohttp's default five minutes."""
    hub = hub.rstrip("/")
    keystore, names = _keys(data, boxed_keys)
    counter = Counter()
    try:
        identity = resolve(keystore, who, names)
        via_esme = Eui64.parse(via) if via else None
        root = prepare(
            file.read_bytes(),
            originator=identity.eui,
            target=Eui64.parse(target) if target else None,
            counter=None if keep_counter else counter.next(datetime.now(UTC)),
        )
    except (IdentityError, RequestError, OSError, ValueError) as exc:
        raise SendError(str(exc)) from None
    if local:
        _ask_for_local_delivery(root)
    verifier = SignatureVerifier(keystore, check_validity=boxed_keys is None)
    receiver = await CallbackReceiver(verifier).start()
    steps: list[dict[str, Any]] = []
    report: dict[str, Any] = {"steps": steps, "values": []}
    try:
        async with (
            aiohttp.ClientSession(
                connector=_connector(ca),
                timeout=aiohttp.ClientTimeout(
                    total=None, sock_connect=answer_timeout, sock_read=answer_timeout
                ),
            ) as session,
            callback_at(session, hub, identity.eui, receiver.url),
        ):
            client = DuisClient(hub, identity, verifier, session=session)
            root, facts = await _partner_facts(
                client, session, hub, root, counter, steps, keep_counter=keep_counter, via=via_esme
            )
            request, final = await _exchange(
                client, root, steps, identity, local=local, facts=facts
            )
            report["request_id"] = str(request.header.request_id)
            report["variant"] = request.header.variant.code
            if final is not None and _is_local_command(final.response):
                returned = await _deliver_locally(
                    client, session, hub, request, final.response, steps, counter
                )
                if returned is not None:
                    report["values"] += await _values(returned, keystore, session, hub)
            elif final is not None and final.code == "I99":
                received = await receiver.response_for(str(request.header.request_id), wait)
                if received is None:
                    steps.append(
                        {"step": "asynchronous response", "detail": f"none within {wait:.0f} s"}
                    )
                else:
                    steps.append(_step("asynchronous response", 204, received.response))
                    report["values"] += await _values(received.response, keystore, session, hub)
            elif final is not None and final.response is not None:
                report["values"] += await _values(final.response, keystore, session, hub)
    except TimeoutError:  # aiohttp's ServerTimeoutError is one too
        raise SendError(f"{hub} did not answer within {answer_timeout:g} s") from None
    except (aiohttp.ClientError, ClientError) as exc:
        raise SendError(f"talking to {hub}: {exc}") from None
    finally:
        await receiver.stop()
    return report


def _is_critical(root: Any) -> bool:
    cv = root.findtext("{*}Header/{*}CommandVariant")
    return cv is not None and cv.strip() == str(int(CommandVariant.CRITICAL_TRANSFORM))


async def _partner_facts(
    client: DuisClient,
    session: aiohttp.ClientSession,
    hub: str,
    root: Any,
    counter: Counter,
    steps: list[dict[str, Any]],
    *,
    keep_counter: bool,
    via: Eui64 | None = None,
) -> tuple[Any, DeviceFacts | None]:
    """For a critical request whose Command depends on another Device (8.7.1 Join), look
    that Device up as a User does (``opendcc.client.facts``) so that correlation can
    transform the request as the DCC does; for one the DCC routes from an HCALCS to its
    ESME (7.13), look up the target and that ESME (``opendcc.client.controllers``; ``via``:
    the ESME the User names). The look-ups are DUIS requests with their own RequestID
    counters, and a User's counters must strictly increase (DUIS RequestID: replay
    protection): the request is therefore given a fresh counter after them. With
    ``--keep-counter`` the file's counter is kept and nothing is looked up (the look-ups'
    counters would pass it); a ``via`` ESME is then taken as the User states it."""
    critical = _is_critical(root)
    others = partners(root) if critical else []
    routed = critical and routed_via_esme(root)
    if via is not None and not routed:
        raise SendError(
            "--via names the ESME the DCC sends a critical request addressed to an HCALCS to"
            f" ({', '.join(sorted(ROUTED_VIA_ESME))}, Command Variant 4); this request is not"
            " one"
        )
    if not others and not routed:
        return root, None
    try:
        rid = RequestId.parse((root.findtext(f"{SR}Header/{SR}RequestID") or "").strip())
    except ValueError:
        return root, None  # the hub refuses an unreadable RequestID; nothing to look up
    target = rid.target
    if keep_counter and routed and via is not None:
        steps.append(
            {
                "step": "look-ups",
                "detail": f"skipped with --keep-counter: {target} taken as an HCALCS joined to"
                f" the ESME {via}, as --via states",
            }
        )
        return root, stated(target, via).facts()
    if keep_counter:
        steps.append(
            {
                "step": "partner look-up",
                "detail": "skipped with --keep-counter: 8.2 Read Inventory would use counters"
                " above the file's",
            }
        )
        return root, None
    facts = (
        await partner_facts(client, session, smki_url(hub), others, counter, steps)
        if others
        else None
    )
    if routed:
        try:
            association = await associated_esme(client, target, via, counter, steps)
        except AssociationError as exc:
            raise SendError(str(exc)) from None
        facts = _merged(facts, association.facts())
    return prepare(root, counter=counter.next(datetime.now(UTC))), facts


def _merged(first: DeviceFacts | None, second: DeviceFacts) -> DeviceFacts:
    if first is None:
        return second
    return DeviceFacts(
        {**first.devices, **second.devices},
        {**first.esme_variants, **second.esme_variants},
        first.keystore or second.keystore,
    )


async def _exchange(
    client: DuisClient,
    root: Any,
    steps: list[dict[str, Any]],
    identity: UserIdentity,
    *,
    local: bool = False,
    facts: DeviceFacts | None = None,
) -> tuple[ServiceRequest, Any]:
    if _is_critical(root):

        def check(request: ServiceRequest, pre: bytes) -> str | None:
            verdict = correlate(request, pre, devices=facts)
            steps.append(
                {"step": "correlate", "detail": "correlates" if verdict else verdict.difference}
            )
            return None if verdict else verdict.difference

        signed_variant = (
            CommandVariant.SIGNED_PRE_COMMAND_LOCAL
            if local
            else CommandVariant.SIGNED_PRE_COMMAND_SM_WAN
        )
        request, transformed, sent = await client.critical(
            root, check, signed_variant=signed_variant
        )
        steps.append(
            _step("CV 4 transform", transformed.status, transformed.response, transformed.problem)
        )
        if sent is not None:
            name = f"CV {int(signed_variant)} signed Pre-Command"
            steps.append(_step(name, sent.status, sent.response, sent.problem))
        return request, sent or transformed
    request, answer = await client.send(root)
    steps.append(
        _step(
            f"CV {int(request.header.command_variant)}",
            answer.status,
            answer.response,
            answer.problem,
        )
    )
    return request, answer


def _ask_for_local_delivery(root: Any) -> None:
    """``--local``: CV 1 becomes CV 2 (a CV 4 request's round ends with CV 6: ``_exchange``);
    CV 2 and 6 are local already; anything else cannot be delivered locally."""
    node = root.find(f"{SR}Header/{SR}CommandVariant")
    try:
        cv = CommandVariant(int((node.text or "").strip())) if node is not None else None
    except ValueError:
        cv = None
    if cv is CommandVariant.NON_CRITICAL_SM_WAN:
        node.text = str(int(CommandVariant.NON_CRITICAL_LOCAL))
    elif cv not in (
        CommandVariant.CRITICAL_TRANSFORM,
        CommandVariant.NON_CRITICAL_LOCAL,
        CommandVariant.SIGNED_PRE_COMMAND_LOCAL,
    ):
        shown = f"Command Variant {int(cv)}" if cv is not None else "no Command Variant"
        raise SendError(
            f"--local needs a device request of Command Variant 1, 2 or 4; the file has {shown}"
        )


def _is_local_command(response: ServiceResponse | None) -> bool:
    content = response.content if response is not None else None
    return content is not None and content.tag == f"{SR}LocalCommand"


async def _deliver_locally(
    client: DuisClient,
    session: aiohttp.ClientSession,
    hub: str,
    request: ServiceRequest,
    answer: ServiceResponse,
    steps: list[dict[str, Any]],
    counter: Counter,
) -> ServiceResponse | None:
    """Carry a ``LocalCommand`` to the Device on the hub's simulated hand-held terminal and
    return the Device's Response with 8.13 (DUIS 8.13 Return Local Command Response); the
    8.13 answer, which carries the Device's Response, or None when a step failed."""
    command = answer.gbcs_payload()
    if not isinstance(command, bytes):
        steps.append({"step": "hand-held terminal", "detail": "the LocalCommand is empty"})
        return None
    # The installer's terminal talks to the Device the Command is addressed to (its GBCS
    # Recipient): the target, or for 7.13 to an HCALCS the ESME that carries it out.
    device = request.header.request_id.target
    with contextlib.suppress(GbcsDecodeError):
        device = decode_message(command).recipient
    async with session.post(
        f"{hub}/admin/v1/devices/{device}/local",
        json={"command": base64.b64encode(command).decode("ascii")},
        headers=admin_headers(),
    ) as reply:
        ran: Any = await reply.json(content_type=None)
        status = reply.status
    if status != 200 or not isinstance(ran, dict) or "response" not in ran:
        detail = ran.get("detail") if isinstance(ran, dict) else None
        detail = f"{detail or ran}{_admin_refusal(status)}"
        steps.append({"step": "hand-held terminal", "http": status, "detail": detail})
        return None
    alerts = len(ran.get("alerts") or [])
    steps.append(
        {
            "step": "hand-held terminal",
            "http": status,
            "code": None,
            "detail": f"{ran.get('use_case') or 'Response'} from {ran.get('device_id')}"
            + (f", {alerts} Alert(s)" if alerts else ""),
        }
    )
    srv = service_reference_variant("8.13")
    assert srv is not None
    header = RequestHeader(
        RequestId(client.identity.eui, DCC_ACCESS_CONTROL_BROKER, counter.next(datetime.now(UTC))),
        CommandVariant.NON_DEVICE,
        srv.service_reference,
        srv,
    )
    body = build.sr(
        "ReturnLocalCommandResponse",
        children=[
            build.sr("OriginalRequestID", str(request.header.request_id)),
            build.sr("DeviceGBCSResponse", ran["response"]),
        ],
    )
    _, returned = await client.send(build.request_document(header, body))
    steps.append(
        _step("8.13 Response returned", returned.status, returned.response, returned.problem)
    )
    if returned.code != "I0":
        return None
    return returned.response


def _step(
    name: str, status: int, response: ServiceResponse | None, problem: str | None = None
) -> dict[str, Any]:
    return {
        "step": name,
        "http": status,
        "code": response.header.response_code.value if response else None,
        "detail": problem or (response.body_kind.value if response else None),
    }


async def _values(
    response: ServiceResponse, keystore: Keystore, session: aiohttp.ClientSession, hub: str
) -> list[dict[str, Any]]:
    payload = response.gbcs_payload()
    if not isinstance(payload, bytes):
        return []
    try:
        device = decode_message(payload).originator
        await add_device_certificates(keystore, session, smki_url(hub), device)
        decoded = decode(payload, GbcsSecurity(keystore))
    except (GbcsDecodeError, aiohttp.ClientError) as exc:
        return [{"gbcs": f"undecodable: {exc}"}]
    body = decoded.to_json()
    return [
        {
            "use_case": body.get("use_case"),
            "mac_valid": body.get("mac_valid"),
            "signature_valid": body.get("signature_valid"),
            "values": body.get("payload", {}).get("values"),
        }
    ]
