"""The demo's return half: recycled leads, a nurturing program that ran over the last two
months, sales' ratings of content and their requests, and the monthly review packs.

- The recycling consumer reads the journal, so every move into nurturing of the year is a
  recycle with its cause.
- Two e-mail templates (French and English) and the program "Pas de projet pour l'instant"
  (leads rejected for *no project* or *no budget*): a first e-mail, five working days, a wait
  of ten days for a click — yes: the case studies and the owner told; no: a reminder 15 working
  days later. The leads rejected in the last 60 days entered it when they were rejected, and
  the worker's sweep is played day by day up to the demo day; the messages it recorded count as
  sent then (the worker sends nothing old when it starts).
- Salespeople rate content their accepted leads consumed (mostly "helped" for the case studies
  and the pricing page, mixed for the blog) and ask for four pieces of content, voted on.
- The review packs of the last two complete months: at the first, the marketing manager
  accepted its first recommendation and dismissed the others; the second follows them up.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from django.db.models import F, Q

from smarketing.contacts.models import Contact
from smarketing.journal.consumers import consume_all
from smarketing.mailing.choices import MessageStatus
from smarketing.mailing.models import OutgoingMessage
from smarketing.mailing.services import template_save
from smarketing.marketing.content_feedback import (
    content_rate,
    content_request_create,
    content_request_vote,
)
from smarketing.marketing.models import ContentAsset, Touchpoint
from smarketing.nurturing.enrolment import enrol
from smarketing.nurturing.models import Enrolment, Recycle
from smarketing.nurturing.programs import program_create, program_status_set
from smarketing.nurturing.recycling import CONSUMER
from smarketing.nurturing.runner import programs_run
from smarketing.review.services import decision_record, review_pack_make
from smarketing.scorecard.months import current_month, month_add

if TYPE_CHECKING:
    from smarketing.demo.generator import Context

HISTORY_DAYS = 60
TEMPLATES = {
    "nurture-pas-de-projet": (
        "{{ contact.first_name }}, où en est votre clôture mensuelle ?",
        "{{ contact.first_name }}, how is your month-end close going?",
        "Quand le moment viendra, notre guide vous fera gagner trois jours par mois.",
        "When the time comes, our guide saves you three days a month.",
    ),
    "nurture-cas-clients": (
        "Comment {{ account.name }} pourrait clôturer en 5 jours",
        "How {{ account.name }} could close in 5 days",
        "Trois directeurs financiers racontent leur première clôture en cinq jours.",
        "Three CFOs tell how they first closed their books in five days.",
    ),
}
PROGRAM = """
entry: {reasons: [no_project, no_budget]}
exits: [mql, customer, unsubscribed, replied, meeting]
reentry_days: 120
steps:
  - {key: premier-mail, email: nurture-pas-de-projet}
  - {key: pause, wait_days: 5}
  - {key: clic, wait_event: email_clicked, max_days: 10, yes: cas-clients, no: relance}
  - {key: cas-clients, email: nurture-cas-clients}
  - {key: proprietaire, notify_owner: "Un lead en nurturing a cliqué : à rappeler ?", next: fin}
  - {key: relance, wait_days: 15}
  - {key: dernier-mail, email: nurture-cas-clients}
  - {key: fin, exit: true}
