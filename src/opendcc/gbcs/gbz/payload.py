"""The GBZ payload: header, use-case components (plain or encrypted) and alert bodies.

Layout (GBCS 7.2, "GBZ" ZigBee payloads; multi-byte header fields are big-endian):

    profile id 0x0109 | number of components (1)
    Command / Response:  component*
    Alert:               alert code (2) | time stamp (4, UTC seconds since 2000) | body

    component = extended header control (1) | cluster id (2) | length (2) |
                [from-date-time (4) if control bit 4] |
                plain:      ZCL frame
                encrypted:  additional header control (1) | additional frame counter (1) |
                            ZCL header (frame control, sequence number, command id) |
                            length of ciphered information (2) | security control (1) |
                            invocation counter (4) | ciphertext | 12-byte tag

Control bit 0 marks the last component, bit 1 an encrypted component, bit 4 a
from-date-time. An alert body is, by alert code: the future-dated command outcome
(0x8F66/7), a firmware image hash (0x8F1C, 0x8F72), an integrity warning (0x81A0),
components (0x8F0A Billing Data Log Updated, or any body that parses as exactly the
announced components), or raw bytes.

Encrypted components keep their ciphertext: re-encoding never re-encrypts. When the
``PayloadContext`` carries a ``decrypt`` function, the plaintext ZCL payload is decoded
beside the ciphertext (``EncryptedGbzComponent.plaintext``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

from opendcc.gbcs.context import Cra, GbcsDecodeError, GbcsEncodeError, PayloadContext
from opendcc.gbcs.gbz.alerts import (
    FIRMWARE_HASH_ALERTS,
    FUTURE_DATED_OUTCOME_ALERTS,
    INTEGRITY_WARNING_ALERTS,
)
from opendcc.gbcs.gbz.wire import Reader, uint_be
from opendcc.gbcs.gbz.zcl import (
    ZclFrame,
    ZclHeader,
    ZclPayload,
    encode_frame,
    encode_payload,
    read_frame,
    read_header,
    read_payload,
    write_header,
)

GBZ_PROFILE_ID: Final = 0x0109
LAST_COMPONENT: Final = 0x01
ENCRYPTED_COMPONENT: Final = 0x02
FROM_DATE_TIME_PRESENT: Final = 0x10
_FLAG_BITS: Final = LAST_COMPONENT | ENCRYPTED_COMPONENT | FROM_DATE_TIME_PRESENT
TAG_LENGTH: Final = 12
FUTURE_DATED_OUTCOME_LENGTH: Final = 0x0E
"""The leading byte of a future-dated outcome body: the length of what follows."""
GBZ_SECURITY_CONTROL: Final = 0x31
"""The security control byte GBCS puts before an encrypted GBZ payload (also its AAD)."""

Encryptor = Callable[[bytes], bytes]
"""Given a plaintext ZCL payload, the block ``security control | invocation counter |
ciphertext | tag`` that carries it (the frame layer, holding the keys, supplies it)."""


def _check_byte(name: str, value: int, bits: int = 8) -> None:
    if not isinstance(value, int) or not 0 <= value < 1 << bits:
        raise GbcsEncodeError(f"{name} must fit {bits} bits, got {value!r}")


@dataclass(frozen=True, slots=True)
class GbzComponent:
    """A plain use-case component: one ZCL frame for one cluster."""

    cluster_id: int
    frame: ZclFrame
    last: bool = False
    from_date_time: int | None = None
    reserved_control_bits: int = 0

    def __post_init__(self) -> None:
        _check_component(self.cluster_id, self.from_date_time, self.reserved_control_bits)

    @property
    def control(self) -> int:
        return _control(self.last, False, self.from_date_time, self.reserved_control_bits)


@dataclass(frozen=True, slots=True)
class EncryptedGbzComponent:
    """An encrypted component: ZCL header in clear, payload as ciphertext and tag.

    ``plaintext`` is the decoded ZCL payload when a decryptor was available; it is never
    used for encoding.
    """

    cluster_id: int
    header: ZclHeader
    ciphertext: bytes
    invocation_counter: int = 0
    security_control: int = GBZ_SECURITY_CONTROL
    additional_header_control: int = 0
    additional_frame_counter: int = 0
    last: bool = False
    from_date_time: int | None = None
    reserved_control_bits: int = 0
    plaintext: ZclPayload | None = None

    def __post_init__(self) -> None:
        _check_component(self.cluster_id, self.from_date_time, self.reserved_control_bits)
        _check_byte("security control", self.security_control)
        _check_byte("additional header control", self.additional_header_control)
        _check_byte("additional frame counter", self.additional_frame_counter)
        _check_byte("invocation counter", self.invocation_counter, 32)
        if not isinstance(self.ciphertext, bytes) or len(self.ciphertext) < TAG_LENGTH:
            raise GbcsEncodeError(f"ciphertext must include the {TAG_LENGTH}-byte tag")

    @property
    def control(self) -> int:
        return _control(self.last, True, self.from_date_time, self.reserved_control_bits)

    @property
    def block(self) -> bytes:
        """What ``PayloadContext.decrypt`` receives: security control, invocation counter,
        ciphertext and tag."""
        return (
            bytes([self.security_control]) + uint_be(self.invocation_counter, 4) + self.ciphertext
        )

    @property
    def frame(self) -> ZclFrame | None:
        """The decrypted frame, when the plaintext is known."""
        return None if self.plaintext is None else ZclFrame(self.header, self.plaintext)

    @classmethod
    def seal(
        cls,
        component: GbzComponent,
        encrypt: Encryptor,
        *,
        additional_header_control: int = 0,
        additional_frame_counter: int = 0,
    ) -> EncryptedGbzComponent:
        """Encrypt a plain component's ZCL payload with ``encrypt`` (keys stay outside)."""
        header = component.frame.header
        plain = encode_payload(component.frame.payload, component.cluster_id, header)
        block = encrypt(plain)
        if len(block) < 5 + TAG_LENGTH:
            raise GbcsEncodeError("the encryptor returned a block too short to hold a tag")
        return cls(
            component.cluster_id,
            header,
            block[5:],
            int.from_bytes(block[1:5], "big"),
            block[0],
            additional_header_control,
            additional_frame_counter,
            component.last,
            component.from_date_time,
            component.reserved_control_bits,
            component.frame.payload,
        )


