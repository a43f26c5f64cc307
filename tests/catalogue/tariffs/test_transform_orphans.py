"""Reference Commands without a template of their own are reproduced too.

Most are the ERROR Commands of a variant (the Device fails, the Command is the SUCCESS
one's body with its own counter), reads and 2.5 whose body carries nothing, and a few whose
body differs from the template at hand in ways the Command shows (a cancellation of a
future-dated template, a currency, a flag, the UTRN, a debt). Each recipe below starts from
a template of the same use case (or an empty body) and changes only what the vector shows
differs, so the comparison checks how the transform maps those body values; the counter
and recipient come from the vector itself.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime

import pytest
from lxml import etree

from opendcc.gbcs import build
from opendcc.gbcs.frame import decode_message
from opendcc.roles import UserRole
from opendcc.smki.identity import KeyUsage
from opendcc.transform.registry import TransformInput
from tests.catalogue.tariffs import support as s
from tests.reference import REFERENCE_DIR, check_present

RTDS = REFERENCE_DIR / "gbcs" / "rtds"
EXECUTION = datetime(2030, 1, 15, 9, tzinfo=UTC)
CANCELLATION = datetime(3000, 12, 31, tzinfo=UTC)

Edit = Callable[[etree._Element], None]


def _path(name: str) -> str:
    return ".//" + "/".join(f"{s.SR}{part}" for part in name.split("/"))


def _set(name: str, text: str, *, every: bool = False) -> Edit:
    """Set the text of the first (or ``every``) element at path ``name`` ("A/B")."""

    def edit(body: etree._Element) -> None:
        nodes = body.findall(_path(name))
        assert nodes, name
        for node in nodes if every else nodes[:1]:
            node.text = text

    return edit


def _texts(name: str, texts: tuple[str, ...]) -> Edit:
    """Set the successive ``name`` elements' texts."""

    def edit(body: etree._Element) -> None:
        nodes = body.findall(f".//{s.SR}{name}")
        assert len(nodes) == len(texts), name
        for node, text in zip(nodes, texts, strict=True):
            node.text = text

    return edit


def _retag(old: str, new: str) -> Edit:
    def edit(body: etree._Element) -> None:
        for node in body.iter(f"{s.SR}{old}"):
            node.tag = f"{s.SR}{new}"

    return edit


def _remove(name: str) -> Edit:
    def edit(body: etree._Element) -> None:
        for node in list(body.iter(f"{s.SR}{name}")):
            parent = node.getparent()
            assert parent is not None
            parent.remove(node)

    return edit


def _replace(name: str, xml: str) -> Edit:
    """Replace element ``name`` with DUIS ``xml`` (elements without namespace prefix)."""

    def edit(body: etree._Element) -> None:
        node = body.find(f".//{s.SR}{name}")
        assert node is not None, name
        fresh = etree.fromstring(f'<root xmlns="{s.SR[1:-1]}">{xml}</root>')[0]
        parent = node.getparent()
        assert parent is not None
        parent.replace(node, fresh)

    return edit


@dataclass(frozen=True, slots=True)
class Recipe:
    template: str | None
    """The template to start from; None: an empty body element ``tag`` of ``variant``."""
    edits: tuple[Edit, ...] = ()
    execution_at: datetime | str | None = "template"
    variant: str = ""
    tag: str = ""


def _same(template: str) -> Recipe:
    return Recipe(template)


def _empty(variant: str, tag: str) -> Recipe:
    return Recipe(None, variant=variant, tag=tag)


ONE_THRESHOLD = "".join(
    f'<Thresholds index="{n}"><BlockThreshold index="1">4294967295</BlockThreshold></Thresholds>'
    for n in range(1, 9)
)

