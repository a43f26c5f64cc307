"""Mutating signed DUIS documents, and what counts as a mutation.

A change to a signed document is a *mutation* when it changes what the signature vouches
for or what the verifier relies on; otherwise it is a mere re-serialisation and the document
must still verify. Precisely, ``signed_form`` of a document, read with opendcc's parser (so
whitespace-only text between elements is already gone), is the tuple of:

1. whether the root's last child is a ds:Signature (a signature elsewhere is no signature);
2. the inclusive C14N 1.0, without comments, of the document without that signature: what
   the digest covers (so attribute order, quoting, namespace-declaration placement that C14N
   normalises, comments and ignorable whitespace are not mutations);
3. the exclusive C14N, without comments, of its SignedInfo: what the signature value covers;
4. the element tree (tags and nesting) of the rest of the Signature: SignatureValue, KeyInfo;
5. the decoded SignatureValue (CR, LF, tab and space inside the base64 do not count);
6. every (X509IssuerName as a distinguished name, X509SerialNumber as an integer) pair.

A mutation must never verify; a non-mutation must verify. Both directions are asserted.
"""

from __future__ import annotations

import base64
import binascii
import re
from typing import Any

from cryptography import x509
from hypothesis import strategies as st
from lxml import etree

DS = "{http://www.w3.org/2000/09/xmldsig#}"


def _decoded(text: str | None) -> bytes | str:
    raw = "".join(ch for ch in (text or "") if ch not in " \t\r\n")
    try:
        return base64.b64decode(raw, validate=True)
    except (binascii.Error, ValueError):
        return raw


def _name(text: str) -> Any:
    try:
        return x509.Name.from_rfc4514_string(text.strip(" \t\r\n"))
    except ValueError:
        return ("unparseable", text)


def _serial(text: str | None) -> Any:
    stripped = (text or "").strip(" \t\r\n")
    return int(stripped) if stripped.isascii() and stripped.isdigit() else ("bad", stripped)


def _shape(element: etree._Element) -> tuple[Any, ...]:
    return (element.tag, tuple(_shape(c) for c in element if isinstance(c.tag, str)))


def signed_form(root: etree._Element) -> tuple[Any, ...]:
    """What verification depends on (see the module docstring); a document that cannot be
    canonicalised (a relative namespace URI, say) has no signed form and cannot verify."""
    try:
        return _signed_form(root)
    except etree.C14NError:
        return ("cannot be canonicalised",)


def _signed_form(root: etree._Element) -> tuple[Any, ...]:
    last = root[-1] if len(root) else None
    if last is None or last.tag != DS + "Signature":
        return ("unsigned", etree.tostring(root.getroottree(), method="c14n", with_comments=False))
    copy = etree.fromstring(etree.tostring(root.getroottree()))
    # The enveloped-signature transform removes the element, not the text after it, which
    # lxml's remove() would take along.
    tail, previous = copy[-1].tail, copy[-1].getprevious()
    copy.remove(copy[-1])
    if tail and previous is not None:
        previous.tail = (previous.tail or "") + tail
    elif tail:
        copy.text = (copy.text or "") + tail
    document = etree.tostring(copy.getroottree(), method="c14n", with_comments=False)
    children = [c for c in last if isinstance(c.tag, str)]
    signed_info = children[0] if children else None
    info = (
        etree.tostring(signed_info, method="c14n", exclusive=True, with_comments=False)
        if signed_info is not None and signed_info.tag == DS + "SignedInfo"
        else None
    )
    shape = tuple(_shape(c) for c in children[1:])
    value = next((_decoded(c.text) for c in children if c.tag == DS + "SignatureValue"), None)
    pairs = tuple(
        (
            _name(s.findtext(DS + "X509IssuerName") or ""),
            _serial(s.findtext(DS + "X509SerialNumber")),
        )
        for s in last.iter(DS + "X509IssuerSerial")
    )
    return ("signed", document, info, shape, value, pairs)


