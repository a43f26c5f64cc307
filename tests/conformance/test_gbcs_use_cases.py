"""The message code table covers every use case of the DUIS GBCS use case catalogue."""

from __future__ import annotations

import json
from typing import Any

import pytest

from opendcc.gbcs import message_codes
from opendcc.gbcs.message_codes import MessageKind
from tests.reference import require_reference

pytestmark = pytest.mark.conformance


def _catalogue() -> list[dict[str, Any]]:
    path = require_reference("duis", "gbcs-use-cases.json")
    entries = json.loads(path.read_text("utf-8"))
    assert isinstance(entries, list) and entries
    return entries


def test_every_catalogue_use_case_has_its_message_code() -> None:
    unresolved = []
    for entry in _catalogue():
        code, name = entry["Code"], entry["Use Case Name"]
        rows = message_codes.for_catalogue_entry(code, name)
        if not rows:
            unresolved.append(code)
            continue
        for row in rows:
            # ... and the message code resolves back to the same use case.
            back = message_codes.lookup(row.value)
            assert back is row
            assert code in (row.use_case, row.catalogue_code), (code, row)
    assert sorted(unresolved) == sorted(message_codes.USE_CASES_WITHOUT_MESSAGE_CODE)


def test_catalogue_entries_that_share_a_code_are_told_apart_by_name() -> None:
    """ECS25a, ECS25b and ECS25r name several use cases in the catalogue; each gets its
    own message code."""
    seen: dict[int, str] = {}
    for entry in _catalogue():
        rows = message_codes.for_catalogue_entry(entry["Code"], entry["Use Case Name"])
        if entry["Code"] in ("CS02b", "CS02g") or not rows:
            continue  # one catalogue entry, several variant codes
        assert len(rows) == 1, entry
        key = f"{entry['Code']}: {entry['Use Case Name']}"
        assert rows[0].value not in seen or seen[rows[0].value] == key
        seen[rows[0].value] = key


def test_catalogue_facts_are_carried_over() -> None:
    for entry in _catalogue():
        for row in message_codes.for_catalogue_entry(entry["Code"], entry["Use Case Name"]):
            if row.kind is MessageKind.ALERT and row.use_case != entry["Code"]:
                continue
            assert row.message_type == entry["Message Type"]
            assert row.service_reference == entry["Service Reference"]
            assert row.han_only == (entry["Remote Party or HAN Message"] == "HAN Only Message")