Component = GbzComponent | EncryptedGbzComponent


@dataclass(frozen=True, slots=True)
class FutureDatedOutcome:
    """Body of alerts 0x8F66/0x8F67: which future-dated command ran (or failed)."""

    message_code: int
    originator_counter: int
    cluster_id: int
    frame_control: int
    command_id: int


@dataclass(frozen=True, slots=True)
class FirmwareImageHash:
    """Body of firmware verification alerts: a leading 16-bit field and the SHA-256 hash
    the device calculated over the image (Wireshark calls the field "Firmware Alert Start")."""

    alert_start: int
    image_hash: bytes

    def __post_init__(self) -> None:
        if len(self.image_hash) != 32:
            raise GbcsEncodeError("a firmware image hash is 32 bytes")


@dataclass(frozen=True, slots=True)
class IntegrityIssueWarning:
    """Body of alert 0x81A0: which integrity check failed."""

    warning: int


@dataclass(frozen=True, slots=True)
class RawAlertBody:
    data: bytes


AlertBody = FutureDatedOutcome | FirmwareImageHash | IntegrityIssueWarning | RawAlertBody


@dataclass(frozen=True, slots=True)
class GbzAlert:
    """The alert header: code, UTC time stamp and a code-specific body (components of an
    alert live in ``GbzPayload.components``)."""

    alert_code: int
    timestamp: int
    body: AlertBody | None = None

    def __post_init__(self) -> None:
        _check_byte("alert code", self.alert_code, 16)
        _check_byte("alert time stamp", self.timestamp, 32)


@dataclass(frozen=True, slots=True)
class GbzHeader:
    """The GBZ payload header as it goes on the wire: profile id and component count."""

    profile_id: int
    component_count: int


@dataclass(frozen=True, slots=True)
class GbzPayload:
    """A whole GBZ payload. ``alert`` is set for alert payloads (CRA flag 3).

    ``component_count`` is None when the header byte says what the content implies (the
    number of components, or for an alert with a body and no components, 1); it holds the
    byte only when a message says otherwise. ``cra``, ``message_code`` and ``use_case``
    come from the grouping header and select the named values; they do not change the
    bytes.
    """

    components: tuple[Component, ...] = ()
    alert: GbzAlert | None = None
    component_count: int | None = None
    cra: Cra | None = None
    message_code: int | None = None
    use_case: str | None = None

    def __post_init__(self) -> None:
        if len(self.components) > 0xFF:
            raise GbcsEncodeError("a GBZ payload holds at most 255 components")
        if self.component_count is not None:
            _check_byte("component count", self.component_count)

    @property
    def implied_count(self) -> int:
        if self.components or self.alert is None:
            return len(self.components)
        return 1 if self.alert.body is not None else 0

    @property
    def header_count(self) -> int:
        return self.implied_count if self.component_count is None else self.component_count

    @property
    def header(self) -> GbzHeader:
        return GbzHeader(GBZ_PROFILE_ID, self.header_count)

    def to_json(self) -> dict[str, object]:
        # jsonform and values import this module: import them when first used.
        from opendcc.gbcs.gbz.jsonform import payload_to_json  # noqa: PLC0415

        return payload_to_json(self)

    @classmethod
    def from_json(cls, obj: object) -> GbzPayload:
        from opendcc.gbcs.gbz.jsonform import payload_from_json  # noqa: PLC0415

        return payload_from_json(obj)

    def values(self) -> dict[str, object]:
        """The named, supplier-facing values (the ``values`` view of ``to_json``)."""
        from opendcc.gbcs.gbz.values import payload_values  # noqa: PLC0415

        return payload_values(self)


