"""Every page a demo user reaches by following links answers: no server error, no broken link,
no link to a page the user may not see.

Each demo login starts from the home page and follows the site's own links and filter forms
breadth-first (GET only; a form is sent with one of its options at a time), up to a few pages
per shape of address (``/contacts/N/`` is one shape) so that every kind of page is visited
without visiting every contact.
"""

from __future__ import annotations

import re
from collections import Counter, deque
from datetime import date
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit

import pytest
from django.test import Client

from smarketing.demo import generate
from smarketing.users.models import User

pytestmark = pytest.mark.django_db

LINK = re.compile(r'href="([^"#]+)"')
GET_FORM = re.compile(r'<form[^>]*method="get"[^>]*>(.*?)</form>', re.S | re.I)
ACTION = re.compile(r'<form[^>]*action="([^"]*)"', re.I)
SELECT = re.compile(r'<select[^>]*name="([^"]+)"[^>]*>(.*?)</select>', re.S)
OPTION = re.compile(r'<option[^>]*value="([^"]+)"')
# not pages of the product: static files, the admin's own site, the API, signing out
SKIPPED = ("/static/", "/admin/", "/api/", "/logout/", "/i18n/")
PER_SHAPE = 3
PAGES = 400


def _shape(url: str) -> str:
    """The address with numbers as N and the query's values dropped: one kind of page."""
    parts = urlsplit(url)
    keys = sorted({key for key, _ in parse_qsl(parts.query, keep_blank_values=True)})
    return re.sub(r"\d+", "N", parts.path) + ("?" + "&".join(keys) if keys else "")


def _targets(url: str, html: str) -> list[str]:
    """The page's links, and its filter forms sent with one chosen option each."""
    found = [href.replace("&amp;", "&") for href in LINK.findall(html)]
    for form in GET_FORM.finditer(html):
        action = ACTION.search(form.group(0))
        base = action.group(1) if action and action.group(1) else urlsplit(url).path
        for name, options in SELECT.findall(form.group(1)):
            found += [f"{base}?{urlencode({name: value})}" for value in OPTION.findall(options)]
    return [urljoin(url, target) for target in found]  # "?page=2" is relative to the page


def _crawl(client: Client) -> tuple[dict[str, int], list[str]]:
    """Status of every page visited, and the pages whose links were followed, from ``/``."""
    seen: dict[str, int] = {}
    shapes: Counter[str] = Counter()
    queue = deque(["/"])
    while queue and len(seen) < PAGES:
        url = queue.popleft()
        if url in seen:
            continue
        response = client.get(url)
        seen[url] = response.status_code
        if response.status_code == 302:
            target = response["Location"]
            if target.startswith("/") and target not in seen:
                queue.append(target)
            continue
        if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
            continue
        for link in _targets(url, response.content.decode()):
            if not link.startswith("/") or link.startswith(SKIPPED) or link in seen:
                continue
            shape = _shape(link)
            if shapes[shape] < PER_SHAPE:
                shapes[shape] += 1
                queue.append(link)
    return seen, sorted(shapes)


@pytest.mark.slow
def test_every_linked_page_answers_for_every_demo_login() -> None:
    # given a small demo company
    summary = generate(contacts=1500, seed=5, today=date(2026, 6, 30))
    roles = {login.role: login.username for login in summary.logins}
    assert len(roles) >= 5
    for role, username in sorted(roles.items()):
        client = Client()
        client.force_login(User.objects.get(username=username))
        # when the user follows every link from the home page
        seen, shapes = _crawl(client)
        # then every page answered, and the crawl reached contacts, their pages and hand-offs
        failed = {url: status for url, status in seen.items() if status not in (200, 302)}
        assert failed == {}, f"{role}: {failed}"
        assert {"/contacts/N/", "/contacts/?after", "/agreement/vN/"} <= set(shapes), role
        if role in ("sales_rep", "sales_manager", "admin"):
            assert "/inbox/N/" in shapes, f"{role} reached no hand-off"