_TOKENS = [b" ", b"\n", b"\r\n", b"\t", b"<!--x-->", b"&#13;", b"<a/>", b"&amp;", b"=", b'"', b"'",
           b"<", b">", b"/", b"A", b"0", b"-", b":", b"<?pi x?>", b"<![CDATA[x]]>"]  # fmt: skip


_TEXT_NODES = re.compile(rb">([^<]+)<")


@st.composite
def byte_mutation(draw: st.DrawFn, data: bytes) -> bytes:
    """A byte-level change: overwrite, delete, insert or duplicate, anywhere or (half the
    time) inside text content, where a change still parses and so reaches the verifier."""
    op = draw(st.sampled_from(["overwrite", "delete", "insert", "duplicate"]))
    spans = [m.span(1) for m in _TEXT_NODES.finditer(data)]
    if spans and draw(st.booleans()):
        start, end = draw(st.sampled_from(spans))
        i = draw(st.integers(start, end - 1))
    else:
        i = draw(st.integers(0, len(data) - 1))
    if op == "overwrite":
        return data[:i] + bytes([draw(st.integers(0, 255))]) + data[i + 1 :]
    if op == "delete":
        return data[:i] + data[i + draw(st.integers(1, 16)) :]
    if op == "insert":
        piece = draw(st.one_of(st.sampled_from(_TOKENS), st.binary(min_size=1, max_size=8)))
        return data[:i] + piece + data[i:]
    n = draw(st.integers(1, 40))
    return data[:i] + data[i : i + n] + data[i:]


_TEXT = st.text(
    alphabet=st.one_of(
        st.sampled_from(list(" \t\r\nAZaz09+/=-:.<>&\"'")),
        st.characters(min_codepoint=0x20, max_codepoint=0x2FF, exclude_categories=("Cc", "Cs")),
    ),
    max_size=12,
)


@st.composite
def tree_mutation(draw: st.DrawFn, data: bytes) -> bytes:
    """An XML-aware change: text, tags, attributes, elements, comments, whitespace."""
    root = etree.fromstring(data)
    elements = [e for e in root.iter() if isinstance(e.tag, str)]
    target = draw(st.sampled_from(elements))
    op = draw(
        st.sampled_from(
            ["text", "tail", "remove", "duplicate", "rename", "attribute", "comment", "move"]
        )
    )
    parent = target.getparent()
    if op == "text":
        target.text = draw(_TEXT)
    elif op == "tail" and parent is not None:
        target.tail = draw(st.sampled_from([" ", "\n  ", "x", "\t"]))
    elif op == "remove" and parent is not None:
        parent.remove(target)
    elif op == "duplicate" and parent is not None:
        target.addnext(etree.fromstring(etree.tostring(target)))
    elif op == "rename":
        target.tag = draw(st.sampled_from([e.tag for e in elements]))
    elif op == "attribute":
        target.set(draw(st.sampled_from(["Id", "URI", "Algorithm", "x"])), draw(_TEXT))
    elif op == "comment":
        target.insert(draw(st.integers(0, len(target))), etree.Comment("c"))
    elif op == "move" and parent is not None:
        destination = draw(st.sampled_from(elements))
        if target not in destination.iterancestors() and destination is not target:
            destination.append(target)
    return etree.tostring(root)


def judge(original: tuple[Any, ...], mutated: bytes, verify: Any) -> str:
    """Parse and verify ``mutated``; assert a mutation fails and a non-mutation verifies.

    ``verify`` takes a ServiceRequest or ServiceResponse and returns VerifiedSignature |
    SignatureFailure. Returns what happened, for hypothesis' statistics.
    """
    from opendcc.duis.errors import DuisError
    from opendcc.duis.messages import parse_message
    from opendcc.duis.signature import SignatureFailure, VerifiedSignature

    message = parse_message(mutated)
    if isinstance(message, DuisError):
        return f"refused by the parser: {message.kind.name}"
    result = verify(message)
    assert isinstance(result, VerifiedSignature | SignatureFailure), result
    if signed_form(message.root) == original:
        assert isinstance(result, VerifiedSignature), (result, mutated)
        return "not a mutation: verifies"
    assert isinstance(result, SignatureFailure), mutated
    return f"mutation refused: {result.reason.name}"
