"""Which service category of M8.6 each Service Request falls in, and the roles it serves.

The M8.6 draftings (Annex F of the consultation) speak of Core Communication Services,
Local Command Services, Elective Communication Services, Enrolment Services and "other
Services"; the DCC User Interface speaks of Service Reference Variants and Command
Variants. This module is the bridge: the project's own table of all 129 Service Reference
Variants of the DUIS request matrix (keyed by the variant string, e.g. ``"4.1.1"``), each
with the category it belongs to, the User Roles eligible to request it, and why.

The categories follow the SEC's definitions as the consultation glossary gives them:

- Core Communication Services: processing the Service Requests of the DCC User Interface
  Services Schedule "in a manner that involves communication via the SM WAN, but
  excluding the Enrolment Services".
- Enrolment Services: processing the Service Requests "involved in the commissioning of
  Devices in the Smart Metering Inventory, and establishing their inter-relationships, and
  which ultimately result in the Enrolment of Smart Metering Systems".
- Elective Communication Services: Service Requests defined in a Bilateral Agreement
  rather than the Services Schedule; none of the 129 is one, so elective variants are
  added per Bilateral Agreement with ``ServiceCatalogue.with_elective``.
- Local Command Services (SEC H4/H5, consultation para 39): the Command is returned to the
  User for local delivery instead of being sent over the SM WAN. A request with a Command
  Variant that delivers locally (2, 3, 6, 7) is therefore a Local Command Service when its
  variant would otherwise be a Core Communication Service; Command Variants 3 and 7 (both
  routes) make it both.
- Other Services: the remaining Services of the Schedule (inventory queries and updates,
  decommissioning, Communications Hub returns, the WAN matrix), which reach no Device.

docs/sec-rules.md sets out the table with the reasoning for each group and the choices
that were not clear-cut.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Final

from opendcc.roles import UserRole
from opendcc.sec.outcome import SecInputError


class ServiceCategory(enum.StrEnum):
    """The service categories the M8.6 draftings name."""

    CORE = "core"
    LOCAL = "local"
    ELECTIVE = "elective"
    ENROLMENT = "enrolment"
    OTHER = "other"

    @property
    def full_name(self) -> str:
        return _CATEGORY_TITLES[self]


_CATEGORY_TITLES: Final = {
    ServiceCategory.CORE: "Core Communication Services",
    ServiceCategory.LOCAL: "Local Command Services",
    ServiceCategory.ELECTIVE: "Elective Communication Services",
    ServiceCategory.ENROLMENT: "Enrolment Services",
    ServiceCategory.OTHER: "other Services",
}


class CommandVariant(enum.IntEnum):
    """The DUIS Command Variants: how the DCC is to deliver the resulting Command."""

    NON_CRITICAL_WAN = 1
    NON_CRITICAL_LOCAL = 2
    NON_CRITICAL_WAN_AND_LOCAL = 3
    CRITICAL_TRANSFORM = 4
    SIGNED_PRE_COMMAND_WAN = 5
    SIGNED_PRE_COMMAND_LOCAL = 6
    SIGNED_PRE_COMMAND_WAN_AND_LOCAL = 7
    NON_DEVICE = 8

    @property
    def delivers_locally(self) -> bool:
        """True when the Command comes back to the User for local delivery."""
        return self in _LOCAL_VARIANTS

    @property
    def delivers_over_wan(self) -> bool:
        return self in _WAN_VARIANTS


_LOCAL_VARIANTS: Final = frozenset({2, 3, 6, 7})
_WAN_VARIANTS: Final = frozenset({1, 3, 5, 7})

CORE: Final = ServiceCategory.CORE
LOCAL: Final = ServiceCategory.LOCAL
ENROLMENT: Final = ServiceCategory.ENROLMENT
OTHER: Final = ServiceCategory.OTHER

# Why each variant is in its category; docs/sec-rules.md quotes these.
DEVICE: Final = "a Command to a Device over the SM WAN: Core Communication Services (glossary)"
SCHEDULE: Final = (
    "sets up, reads or removes DCC Scheduled Service Requests whose Commands reach the "
    "Device over the SM WAN: Core Communication Services"
)
FIRMWARE: Final = (
    "a non-device request in DUIS, but the DCC distributes the image to the Devices over "
    "the SM WAN: Core Communication Services"
)
CORE_UNJOIN: Final = (
    "removes a Device relationship over the SM WAN; it does not commission Devices or "
    "establish their inter-relationships, so it is a Core Communication Service, not an "
    "Enrolment Service"
)
CORE_DCC_ONLY: Final = (
    "a Command over the SM WAN that no User Role of the matrix may request: Core "
    "Communication Services"
)
ENROL_COMMISSION: Final = (
    "commissions a Device in the Smart Metering Inventory: Enrolment Services (glossary)"
)
ENROL_JOIN: Final = (
    "establishes the inter-relationship of two Devices (joins them): Enrolment Services"
)
ENROL_DEVICE_LOG: Final = (
    "adds or restores Devices in a CHF or GPF Device Log, establishing their "
    "inter-relationships: Enrolment Services"
)
ENROL_CH_INSTALL: Final = (
    "records a Communications Hub as installed, the first step of Enrolment: Enrolment Services"
)
ENROL_PRENOTIFY: Final = (
    "pre-notifies a Device to the Smart Metering Inventory so it can be commissioned: "
    "Enrolment Services"
)
OTHER_INVENTORY: Final = (
    "reads or updates the Smart Metering Inventory without reaching a Device: other Services"
)
OTHER_DECOMMISSION: Final = (
    "decommissions a Device in the Smart Metering Inventory; it undoes Enrolment rather "
    "than resulting in it, and reaches no Device: other Services"
)
OTHER_OPT: Final = "a DCC service opt-out or opt-in no User Role may request: other Services"
OTHER_CH_RETURN: Final = (
    "returns a Communications Hub to the DCC (Communications Hub Services): other Services"
)
OTHER_WAN_MATRIX: Final = "a query of SM WAN coverage data held by the DCC: other Services"
LOCAL_RESPONSE: Final = (
    "returns the Response of a Command delivered locally: part of Local Command Services"
)


@dataclass(frozen=True, slots=True)
class VariantCategory:
    """One Service Reference Variant: its category, its eligible User Roles and why."""

    variant: str
    name: str
    category: ServiceCategory
    eligible_roles: frozenset[UserRole]
    basis: str


def _row(
    variant: str, name: str, category: ServiceCategory, roles: str, basis: str
) -> VariantCategory:
    return VariantCategory(
        variant=variant,
        name=name,
        category=category,
        eligible_roles=frozenset(UserRole(r) for r in roles.split()),
        basis=basis,
    )


# The 129 Service Reference Variants, in DUIS order. Names and eligible roles restate the
# DUIS request matrix; the category and basis are this project's reading of the SEC.
_ROWS: Final = (
    _row("1.1.1", "Update Import Tariff (Primary Element)", CORE, "IS GS", DEVICE),
    _row("1.1.2", "Update Import Tariff (Secondary Element)", CORE, "IS", DEVICE),
    _row("1.2.1", "Update Price (Primary Element)", CORE, "IS GS", DEVICE),
    _row("1.2.2", "Update Price (Secondary Element)", CORE, "IS", DEVICE),
    _row("1.5", "Update Meter Balance", CORE, "IS GS", DEVICE),
    _row("1.6", "Update Payment Mode", CORE, "IS GS", DEVICE),
    _row("1.7", "Reset Tariff Block Counter Matrix", CORE, "IS", DEVICE),
    _row("2.1", "Update Prepay Configuration", CORE, "IS GS", DEVICE),
    _row("2.2", "Top Up Device", CORE, "IS GS", DEVICE),
    _row("2.3", "Update Debt", CORE, "IS GS", DEVICE),
    _row("2.5", "Activate Emergency Credit", CORE, "IS GS", DEVICE),
    _row("3.1", "Display Message", CORE, "IS GS", DEVICE),
    _row("3.2", "Restrict Access For Change Of Tenancy", CORE, "IS GS", DEVICE),
    _row("3.3", "Clear Event Log", CORE, "IS GS", DEVICE),
    _row("3.4", "Update Supplier Name", CORE, "IS GS", DEVICE),
    _row("3.5", "Disable Privacy PIN", CORE, "IS GS", DEVICE),
    _row("4.1.1", "Read Instantaneous Import Registers", CORE, "IS GS ED GT", DEVICE),
    _row("4.1.2", "Read Instantaneous Import TOU Matrices", CORE, "IS GS ED GT", DEVICE),
    _row("4.1.3", "Read Instantaneous Import TOU With Blocks Matrices", CORE, "IS ED", DEVICE),
    _row("4.1.4", "Read Instantaneous Import Block Counters", CORE, "GS", DEVICE),
    _row("4.2", "Read Instantaneous Export Registers", CORE, "ES ED", DEVICE),
    _row("4.3", "Read Instantaneous Prepay Values", CORE, "IS GS", DEVICE),
    _row(
        "4.4.2",
        "Retrieve Change Of Mode / Tariff Triggered Billing Data Log",
        CORE,
        "IS GS",
        DEVICE,
    ),
    _row("4.4.3", "Retrieve Billing Calendar Triggered Billing Data Log", CORE, "IS GS", DEVICE),
    _row("4.4.4", "Retrieve Billing Data Log (Payment Based Debt Payments)", CORE, "GS IS", DEVICE),
    _row("4.4.5", "Retrieve Billing Data Log (Prepayment Credits)", CORE, "GS IS", DEVICE),
    _row("4.6.1", "Retrieve Import Daily Read Log", CORE, "IS GS", DEVICE),
    _row("4.6.2", "Retrieve Export Daily Read Log", CORE, "ES", DEVICE),
    _row("4.8.1", "Read Active Import Profile Data", CORE, "IS GS ED GT OU", DEVICE),
    _row("4.8.2", "Read Reactive Import Profile Data", CORE, "IS ED OU", DEVICE),
    _row("4.8.3", "Read Export Profile Data", CORE, "ES ED OU", DEVICE),
    _row("4.10", "Read Network Data", CORE, "IS GS ED GT", DEVICE),
    _row("4.11.1", "Read Tariff (Primary Element)", CORE, "IS GS OU", DEVICE),
    _row("4.11.2", "Read Tariff (Secondary Element)", CORE, "IS OU", DEVICE),
    _row("4.12.1", "Read Maximum Demand Import Registers", CORE, "IS ED", DEVICE),
    _row("4.12.2", "Read Maximum Demand Export Registers", CORE, "ES ED", DEVICE),
    _row("4.13", "Read Prepayment Configuration", CORE, "IS GS", DEVICE),
    _row("4.14", "Read Prepayment Daily Read Log", CORE, "IS GS", DEVICE),
    _row("4.15", "Read Load Limit Data", CORE, "IS ED", DEVICE),
    _row("4.16", "Read Active Power Import", CORE, "IS ED", DEVICE),
    _row("4.17", "Retrieve Daily Consumption Log", CORE, "IS GS ED GT OU", DEVICE),
    _row("4.18", "Read Meter Balance", CORE, "IS GS", DEVICE),
    _row("5.1", "Create Schedule", CORE, "IS ES GS ED GT OU", SCHEDULE),
    _row("5.2", "Read Schedule", CORE, "IS ES GS ED GT OU", SCHEDULE),
    _row("5.3", "Delete Schedule", CORE, "IS ES GS ED GT OU", SCHEDULE),
    _row("6.2.1", "Read Device Configuration (Voltage)", CORE, "IS RSA ED", DEVICE),
    _row("6.2.2", "Read Device Configuration (Randomisation)", CORE, "IS RSA ED", DEVICE),
    _row("6.2.3", "Read Device Configuration (Billing Calendar)", CORE, "IS RSA GS", DEVICE),
    _row(
        "6.2.4",
        "Read Device Configuration (Identity Exc MPxN)",
        CORE,
        "IS ES GS RSA ED GT OU",
        DEVICE,
    ),
    _row(
        "6.2.5",
        "Read Device Configuration (Instantaneous Power Thresholds)",
        CORE,
        "IS RSA",
        DEVICE,
    ),
    _row("6.2.7", "Read Device Configuration (MPxN)", CORE, "IS ES GS RSA ED GT OU", DEVICE),
    _row("6.2.8", "Read Device Configuration (Gas)", CORE, "GS RSA GT", DEVICE),
    _row("6.2.9", "Read Device Configuration (Payment Mode)", CORE, "IS GS RSA", DEVICE),
    _row(
        "6.2.10", "Read Device Configuration (Event and Alert Behaviours)", CORE, "IS GS ED", DEVICE
    ),
    _row(
        "6.4.1", "Update Device Configuration (Load Limiting General Settings)", CORE, "IS", DEVICE
    ),
    _row("6.4.2", "Update Device Configuration (Load Limiting Counter Reset)", CORE, "IS", DEVICE),
    _row("6.5", "Update Device Configuration (Voltage)", CORE, "ED", DEVICE),
    _row("6.6", "Update Device Configuration (Gas Conversion)", CORE, "GS", DEVICE),
    _row("6.7", "Update Device Configuration (Gas Flow)", CORE, "GS", DEVICE),
    _row("6.8", "Update Device Configuration (Billing Calendar)", CORE, "IS GS", DEVICE),
    _row("6.11", "Synchronise Clock", CORE, "IS GS", DEVICE),
    _row("6.12", "Update Device Configuration (Instantaneous Power Threshold)", CORE, "IS", DEVICE),
    _row("6.13", "Read Event Or Security Log", CORE, "IS GS ED GT RSA", DEVICE),
    _row(
        "6.14.1",
        "Update Device Configuration (Auxiliary Load Control Description)",
        CORE,
        "IS",
        DEVICE,
    ),
    _row(
        "6.14.2",
        "Update Device Configuration (Auxiliary Load Control Scheduler)",
        CORE,
        "IS",
        DEVICE,
    ),
    _row(
        "6.14.3", "Update Device Configuration (Auxiliary Controller Scheduler)", CORE, "IS", DEVICE
    ),
    _row("6.15.1", "Update Security Credentials (KRP)", CORE, "IS GS ED GT", DEVICE),
    _row("6.15.2", "Update Security Credentials (Device)", CORE, "IS GS", DEVICE),
    _row("6.17", "Issue Security Credentials", CORE, "IS GS", DEVICE),
    _row("6.18.1", "Set Maximum Demand Configurable Time Period", CORE, "ED", DEVICE),
    _row("6.18.2", "Reset Maximum Demand Registers", CORE, "ED", DEVICE),
    _row("6.20.1", "Set Device Configuration (Import MPxN)", CORE, "IS GS", DEVICE),
    _row("6.20.2", "Set Device Configuration (Export MPAN)", CORE, "ES", DEVICE),
    _row("6.21", "Request Handover Of DCC Controlled Device", CORE, "IS GS", DEVICE),
    _row("6.22", "Configure Alert Behaviour", CORE, "IS GS ED", DEVICE),
    _row("6.23", "Update Security Credentials (CoS)", CORE, "IS GS", DEVICE),
    _row("6.24.1", "Retrieve Device Security Credentials (KRP)", CORE, "IS GS ED GT", DEVICE),
    _row("6.24.2", "Retrieve Device Security Credentials (Device)", CORE, "IS GS", DEVICE),
    _row("6.25", "Set Electricity Supply Tamper State", CORE, "IS", DEVICE),
    _row(
        "6.26",
        "Update Device Configuration (daily resetting of Tariff Block Counter Matrix)",
        CORE,
        "IS",
        DEVICE,
    ),
    _row("6.27", "Update Device Configuration (RMS Voltage Counter Reset)", CORE, "ED", DEVICE),
    _row("6.28", "Set CHF Sub GHz Configuration", CORE, "IS GS", DEVICE),
    _row("6.29", "Request CHF Sub GHz Channel Scan", CORE, "IS GS", DEVICE),
    _row("6.30", "Read CHF Sub GHz Configuration", CORE, "IS GS RSA", DEVICE),
    _row("6.31", "Read CHF Sub GHz Channel", CORE, "IS GS RSA", DEVICE),
    _row("6.32", "Read CHF Sub GHz Channel Log", CORE, "IS GS RSA", DEVICE),
    _row("7.1", "Enable Supply", CORE, "IS", DEVICE),
    _row("7.2", "Disable Supply", CORE, "IS GS", DEVICE),
    _row("7.3", "Arm Supply", CORE, "IS GS", DEVICE),
    _row("7.4", "Read Supply Status", CORE, "IS ES GS RSA ED GT", DEVICE),
    _row("7.5", "Activate Auxiliary Load", CORE, "IS", DEVICE),
    _row("7.6", "Deactivate Auxiliary Load", CORE, "IS", DEVICE),
    _row("7.7", "Read Auxiliary Load Switch Data", CORE, "IS ED OU", DEVICE),
    _row("7.8", "Reset Auxiliary Load", CORE, "IS", DEVICE),
    _row("7.9", "Add Auxiliary Load To Boost Button", CORE, "IS", DEVICE),
    _row("7.10", "Remove Auxiliary Load From Boost Button", CORE, "IS", DEVICE),
    _row("7.11", "Read Boost Button Details", CORE, "IS OU", DEVICE),
    _row("7.12", "Set Randomised Offset Limit", CORE, "IS", DEVICE),
    _row("7.13", "Set Auxiliary Controller State", CORE, "IS", DEVICE),
    _row("7.14", "Read Auxiliary Controller Configuration Data", CORE, "IS ED OU", DEVICE),
    _row("7.15", "Read Auxiliary Controller Operational Data", CORE, "IS ED OU", DEVICE),
    _row("7.16", "Limit APC Level", CORE, "", CORE_DCC_ONLY),
    _row("8.1.1", "Commission Device", ENROLMENT, "IS GS", ENROL_COMMISSION),
    _row("8.2", "Read Inventory", OTHER, "IS ES GS RSA ED GT OU", OTHER_INVENTORY),
    _row("8.3", "Decommission Device", OTHER, "IS GS", OTHER_DECOMMISSION),
    _row("8.4", "Update Inventory", OTHER, "IS ES GS RSA ED GT OU", OTHER_INVENTORY),
    _row("8.5", "Service Opt Out", OTHER, "", OTHER_OPT),
    _row("8.6", "Service Opt In", OTHER, "", OTHER_OPT),
    _row("8.7.1", "Join Service (Critical)", ENROLMENT, "IS GS", ENROL_JOIN),
    _row("8.7.2", "Join Service (Non-Critical)", ENROLMENT, "IS GS OU", ENROL_JOIN),
    _row("8.8.1", "Unjoin Service (Critical)", CORE, "IS GS", CORE_UNJOIN),
    _row("8.8.2", "Unjoin Service (Non-Critical)", CORE, "IS GS OU", CORE_UNJOIN),
    _row("8.9", "Read Device Log", CORE, "IS GS OU", DEVICE),
    _row("8.11", "Update HAN Device Log", ENROLMENT, "IS GS OU", ENROL_DEVICE_LOG),
    _row("8.12.1", "Restore HAN Device Log", ENROLMENT, "IS GS", ENROL_DEVICE_LOG),
    _row("8.12.2", "Restore Gas Proxy Function Device Log", ENROLMENT, "IS GS", ENROL_DEVICE_LOG),
    _row("8.13", "Return Local Command Response", LOCAL, "IS GS", LOCAL_RESPONSE),
    _row(
        "8.14.1",
        "Communications Hub Status Update – Install Success",
        ENROLMENT,
        "IS GS",
        ENROL_CH_INSTALL,
    ),
    _row(
        "8.14.2",
        "Communications Hub Status Update – Install No SM WAN",
        ENROLMENT,
        "IS GS",
        ENROL_CH_INSTALL,
    ),
    _row(
        "8.14.3", "Communications Hub Status Update – Fault Return", OTHER, "IS GS", OTHER_CH_RETURN
    ),
    _row(
        "8.14.4",
        "Communications Hub Status Update – No Fault Return",
        OTHER,
        "IS GS",
        OTHER_CH_RETURN,
    ),
    _row("9.1", "Request Customer Identification Number", CORE, "OU", DEVICE),
    _row("11.1", "Update Firmware", CORE, "IS GS", FIRMWARE),
    _row("11.2", "Read Firmware Version", CORE, "IS ES GS RSA ED GT OU", DEVICE),
    _row("11.3", "Activate Firmware", CORE, "IS GS", DEVICE),
    _row("11.4", "Update PPMID Firmware", CORE, "IS GS", FIRMWARE),
    _row("12.1", "Request WAN Matrix", OTHER, "IS ES GS RSA ED GT OU", OTHER_WAN_MATRIX),
    _row("12.2", "Device Pre-notification", ENROLMENT, "IS ES GS RSA ED GT OU", ENROL_PRENOTIFY),
    _row("14.1", "Record Network Data (GAS)", CORE, "GT", DEVICE),
)

SERVICE_REFERENCE_VARIANTS: Final[Mapping[str, VariantCategory]] = MappingProxyType(
    {row.variant: row for row in _ROWS}
)
"""Every Service Reference Variant of the DUIS request matrix, by variant string."""


class ServiceCatalogue:
    """The variant table plus any Elective Communication Services, with a request cache.

    ``categories(variant, command_variant)`` is on the hub's hot path: answers are cached
    per (variant, Command Variant) pair, of which there are about a thousand.
    """

    def __init__(self, variants: Mapping[str, VariantCategory] = SERVICE_REFERENCE_VARIANTS):
        self._variants = dict(variants)
        self._cache: dict[tuple[str, int], frozenset[ServiceCategory]] = {}

    def with_elective(
        self, variant: str, name: str, roles: Iterable[UserRole], agreement: str
    ) -> ServiceCatalogue:
        """A catalogue that also knows an Elective Communication Service variant.

        Elective services are defined in a Bilateral Agreement (``agreement`` names it),
        not in the DCC User Interface Services Schedule.
        """
        if variant in self._variants:
            raise SecInputError(f"variant {variant} is already in the catalogue")
        extended = dict(self._variants)
        extended[variant] = VariantCategory(
            variant=variant,
            name=name,
            category=ServiceCategory.ELECTIVE,
            eligible_roles=frozenset(roles),
            basis=f"defined in Bilateral Agreement {agreement}: Elective Communication Services",
        )
        return ServiceCatalogue(extended)

    def __contains__(self, variant: object) -> bool:
        return variant in self._variants

    def __len__(self) -> int:
        return len(self._variants)

    def variants(self) -> list[VariantCategory]:
        return list(self._variants.values())

    def get(self, variant: str) -> VariantCategory:
        """The row for ``variant``; ``SecInputError`` when it is not a known variant."""
        try:
            return self._variants[variant]
        except KeyError:
            raise SecInputError(f"unknown Service Reference Variant: {variant!r}") from None

    def categories(self, variant: str, command_variant: int) -> frozenset[ServiceCategory]:
        """The M8.6 categories a request for ``variant`` sent with ``command_variant`` is in.

        Local delivery turns a Core Communication Service into a Local Command Service;
        Command Variants 3 and 7 ask for both routes and so are both. Enrolment and other
        Services keep their category whatever the route: the Enrolment Services are
        defined by what they achieve, not by how the Command travels.
        """
        key = (variant, command_variant)
        cached = self._cache.get(key)
        if cached is not None:
            return cached
        row = self.get(variant)
        try:
            cv = CommandVariant(command_variant)
        except ValueError:
            raise SecInputError(f"not a Command Variant: {command_variant!r}") from None
        if row.category is ServiceCategory.CORE and cv.delivers_locally:
            result = (
                frozenset({ServiceCategory.CORE, ServiceCategory.LOCAL})
                if cv.delivers_over_wan
                else frozenset({ServiceCategory.LOCAL})
            )
        else:
            result = frozenset({row.category})
        self._cache[key] = result
        return result


DEFAULT_CATALOGUE: Final = ServiceCatalogue()
