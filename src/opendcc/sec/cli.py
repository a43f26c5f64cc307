"""``opendcc sec``: the Smart Energy Code as code: evaluate rules and scenarios.

Every command prints a readable table, or one JSON object with ``--json``. Exit status: 0
answered, 1 the rule refused (the output says why and names the clause), 2 bad input.
Settings (``opendcc.config``): ``sec_m86_proposed_2015_from`` moves the start of the
proposed 2015 drafting of M8.6, ``sec_ipr_further_reviews_from`` the start of the amended
review regime.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Annotated, NoReturn

import typer
import yaml
from rich.console import Console
from rich.table import Table

from opendcc.config import setting
from opendcc.eui import Eui64
from opendcc.roles import UserRole
from opendcc.sec.bmit import (
    InflationIndexSeries,
    baseline_margin_implementation_total,
    parse_baseline_margins,
)
from opendcc.sec.compromise import SecurityReport, security_report
from opendcc.sec.confidentiality import Marking
from opendcc.sec.liability import liability_limit
from opendcc.sec.m86 import DraftingId, DraftingTimeline, load_timeline
from opendcc.sec.outcome import Refusal, SecInputError
from opendcc.sec.params import ParameterSet, default_parameters
from opendcc.sec.scenario import evaluate_scenario, load_scenario
from opendcc.sec.security_inputs import load_security_inputs
from opendcc.sec.services import DEFAULT_CATALOGUE, ServiceCategory

app = typer.Typer(
    help="The Smart Energy Code as code: evaluate rules and scenarios.", no_args_is_help=True
)

DRAFTING_HELP = "M8.6 drafting: sec1, sec2 or 2015 (the proposed amendment)."


def _emit(data: object) -> None:
    typer.echo(json.dumps(data, indent=2, default=str))


def _fail(message: str, code: int = 2) -> NoReturn:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)


def _parse_date(text: str | None, option: str) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        _fail(f"{option}: not a date (YYYY-MM-DD): {text!r}")


def _parse_time(text: str | None, option: str) -> datetime | None:
    if text is None:
        return None
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        _fail(f"{option}: not an ISO 8601 date-time: {text!r}")
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def _parameters() -> ParameterSet:
    """The shipped parameters with configured start dates applied."""

    params = default_parameters()
    further = setting("sec_ipr_further_reviews_from")
    if further:
        try:
            params = params.with_start(
                "ipr.review_limit",
                None,
                date.fromisoformat(further),
                "start of the amended review regime set by configuration",
            )
        except (ValueError, SecInputError) as exc:
            _fail(f"sec_ipr_further_reviews_from: {exc}")
    return params


def _timeline() -> DraftingTimeline:

    configured = setting("sec_m86_proposed_2015_from")
    try:
        start = date.fromisoformat(configured) if configured else None
        return load_timeline(_parameters(), proposed_2015_from=start)
    except (ValueError, SecInputError) as exc:
        _fail(f"sec_m86_proposed_2015_from: {exc}")


@app.command("m86")
def m86(
    drafting: Annotated[str | None, typer.Option(help=DRAFTING_HELP)] = None,
    service: Annotated[
        str | None,
        typer.Option(help="Service category: core, local, elective, enrolment or other."),
    ] = None,
    role: Annotated[
        str | None, typer.Option(help="User Role: IS, ES, GS, RSA, ED, GT or OU.")
    ] = None,
    scenario: Annotated[
        Path | None,
        typer.Option(help="A YAML/JSON scenario of suspensions and requests to replay."),
    ] = None,
    on: Annotated[
        str | None, typer.Option(help="Use the drafting in force on this date (YYYY-MM-DD).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """M8.6 what-if: may the Panel suspend a right, and does it need the Authority's approval?

    With --service and --role: one answer (suspendable, approval_required, clause). With
    neither: the whole matrix. With --scenario: replay suspensions and requests, showing
    which requests would be refused (E3) and which suspensions needed approval. Without
    --drafting (or --on) the matrix and scenario are evaluated under all three draftings.
    """

    timeline = _timeline()
    chosen: list[DraftingId]
    if drafting is not None:
        try:
            chosen = [DraftingId.parse(drafting)]
        except ValueError as exc:
            _fail(f"--drafting: {exc}")
    elif on is not None:
        day = _parse_date(on, "--on")
        assert day is not None
        try:
            chosen = [timeline.in_force(day).drafting_id]
        except SecInputError as exc:
            _fail(f"--on: {exc}")
    else:
        chosen = list(DraftingId)

    if scenario is not None:
        if service is not None or role is not None:
            _fail("--scenario evaluates its own requests; drop --service/--role")
        _m86_scenario(scenario, chosen, timeline, as_json)
        return
    if (service is None) != (role is None):
        _fail("give both --service and --role, or neither for the whole matrix")
    if service is not None and role is not None:
        if len(chosen) != 1:
            _fail("--drafting (or --on) is required with --service and --role")
        try:
            category = ServiceCategory(service.strip().lower())
        except ValueError:
            _fail(f"--service: one of {', '.join(c.value for c in ServiceCategory)}")
        try:
            user_role = UserRole.parse(role)
        except ValueError as exc:
            _fail(f"--role: {exc}")
        answer = timeline.drafting(chosen[0]).assess(category, user_role)
        if as_json:
            _emit(answer.to_json())
            return
        verdict = "may" if answer.suspendable else "may not"
        approval = ", subject to the Authority's approval" if answer.approval_required else ""
        typer.echo(
            f"{timeline.drafting(chosen[0]).title}: the Panel {verdict} suspend "
            f"{category.full_name} in the '{user_role.sec_name}' User Role{approval} "
            f"({answer.clause}; consultation para {answer.paragraph})."
        )
        typer.echo(answer.explanation)
        return
    _m86_matrix(chosen, timeline, as_json)


def _m86_matrix(chosen: list[DraftingId], timeline: DraftingTimeline, as_json: bool) -> None:

    if as_json:
        _emit(
            {
                "draftings": [
                    {
                        "drafting": d.value,
                        "title": timeline.drafting(d).title,
                        "starts": [s.isoformat() for s, which in timeline.starts() if which is d],
                        "matrix": [a.to_json() for a in timeline.drafting(d).matrix()],
                    }
                    for d in chosen
                ]
            }
        )
        return
    console = Console()
    for drafting_id in chosen:
        drafting = timeline.drafting(drafting_id)
        starts = [s.isoformat() for s, which in timeline.starts() if which is drafting_id]
        table = Table(
            title=f"M8.6, {drafting.title}"
            + (f" (in force from {', '.join(starts)})" if starts else "")
        )
        table.add_column("service")
        for role in UserRole:
            table.add_column(role.value, justify="center")
        for category in ServiceCategory:
            cells = []
            for role in UserRole:
                a = drafting.assess(category, role)
                limb = a.clause.removeprefix("M8.6")
                if not a.suspendable:
                    cells.append("-")
                else:
                    cells.append(limb + ("+A" if a.approval_required else ""))
            table.add_row(category.value, *cells)
        console.print(table)
        for gap in drafting.gaps:
            console.print(
                f"- ({', '.join(sorted(c.value for c in gap.categories))}, "
                f"{gap.roles.value}): {gap.clause}, para {gap.paragraph}: {gap.explanation}",
                highlight=False,
            )
    console.print(
        "(x): the Panel may suspend under limb (x) of M8.6; +A: only with the Authority's "
        "approval; -: no limb of M8.6 reaches it.",
        highlight=False,
    )


def _m86_scenario(
    path: Path, chosen: list[DraftingId], timeline: DraftingTimeline, as_json: bool
) -> None:

    try:
        scenario = load_scenario(path)
        results = [evaluate_scenario(scenario, d, timeline) for d in chosen]
    except SecInputError as exc:
        _fail(str(exc))
    if as_json:
        _emit({"scenario": str(path), "results": [r.to_json() for r in results]})
        return
    console = Console()
    for result in results:
        title = timeline.drafting(result.drafting).title
        suspensions = Table(title=f"Suspensions under the {title}")
        for column in ("suspension", "decided", "approval needed", "approval given", "clause"):
            suspensions.add_column(column)
        for s in result.suspensions:
            suspensions.add_row(
                s.suspension_id,
                "accepted" if s.accepted else "REFUSED",
                "yes" if s.approval_required else "no",
                "yes" if s.approval_recorded else "no",
                ", ".join(s.clauses) or "-",
            )
        console.print(suspensions)
        for s in result.suspensions:
            if s.refusal is not None:
                console.print(f"  {s.suspension_id}: {s.refusal}", highlight=False)
        requests = Table(title=f"Requests under the {title}")
        for column in ("request", "at", "party", "role", "variant", "CV", "result"):
            requests.add_column(column)
        for r in result.requests:
            q = r.request
            requests.add_row(
                q.request_id,
                q.at.isoformat(),
                q.party,
                q.role.value,
                q.variant,
                str(q.command_variant),
                "served"
                if r.refused is None
                else f"{r.refused.response_code} ({r.refused.suspension_id}, {r.refused.clause})",
            )
        console.print(requests)


@app.command("liability")
def liability(
    marking: Annotated[str, typer.Option(help="none, confidential or classified.")],
    party: Annotated[str, typer.Option(help="dcc, or other (any Party but the DCC).")],
    events: Annotated[int, typer.Option(help="How many events of breach.", min=1)] = 1,
    related: Annotated[
        str, typer.Option(help="true: the events are a series of related events.")
    ] = "false",
    on: Annotated[str | None, typer.Option(help="Date of the breach (default today).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """M2.3: the limit on a Party's liability for breaching confidentiality.

    Unlimited for 'classified' data breached by a Party other than the DCC; GBP 1 million
    per event or series of related events otherwise; the DCC capped in all cases; nothing
    for unmarked material. cap_gbp is null when unlimited.
    """

    try:
        which = Marking.parse(marking)
    except SecInputError as exc:
        _fail(f"--marking: {exc}")
    who = party.strip().lower()
    if who not in ("dcc", "other"):
        _fail("--party: dcc or other")
    flag = related.strip().lower()
    if flag not in ("true", "false", "yes", "no", "1", "0"):
        _fail("--related: true or false")
    day = _parse_date(on, "--on") or datetime.now(UTC).date()
    try:
        limit = liability_limit(
            which,
            who == "dcc",
            day,
            events=events,
            related=flag in ("true", "yes", "1"),
            parameters=_parameters(),
        )
    except SecInputError as exc:
        _fail(str(exc))
    if as_json:
        _emit({"marking": which.value, "party": who, "events": events, **limit.to_json()})
        return
    amount = "unlimited" if limit.cap_gbp is None else f"GBP {limit.cap_gbp:,.0f}"
    typer.echo(f"Liability limit: {amount} ({limit.clause}; consultation para {limit.paragraph})")
    typer.echo(limit.basis)


@app.command("security-report")
def security_report_command(
    supplier: Annotated[str, typer.Argument(help="The supplier's User ID (EUI-64).")],
    inputs: Annotated[
        Path | None,
        typer.Option(
            "--from",
            help="JSON file of devices, identities, credentials and events, instead of the "
            "hub's store.",
        ),
    ] = None,
    data_dir: Annotated[
        Path, typer.Option("--data", help="The hub's data directory (its store and keys).")
    ] = Path("var/opendcc"),
    at: Annotated[
        str | None, typer.Option(help="Instant of the report (default: the file's, or now).")
    ] = None,
    since: Annotated[str | None, typer.Option(help="Only events from this instant.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Licence Condition 46A/40A: a supplier's security scope and Indicators of Compromise.

    Lists the 'Supplier and Enrolled Smart Metering System': its DCC-enrolled Devices, the
    in-home devices it provided within their 12-month maintenance period, and its User
    Systems (User IDs, certificates, file-signing tokens), with the DCC's communications
    infrastructure excluded; then the signature failures, replayed counters, eligibility
    refusals, tamper alerts and revoked credentials in use within that scope.
    """

    try:
        eui = Eui64.parse(supplier)
    except ValueError as exc:
        _fail(f"SUPPLIER: {exc}")
    if inputs is None:
        report = _report_from_store(
            eui, data_dir, _parse_time(at, "--at"), _parse_time(since, "--since")
        )
        _show_report(report, as_json)
        return
    try:
        data = load_security_inputs(inputs)
        instant = _parse_time(at, "--at") or data.at or datetime.now(UTC)
        report = security_report(
            eui,
            instant,
            data.devices,
            data.identities,
            data.credentials,
            data.tokens,
            data.events,
            since=_parse_time(since, "--since"),
            parameters=_parameters(),
        )
    except SecInputError as exc:
        _fail(str(exc))
    _show_report(report, as_json)


