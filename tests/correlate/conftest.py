from __future__ import annotations

from typing import Any

from tests.correlate.report import REPORT


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """Per critical template: whether a transform exists, and mutations tried and caught."""
    if not REPORT:
        return
    write = terminalreporter.write_line
    terminalreporter.section("correlate: critical templates and mutations")
    tried = sum(r.tried for r in REPORT.values())
    caught = sum(r.caught for r in REPORT.values())
    checked = sum(1 for r in REPORT.values() if r.transform)
    write(
        f"{len(REPORT)} critical templates, {checked} with a transform; "
        f"mutations tried {tried}, caught {caught}"
    )
    for name, row in sorted(REPORT.items()):
        write(f"  {name:58} {row.line()}")
