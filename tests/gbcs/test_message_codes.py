"""The message code and alert code tables."""

from __future__ import annotations

from opendcc.gbcs import alert_codes, message_codes
from opendcc.gbcs.message_codes import MessageKind


def test_codes_are_unique_and_in_range() -> None:
    values = [row.value for row in message_codes.TABLE]
    assert len(values) == len(set(values))
    assert all(0 < v <= 0xFFFF for v in values)
    alerts = [row.value for row in alert_codes.TABLE]
    assert len(alerts) == len(set(alerts))
    assert all(0x8000 <= v <= 0x8FFF for v in alerts)


def test_lookup() -> None:
    row = message_codes.lookup(0x0027)
    assert row is not None and row.use_case == "ECS17b" and row.kind is MessageKind.COMMAND
    assert row.name == "ECS17b Read Import Energy / Consumption Registers"
    assert message_codes.lookup(0x0059).use_case == "ECS52"  # type: ignore[union-attr]
    assert message_codes.lookup(0x1001).kind is MessageKind.ALERT  # type: ignore[union-attr]
    assert message_codes.lookup(0x0005) is None


def test_use_cases_with_several_codes() -> None:
    cs02b = message_codes.for_use_case("cs02b")
    assert [r.value for r in cs02b if r.kind is MessageKind.COMMAND] == list(range(0x100, 0x10A))
    assert cs02b[-1].value == 0x00CB and cs02b[-1].kind is MessageKind.ALERT
    row = message_codes.command_code("CS02b", "supplierBySupplier")
    assert row is not None and row.value == 0x0102
    assert "(supplierBySupplier)" in row.name
    assert message_codes.command_code("ECS25a") is not None
    assert {r.use_case for r in message_codes.for_use_case("ECS25a")} == {
        "ECS25a",
        "ECS25a1",
        "ECS25a2",
        "ECS25a3",
    }
    named = message_codes.for_catalogue_entry("ECS25a", "Set Event  Behaviours logging - Supplier")
    assert [r.value for r in named] == [0x00EC]


def test_han_only_messages() -> None:
    assert {r.use_case for r in message_codes.TABLE if r.han_only} == {
        "PCS01",
        "PCS02",
        "PECS01",
        "PECS02",
        "PECS03",
        "HECS01",
    }


def test_alert_codes_name_and_carry() -> None:
    billing = alert_codes.lookup(0x8F0A)
    assert billing is not None and billing.name == "Billing Data Log Updated"
    assert billing.carried_by == (0x0061, 0x008B)
    assert {a.value for a in alert_codes.carried_by(0x0018)} == {0x8F12}
    for alert in alert_codes.TABLE:
        for code in alert.carried_by:
            carrier = message_codes.lookup(code)
            assert carrier is not None and carrier.kind is MessageKind.ALERT, (alert, code)