def _report_from_store(
    eui: Eui64, data_dir: Path, at: datetime | None, since: datetime | None
) -> SecurityReport | Refusal:
    """The report over a hub's data directory (read-only; the hub may be running)."""
    import opendcc.store.estate as estate_store  # noqa: PLC0415
    from opendcc.cli_checks import opendcc_database_problem  # noqa: PLC0415
    from opendcc.hub.sec_bridge import security_inputs  # noqa: PLC0415
    from opendcc.smki.keystore import Keystore  # noqa: PLC0415
    from opendcc.store.database import Database  # noqa: PLC0415
    from opendcc.store.events import SCHEMA_PARTS as EVENTS  # noqa: PLC0415

    path = data_dir / "hub.sqlite"
    if not path.exists():
        _fail(f"no hub store at {path}: give --data DIR (or --from FILE)")
    parts = [p.name for p in (*estate_store.ESTATE_SCHEMA, *EVENTS)]
    if (problem := opendcc_database_problem(path, parts)) is not None:
        _fail(f"--data: {problem}")
    with Database(path, parts=[*estate_store.ESTATE_SCHEMA, *EVENTS]) as db:
        estate = estate_store.open_estate(db)
        keystore = Keystore.load(data_dir / "pki") if (data_dir / "pki").is_dir() else Keystore()
        inputs = security_inputs(estate, keystore, eui, at or datetime.now(UTC), since)
        return security_report(
            inputs["supplier"],
            inputs["at"],
            inputs["devices"],
            inputs["identities"],
            inputs["credentials"],
            (),
            inputs["events"],
            since=since,
            parameters=_parameters(),
        )


