"""Prepayment top-ups as a Supplier makes them: UTRNs for 2.2 Top Up Device (GBCS 14).

A Supplier tops up a prepayment meter with a UTRN (Unique Transaction Reference Number),
sent in a DUIS 2.2 Top Up Device request (CS01a to an ESME, CS01b to a GSME) or typed on
the meter. ``devices/tariffs_utrn`` holds the GBCS 14 format (the PTUT, its AES-GCM tag
keyed by ECDH of the Supplier's prepayment top-up key with the Device's Key Agreement key,
the Verhoeff check digit); this module is the User's side:

- the Supplier's *prepayment top-up* key (``<eui>-pp-ka``, which ``opendcc pki init`` issues
  every demo Supplier) and the Device's Key Agreement certificate (from the SMKI
  repository) make the key;
- the UTRN counter (GBCS 14.2, 14.3): a multiple of 2**32 (the PTUT carries the ten low bits
  of its high 32 bits), strictly above every counter the Supplier used before. The Device
  refuses a counter it has seen, or one older than the last 32 it remembers, from that
  Supplier. opendcc counts the high 32 bits in seconds since 1970, at least one above the
  last counter issued (``next_counter``), so counters keep increasing across runs and
  machines without shared state; ``opendcc utrn`` also remembers its last counter per
  Supplier in the data directory (``top-up-counters.json``) for top-ups within one second;
- the 2.2 request carries the same counter as its RequestID counter (CS01a/CS01b: the Device
  takes the full counter from the Command; the RTDS template uses ``3 * 2**32``). The hub
  checks 2.2 counters against the Supplier's earlier top-ups only (``hub.pipeline.replay_key``).

The amount is in pence: up to 8191p the value class is pennies, above it whole pounds up
to 8191 (GBCS 14.2: 13 bits of value, value class 00 pennies / 01 pounds).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Final

from lxml import etree

from opendcc.devices.tariffs_utrn import MAX_VALUE, UtrnError, ValueClass, mint
from opendcc.duis import build
from opendcc.duis.command_variant import CommandVariant
from opendcc.duis.ids import RequestId
from opendcc.duis.matrix import service_reference_variant
from opendcc.duis.messages import RequestHeader
from opendcc.eui import Eui64
from opendcc.gbcs.security import PREPAYMENT_KEY_MARK, GbcsSecurity
from opendcc.smki.identity import KeyUsage
from opendcc.smki.keystore import Keystore

COUNTER_STEP: Final = 1 << 32
"""UTRN counters count in steps of 2**32 (GBCS 14.2: the PTUT holds bits 32-41)."""
MAX_COUNTER: Final = (1 << 64) - COUNTER_STEP
TOP_UP_VARIANT: Final = "2.2"
COUNTERS_FILE: Final = "top-up-counters.json"


class TopUpError(ValueError):
    """A UTRN cannot be made as asked; the message says why."""


@dataclass(frozen=True, slots=True)
class TopUp:
    """A UTRN and what it was made from."""

    utrn: str
    supplier: Eui64
    device: Eui64
    counter: int
    value: int
    value_class: ValueClass

    @property
    def pence(self) -> int:
        return self.value * (100 if self.value_class is ValueClass.POUNDS else 1)

    @property
    def request_id(self) -> RequestId:
        """The RequestID of the 2.2 request that carries this UTRN (its counter)."""
        return RequestId(self.supplier, self.device, self.counter)

    def request(self) -> etree._Element:
        """An unsigned DUIS 2.2 Top Up Device request (CV 1) carrying the UTRN."""
        srv = service_reference_variant(TOP_UP_VARIANT)
        assert srv is not None
        header = RequestHeader(self.request_id, CommandVariant(1), srv.service_reference, srv)
        body = build.sr("TopUpDevice", children=[build.sr("UTRN", self.utrn)])
        return build.request_document(header, body)


def value_of(pence: int) -> tuple[int, ValueClass]:
    """The PTUT value and value class of ``pence``: pennies up to 8191, else whole pounds."""
    if pence <= 0:
        raise TopUpError(f"a top-up is at least 1 penny: {pence}")
    if pence <= MAX_VALUE:
        return pence, ValueClass.PENNIES
    if pence % 100:
        raise TopUpError(f"above {MAX_VALUE}p a UTRN carries whole pounds: {pence}p")
    if pence // 100 > MAX_VALUE:
        raise TopUpError(f"a UTRN carries at most £{MAX_VALUE}: {pence}p")
    return pence // 100, ValueClass.POUNDS


def next_counter(now: datetime, previous: int | None = None) -> int:
    """The next UTRN counter: a multiple of 2**32 whose high 32 bits are the seconds since
    1970 at ``now``, and at least one step above ``previous`` (the last counter used)."""
    if now.tzinfo is None:
        raise ValueError("next_counter needs a timezone-aware datetime")
    counter = int(now.timestamp()) * COUNTER_STEP
    if previous is not None and counter <= previous:
        counter = (previous // COUNTER_STEP + 1) * COUNTER_STEP
    if counter > MAX_COUNTER:
        raise TopUpError("the UTRN counter is exhausted")
    return counter


def check_counter(counter: int) -> None:
    if not 0 < counter <= MAX_COUNTER or counter % COUNTER_STEP:
        raise TopUpError(f"a UTRN counter is a positive multiple of 2**32 below 2**64: {counter}")


def make_utrn(
    keystore: Keystore, supplier: Eui64, device: Eui64, pence: int, counter: int
) -> TopUp:
    """A UTRN for ``pence`` from ``supplier`` to ``device`` with ``counter`` (GBCS 14.2).

    ``keystore`` must hold the Supplier's prepayment top-up private key (``-pp-ka``) and
    the Device's Key Agreement certificate; ``TopUpError`` says which is missing."""
    check_counter(counter)
    value, value_class = value_of(pence)
    top_up_key = keystore.key_agreement(supplier, private=True, name_contains=PREPAYMENT_KEY_MARK)
    if top_up_key is None:
        raise TopUpError(
            f"no prepayment top-up key (-pp-ka, with its private key) for {supplier}: "
            "only a Supplier holds one (opendcc pki init issues it)"
        )
    device_keys = [
        e
        for e in keystore.find(device, KeyUsage.KEY_AGREEMENT)
        if PREPAYMENT_KEY_MARK not in e.name
    ]
    if not device_keys:
        raise TopUpError(f"no Key Agreement certificate for Device {device}")
    try:
        utrn = mint(counter, value, supplier, device, GbcsSecurity(keystore), value_class)
    except UtrnError as exc:
        raise TopUpError(str(exc)) from None
    return TopUp(utrn, supplier, device, counter, value, value_class)


