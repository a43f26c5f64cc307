"""The SEC parameter files: every value with legal standing, dated and referenced.

Modelled on OpenFisca's parameters: each value lives in its own small YAML file under
``opendcc/sec/parameters/`` (the file ``liability/dcc_cap_gbp.yaml`` is the parameter
``liability.dcc_cap_gbp``) holding a description, a unit, whether the value has legal
standing, and the values keyed by the date each applies from. Every dated value carries at
least one reference: the clause it encodes and the paragraph of the March 2015 consultation
(URN 15D/019) that states it. Values the document does not give (a default opendcc chose)
say so with ``legal_standing: false`` and a reference explaining the gap.

The loader validates the files fully (types per unit, ascending dates, references present)
and raises ``ParameterError`` naming the file and the fault; rules read values through the
typed accessors of ``ParameterSet`` with the date of the question.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from importlib import resources
from pathlib import Path
from typing import Final

import yaml

from opendcc.sec.outcome import SecInputError

SOURCE_DOCUMENT: Final = (
    "A Consultation on New Smart Energy Code Content and Related Licence Amendments, "
    "March 2015 (DECC, URN 15D/019)"
)


class ParameterError(SecInputError):
    """A parameter file is malformed, or a value was asked for outside its dates or type."""


class Unit(enum.StrEnum):
    """What a parameter's value measures; the loader checks each value against it."""

    GBP = "gbp"  # a sum of money in pounds sterling; null means unlimited
    MONTHS = "months"
    COUNT = "count"  # a whole number; null means no limit
    DRAFTING_ID = "drafting_id"  # the id of an M8.6 drafting
    DRAFTING = "drafting"  # the text and limbs of an M8.6 drafting (opendcc.sec.m86)
    ALERT_CODES = "alert_codes"  # GBCS alert codes written as hex strings
    REGULATORY_YEARS = "regulatory_years"  # labels such as "2013/14"
    REDUCTION_SCHEDULE = "reduction_schedule"  # opendcc.sec.ipr margin reduction bands


@dataclass(frozen=True, slots=True)
class Reference:
    """Where a value comes from: the clause it encodes and the consultation paragraph."""

    clause: str
    paragraph: str
    title: str
    source: str = SOURCE_DOCUMENT

    def cite(self) -> str:
        return f"{self.clause}; consultation para {self.paragraph}"


ParameterValue = Decimal | int | str | tuple[int, ...] | tuple[str, ...] | Mapping[str, object]


@dataclass(frozen=True, slots=True)
class DatedValue:
    """One value of a parameter and the date from which it applies."""

    start: date
    value: ParameterValue | None
    references: tuple[Reference, ...]


@dataclass(frozen=True, slots=True)
class Parameter:
    """A named value of legal standing (or a documented default) and its history."""

    name: str
    description: str
    unit: Unit
    legal_standing: bool
    values: tuple[DatedValue, ...]
    note: str = ""
    path: str = ""

    def at(self, when: date) -> DatedValue:
        """The value that applies on ``when``; ``ParameterError`` before the first date."""
        day = when.date() if isinstance(when, datetime) else when
        current: DatedValue | None = None
        for entry in self.values:
            if entry.start <= day:
                current = entry
            else:
                break
        if current is None:
            raise ParameterError(
                f"{self.name} has no value before {self.values[0].start.isoformat()} "
                f"(asked for {day.isoformat()})"
            )
        return current

    def latest(self) -> DatedValue:
        return self.values[-1]


