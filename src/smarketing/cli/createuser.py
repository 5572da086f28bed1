"""``smarketing createuser``: add a person with a role."""

from __future__ import annotations

import argparse
import getpass
import os

from smarketing.cli.setup import CommandError, database_check, django_start

ROLES = ("marketing_user", "marketing_manager", "sales_rep", "sales_manager", "management", "admin")


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "createuser",
        help="add a person with a role",
        description="Create a user. The password is asked for, or read from the environment "
        "variable that --password-env names.",
    )
    parser.add_argument("username", help="login name, unique whatever the case")
    parser.add_argument("email", help="e-mail address (hand-offs and password resets go there)")
    parser.add_argument(
        "--role",
        required=True,
        choices=ROLES,
        metavar="ROLE",
        help="what the person does: " + ", ".join(ROLES),
    )
    parser.add_argument(
        "--manager",
        metavar="USERNAME",
        help="username of the manager, required for sales_rep (default: none)",
    )
    parser.add_argument(
        "--first-name", default="", metavar="NAME", help="first name (default: empty)"
    )
    parser.add_argument(
        "--last-name", default="", metavar="NAME", help="last name (default: empty)"
    )
    parser.add_argument(
        "--password-env",
        metavar="VAR",
        help="read the password from this environment variable (default: ask for it)",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    django_start()
    database_check(migrated=True)
    from smarketing.users.selectors import user_by_username
    from smarketing.users.services import user_create

    if args.password_env:
        password = os.environ.get(args.password_env, "")
        if not password:
            raise CommandError(f"The environment variable {args.password_env} is empty or unset.")
    else:
        password = getpass.getpass("Password: ")
    manager = None
    if args.manager:
        manager = user_by_username(username=args.manager)
        if manager is None:
            raise CommandError(f"No user named {args.manager!r}: create the manager first.")
    user = user_create(
        username=args.username,
        email=args.email,
        password=password,
        role=args.role,
        manager=manager,
        first_name=args.first_name,
        last_name=args.last_name,
    )
    print(f"Created {user.username} ({user.get_role_display()}).")
    return 0