def _check_component(cluster_id: int, from_date_time: int | None, reserved: int) -> None:
    _check_byte("cluster id", cluster_id, 16)
    if from_date_time is not None:
        _check_byte("from-date-time", from_date_time, 32)
    _check_byte("reserved control bits", reserved)
    if reserved & _FLAG_BITS:
        raise GbcsEncodeError("reserved control bits overlap the last/encrypted/date flags")


def _control(last: bool, encrypted: bool, from_date_time: int | None, reserved: int) -> int:
    control = reserved | (LAST_COMPONENT if last else 0)
    control |= ENCRYPTED_COMPONENT if encrypted else 0
    return control | (FROM_DATE_TIME_PRESENT if from_date_time is not None else 0)


# --- decoding -----------------------------------------------------------------------------


def decode_payload(content: bytes, context: PayloadContext) -> GbzPayload:
    """Decode ``content`` (a GBZ payload) in ``context``; raises ``GbcsDecodeError`` only."""
    if not isinstance(content, (bytes, bytearray, memoryview)):
        raise GbcsDecodeError("GBZ content must be bytes")
    data = bytes(content)
    try:
        return _decode(data, context)
    except GbcsDecodeError:
        raise
    except (GbcsEncodeError, ValueError, OverflowError) as exc:  # a value the model refuses
        raise GbcsDecodeError(f"malformed GBZ payload: {exc}") from None


def _decode(data: bytes, context: PayloadContext) -> GbzPayload:
    r = Reader(data)
    profile = r.uint_be(2, "GBZ profile id")
    if profile != GBZ_PROFILE_ID:
        raise GbcsDecodeError(f"not a GBZ payload: profile id 0x{profile:04X}", 0)
    count = r.u8("GBZ component count")
    decrypt = context.decrypt
    alert = None
    components: list[Component] = []
    if context.cra == Cra.ALERT:
        code = r.uint_be(2, "alert code")
        timestamp = r.uint_be(4, "alert time stamp")
        body, components = _read_alert_body(r, code, count, decrypt)
        alert = GbzAlert(code, timestamp, body)
    else:
        while not r.at_end():
            components.append(_read_component(r, decrypt))
    payload = GbzPayload(
        tuple(components),
        alert,
        None,
        context.cra,
        context.message_code,
        context.use_case,
    )
    if payload.implied_count != count:
        if context.cra != Cra.ALERT:
            raise GbcsDecodeError(
                f"GBZ header announces {count} components, {len(components)} present", 2
            )
        payload = GbzPayload(
            payload.components, alert, count, context.cra, context.message_code, context.use_case
        )
    return payload


def _read_alert_body(
    r: Reader, code: int, count: int, decrypt: Callable[[bytes], bytes | None] | None
) -> tuple[AlertBody | None, list[Component]]:
    if r.at_end():
        return None, []
    start = r.pos
    if (
        code in FUTURE_DATED_OUTCOME_ALERTS
        and r.remaining == 15
        and r.data[start] == FUTURE_DATED_OUTCOME_LENGTH
    ):
        r.u8()
        return (
            FutureDatedOutcome(r.uint_be(2), r.uint_be(8), r.uint_be(2), r.u8(), r.u8()),
            [],
        )
    if code in FIRMWARE_HASH_ALERTS and r.remaining == 34:
        return FirmwareImageHash(r.uint_be(2), r.take(32)), []
    if code in INTEGRITY_WARNING_ALERTS and r.remaining == 2:
        return IntegrityIssueWarning(r.uint_be(2)), []
    # Otherwise the body is components if it parses as exactly the announced number.
    try:
        components = []
        while not r.at_end():
            components.append(_read_component(r, decrypt))
        if len(components) == count:
            return None, components
    except GbcsDecodeError:
        pass
    r.pos = start
    return RawAlertBody(r.rest()), []