@dataclass(frozen=True, slots=True)
class ParameterSet:
    """Every SEC parameter by name, with typed accessors that take the date of the question."""

    parameters: Mapping[str, Parameter] = field(default_factory=dict)

    def __contains__(self, name: object) -> bool:
        return name in self.parameters

    def all(self) -> list[Parameter]:
        """Every parameter, by name."""
        return sorted(self.parameters.values(), key=lambda p: p.name)

    def get(self, name: str) -> Parameter:
        try:
            return self.parameters[name]
        except KeyError:
            raise ParameterError(f"no SEC parameter named {name!r}") from None

    def gbp(self, name: str, when: date) -> Decimal | None:
        """A sum in pounds on ``when``; None means unlimited."""
        value = self._typed(name, when, Unit.GBP).value
        assert value is None or isinstance(value, Decimal)
        return value

    def count(self, name: str, when: date) -> int | None:
        """A whole number (months or a count) on ``when``; None means no limit."""
        parameter = self.get(name)
        if parameter.unit not in (Unit.COUNT, Unit.MONTHS):
            raise ParameterError(f"{name} is measured in {parameter.unit}, not a count")
        value = parameter.at(when).value
        assert value is None or isinstance(value, int)
        return value

    def text(self, name: str, when: date) -> str:
        value = self._typed(name, when, Unit.DRAFTING_ID).value
        assert isinstance(value, str)
        return value

    def alert_codes(self, name: str, when: date) -> tuple[int, ...]:
        value = self._typed(name, when, Unit.ALERT_CODES).value
        assert isinstance(value, tuple)
        return tuple(int(v) for v in value)

    def regulatory_years(self, name: str, when: date) -> tuple[str, ...]:
        value = self._typed(name, when, Unit.REGULATORY_YEARS).value
        assert isinstance(value, tuple)
        return tuple(str(v) for v in value)

    def mapping(self, name: str, when: date, unit: Unit) -> Mapping[str, object]:
        value = self._typed(name, when, unit).value
        assert isinstance(value, Mapping)
        return value

    def with_start(self, name: str, value: object, start: date, reason: str) -> ParameterSet:
        """A copy in which the dated entry holding ``value`` applies from ``start`` instead.

        This is how configuration moves a date the document leaves open (the proposed 2015
        drafting of M8.6, say); the moved entry gains a reference saying so.
        """
        parameter = self.get(name)
        matches = [e for e in parameter.values if e.value == value]
        if len(matches) != 1:
            raise ParameterError(f"{name} has no single entry with value {value!r}")
        moved = replace(
            matches[0],
            start=start,
            references=(
                *matches[0].references,
                Reference(clause="opendcc configuration", paragraph="n/a", title=reason),
            ),
        )
        entries = sorted(
            [e for e in parameter.values if e is not matches[0]] + [moved], key=lambda e: e.start
        )
        _check_dates(parameter.path or name, [e.start for e in entries])
        updated = dict(self.parameters)
        updated[name] = replace(parameter, values=tuple(entries))
        return ParameterSet(updated)

    def _typed(self, name: str, when: date, unit: Unit) -> DatedValue:
        parameter = self.get(name)
        if parameter.unit is not unit:
            raise ParameterError(f"{name} is measured in {parameter.unit}, not {unit}")
        return parameter.at(when)


PACKAGE_DIRECTORY: Final = "parameters"


def default_parameter_directory() -> Path:
    """The parameter files shipped inside the package."""
    return Path(str(resources.files("opendcc.sec").joinpath(PACKAGE_DIRECTORY)))


def load_parameters(directory: Path | None = None) -> ParameterSet:
    """Load and validate every ``*.yaml`` under ``directory`` (default: the shipped set)."""
    root = directory or default_parameter_directory()
    if not root.is_dir():
        raise ParameterError(f"parameter directory not found: {root}")
    parameters: dict[str, Parameter] = {}
    for path in sorted(root.rglob("*.yaml")):
        relative = path.relative_to(root)
        name = ".".join((*relative.parts[:-1], relative.stem))
        parameters[name] = parse_parameter(name, path.read_text(encoding="utf-8"), str(relative))
    if not parameters:
        raise ParameterError(f"no parameter files in {root}")
    return ParameterSet(parameters)


_DEFAULT: ParameterSet | None = None


def default_parameters() -> ParameterSet:
    """The shipped parameter set, loaded once per process."""
    global _DEFAULT  # noqa: PLW0603 - a process-wide cache of immutable data
    if _DEFAULT is None:
        _DEFAULT = load_parameters()
    return _DEFAULT


def parse_parameter(name: str, text: str, path: str = "") -> Parameter:
    """Parse and validate one parameter file's YAML text."""
    where = path or name
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ParameterError(f"{where}: not valid YAML: {exc}") from None
    if not isinstance(document, dict):
        raise ParameterError(f"{where}: a parameter file is a mapping")
    unknown = set(document) - {"description", "unit", "legal_standing", "note", "values"}
    if unknown:
        raise ParameterError(f"{where}: unknown keys {sorted(unknown)}")
    description = _required_text(document, "description", where)
    try:
        unit = Unit(str(document.get("unit")))
    except ValueError:
        raise ParameterError(f"{where}: unit must be one of {[u.value for u in Unit]}") from None
    legal_standing = document.get("legal_standing")
    if not isinstance(legal_standing, bool):
        raise ParameterError(f"{where}: legal_standing must be true or false")
    note = document.get("note", "")
    if not isinstance(note, str):
        raise ParameterError(f"{where}: note must be text")
    if not legal_standing and not note.strip():
        raise ParameterError(f"{where}: a value without legal standing must say why in 'note'")
    raw_values = document.get("values")
    if not isinstance(raw_values, dict) or not raw_values:
        raise ParameterError(f"{where}: values must map start dates to entries")
    entries: list[DatedValue] = []
    for start, entry in raw_values.items():
        if not isinstance(start, date) or isinstance(start, datetime):
            raise ParameterError(f"{where}: value keys are dates (YYYY-MM-DD), got {start!r}")
        if not isinstance(entry, dict) or set(entry) - {"value", "reference"}:
            raise ParameterError(f"{where}: {start}: an entry holds 'value' and 'reference'")
        if "value" not in entry:
            raise ParameterError(f"{where}: {start}: missing 'value'")
        value = _coerce(unit, entry["value"], f"{where}: {start}")
        references = _references(entry.get("reference"), f"{where}: {start}")
        entries.append(DatedValue(start=start, value=value, references=references))
    entries.sort(key=lambda e: e.start)
    _check_dates(where, [e.start for e in entries])
    return Parameter(
        name=name,
        description=description.strip(),
        unit=unit,
        legal_standing=legal_standing,
        values=tuple(entries),
        note=note.strip(),
        path=path,
    )


