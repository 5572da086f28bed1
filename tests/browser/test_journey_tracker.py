"""A visitor browses a customer's website anonymously, then fills its form: the earlier page
views appear on the new contact and count in its score."""

from __future__ import annotations

import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from smarketing.agreement.services import (
    agreement_activate,
    agreement_approve,
    agreement_draft_create,
)
from smarketing.capture.forms import form_create
from smarketing.capture.sites import site_create
from smarketing.contacts.models import Contact
from smarketing.scoring.services import scoring_consume
from smarketing.scoring.tasks import contact_rescore_task
from smarketing.tracking.models import Event

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
YAML = (Path(__file__).parents[1] / "fixtures" / "agreement.yaml").read_text()
PAGE = """<!doctype html><html><head><title>Acme — Tarifs</title>
<script async src="{smarketing}/t/tracker.js" data-site="{key}" data-require-consent="false">
</script></head><body><h1>Tarifs</h1>
<iframe data-smarketing-form src="{smarketing}/f/{form}/" style="width:100%;height:600px"></iframe>
</body></html>"""


def _customer_site(content: dict[str, str]) -> tuple[ThreadingHTTPServer, str]:
    """The customer's website, on another origin than Smarketing (127.0.0.1 vs localhost);
    every path answers ``content["html"]``."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = content["html"].encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


def test_page_views_before_a_form_count_for_the_contact(page, live_server, make_user) -> None:
    marketing, sales = make_user("marketing_manager"), make_user("sales_manager")
    make_user("sales_rep", username="thomas", manager=sales)
    version = agreement_draft_create(actor=marketing, text=YAML)
    agreement_approve(actor=marketing, version=version)
    agreement_approve(actor=sales, version=version)
    agreement_activate(actor=sales, version=version)
    smarketing = live_server.url  # http://localhost:PORT
    content = {"html": ""}
    server, customer = _customer_site(content)
    site = site_create(
        actor=marketing, name="Acme", allowed_origins=customer, consent_required=False
    )
    form = form_create(
        actor=marketing,
        site=site,
        name="Guide",
        fields=["first_name", "last_name", "job_title"],
        consent_text="I agree to receive Acme's guides.",
    )
    content["html"] = PAGE.format(smarketing=smarketing, key=site.key, form=form.key)
    try:
        # given an anonymous visitor who looks at the pricing page twice
        for _ in range(2):
            page.goto(f"{customer}/pricing")
            page.wait_for_load_state("networkidle")
        for _ in range(50):
            if Event.objects.filter(contact=None, type="page_view").count() == 2:
                break
            page.wait_for_timeout(100)
        assert Event.objects.filter(contact=None, type="page_view").count() == 2
        # when the visitor fills the form embedded in the page
        frame = page.frame_locator("iframe[data-smarketing-form]")
        # (the tracker hands the visitor id to the form)
        frame.locator("form").evaluate(
            "form => new Promise(done => { const check = () => form.vid.value ? done() :"
            " setTimeout(check, 50); check(); })"
        )
        frame.locator("#f-email").fill("anne.martin@acme.fr")
        frame.locator("#f-first_name").fill("Anne")
        frame.locator("#f-last_name").fill("Martin")
        frame.locator("#f-job_title").fill("Directrice financière")
        frame.locator("input[name=consent]").check()
        frame.locator("button[type=submit]").click()
        frame.locator(".done").wait_for()
    finally:
        server.shutdown()
        server.server_close()
    # then the earlier page views belong to the contact and count in its score
    contact = Contact.objects.get(email="anne.martin@acme.fr")
    assert Event.objects.filter(contact=contact, type="page_view").count() == 2
    scoring_consume()
    contact_rescore_task.func(contact.pk)  # what the worker does after the identification
    page.goto(f"{smarketing}/login/")
    page.fill("#id_username", "thomas")
    page.fill("#id_password", "correct horse battery staple")
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"/$"))  # the salesperson's day
    page.goto(f"{smarketing}/contacts/{contact.pk}/")
    assert "+15 pricing ×2" in page.inner_text("#score")
    timeline = page.inner_text("#timeline")
    assert timeline.count("Page view") == 2
    assert "path: /pricing" in timeline
    assert "Form submitted" in timeline
