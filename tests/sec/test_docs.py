"""docs/sec-rules.md stays in step with the code it documents."""

from __future__ import annotations

import re

from opendcc.sec.params import ParameterSet
from opendcc.sec.services import SERVICE_REFERENCE_VARIANTS
from tests.reference import PROJECT_ROOT

DOC = (PROJECT_ROOT / "docs" / "sec-rules.md").read_text(encoding="utf-8")


def test_variant_table_matches_the_code() -> None:
    rows = re.findall(r"^\| (\d+(?:\.\d+)+) \| ([^|]+) \| (\w+) \|", DOC, flags=re.MULTILINE)
    documented = {variant: (name.strip(), category) for variant, name, category in rows}
    assert set(documented) == set(SERVICE_REFERENCE_VARIANTS)
    for variant, row in SERVICE_REFERENCE_VARIANTS.items():
        assert documented[variant] == (row.name, row.category.value), variant


def test_every_parameter_is_documented(parameters: ParameterSet) -> None:
    for parameter in parameters.all():
        assert f"`{parameter.name}`" in DOC, parameter.name
