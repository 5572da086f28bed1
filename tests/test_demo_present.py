"""The demo's present reads as a normal working month, and every role's home page tells it."""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils import timezone

from smarketing.agreement.selectors import active_version
from smarketing.demo import generate
from smarketing.handoff.models import Absence, Handoff
from smarketing.scorecard.quotas import quota_pace
from smarketing.users.models import User

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo():
    return generate(contacts=1500, seed=7, today=timezone.localdate())


def test_one_rep_is_away_today_and_the_manager_is_told(demo) -> None:
    today = timezone.localdate()
    away = Absence.objects.filter(starts_on__lte=today, ends_on__gte=today)
    assert away.count() >= 1
    manager = User.objects.get(username="sophie")
    client = Client()
    client.force_login(manager)
    page = client.get("/").content.decode()
    assert "absent today" in page
    assert away.first().user.get_full_name() in page


def test_the_month_so_far_is_paced_as_the_history_not_handed_over_at_once(demo) -> None:
    now = timezone.now()
    pace = quota_pace(now=now, agreement=active_version().agreement)
    everyone = next(line for line in pace if line.line.persona == "")
    # the MQLs of the month so far were handed over as they happened: no more than twice what
    # a month of the quota would give by today (plus a few, early in the month)
    assert everyone.delivered <= 2 * everyone.expected + 10
    # and they were spread over the days, not created at the moment the demo started
    this_month = Handoff.objects.filter(created_at__gte=now.replace(day=1, hour=0, minute=0))
    days = {h.created_at.date() for h in this_month}
    assert len(days) >= min(3, timezone.localdate().day)


@pytest.mark.parametrize(
    ("username", "heading"),
    [
        ("thomas", "My day"),
        ("sophie", "My team"),
        ("camille", "Marketing's pace"),
        ("lucas", "Marketing's pace"),
        ("claire", "Both teams"),
        ("admin", "Both teams"),
    ],
)
def test_each_demo_login_lands_on_its_home_page(demo, username, heading) -> None:
    user = User.objects.get(username=username)
    client = Client()
    client.force_login(user)
    response = client.get("/")
    assert response.status_code == 200
    assert heading in response.content.decode()


def test_the_demo_has_its_return_half(demo) -> None:
    from smarketing.marketing.models import ContentRating, ContentRequest
    from smarketing.nurturing.models import Enrolment, Program, Recycle
    from smarketing.review.models import Decision, ReviewPack

    assert Recycle.objects.filter(cause="rejected").exists()
    program = Program.objects.get()
    assert program.status == "active"
    assert Enrolment.objects.filter(program=program).exists()
    assert ContentRating.objects.exists()
    assert ContentRequest.objects.count() == 4
    first, second = ReviewPack.objects.order_by("month")
    assert Decision.objects.filter(pack=first).exists()
    assert not Decision.objects.filter(pack=second).exists()
    client = Client()
    client.force_login(User.objects.get(username="camille"))
    for url in ("/programs/", f"/programs/{program.key}/", "/content/", "/feedback/", "/review/"):
        assert client.get(url).status_code == 200, url