def _check_dates(where: str, starts: list[date]) -> None:
    if len(set(starts)) != len(starts):
        raise ParameterError(f"{where}: two values start on the same date")


def _required_text(document: Mapping[str, object], key: str, where: str) -> str:
    value = document.get(key)
    if not isinstance(value, str) or not value.strip():
        raise ParameterError(f"{where}: '{key}' must be non-empty text")
    return value


def _references(raw: object, where: str) -> tuple[Reference, ...]:
    if isinstance(raw, dict):
        raw = [raw]
    if not isinstance(raw, list) or not raw:
        raise ParameterError(f"{where}: every value needs at least one reference")
    references = []
    for item in raw:
        if not isinstance(item, dict):
            raise ParameterError(f"{where}: a reference is a mapping")
        unknown = set(item) - {"clause", "paragraph", "title", "source"}
        if unknown:
            raise ParameterError(f"{where}: unknown reference keys {sorted(unknown)}")
        fields = {}
        for key in ("clause", "paragraph", "title"):
            value = item.get(key)
            if isinstance(value, int):
                value = str(value)
            if not isinstance(value, str) or not value.strip():
                raise ParameterError(f"{where}: reference needs a non-empty '{key}'")
            fields[key] = value.strip()
        source = item.get("source", SOURCE_DOCUMENT)
        if not isinstance(source, str) or not source.strip():
            raise ParameterError(f"{where}: reference source must be text")
        references.append(Reference(source=source.strip(), **fields))
    return tuple(references)


def _coerce(unit: Unit, raw: object, where: str) -> ParameterValue | None:
    if unit is Unit.GBP:
        if raw is None:
            return None
        if isinstance(raw, bool) or not isinstance(raw, int | float | str):
            raise ParameterError(f"{where}: a GBP value is a number or null (unlimited)")
        try:
            amount = Decimal(str(raw))
        except InvalidOperation:
            raise ParameterError(f"{where}: not a sum of money: {raw!r}") from None
        if not amount.is_finite() or amount < 0:
            raise ParameterError(f"{where}: a GBP value is finite and not negative")
        return amount
    if unit in (Unit.MONTHS, Unit.COUNT):
        if raw is None and unit is Unit.COUNT:
            return None
        if isinstance(raw, bool) or not isinstance(raw, int) or raw < 0:
            raise ParameterError(f"{where}: expected a whole number >= 0, got {raw!r}")
        return raw
    if unit is Unit.DRAFTING_ID:
        if not isinstance(raw, str) or not raw.strip():
            raise ParameterError(f"{where}: expected a drafting id")
        return raw.strip()
    if unit is Unit.ALERT_CODES:
        if not isinstance(raw, list) or not raw:
            raise ParameterError(f"{where}: expected a list of hex alert codes")
        codes = []
        for item in raw:
            try:
                code = int(str(item), 16)
            except ValueError:
                raise ParameterError(f"{where}: not a hex alert code: {item!r}") from None
            if not 0 <= code <= 0xFFFF:
                raise ParameterError(f"{where}: alert codes are two bytes: {item!r}")
            codes.append(code)
        return tuple(codes)
    if unit is Unit.REGULATORY_YEARS:
        if not isinstance(raw, list) or not raw or not all(isinstance(i, str) for i in raw):
            raise ParameterError(f"{where}: expected a list of Regulatory Year labels")
        return tuple(str(i) for i in raw)
    # DRAFTING and REDUCTION_SCHEDULE: structured values validated by their own modules.
    if not isinstance(raw, dict):
        raise ParameterError(f"{where}: expected a mapping")
    return raw
