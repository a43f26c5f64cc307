"""What the conformance run found per critical template (printed at the end of the run)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class TemplateReport:
    transform: bool = False
    vector: str = "none"
    correlates: bool | None = None
    tried: int = 0
    caught: int = 0

    def line(self) -> str:
        if not self.transform:
            return "no transform yet"
        state = {True: "correlates", False: "DOES NOT CORRELATE", None: "-"}[self.correlates]
        return f"vector {self.vector:10} {state:18} mutations {self.caught}/{self.tried}"


REPORT: dict[str, TemplateReport] = {}
