"""Each variant's own refusal code belongs to that variant's Service Reference.

The DUIS schema lists the six-digit codes without their meanings (docs/decisions.md, 2):
digits 1-4 are the Service Reference (``E050101`` is 5.1's). The transforms answer a body
value they cannot use with the variant's own code; a code of another Service Reference would
tell the User about a request it did not send.
"""

from __future__ import annotations

import pytest

from opendcc.duis.codes import ResponseCode
from opendcc.duis.matrix import service_reference_variant
from opendcc.transform import config_common, reads_common, security_common, tariffs_common

TABLES = {
    "config_common.REFUSAL_CODES": config_common.REFUSAL_CODES,
    "security_common.REFUSAL_CODES": security_common.REFUSAL_CODES,
    "tariffs_common.BODY_REFUSAL_CODES": tariffs_common.BODY_REFUSAL_CODES,
    "reads_common.BODY_REFUSAL_CODES": reads_common.BODY_REFUSAL_CODES,
}
SCHEMA_CODES = frozenset(c.value for c in ResponseCode)
"""``ResponseCode`` is the schema's list (tests/conformance/test_duis_matrix.py)."""


@pytest.mark.parametrize("table", TABLES)
def test_refusal_codes_are_the_variants_own(table: str) -> None:
    codes = TABLES[table]
    assert codes
    for variant, code in codes.items():
        srv = service_reference_variant(variant)
        assert srv is not None, f"{table}: {variant} is not a Service Reference Variant"
        assert code in SCHEMA_CODES, f"{table}: {variant} -> {code} is not a DUIS code"
        response = ResponseCode(code)
        assert response.is_error, f"{table}: {variant} -> {code} is not an error code"
        assert response.service_reference == srv.service_reference, (
            f"{table}: {variant} -> {code}, a code of {response.service_reference}"
        )


def test_a_second_variants_codes_are_numbered_from_21() -> None:
    # The schema numbers 8.7.2's, 8.8.2's and 8.12.2's codes from 21 (E080721, E080821,
    # E081221) beside 01-09 for the first variant; the join, unjoin and restore-log
    # transforms answer accordingly.
    codes = security_common.REFUSAL_CODES
    for first, second in (("8.7.1", "8.7.2"), ("8.8.1", "8.8.2"), ("8.12.1", "8.12.2")):
        assert int(codes[first][-2:]) < 21 <= int(codes[second][-2:])
