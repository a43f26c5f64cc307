"""Paths into the JSON form of a decoded payload: ``StandingCharge/charge_table[0]/charge``.

Correlation compares payloads as their codecs name them (``opendcc.gbcs`` ``to_json``): a
value is found by a path of keys and list indices, and differences are reported by path.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any


def split_path(path: str) -> Iterator[str | int]:
    """The steps of ``path``: keys (str) and list indices (int)."""
    for segment in path.split("/"):
        if not segment:
            continue
        name, _, rest = segment.partition("[")
        if name:
            yield name
        while rest:
            index, _, rest = rest.partition("]")
            if index.isdigit():
                yield int(index)
            rest = rest.removeprefix("[")


def join_path(steps: list[str | int]) -> str:
    out = ""
    for step in steps:
        out += f"[{step}]" if isinstance(step, int) else (f"/{step}" if out else step)
    return out


def walk(tree: Any, path: str) -> Iterator[Any]:
    """Each node from the root down along ``path``, as far as the path leads."""
    node = tree
    yield node
    for step in split_path(path):
        in_list = isinstance(step, int) and isinstance(node, list) and step < len(node)
        in_dict = isinstance(step, str) and isinstance(node, dict) and step in node
        if not (in_list or in_dict):
            return
        node = node[step]
        yield node


def at_path(tree: Any, path: str) -> Any:
    """The node at ``path``, or None when the path does not lead there."""
    walked = list(walk(tree, path))
    return walked[-1] if len(walked) == len(list(split_path(path))) + 1 else None


def prefix(path: str, depth: int) -> str:
    """The first ``depth`` steps of ``path``."""
    return join_path(list(split_path(path))[:depth])


def differing_leaves(a: Any, b: Any, path: str = "") -> Iterator[tuple[str, Any, Any]]:
    """Leaves present in both trees whose values differ: (path, a's value, b's value)."""
    if isinstance(a, dict) and isinstance(b, dict):
        for key in a:
            if key in b:
                yield from differing_leaves(a[key], b[key], f"{path}/{key}" if path else key)
    elif isinstance(a, list) and isinstance(b, list):
        for index, (x, y) in enumerate(zip(a, b, strict=False)):
            yield from differing_leaves(x, y, f"{path}[{index}]")
    elif a != b:
        yield path, a, b


def as_datetime(value: Any) -> datetime | None:
    """An ISO 8601 date-time string as an aware datetime (naive ones read as UTC)."""
    if not isinstance(value, str) or len(value) < 19 or value[4:5] != "-":
        return None
    try:
        parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
