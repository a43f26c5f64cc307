"""``DerPayload``, and the ``decode`` / ``encode`` pair the GBCS frame layer calls.

Decoding picks the GBCS ASN.1 module from the payload context (``catalogue``), reads the
typed structure and keeps it only if it writes back to exactly the bytes received;
otherwise, or when no module applies, the payload becomes a generic ``DerTree``. Either
way ``encode(decode(x)) == x``, and only input that is not DER at all raises
``GbcsDecodeError``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

from opendcc.gbcs.context import GbcsDecodeError, GbcsEncodeError, PayloadContext
from opendcc.gbcs.der import json_form
from opendcc.gbcs.der.catalogue import STRUCTURES, DerStructure, lookup
from opendcc.gbcs.der.tlv import LengthForm, Reader, writing_lengths
from opendcc.gbcs.der.tree import DerTree

FORMAT: Final = "der"

_BODY_TYPES: Final[dict[str, type[object]]] = {**STRUCTURES, "DerTree": DerTree}

_UNEXPECTED: Final = (
    ValueError,
    TypeError,
    AttributeError,
    IndexError,
    OverflowError,
    RecursionError,
)
"""Failures a hostile or ill-typed value could provoke below the API; each is turned into
the API's typed error so callers never see anything else."""


@dataclass(frozen=True, slots=True)
class DerPayload:
    """A GBCS DER payload: a typed GBCS structure, or a generic DER tree.

    ``use_case`` is the GBCS use case whose ASN.1 module applies (``CS02b``), when known;
    it is informational and does not affect encoding. ``length_form`` is how the sender
    wrote lengths of 128 or more (``LengthForm``); a generic tree records its own.
    """

    body: DerStructure | DerTree
    use_case: str | None = None
    length_form: LengthForm = LengthForm.MINIMAL

    @property
    def is_generic(self) -> bool:
        """True when no GBCS structure matched and the body is a plain DER tree."""
        return isinstance(self.body, DerTree)

    def encode(self) -> bytes:
        return encode(self)

    def named_values(self) -> dict[str, object]:
        """The read-only named values of the payload (what a reader wants to know)."""
        return self.body.named_values()

    def to_json(self) -> dict[str, object]:
        """JSON-safe form: ``format``, ``use_case``, ``type``, ``structure``, ``values``."""
        return {
            "format": FORMAT,
            "use_case": self.use_case,
            "type": type(self.body).__name__,
            "length_form": self.length_form.value,
            "structure": json_form.dump(self.body),
            "values": self.named_values(),
        }

    @classmethod
    def from_json(cls, obj: Mapping[str, object]) -> DerPayload:
        """Rebuild a payload from ``to_json`` output; ``values`` is ignored."""
        try:
            if obj.get("format") != FORMAT:
                raise GbcsDecodeError("not a DER payload: format must be 'der'")
            kind_name = obj.get("type")
            kind = _BODY_TYPES.get(kind_name) if isinstance(kind_name, str) else None
            if kind is None:
                raise GbcsDecodeError(f"unknown DER payload type {kind_name!r}")
            use_case = obj.get("use_case")
            if use_case is not None and not isinstance(use_case, str):
                raise GbcsDecodeError("use_case must be text or null")
            body = json_form.load(kind, obj.get("structure"))
            form = LengthForm(obj.get("length_form", LengthForm.MINIMAL.value))
        except GbcsDecodeError:
            raise
        except _UNEXPECTED as exc:
            raise GbcsDecodeError(f"bad DER payload JSON: {exc}") from None
        return cls(body, use_case, form)


def decode(content: bytes, context: PayloadContext) -> DerPayload:
    """Decode a DER payload; raises only ``GbcsDecodeError`` (for input that is not DER)."""
    if not isinstance(content, bytes | bytearray | memoryview):
        raise GbcsDecodeError(f"a payload is bytes, not {type(content).__name__}")
    data = bytes(content)
    found = lookup(context.message_code, context.use_case)
    use_case = found[0] if found is not None else None
    structure = found[1].structure(context.cra) if found is not None else None
    if structure is not None:
        matched = _read_typed(structure, data)
        if matched is not None:
            return DerPayload(matched[0], use_case, matched[1])
    try:
        return DerPayload(DerTree.decode(data), use_case)
    except GbcsDecodeError:
        raise
    except _UNEXPECTED as exc:
        raise GbcsDecodeError(f"malformed DER: {exc}") from None


def decode_as(kind: type[DerStructure], content: bytes) -> DerStructure:
    """Decode ``content`` as one given structure type, without falling back."""
    reader = Reader(bytes(content))
    try:
        value = kind.read(reader)
        reader.finish()
    except GbcsDecodeError:
        raise
    except _UNEXPECTED as exc:
        raise GbcsDecodeError(f"malformed {kind.__name__}: {exc}") from None
    return value


def encode(payload: DerPayload) -> bytes:
    """The exact DER octets of ``payload``; ``GbcsEncodeError`` for values GBCS cannot carry."""
    try:
        with writing_lengths(payload.length_form):
            return payload.body.write()
    except GbcsEncodeError:
        raise
    except _UNEXPECTED as exc:
        raise GbcsEncodeError(f"cannot encode {type(payload.body).__name__}: {exc}") from None


def _read_typed(kind: type[DerStructure], data: bytes) -> tuple[DerStructure, LengthForm] | None:
    """The structure and the length form that reproduce ``data`` exactly, or None."""
    try:
        value = decode_as(kind, data)
        for form in LengthForm:
            with writing_lengths(form):
                if value.write() == data:
                    return value, form
    except (GbcsDecodeError, GbcsEncodeError):
        return None
    return None
