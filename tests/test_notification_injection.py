"""What a visitor types into a public form reaches Slack, Teams and e-mail as text, never as a
mention, a link or a header (attacker's findings, medium)."""

from __future__ import annotations

import pytest

from smarketing.notifications.delivery import delivery_send
from smarketing.notifications.models import Delivery, DeliveryStatus
from smarketing.notifications.services import Message, notify
from tests.receivers import smtp_delivery, webhook_server

pytestmark = pytest.mark.django_db
NAME = "Eve <!channel> <https://evil.example|your bank> [click](https://evil.example) *now*"


def _notify(user, title: str, channels: list[tuple[str, str]]) -> None:
    notify(
        user=user,
        key=f"k-{len(title)}",
        message=Message(
            kind="handoff",
            title=title,
            body=f"{NAME} asked for a demo.",
            link="/inbox/1/",
            details=[("Lead", NAME)],
        ),
        channels=channels,
    )


def test_slack_and_teams_show_a_typed_name_literally(make_user) -> None:
    user = make_user()
    with webhook_server() as (hooks, base):
        _notify(user, f"New MQL: {NAME}", [("slack", f"{base}/slack"), ("teams", f"{base}/teams")])
        for delivery in Delivery.objects.all():
            delivery_send(delivery.pk)
        [(_, slack)] = hooks.on("/slack")
        [(_, teams)] = hooks.on("/teams")
    slack_texts = [slack["text"], slack["blocks"][1]["text"]["text"]] + [
        f["text"] for f in slack["blocks"][2]["fields"]
    ]
    for text in slack_texts:
        # no mention, no link markup left: Slack shows &lt; as a literal <
        assert "<!channel>" not in text
        assert "<https://" not in text
        assert "&lt;!channel&gt;" in text
    card = teams["attachments"][0]["content"]
    teams_texts = [card["body"][0]["text"], card["body"][1]["text"]] + [
        f["value"] for f in card["body"][2]["facts"]
    ]
    for text in teams_texts:
        assert "[click](https://evil.example)" not in text
        assert "\\[click\\]\\(https://evil.example\\)" in text
        assert "\\*now\\*" in text


def test_a_line_break_in_a_name_is_no_header_and_a_refused_message_is_failed(make_user) -> None:
    user = make_user()
    with smtp_delivery() as inbox:
        _notify(user, "New MQL: Eve\r\nBcc: victim@example.com", [("email", "rep@nuage.example")])
        # an address the mail library refuses: failed at once with its reason, not left pending
        _notify(user, "Second", [("email", "rep@nuage.example\r\nBcc: victim@example.com")])
        for delivery in Delivery.objects.order_by("id"):
            assert delivery_send(delivery.pk) is None
    [mail] = inbox.messages
    assert mail["Subject"] == "New MQL: Eve Bcc: victim@example.com"
    assert mail["Bcc"] is None
    first, second = Delivery.objects.order_by("id")
    assert (first.status, first.attempts) == (DeliveryStatus.SENT, 1)
    assert (second.status, second.attempts) == (DeliveryStatus.FAILED, 1)
    assert second.last_error.startswith("not sendable:")