RECIPES: dict[str, Recipe] = {
    # The ERROR Command is the SUCCESS one with its own counter: the Device fails.
    **{
        name: _same(template)
        for name, template in {
            "GCS01a_1.1.1_FUTURE_DATED_BLOCK_ERROR": "GCS01a_1.1.1_FUTURE_DATED_BLOCK_SUCCESS",
            "ECS01c_1.1.2_IMMEDIATE_ERROR": "ECS01c_1.1.2_IMMEDIATE_SUCCESS",
            "ECS01b_1.2.1_IMMEDIATE_ERROR": "ECS01b_1.2.1_IMMEDIATE_TOU_SUCCESS",
            "GCS01b_1.2.1_FUTURE_DATED_BLOCK_ERROR": "GCS01b_1.2.1_FUTURE_DATED_BLOCK_SUCCESS",
            "ECS01d_1.2.2_IMMEDIATE_ERROR": "ECS01d_1.2.2_IMMEDIATE_SUCCESS",
            "ECS04a_1.5_ERROR": "ECS04a_1.5_SUCCESS",
            "ECS04b_1.5_ERROR": "ECS04b_1.5_SUCCESS",
            "GCS40a_1.5_ERROR": "GCS40a_1.5_SUCCESS",
            "GCS40c_1.5_ERROR": "GCS40c_1.5_SUCCESS",
            "GCS40d_1.5_ERROR": "GCS40d_1.5_SUCCESS",
            "ECS03_1.6_IMMEDIATE_SINGLE_ERROR": "ECS03_1.6_IMMEDIATE_SINGLE_SUCCESS",
            "GCS02_1.6_IMMEDIATE_ERROR": "GCS02_1.6_IMMEDIATE_SUCCESS",
            "ECS05_1.7_ERROR": "ECS05_1.7_SUCCESS",
            "ECS08_2.1_IMMEDIATE_ERROR": "ECS08_2.1_IMMEDIATE_SUCCESS",
            "ECS08a_2.1_IMMEDIATE_ERROR": "ECS08a_2.1_IMMEDIATE_SUCCESS",
            "ECS07_2.3_ERROR": "ECS07_2.3_SUCCESS",
            "GCS14_4.3_ERROR": "GCS14_4.3_SUCCESS_RELIABLE_GPF",
            "GCS14_4.3_SUCCESS_RELIABLE_GSME": "GCS14_4.3_SUCCESS_RELIABLE_GPF",
            "GCS14_4.3_SUCCESS_UNRELIABLE": "GCS14_4.3_SUCCESS_RELIABLE_GPF",
            "ECS21b_4.14_KRP_ERROR": "ECS21b_4.14_KRP_SUCCESS",
            "ECS82_4.18_ERROR": "ECS82_4.18_SUCCESS",
            "GCS60_4.18_ERROR": "GCS60_4.18_SUCCESS",
            "GCS60a_4.18_ERROR": "GCS60a_4.18_SUCCESS_RELIABLE_GPF",
            "ECS26j_6.2.9_ERROR": "ECS26j_6.2.9_SUCCESS",
            "GCS21j_6.2.9_ERROR": "GCS21j_6.2.9_SUCCESS",
            "ECS48_6.26_ERROR": "ECS48_6.26_SUCCESS",
        }.items()
    },
    # Reads and 2.5: nothing in the body.
    "ECS09_2.5_SUCCESS": _empty("2.5", "ActivateEmergencyCredit"),
    "ECS09_2.5_ERROR": _empty("2.5", "ActivateEmergencyCredit"),
    "GCS06_2.5_SUCCESS": _empty("2.5", "ActivateEmergencyCredit"),
    "GCS06_2.5_ERROR": _empty("2.5", "ActivateEmergencyCredit"),
    "ECS19_4.3_SUCCESS": _empty("4.3", "ReadInstantaneousPrepayValues"),
    "ECS19_4.3_ERROR": _empty("4.3", "ReadInstantaneousPrepayValues"),
    "GCS21f_4.11.1_SUCCESS": _empty("4.11.1", "ReadTariffPrimaryElement"),
    "GCS21f_4.11.1_ERROR": _empty("4.11.1", "ReadTariffPrimaryElement"),
    "GCS21b_4.13_ERROR": _empty("4.13", "ReadPrepaymentConfiguration"),
    # Cancelling what a future-dated template would hold (3000-12-31).
    "GCS01a_1.1.1_CANCELLATION_BLOCK_SUCCESS": Recipe(
        "GCS01a_1.1.1_FUTURE_DATED_BLOCK_SUCCESS", execution_at=CANCELLATION
    ),
    "ECS01c_1.1.2_CANCELLATION_SUCCESS": Recipe(
        "ECS01c_1.1.2_FUTURE_DATED_SUCCESS", execution_at=CANCELLATION
    ),
    "GCS01b_1.2.1_CANCELLATION_BLOCK_SUCCESS": Recipe(
        "GCS01b_1.2.1_FUTURE_DATED_BLOCK_SUCCESS",
        (_set("CurrencyUnits", "ECB"),),  # the schema's euro: ISO 4217 978 in the Command
        execution_at=CANCELLATION,
    ),
    # Immediate versions of future-dated templates, with the values the Commands show.
    "GCS03_1.6_IMMEDIATE_SUCCESS": Recipe(
        "GCS03_1.6_FUTURE_DATED_SUCCESS",
        (_set("SuspendDebtEmergency", "false"),),  # PaymentControlConfiguration 0x0897
        execution_at=None,
    ),
    "ECS01a_1.1.1_IMMEDIATE_TOU_SUCCESS": (
        IMMEDIATE_TOU := Recipe(
            "ECS01a_1.1.1_FUTURE_DATED_TOU_BLOCK_SUCCESS",
            (
                _retag("BlockTariffAction", "TOUTariffAction"),
                _texts("TOUTariffAction", ("2", "3", "3", "2", "1")),
                _texts(
                    "ReferencedDayName", (*("1",) * 5, "3", "3", *("2",) * 5, "3", "3", "2", "3")
                ),
                _replace("ThresholdMatrix", f"<ThresholdMatrix>{ONE_THRESHOLD}</ThresholdMatrix>"),
                _replace(
                    "HybridTariff",
                    '<TOUTariff><TOUPrice index="1">2121</TOUPrice>'
                    '<TOUPrice index="2">3127</TOUPrice><TOUPrice index="3">4744</TOUPrice>'
                    "</TOUTariff>",
                ),
            ),
            execution_at=None,
        )
    ),
    "ECS01a_1.1.1_IMMEDIATE_ERROR": IMMEDIATE_TOU,
    # The future-dated GCS05 the reference shows (its special days name day 3).
    "GCS05_2.1_FUTURE_DATED_ERROR": Recipe(
        "GCS05_2.1_IMMEDIATE_SUCCESS",
        (_set("SpecialDay/ReferencedDayName", "3", every=True),),
        execution_at=EXECUTION,
    ),
    # 1.5 prepayment-mode reset (GCS40b: CreditAdjustment absolute 0): no template here.
    "GCS40b_1.5_SUCCESS": Recipe(
        "GCS40a_1.5_SUCCESS",
        (_replace("AdjustMeterBalance", "<ResetMeterBalance/>"),),
    ),
    "GCS40b_1.5_ERROR": Recipe(
        "GCS40a_1.5_SUCCESS",
        (_replace("AdjustMeterBalance", "<ResetMeterBalance/>"),),
    ),
    # 2.2 with the UTRN the Command carries.
    "CS01a_2.2_ERROR": Recipe("CS01a_2.2_SUCCESS", (_set("UTRN", "73948959061972833313"),)),
    # 2.3 on a GSME: the ECS07 body with the gas recovery elements and the debts shown.
    **{
        f"GCS04_2.3_{outcome}": Recipe(
            "ECS07_2.3_SUCCESS",
            (
                _retag("ElecDebtRecovery1", "GasDebtRecovery1"),
                _retag("ElecDebtRecovery2", "GasDebtRecovery2"),
                _remove("DebtRecoveryRatePriceScale"),
                _set("TimeDebtRegister1", "1000000"),
                _set("TimeDebtRegister2", "500000"),
                _set("PaymentDebtRegister", "1000000"),
                _set("DebtRecoveryPerPayment", "100"),
                _texts("DebtRecoveryRate", ("50000", "50000")),
                _texts("DebtRecoveryRatePeriod", ("DAILY", "HOURLY")),
            ),
        )
        for outcome in ("SUCCESS", "ERROR")
    },
}