def _show_report(report: SecurityReport | Refusal, as_json: bool) -> None:
    if isinstance(report, Refusal):
        if as_json:
            _emit(report.to_json())
        else:
            typer.echo(f"refused: {report}", err=True)
        raise typer.Exit(1)
    if as_json:
        _emit(report.to_json())
        return
    console = Console()
    scope = report.scope
    console.print(
        f"Supplier and Enrolled Smart Metering System of {scope.supplier} ({scope.party}) "
        f"at {scope.at.isoformat()}",
        highlight=False,
    )
    devices = Table(title="Devices in scope")
    for column in ("device", "type", "SMI status", "why", "maintained until"):
        devices.add_column(column)
    for d in scope.devices:
        devices.add_row(
            str(d.device_id),
            d.device_type,
            d.smi_status or "-",
            d.reason.value,
            d.maintained_until.date().isoformat() if d.maintained_until else "-",
        )
    console.print(devices)
    systems = Table(title="User Systems in scope")
    for column in ("kind", "identifier", "detail", "revoked"):
        systems.add_column(column)
    for s in scope.user_systems:
        systems.add_row(
            s.reason.value,
            s.identifier,
            s.detail,
            s.revoked_at.isoformat() if s.revoked_at else "-",
        )
    console.print(systems)
    if scope.excluded:
        excluded = Table(title="Excluded")
        for column in ("identifier", "type", "reason"):
            excluded.add_column(column)
        for e in scope.excluded:
            excluded.add_row(e.identifier, e.device_type, e.detail)
        console.print(excluded)
    indicators = Table(title=f"Indicators of Compromise ({len(report.indicators)})")
    for column in ("at", "kind", "subject", "detail"):
        indicators.add_column(column)
    for i in report.indicators:
        indicators.add_row(i.at.isoformat(), i.kind.value, i.subject, i.detail)
    console.print(indicators)