"""
REQUESTS = [
    ("Un cas client pour les DAF de la grande distribution", "cfo", "sql", 3),
    ("Un calculateur de retour sur investissement", "", "opportunity", 4),
    ("A one-pager in English for international subsidiaries", "", "sal", 1),
    ("Comparatif avec les tableurs pour les contrôleurs de gestion", "", "mql", 2),
]


def _templates() -> None:
    for name, (subject_fr, subject_en, line_fr, line_en) in TEMPLATES.items():
        template_save(
            actor=None,
            name=name,
            kind="marketing",
            subject_fr=subject_fr,
            subject_en=subject_en,
            html_fr=f"<p>Bonjour {{{{ contact.first_name }}}},</p><p>{line_fr}</p>",
            html_en=f"<p>Hello {{{{ contact.first_name }}}},</p><p>{line_en}</p>",
            text_fr=f"Bonjour {{{{ contact.first_name }}}},\n\n{line_fr}",
            text_en=f"Hello {{{{ contact.first_name }}}},\n\n{line_en}",
        )


def _program_history(ctx: Context) -> int:
    program = program_create(actor=None, name="Pas de projet pour l'instant", text=PROGRAM)
    program_status_set(actor=None, program=program, status="active")
    start = ctx.now - timedelta(days=HISTORY_DAYS)
    recycles = list(
        Recycle.objects.filter(at__gte=start, reason_code__in=["no_project", "no_budget"])
        .select_related("contact__account")
        .order_by("at", "id")
    )
    day, index = start, 0
    while day < ctx.now:
        day += timedelta(hours=6)
        while index < len(recycles) and recycles[index].at <= day:
            recycle = recycles[index]
            enrol(
                program=program,
                contact=recycle.contact,
                source="disposition",
                now=recycle.at,
                recycle=recycle,
            )
            index += 1
        while programs_run(now=day):
            pass
    OutgoingMessage.objects.filter(status=MessageStatus.QUEUED).update(
        status=MessageStatus.SENT, sent_at=F("created_at")
    )
    return Enrolment.objects.filter(program=program).count()


def _ratings(ctx: Context) -> int:
    reps = [u for u in ctx.users.values() if u.role == "sales_rep"]
    rated = 0
    assets = {a.pk: a for a in ContentAsset.objects.all()}
    seen = (
        Touchpoint.objects.filter(content__isnull=False, contact__owner__isnull=False)
        .filter(Q(contact__lifecycle_stage__in=["sql", "opportunity", "customer", "sal"]))
        .values_list("contact_id", "content_id", "contact__owner_id")
        .distinct()
        .order_by("contact_id", "content_id")
    )
    owners = {u.pk: u for u in reps}
    for contact_id, content_id, owner_id in list(seen)[:400]:
        owner = owners.get(owner_id)
        if owner is None or ctx.rng.random() > 0.35:
            continue
        asset = assets[content_id]
        helped = ctx.rng.random() < (0.8 if asset.kind in ("case_study", "landing_page") else 0.45)
        comment = ""
        if ctx.rng.random() < 0.3:
            comment = ctx.rng.choice(
                [
                    "Il l'a cité en rendez-vous",
                    "Trop générique pour son secteur",
                    "Bon appui",
                    "Pas lu",
                    "A convaincu le DAF",
                ]
            )
        content_rate(
            actor=owner,
            asset=asset,
            contact=Contact.objects.get(pk=contact_id),
            verdict="helped" if helped else "did_not_help",
            comment=comment,
        )
        rated += 1
    for title, persona, stage, votes in REQUESTS:
        asker = ctx.rng.choice(reps)
        request = content_request_create(actor=asker, title=title, persona=persona, stage=stage)
        for voter in [u for u in reps if u != asker][: votes - 1]:
            content_request_vote(actor=voter, request=request)
    return rated


def _packs(ctx: Context) -> int:
    """The last two complete months' packs; at the first, marketing accepted the first
    recommendation and dismissed the others (the second pack follows them up)."""
    this_month = current_month(ctx.now)
    first = review_pack_make(month=month_add(this_month, -2), now=ctx.now)
    for index, item in enumerate(first.snapshot.get("recommendations", [])):
        decision_record(
            actor=ctx.users["camille"],
            pack=first,
            kind="accepted" if index == 0 else "dismissed",
            key=item["key"],
            note="décidé en revue mensuelle",
            now=ctx.now,
        )
    review_pack_make(month=month_add(this_month, -1), now=ctx.now)
    return 2


def nurturing_step(ctx: Context) -> None:
    """Recycles, a program's two months, content feedback and the review packs."""
    consume_all(CONSUMER, max_batches=10_000)
    ctx.summary.counts["recycles"] = Recycle.objects.count()
    _templates()
    ctx.summary.counts["program enrolments"] = _program_history(ctx)
    ctx.summary.counts["content ratings"] = _ratings(ctx)
    ctx.summary.counts["review packs"] = _packs(ctx)