def _vectors() -> list[object]:
    found = []
    for stem, _ in sorted(RECIPES.items()):
        use_case, variant = stem.split("_")[:2]
        folder = RTDS / f"{variant}_{use_case}"
        for kind in ("PRECOMMAND", "COMMAND"):
            path = folder / f"{stem}_{kind}_GBCS.HEX"
            if path.exists():
                found.append(pytest.param(stem, kind, id=f"{stem}_{kind}"))
    return found or [pytest.param("", "", id="reference-missing")]


def _request(stem: str, raw: bytes) -> TransformInput:
    recipe = RECIPES[stem]
    vector = decode_message(raw)
    use_case = stem.split("_", maxsplit=1)[0]
    device = s.device(
        vector.recipient.value & 0xFF, gbcs_version=s.GBCS_VERSIONS.get(use_case, "4.1")
    )
    if recipe.template is None:
        return TransformInput(
            variant=recipe.variant,
            body=s.element(recipe.tag),
            originator=vector.originator,
            target=vector.recipient,
            counter=vector.counter,
            device=device,
            role=UserRole.IMPORT_SUPPLIER,
            now=s.RTDS_NOW,
            execution_at=None,
            inventory=s.Inventory(None),
        )
    name = f"{recipe.template}_REQUEST_DUIS.XML"
    body = copy.deepcopy(s.template(name).find(f"{s.SR}Body")[0])  # type: ignore[index]
    for edit in recipe.edits:
        edit(body)
    request = s.request_from(name, counter=vector.counter, body=body)
    execution = (
        s.request_from(name).execution_at
        if recipe.execution_at == "template"
        else recipe.execution_at
    )
    assert not isinstance(execution, str)
    return replace(
        request,
        target=vector.recipient,
        device=device,
        execution_at=execution,
        inventory=s.Inventory(s.variant_for(stem) or s.variant_for(name)),
    )