@app.command("services")
def services(
    category: Annotated[
        str | None, typer.Option(help="Only this category (core, local, enrolment, other).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """The Service Reference Variant table: each variant's M8.6 category, roles and why."""

    rows = DEFAULT_CATALOGUE.variants()
    if category is not None:
        try:
            wanted = ServiceCategory(category.strip().lower())
        except ValueError:
            _fail(f"--category: one of {', '.join(c.value for c in ServiceCategory)}")
        rows = [r for r in rows if r.category is wanted]
    if as_json:
        _emit(
            {
                "variants": [
                    {
                        "variant": r.variant,
                        "name": r.name,
                        "category": r.category.value,
                        "eligible_roles": sorted(role.value for role in r.eligible_roles),
                        "basis": r.basis,
                    }
                    for r in rows
                ]
            }
        )
        return
    table = Table(title=f"Service Reference Variants ({len(rows)})")
    for column in ("variant", "name", "category", "roles"):
        table.add_column(column)
    for r in rows:
        table.add_row(
            r.variant,
            r.name,
            r.category.value,
            " ".join(sorted(role.value for role in r.eligible_roles)) or "(DCC only)",
        )
    Console().print(table)


@app.command("parameters")
def parameters(
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Every SEC parameter: its dated values and the clause and paragraph of each."""

    params = _parameters()
    if as_json:
        _emit(
            {
                "parameters": [
                    {
                        "name": p.name,
                        "description": p.description,
                        "unit": p.unit.value,
                        "legal_standing": p.legal_standing,
                        "note": p.note,
                        "values": [
                            {
                                "from": v.start.isoformat(),
                                "value": _plain(v.value),
                                "references": [
                                    {"clause": r.clause, "paragraph": r.paragraph, "title": r.title}
                                    for r in v.references
                                ],
                            }
                            for v in p.values
                        ],
                    }
                    for p in params.all()
                ]
            }
        )
        return
    table = Table(title="SEC parameters")
    for column in ("parameter", "from", "value", "reference"):
        table.add_column(column)
    for p in params.all():
        for v in p.values:
            shown = "(drafting text)" if p.unit.value == "drafting" else _plain(v.value)
            table.add_row(
                p.name + ("" if p.legal_standing else " *"),
                v.start.isoformat(),
                json.dumps(shown, default=str) if not isinstance(shown, str) else shown,
                "; ".join(r.cite() for r in v.references),
            )
    console = Console()
    console.print(table)
    console.print("* no legal standing: a documented opendcc default (see the file's note).")


def _plain(value: object) -> object:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else str(value)
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    if value is None:
        return "unlimited"
    return value


@app.command("bmit")
def bmit(
    margins: Annotated[
        Path, typer.Option(help='YAML/JSON: Baseline Margin by Regulatory Year, {"2013/14": ...}.')
    ],
    index: Annotated[
        Path,
        typer.Option(help='YAML/JSON: {name, base_year, values: {"2013/14": index, ...}}.'),
    ],
    on: Annotated[str | None, typer.Option(help="Date of the question (default today).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Licence Condition 35: the Baseline Margin Implementation Total, inflation-adjusted."""

    def read(path: Path) -> object:
        try:
            return yaml.safe_load(path.read_text(encoding="utf-8"))
        except OSError as exc:
            _fail(f"cannot read {path}: {exc.strerror or exc}")
        except (UnicodeDecodeError, yaml.YAMLError) as exc:
            _fail(f"{path}: not YAML or JSON: {exc}")

    raw_margins, raw_index = read(margins), read(index)
    if not isinstance(raw_margins, dict):
        _fail(f"{margins}: expected a mapping of Regulatory Year to Baseline Margin")
    if not isinstance(raw_index, dict) or not isinstance(raw_index.get("values"), dict):
        _fail(f"{index}: expected {{name, base_year, values}}")
    day = _parse_date(on, "--on") or datetime.now(UTC).date()
    try:
        series = InflationIndexSeries.of(
            str(raw_index.get("name", index.stem)),
            str(raw_index.get("base_year", "")),
            raw_index["values"],
        )

        amounts = parse_baseline_margins(raw_margins)
        total = baseline_margin_implementation_total(amounts, series, day, _parameters())
    except SecInputError as exc:
        _fail(str(exc))
    if as_json:
        _emit(total.to_json())
        return
    for line in total.lines:
        typer.echo(
            f"{line.year}: GBP {line.baseline_margin:,.2f} x {line.factor:.6f} "
            f"= GBP {line.adjusted:,.2f}"
        )
    typer.echo(f"BMIT ({total.series}): GBP {total.total:,.2f} ({total.clause})")
