"""Command Variants: what a Service Request asks the DCC to do with it, and where it goes.

The table below is the specification (DUIS ``CommandVariant`` type, whose schema comment
gives the same facts, and DCC Boxed's endpoints on port 8079): for each Command Variant,
the endpoint a request must be sent to, whether its input is a Service Request or a
User-signed Pre-Command, whether the Command goes over the SM WAN, is returned for local
delivery, or both, and how the DCC answers. The schema's value 9 is internal to the DCC and
never valid in a Service Request.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Final


class ServiceEndpoint(enum.Enum):
    """The DUIS web services (DCC Boxed: ``POST /api/v1/<name>``)."""

    SEND_COMMAND = "serviceS"
    TRANSFORM = "serviceT"
    DCC_ONLY = "serviceD"

    @property
    def path(self) -> str:
        return f"/api/v1/{self.value}"


class Answer(enum.Enum):
    """How the DCC answers a request of a Command Variant."""

    ASYNC = "I99 now, the result later to the Receive Response Service"
    SYNC_LOCAL_COMMAND = "synchronous LocalCommand for local delivery"
    SYNC_AND_ASYNC = "LocalCommand now and the result later"
    SYNC_PRE_COMMAND = "synchronous PreCommand{GBCSVersion, GBCSPayload}"
    SYNC_RESULT = "synchronous result from the DCC"


class CommandVariant(enum.IntEnum):
    """The DUIS Command Variant of a Service Request (1 to 8)."""

    NON_CRITICAL_SM_WAN = 1
    NON_CRITICAL_LOCAL = 2
    NON_CRITICAL_SM_WAN_AND_LOCAL = 3
    CRITICAL_TRANSFORM = 4
    SIGNED_PRE_COMMAND_SM_WAN = 5
    SIGNED_PRE_COMMAND_LOCAL = 6
    SIGNED_PRE_COMMAND_SM_WAN_AND_LOCAL = 7
    NON_DEVICE = 8

    @property
    def rule(self) -> CommandVariantRule:
        return COMMAND_VARIANTS[self]

    @property
    def endpoint(self) -> ServiceEndpoint:
        return COMMAND_VARIANTS[self].endpoint

    @property
    def signed_pre_command(self) -> bool:
        """True when the body is ``SignedPreCommand`` rather than the variant's element."""
        return COMMAND_VARIANTS[self].input_signed_pre_command


@dataclass(frozen=True, slots=True)
class CommandVariantRule:
    """One row of the Command Variant table."""

    endpoint: ServiceEndpoint
    input_signed_pre_command: bool
    sm_wan: bool
    local_delivery: bool
    answer: Answer
    critical: bool
    dcc_boxed_supported: bool


_S, _T, _D = ServiceEndpoint.SEND_COMMAND, ServiceEndpoint.TRANSFORM, ServiceEndpoint.DCC_ONLY

# Flags: P input is a User-signed Pre-Command, W Command sent over the SM WAN, L Command
# returned for local delivery, C critical, B supported by DCC Boxed; "-" where not.
_TABLE: Final = (
    (1, _S, "-W--B", Answer.ASYNC),
    (2, _D, "--L-B", Answer.SYNC_LOCAL_COMMAND),
    (3, _S, "-WL--", Answer.SYNC_AND_ASYNC),
    (4, _T, "---CB", Answer.SYNC_PRE_COMMAND),
    (5, _S, "PW-CB", Answer.ASYNC),
    (6, _D, "P-LCB", Answer.SYNC_LOCAL_COMMAND),
    (7, _S, "PWLC-", Answer.SYNC_AND_ASYNC),
    (8, _D, "----B", Answer.SYNC_RESULT),
)

COMMAND_VARIANTS: Final[dict[CommandVariant, CommandVariantRule]] = {
    CommandVariant(cv): CommandVariantRule(
        endpoint=endpoint,
        input_signed_pre_command=flags[0] == "P",
        sm_wan=flags[1] == "W",
        local_delivery=flags[2] == "L",
        answer=answer,
        critical=flags[3] == "C",
        dcc_boxed_supported=flags[4] == "B",
    )
    for cv, endpoint, flags, answer in _TABLE
}
"""Command Variant -> its rule (DUIS ``CommandVariant``; PROTOCOL.md's table)."""
