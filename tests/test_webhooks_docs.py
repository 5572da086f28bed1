"""docs/webhooks.md: its verification example works on a request signed as Smarketing signs,
and every event it lists is one the product publishes."""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any

from smarketing.webhooks.choices import EVENT_TYPES, EVENTS, TEST_EVENT
from smarketing.webhooks.signing import secret_generate, signature_header

DOC = Path(__file__).resolve().parents[1] / "docs" / "webhooks.md"


def _example() -> dict[str, Any]:
    [code] = re.findall(r"```python\n(.*?)```", DOC.read_text(encoding="utf-8"), flags=re.S)
    namespace: dict[str, Any] = {}
    exec(compile(code, str(DOC), "exec"), namespace)  # noqa: S102  (our own documentation)
    return namespace


def test_the_verification_example_accepts_once_and_refuses_a_bad_signature() -> None:
    # given a request signed with two secrets (a rotation), the receiver knowing the new one
    example = _example()
    old, new = secret_generate(), secret_generate()
    body = '{"type":"deal.won","timestamp":"2026-03-02T09:00:00Z","data":{"deal_id":5}}'
    stamp = int(time.time())
    headers = {
        "webhook-id": "msg_12_3",
        "webhook-timestamp": str(stamp),
        "webhook-signature": signature_header(
            [new, old], event_id="msg_12_3", timestamp=stamp, body=body
        ),
    }
    # when received twice, then with a secret it does not know
    first = example["receive"](body.encode(), headers, new)
    again = example["receive"](body.encode(), headers, new)
    forged = example["receive"](body.encode(), headers, secret_generate())
    # then the event once, then nothing
    assert first == {
        "type": "deal.won",
        "timestamp": "2026-03-02T09:00:00Z",
        "data": {"deal_id": 5},
    }
    assert (again, forged) == (None, None)


def test_the_events_table_lists_every_published_event() -> None:
    text = DOC.read_text(encoding="utf-8")
    listed = dict(re.findall(r"^\| `([a-z_]+\.[a-z_]+)` \| `([a-z_]+)` \|", text, flags=re.M))
    assert listed == {
        "contact.stage_changed": "stage_changed",
        "contact.mql": "mql_reached",
        "contact.consent_changed": "consent_changed",
        "deal.created": "deal_created",
        "deal.won": "deal_won",
        "deal.lost": "deal_lost",
        "handoff.assigned": "handoff_assigned",
        "handoff.answered": "handoff_answered",
        "handoff.reassigned": "handoff_reassigned",
        "sla.at_risk": "sla_at_risk",
        "sla.breached": "sla_breached",
    }
    assert {event: str(kind) for kind, event in EVENTS.items()} == listed
    assert sorted(listed) == list(EVENT_TYPES)
    assert f"| `{TEST_EVENT}` |" in text
