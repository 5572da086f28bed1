"""``smarketing agreement``: list, export, diff, check and preview agreement versions."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from smarketing.cli.progress import progress_bar
from smarketing.cli.setup import CommandError, database_check, django_start


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "agreement",
        help="list, export, compare, check and preview agreement versions",
        description="Work with the marketing & sales agreement: the YAML both teams sign.",
    )
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    actions.add_parser(
        "list",
        help="every version with its status and approvals",
        description="List every agreement version: number, status, name and approvals.",
    )
    export = actions.add_parser(
        "export",
        help="print a version's YAML (or write it to a file)",
        description="Print the YAML text of an agreement version, as it was approved.",
    )
    export.add_argument("number", type=int, help="version number")
    export.add_argument(
        "-o",
        "--output",
        type=Path,
        metavar="FILE",
        help="file to write instead of printing (default: standard output)",
    )
    diff = actions.add_parser(
        "diff",
        help="what changed between two versions",
        description="Print what changed between two agreement versions, one line per change.",
    )
    diff.add_argument("old", type=int, help="number of the older version")
    diff.add_argument("new", type=int, help="number of the newer version")
    check = actions.add_parser(
        "check",
        help="validate a YAML file (line and field of each error)",
        description="Validate an agreement YAML file without saving it: one line per problem on "
        "stderr with its line and field (exit code 1), or 'valid' (exit code 0).",
    )
    check.add_argument("file", type=Path, help="the YAML file")
    preview = actions.add_parser(
        "preview",
        help="backtest a YAML file against the data, next to the active version",
        description="What the file's MQL rule would have done over the last months: MQLs per "
        "month and persona, SQL and won rates over the MQLs sales worked, and who would enter "
        "or leave MQL now compared with the active version. Nothing is saved.",
    )
    preview.add_argument("file", type=Path, help="the YAML file")
    preview.add_argument(
        "--months",
        type=int,
        default=12,
        metavar="N",
        help="months back, 1 to 24 (default: %(default)s)",
    )
    preview.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    django_start()
    database_check(migrated=True)
    handler = {"list": _list, "export": _export, "diff": _diff, "check": _check}.get(args.action)
    return handler(args) if handler else _preview(args)


def _version(number: int):  # type: ignore[no-untyped-def]
    from smarketing.agreement.selectors import version_by_number
    from smarketing.core.errors import NotFoundError

    try:
        return version_by_number(number)
    except NotFoundError as exc:
        raise CommandError(f"there is no agreement version {number}") from exc


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise CommandError(f"cannot read {path}: {exc}") from exc


def _list(args: argparse.Namespace) -> int:
    from smarketing.agreement.selectors import versions_all

    versions = versions_all()
    if not versions:
        print("No agreement version yet: draft one in the web app (Agreement → New draft).")
    for version in versions:
        sides = ", ".join(f"{a.side} by {a.user}" for a in version.approvals.all()) or "none"
        print(f"v{version.number:<4} {version.status:<9} {version.name}  (approvals: {sides})")
    return 0


def _export(args: argparse.Namespace) -> int:
    text = _version(args.number).text
    if args.output:
        args.output.write_text(text, encoding="utf-8")
        print(f"Wrote {args.output}")
    else:
        sys.stdout.write(text)
    return 0


def _diff(args: argparse.Namespace) -> int:
    from smarketing.agreement.selectors import versions_diff

    lines = versions_diff(_version(args.old), _version(args.new))
    print("\n".join(lines) if lines else "The two versions say the same thing.")
    return 0


def _check(args: argparse.Namespace) -> int:
    from smarketing.agreement.selectors import agreement_check
    from smarketing.agreement.validation import AgreementValidationError

    try:
        agreement = agreement_check(_read(args.file))
    except AgreementValidationError as exc:
        for problem in exc.problems:
            print(f"{args.file}:{problem}", file=sys.stderr)
        return 1
    print(f"{args.file}: valid ({agreement.name}).")
    return 0


def _preview(args: argparse.Namespace) -> int:
    from smarketing.agreement.selectors import active_version, agreement_check
    from smarketing.agreement.validation import AgreementValidationError
    from smarketing.scoring.backtest import agreement_preview

    if not 1 <= args.months <= 24:
        raise CommandError("--months must be between 1 and 24")
    try:
        draft = agreement_check(_read(args.file))
    except AgreementValidationError as exc:
        for problem in exc.problems:
            print(f"{args.file}:{problem}", file=sys.stderr)
        return 1
    active = active_version()
    preview = agreement_preview(
        draft=draft,
        active=active.agreement if active else None,
        draft_label=args.file.name,
        active_label=f"v{active.number}" if active else "",
        months=args.months,
        progress=None if args.json else lambda d, t: progress_bar("contacts", d, t),
    )
    if args.json:
        print(json.dumps(preview.as_dict(), indent=2, ensure_ascii=False))
        return 0
    results = [r for r in (preview.draft, preview.active) if r is not None]
    print(f"\nMQLs per month {'':>3}" + "".join(f"{r.label[:14]:>16}" for r in results))
    for month in preview.months:
        print(f"  {month:<16}" + "".join(f"{r.per_month[month]:>16,}" for r in results))
    print(f"  {'total':<16}" + "".join(f"{r.mqls:>16,}" for r in results))

    def rate(value: float | None) -> str:
        return "—" if value is None else f"{value:.0%}"

    for name, get in (
        ("worked by sales", lambda r: f"{r.worked:,}"),
        ("no outcome", lambda r: f"{r.no_outcome:,}"),
        ("SQL rate (worked)", lambda r: rate(r.sql_rate)),
        ("won rate (worked)", lambda r: rate(r.won_rate)),
        ("meet the rule now", lambda r: f"{r.qualifying_now:,}"),
    ):
        print(f"  {name:<18}" + "".join(f"{get(r):>16}" for r in results))
    print("\nMQLs per persona (" + preview.draft.label + ")")
    for persona, count in preview.draft.per_persona.items():
        print(f"  {persona:<40}{count:>8,}")
    if preview.active is not None:
        print(
            f"\nNow: {preview.enter_now:,} contacts would enter MQL and {preview.leave_now:,} "
            f"would leave it; activating hands {preview.handover_now:,} to sales at once "
            "(a daily cap can spread them)."
        )
    return 0
