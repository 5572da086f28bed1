"""``smarketing privacy``: export or erase everything about one contact (audited)."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from smarketing.cli.setup import CommandError, database_check, django_start


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "privacy",
        help="export or erase a contact's personal data",
        description="Export everything held about a contact as JSON, or erase the contact "
        "everywhere in one transaction. Both are written to the audit log under the person "
        "named by --by, who needs the personal-data right (see docs/privacy.md).",
    )
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    for name, text in (
        ("export", "print everything about a contact as JSON"),
        ("erase", "erase a contact everywhere (cannot be undone)"),
    ):
        action = actions.add_parser(name, help=text, description=text[0].upper() + text[1:] + ".")
        target = action.add_mutually_exclusive_group(required=True)
        target.add_argument(
            "--contact", type=int, metavar="ID", help="the contact's id (default: none)"
        )
        target.add_argument("--email", metavar="E", help="the contact's address (default: none)")
        action.add_argument(
            "--by",
            required=True,
            metavar="USERNAME",
            help="who asks, as the audit log records it (default: none, required)",
        )
        if name == "erase":
            action.add_argument(
                "--yes",
                action="store_true",
                help="confirm the erasure; without it nothing is erased (default: off)",
            )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    django_start()
    database_check(migrated=True)
    from smarketing.privacy.selectors import contact_found, contact_found_by_email
    from smarketing.privacy.services import contact_erase, contact_export
    from smarketing.users.selectors import user_by_username

    actor = user_by_username(username=args.by)
    if actor is None:
        raise CommandError(f"--by: no user is named {args.by!r}.")
    if args.contact is not None:
        contact = contact_found(contact_id=args.contact)
    else:
        contact = contact_found_by_email(email=args.email)
    if args.action == "export":
        data: dict[str, Any] = contact_export(actor=actor, contact=contact)
        json.dump(data, sys.stdout, indent=2, ensure_ascii=False)
        sys.stdout.write("\n")
        return 0
    if args.action == "erase":
        if not args.yes:
            raise CommandError("Add --yes to erase the contact: it cannot be undone.")
        counts = contact_erase(actor=actor, contact=contact)
        print(f"Contact {contact.pk} erased: {sum(counts.values())} rows deleted or anonymised.")
        for label, count in sorted(counts.items()):
            print(f"  {label}: {count}")
        return 0
    raise CommandError(f"unknown action {args.action!r}")