def _read_component(r: Reader, decrypt: Callable[[bytes], bytes | None] | None) -> Component:
    control = r.u8("extended header control")
    cluster_id = r.uint_be(2, "extended header cluster id")
    length = r.uint_be(2, "GBZ command length")
    body = r.sub(length, "GBZ component")
    last = bool(control & LAST_COMPONENT)
    reserved = control & ~_FLAG_BITS & 0xFF
    fdt = body.uint_be(4, "from-date-time") if control & FROM_DATE_TIME_PRESENT else None
    if not control & ENCRYPTED_COMPONENT:
        frame = read_frame(body, cluster_id)
        return GbzComponent(cluster_id, frame, last, fdt, reserved)
    ahc = body.u8("additional header control")
    afc = body.u8("additional frame counter")
    header = read_header(body)
    cipher_length = body.uint_be(2, "length of ciphered information")
    if cipher_length != body.remaining:
        raise body.fail(
            f"ciphered information length {cipher_length} != {body.remaining} bytes present"
        )
    if cipher_length < 5 + TAG_LENGTH:
        raise body.fail("ciphered information too short for its header and tag")
    security_control = body.u8()
    invocation_counter = body.uint_be(4)
    ciphertext = body.rest()
    component = EncryptedGbzComponent(
        cluster_id,
        header,
        ciphertext,
        invocation_counter,
        security_control,
        ahc,
        afc,
        last,
        fdt,
        reserved,
    )
    if decrypt is not None:
        plain = decrypt(component.block)
        if plain is not None:
            pr = Reader(bytes(plain))
            payload = read_payload(pr, cluster_id, header)
            component = _with_plaintext(component, payload)
    return component


def _with_plaintext(c: EncryptedGbzComponent, payload: ZclPayload) -> EncryptedGbzComponent:
    return EncryptedGbzComponent(
        c.cluster_id,
        c.header,
        c.ciphertext,
        c.invocation_counter,
        c.security_control,
        c.additional_header_control,
        c.additional_frame_counter,
        c.last,
        c.from_date_time,
        c.reserved_control_bits,
        payload,
    )


# --- encoding -----------------------------------------------------------------------------


def encode_payload_bytes(payload: GbzPayload) -> bytes:
    """The bytes of ``payload``; raises ``GbcsEncodeError`` if a field cannot be written."""
    try:
        return _encode(payload)
    except OverflowError as exc:
        raise GbcsEncodeError(f"value out of range: {exc}") from None


def _encode(payload: GbzPayload) -> bytes:
    out = bytearray(uint_be(GBZ_PROFILE_ID, 2))
    out.append(payload.header_count)
    alert = payload.alert
    if alert is not None:
        out += uint_be(alert.alert_code, 2)
        out += uint_be(alert.timestamp, 4)
        body = alert.body
        if isinstance(body, FutureDatedOutcome):
            out.append(FUTURE_DATED_OUTCOME_LENGTH)
            out += uint_be(body.message_code, 2)
            out += uint_be(body.originator_counter, 8)
            out += uint_be(body.cluster_id, 2)
            out.append(body.frame_control)
            out.append(body.command_id)
        elif isinstance(body, FirmwareImageHash):
            out += uint_be(body.alert_start, 2)
            out += body.image_hash
        elif isinstance(body, IntegrityIssueWarning):
            out += uint_be(body.warning, 2)
        elif isinstance(body, RawAlertBody):
            out += body.data
        if body is not None and payload.components:
            raise GbcsEncodeError("an alert carries either a body or components, not both")
    for component in payload.components:
        _write_component(component, out)
    return bytes(out)


def _write_component(c: Component, out: bytearray) -> None:
    body = bytearray()
    if c.from_date_time is not None:
        body += uint_be(c.from_date_time, 4)
    if isinstance(c, GbzComponent):
        body += encode_frame(c.frame, c.cluster_id)
    else:
        body.append(c.additional_header_control)
        body.append(c.additional_frame_counter)
        write_header(c.header, body)
        block = c.block
        body += uint_be(len(block), 2)
        body += block
    if len(body) > 0xFFFF:
        raise GbcsEncodeError("a GBZ component is longer than 65535 bytes")
    out.append(c.control)
    out += uint_be(c.cluster_id, 2)
    out += uint_be(len(body), 2)
    out += body