# --- the counters ``opendcc utrn`` remembers ---------------------------------------------------


def last_counter(data: Path, supplier: Eui64) -> int | None:
    path = data / COUNTERS_FILE
    try:
        document = json.loads(path.read_text())
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        raise TopUpError(f"cannot read {path}: {exc}") from None
    value = document.get(str(supplier)) if isinstance(document, dict) else None
    return value if isinstance(value, int) else None


def remember_counter(data: Path, supplier: Eui64, counter: int) -> None:
    """Record ``counter`` as ``supplier``'s last (written atomically; never lowered)."""
    from opendcc.smki.pkidir import write_file  # noqa: PLC0415

    path = data / COUNTERS_FILE
    try:
        document = json.loads(path.read_text()) if path.exists() else {}
    except (OSError, ValueError):
        document = {}
    if not isinstance(document, dict):
        document = {}
    previous = document.get(str(supplier))
    if not isinstance(previous, int) or counter > previous:
        document[str(supplier)] = counter
    write_file(path, (json.dumps(document, indent=2) + "\n").encode(), private=False)


# --- ``opendcc utrn`` --------------------------------------------------------------------------


async def run_utrn(
    who: str,
    device: str,
    pence: int,
    *,
    data: Path,
    hub: str,
    boxed_keys: Path | None = None,
    counter: int | None = None,
    ca: Path | None = None,
) -> TopUp:
    """What ``opendcc utrn`` does: the User's keys from the PKI in ``data`` (or
    ``boxed_keys``), the Device's KA certificate from the hub's SMKI service when the keys
    lack it, the next counter (or ``counter``), the UTRN; the counter is remembered."""
    import aiohttp  # noqa: PLC0415

    from opendcc.client.run import SendError, _connector, _keys, smki_url  # noqa: PLC0415
    from opendcc.client.smki import add_device_certificates  # noqa: PLC0415

    try:
        keystore, names = _keys(data, boxed_keys)
    except SendError as exc:
        raise TopUpError(str(exc)) from None
    supplier = names.get(who) or _eui(who, "--as", names)
    target = _eui(device, "--device")
    held = [e for e in keystore.find(target, KeyUsage.KEY_AGREEMENT) if e.record is not None]
    if not held:
        url = smki_url(hub.rstrip("/"))
        try:
            async with aiohttp.ClientSession(connector=_connector(ca)) as session:
                await add_device_certificates(keystore, session, url, target)
        except (aiohttp.ClientError, OSError, SendError) as exc:
            raise TopUpError(
                f"cannot fetch Device {target}'s certificates from the SMKI service {url}: {exc}"
            ) from None
    if counter is None:
        counter = next_counter(datetime.now(UTC), last_counter(data, supplier))
    top_up = make_utrn(keystore, supplier, target, pence, counter)
    try:
        remember_counter(data, supplier, counter)
    except OSError as exc:
        raise TopUpError(f"cannot remember the counter in {data}: {exc}") from None
    return top_up


def _eui(text: str, option: str, names: dict[str, Eui64] | None = None) -> Eui64:
    try:
        return Eui64.parse(text)
    except ValueError:
        known = f" (known: {', '.join(sorted(names))})" if names else ""
        raise TopUpError(f"{option}: not a User name or EUI-64: {text!r}{known}") from None