@pytest.mark.conformance
@pytest.mark.parametrize(("stem", "kind"), _vectors())
def test_vectors_without_templates_are_reproduced(stem: str, kind: str) -> None:
    if not stem:
        check_present(RTDS / "__missing__")
    use_case, variant = stem.split("_")[:2]
    raw = bytes.fromhex(
        (RTDS / f"{variant}_{use_case}" / f"{stem}_{kind}_GBCS.HEX").read_text().strip()
    )
    request = _request(stem, raw)
    spec = s.transformed(request)
    assert spec.use_case == use_case
    pre = s.pre_command(spec, request)
    if kind == "PRECOMMAND":
        assert pre.encode() == raw
        return
    vector = decode_message(raw)
    if vector.signature is None:
        assert s.command(spec, request).encode() == raw
        return
    signer = s.keystore().find(request.originator, KeyUsage.DIGITAL_SIGNING)
    assert any(
        build.verify_pre_command_signature(pre, vector.signature, e.public_key) for e in signer
    )
    assert build.critical_command(pre, vector.signature, s.security()).encode() == raw


def test_every_command_vector_of_the_family_is_compared() -> None:
    """Template comparisons (``test_transform_conformance``) and the recipes above cover
    every Command and Pre-Command vector of the family's folders, less the Unknown Remote
    Party read the transform refuses."""
    templates = {s.stem(n) for n in s.family_templates()}
    missing = []
    for folder in s.FAMILY_FOLDERS:
        for path in sorted((RTDS / folder).glob("*COMMAND_GBCS.HEX")):
            stem = s.stem(path.name)
            if stem not in templates and stem not in RECIPES:
                missing.append(path.name)
    assert missing == []
