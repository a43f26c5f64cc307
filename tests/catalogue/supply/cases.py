"""Which DUIS body each reference Command of the supply family was made from.

A vector is matched to the reference template with the same ``<use case>_<srv>_<qualifiers>``
stem. Vectors with no template (ERROR Commands, and variants whose templates are not in
the reference set) name here the body the DUIS schema gives for what the Command says;
the bodies are written from the schema, not copied from reference files.
"""

from __future__ import annotations

from typing import Final

from opendcc.inventory.model import DeviceType

FAMILY_FOLDERS: Final = tuple(
    f"7.{n}_{use_case}"
    for n, use_case in (
        (1, "ECS42"),
        (2, "ECS43"),
        (2, "GCS32"),
        (3, "ECS44"),
        (3, "GCS39"),
        (4, "ECS45"),
        (4, "GCS33"),
        (5, "ECS47Activate"),
        (6, "ECS47Deactivate"),
        (7, "ECS61a"),
        (8, "ECS47Reset"),
        (9, "ECS62Add"),
        (10, "ECS62Remove"),
        (11, "ECS61c"),
        (12, "ECS38"),
        (13, "ECS47a"),
        (14, "ECS61d"),
        (15, "ECS61e"),
        (16, "ECS47e"),
    )
)

_PERIOD = (
    "<sr:StartDateTime>2015-01-03T00:00:00Z</sr:StartDateTime>"
    "<sr:EndDateTime>2015-01-03T01:00:00Z</sr:EndDateTime>"
)


def _controller(element: str, n: int, level: int, input_from_load: bool = False) -> str:
    extra = "<sr:InputFromControlledLoad/>" if input_from_load else ""
    return (
        f'<sr:{element} auxiliaryControllerN="{n}">{_PERIOD}'
        f"<sr:CommandedStateLevel>{level}</sr:CommandedStateLevel>{extra}</sr:{element}>"
    )


def _boost(element: str) -> str:
    items = "".join(f'<sr:{element} index="{n}">true</sr:{element}>' for n in range(1, 6))
    return items


INLINE_BODIES: Final[dict[str, str]] = {
    "ECS42_7.1": "<sr:EnableSupply/>",
    "ECS43_7.2": "<sr:DisableSupply/>",
    "GCS32_7.2": "<sr:DisableSupply/>",
    "ECS44_7.3": "<sr:ArmSupply/>",
    "GCS39_7.3": "<sr:ArmSupply/>",
    "ECS45_7.4": "<sr:ReadSupplyStatus/>",
    "GCS33_7.4": "<sr:ReadSupplyStatus/>",
    "ECS47Activate_7.5": (
        '<sr:ActivateAuxiliaryLoad><sr:ActivateALCSHCALCS index="1">'
        "<sr:Duration>30</sr:Duration></sr:ActivateALCSHCALCS></sr:ActivateAuxiliaryLoad>"
    ),
    "ECS47Deactivate_7.6": (
        '<sr:DeactivateAuxiliaryLoad><sr:DeactivateALCSHCALCS index="3">'
        "<sr:Duration>60</sr:Duration></sr:DeactivateALCSHCALCS></sr:DeactivateAuxiliaryLoad>"
    ),
    "ECS61a_7.7_ALL_OPTIONALS": "<sr:ReadALCSData/>",
    "ECS47Reset_7.8": (
        '<sr:ResetAuxiliaryLoad><sr:ResetALCSHCALCS index="5"/></sr:ResetAuxiliaryLoad>'
    ),
    "ECS62Add_7.9": f"<sr:AddAuxiliaryLoadToBoostButton>{_boost('AddToBoostButton')}"
    "</sr:AddAuxiliaryLoadToBoostButton>",
    "ECS62Remove_7.10": f"<sr:RemoveAuxiliaryLoadFromBoostButton>{_boost('RemoveFromBoostButton')}"
    "</sr:RemoveAuxiliaryLoadFromBoostButton>",
    "ECS61c_7.11": (
        "<sr:ReadBoostButtonDetails><sr:ReadLogPeriod>"
        "<sr:StartDateTime>2014-12-25T23:00:00Z</sr:StartDateTime>"
        "<sr:EndDateTime>2015-01-01T00:00:00Z</sr:EndDateTime>"
        "</sr:ReadLogPeriod></sr:ReadBoostButtonDetails>"
    ),
    "ECS38_7.12": (
        "<sr:SetRandomisedOffsetLimit><sr:RandomisedOffsetLimit>900</sr:RandomisedOffsetLimit>"
        "</sr:SetRandomisedOffsetLimit>"
    ),
    "ECS47a_7.13_ALCS_ACTIVATE": _controller("SetAuxiliaryControllerState", 5, 100),
    "ECS47a_7.13_ALCS_DEACTIVATE": _controller("SetAuxiliaryControllerState", 1, 0),
    "ECS47a_7.13_APC_INPUT": _controller("SetAuxiliaryControllerState", 3, 50, True),
    "ECS47a_7.13_APC_OUTPUT": _controller("SetAuxiliaryControllerState", 5, 100),
    "ECS61d_7.14": "<sr:ReadAuxiliaryControllerConfigurationData/>",
    "ECS61e_7.15": "<sr:ReadAuxiliaryControllerOperationalData/>",
    "ECS47e_7.16_APC_INPUT": _controller("LimitAPCLevel", 3, 50, True),
    "ECS47e_7.16_APC_OUTPUT": _controller("LimitAPCLevel", 5, 100),
}
"""Body per vector stem (the name up to SUCCESS/ERROR)."""


def stem(name: str) -> str:
    """``ECS47a_7.13_APC_INPUT_ERROR_COMMAND_GBCS.HEX`` -> ``ECS47a_7.13_APC_INPUT``."""
    for outcome in ("_SUCCESS_", "_ERROR_"):
        if outcome in name:
            return name.split(outcome, maxsplit=1)[0]
    raise ValueError(f"not a SUCCESS/ERROR vector name: {name}")


def variant_of(name: str) -> str:
    return name.split("_")[1]


def device_type_of(name: str) -> DeviceType:
    return DeviceType.GSME if name.startswith("GCS") else DeviceType.ESME
