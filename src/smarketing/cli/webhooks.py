"""``smarketing webhooks``: outgoing webhook endpoints — list, add, test, replay, and more."""

from __future__ import annotations

import argparse
from typing import Any

from smarketing.cli.setup import CommandError, database_check, django_start


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "webhooks",
        help="manage outgoing webhook endpoints and their deliveries",
        description="Outgoing webhooks follow the Standard Webhooks specification: each event "
        "of the journal an endpoint subscribed to is sent to it once, signed with its whsec_ "
        "secret, by the worker, and retried for a day (see docs/webhooks.md).",
    )
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    actions.add_parser(
        "list",
        help="list the endpoints and their deliveries waiting, succeeded and abandoned",
        description="List every endpoint: id, state, events, address and its deliveries.",
    )
    add = actions.add_parser(
        "add",
        help="add an endpoint; print its secret (shown once)",
        description="Add an endpoint after checking its address (http or https, a public "
        "host unless OUTGOING_ALLOW_PRIVATE=1). Its whsec_ secret is printed once.",
    )
    add.add_argument("url", help="the receiver's address, e.g. https://crm.example.com/hooks")
    add.add_argument(
        "--events",
        required=True,
        metavar="NAMES",
        help="comma-separated events, e.g. contact.mql,deal.won (default: none, required)",
    )
    add.add_argument("--description", default="", help="what the endpoint is for (default: empty)")
    for name, text in (
        ("test", "send a webhook.test event now and print the receiver's answer"),
        ("enable", "send to a disabled endpoint again (what waited goes out)"),
        ("disable", "stop sending to an endpoint (its deliveries wait)"),
        ("rotate", "give an endpoint a new secret; the old one signs 24 hours more"),
    ):
        action = actions.add_parser(name, help=text, description=text[0].upper() + text[1:] + ".")
        action.add_argument("endpoint", type=int, help="the endpoint's id (see `list`)")
    replay = actions.add_parser(
        "replay",
        help="send a delivery again, with the same webhook-id",
        description="Queue a delivery again from its first attempt; the worker sends it.",
    )
    replay.add_argument("delivery", type=int, help="the delivery's id (see the admin's log)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    django_start()
    database_check(migrated=True)
    from smarketing.webhooks import selectors, services
    from smarketing.webhooks.sending import delivery_attempt

    if args.action == "list":
        return _list(list(selectors.endpoints_listed()))
    if args.action == "add":
        endpoint, secret = services.endpoint_create(
            actor=None,
            url=args.url,
            event_types=args.events.split(","),
            description=args.description,
        )
        print(f"Endpoint {endpoint.pk} added for {', '.join(endpoint.event_types)}.")
        print(f"Its secret (shown only now): {secret}")
        return 0
    if args.action == "replay":
        delivery = services.delivery_replay(actor=None, delivery_id=args.delivery)
        print(f"Delivery {delivery.pk} ({delivery.event_id}) queued again: the worker sends it.")
        return 0
    if args.action == "test":
        delivery = services.endpoint_test(actor=None, endpoint_id=args.endpoint)
        status = delivery_attempt(delivery.pk)
        delivery = selectors.delivery_get(delivery_id=delivery.pk)
        answer = delivery.last_status_code or delivery.last_error or "no answer"
        print(f"Test event {delivery.event_id}: {status} ({answer}).")
        return 0 if status == "succeeded" else 1
    if args.action == "enable":
        services.endpoint_enable(actor=None, endpoint_id=args.endpoint)
        print(f"Endpoint {args.endpoint} enabled: the deliveries that waited go out now.")
        return 0
    if args.action == "disable":
        services.endpoint_stop(actor=None, endpoint_id=args.endpoint)
        print(f"Endpoint {args.endpoint} disabled: its deliveries wait.")
        return 0
    if args.action == "rotate":
        secret = services.endpoint_secret_rotate(actor=None, endpoint_id=args.endpoint)
        print(f"New secret of endpoint {args.endpoint} (shown only now): {secret}")
        print("The previous secret signs for 24 hours more.")
        return 0
    raise CommandError(f"unknown action {args.action!r}")


def _list(rows: list[Any]) -> int:
    if not rows:
        print("No webhook endpoint. Add one with `smarketing webhooks add URL --events …`.")
        return 0
    for e in rows:
        state = "active" if e.is_active else f"disabled ({e.disabled_reason or 'manual'})"
        print(
            f"{e.pk:>4}  {state:<18}  waiting {e.waiting:>5}  succeeded {e.succeeded:>7}  "
            f"abandoned {e.abandoned:>4}  {e.url}  [{', '.join(e.event_types)}]"
        )
    return 0
