from __future__ import annotations

import re
from pathlib import Path

import pytest

from opendcc.gbcs.alert_codes import alert_code_in
from tests.reference import check_present, reference_params


@pytest.mark.conformance
@pytest.mark.parametrize("vector", reference_params("gbcs/rtds", "*ALERT*_GBCS.HEX"))
def test_the_alert_code_named_in_the_file_is_the_one_read(vector: Path) -> None:
    check_present(vector)
    named = re.search(r"_(8[0-9A-F]{3})_", vector.name)
    code = alert_code_in(bytes.fromhex(vector.read_text().strip()))
    assert code is not None
    if named:
        assert code == int(named.group(1), 16)


def test_not_an_alert_gives_none() -> None:
    assert alert_code_in(b"\x00\x01") is None
