"""Twenty contacts scored BY HAND against tests/fixtures/agreement.yaml.

Every expected value below was worked out from the rules, not copied from the code's output.

The rules of the fixture, as the hand calculations use them:

- Fit, one persona ``cfo`` ("CFO of a mid-size company"): job_title contains cfo / financ / daf
  (case and accents folded) → 40; size_band in 51-200 / 201-1000 → 30; country in FR / BE / CH
  (case folded) → 30. The possible totals are 0, 30, 40, 60, 70, 100; grades A ≥ 80, B ≥ 60,
  C ≥ 40, else D. With one persona there is no tie to break: even 0 pts reports ``cfo``.
- Engagement, half-life 30 days: ``pricing`` = page_view with path == "/pricing", 15 pts, at most
  3 per 30-day window; ``demo`` = demo_requested, 30 pts, no cap. Anything else scores nothing
  (and is not in the ``event_types`` given to the MQL rule).
- MQL: excluded (free-mail gmail.com / orange.fr, then opted out) → out, whatever the points;
  then fast track demo_requested with fit ≥ C; then fit ≥ B and engagement ≥ 40.
  The fixture has no competitor domains, student titles, countries out of target nor negative
  rules, so those exclusions cannot fire (cases 18 and 19 pin that down).

Time: ``NOW`` is day 20,000. A cap window is ``int(when // (30 days))``: window 666 covers days
19,980–20,009, 665 covers 19,950–19,979, 664 covers 19,920–19,949, and so on. An event k×30 days
before NOW falls on day 20,000 − 30k, which is always 20 days into its window (never on an edge).
Decay factors: 0 days → 1, 30 → ½, 60 → ¼, 90 → ⅛, 150 → 1/32, 180 → 1/64, 210 → 1/128.

Exactly 40.0 cannot be reached with this fixture at whole half-lives: every value is 15 × a sum
of powers of two, and 40 / 15 = 8/3 is not such a sum. Cases 5 and 6 sit just below and just
above instead (the ≥ itself is covered in test_scoring.py with engagement=40).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from smarketing.scoring.fit import Profile
from smarketing.scoring.qualification import Person

DAY = 86400.0
NOW = 20000 * DAY

Event = tuple[float, str, dict[str, Any]]

PERSONA = "CFO of a mid-size company"
QUALIFIES = "fit ≥ B and engagement ≥ 40"
NEEDS = "needs fit ≥ B and engagement ≥ 40"
FAST_TRACK = "fast track: demo_requested with fit ≥ C"
FREE_MAIL = "excluded: free-mail address"
OPTED_OUT = "excluded: opted out"


def pricing(days: float) -> Event:
    """A /pricing page view ``days`` before NOW (rule ``pricing``, 15 pts, capped 3 per window)."""
    return (days, "page_view", {"path": "/pricing"})


def demo(days: float) -> Event:
    """A demo request ``days`` before NOW (rule ``demo``, 30 pts)."""
    return (days, "demo_requested", {})


@dataclass(frozen=True)
class Case:
    """One contact and what it must score."""

    name: str
    profile: Profile
    person: Person
    events: list[Event]
    grade: str
    points: int
    persona: str
    engagement: float
    fit_line: str
    engagement_line: str
    qualifies: bool
    reason: str


CONTACTS: list[Case] = [
    # 1 — the baseline: A, the cap reached but not exceeded.
    Case(
        name="grade_a_three_pricing_views_today",
        profile=Profile(
            job_title="Directrice Financière",  # folds to "directrice financiere" ∋ "financ"
            sector="Software",
            size_band="51-200",
            country="FR",
            annual_revenue=Decimal("12000000"),  # no criterion on revenue: ignored
        ),
        person=Person(
            email="claire.martin@acme.fr",
            job_title="Directrice Financière",
            account_domain="acme.fr",
            country="FR",
        ),
        events=[pricing(0), pricing(0), pricing(0)],  # all in window 666: 3 of 3 allowed
        grade="A",  # 40 + 30 + 30 = 100 ≥ 80
        points=100,
        persona="cfo",
        engagement=45.0,  # 15×1 + 15×1 + 15×1 = 45
        fit_line=f"fit A ({PERSONA}, 100 pts): job_title ✔ size_band ✔ country ✔",
        engagement_line="engagement 45.0: +15 pricing ×3",
        qualifies=True,  # no exclusion, no demo; A ≥ B and 45 ≥ 40
        reason=QUALIFIES,
    ),
    # 2 — the cap within one window decides: uncapped it would be 6 × 7.5 = 45 and qualify.
    Case(
        name="cap_within_one_window",
        profile=Profile(job_title="CFO", sector="Industry", size_band="201-1000", country="BE"),
        person=Person(email="tom@indus.be", job_title="CFO", account_domain="indus.be"),
        events=[pricing(30)] * 6,  # day 19,970, all in window 665: 3 count, 3 capped
        grade="A",  # 40 + 30 + 30 = 100
        points=100,
        persona="cfo",
        engagement=22.5,  # 15×½ + 15×½ + 15×½ = 22.5 (the 3 capped views add nothing)
        fit_line=f"fit A ({PERSONA}, 100 pts): job_title ✔ size_band ✔ country ✔",
        engagement_line="engagement 22.5: +15 pricing ×6 (capped)",
        qualifies=False,  # 22.5 < 40
        reason=NEEDS,
    ),
    # 3 — the same rule in two windows: six views, three per window, none capped.
    Case(
        name="same_rule_in_two_windows",
        profile=Profile(job_title="DAF", sector="Retail", size_band="201-1000", country="GB"),
        person=Person(email="paul@retailco.co.uk", job_title="DAF", country="GB"),
        events=[
            *[pricing(30)] * 3,  # window 665: 3 of 3
            *[pricing(0)] * 3,  # window 666: 3 of 3
        ],
        grade="B",  # 40 + 30 + 0 (GB) = 70 ≥ 60
        points=70,
        persona="cfo",
        engagement=67.5,  # 3×15×½ + 3×15×1 = 22.5 + 45 = 67.5
        fit_line=f"fit B ({PERSONA}, 70 pts): job_title ✔ size_band ✔ country ✘",
        engagement_line="engagement 67.5: +15 pricing ×6",
        qualifies=True,  # B ≥ B and 67.5 ≥ 40
        reason=QUALIFIES,
    ),
    # 4 — the cap reached in two windows; grade B exactly at its threshold (60).
    Case(
        name="cap_reached_in_two_windows_grade_b_at_60",
        profile=Profile(
            job_title="Directeur commercial",  # no cfo / financ / daf in it
            sector="Services",
            size_band="51-200",
            country="CH",
        ),
        person=Person(email="marc@services.ch", job_title="Directeur commercial", country="CH"),
        events=[
            *[pricing(60)] * 4,  # day 19,940, window 664: 3 count, the 4th is capped
            *[pricing(0)] * 4,  # day 20,000, window 666: 3 count, the 4th is capped
        ],
        grade="B",  # 0 + 30 + 30 = 60 ≥ 60
        points=60,
        persona="cfo",
        engagement=56.25,  # 3×15×¼ + 3×15×1 = 11.25 + 45 = 56.25
        fit_line=f"fit B ({PERSONA}, 60 pts): job_title ✘ size_band ✔ country ✔",
        # 56.25 is exact in binary, so ".1f" rounds the tie half to even: 56.2
        engagement_line="engagement 56.2: +15 pricing ×8 (capped)",
        qualifies=True,  # B ≥ B and 56.25 ≥ 40
        reason=QUALIFIES,
    ),
    # 5 — just below the threshold, although the breakdown shows 40.0.
    Case(
        name="just_below_threshold",
        profile=Profile(
            job_title="Chief Financial Officer", sector="SaaS", size_band="51-200", country="FR"
        ),
        person=Person(email="ines@saas.fr", job_title="Chief Financial Officer"),
        events=[
            pricing(0),  # window 666
            pricing(0),  # window 666 (2 of 3)
            pricing(30),  # window 665
            pricing(90),  # day 19,910, window 663
            pricing(150),  # day 19,850, window 661
            pricing(210),  # day 19,790, window 659
        ],
        grade="A",  # 40 + 30 + 30 = 100
        points=100,
        persona="cfo",
        # 15×1 + 15×1 + 15×½ + 15×⅛ + 15×1/32 + 15×1/128
        # = 30 + 7.5 + 1.875 + 0.46875 + 0.1171875 = 39.9609375
        engagement=39.9609375,
        fit_line=f"fit A ({PERSONA}, 100 pts): job_title ✔ size_band ✔ country ✔",
        engagement_line="engagement 40.0: +15 pricing ×6",  # 39.96… rounds to 40.0
        qualifies=False,  # 39.9609375 < 40
        reason=NEEDS,
    ),
    # 6 — just above the threshold.
    Case(
        name="just_above_threshold",
        profile=Profile(
            job_title="Responsable financier",
            sector="Logistics",
            size_band="201-1000",
            country="NL",
        ),
        person=Person(email="jan@logi.nl", job_title="Responsable financier", country="NL"),
        events=[
            pricing(0),  # window 666
            pricing(0),  # window 666 (2 of 3)
            pricing(30),  # window 665
            pricing(90),  # window 663
            pricing(150),  # window 661
            pricing(180),  # day 19,820, window 660
        ],
        grade="B",  # 40 + 30 + 0 (NL) = 70
        points=70,
        persona="cfo",
        # 15×1 + 15×1 + 15×½ + 15×⅛ + 15×1/32 + 15×1/64
        # = 30 + 7.5 + 1.875 + 0.46875 + 0.234375 = 40.078125
        engagement=40.078125,
        fit_line=f"fit B ({PERSONA}, 70 pts): job_title ✔ size_band ✔ country ✘",
        engagement_line="engagement 40.1: +15 pricing ×6",
        qualifies=True,  # B ≥ B and 40.078125 ≥ 40
        reason=QUALIFIES,
    ),
    # 7 — events out of order: older ones listed after more recent ones.
    Case(
        name="out_of_order_events",
        profile=Profile(
            job_title="Finance Director", sector="Energy", size_band="51-200", country="BE"
        ),
        person=Person(email="eva@energy.be", job_title="Finance Director", country="BE"),
        events=[
            pricing(0),  # window 666
            pricing(60),  # window 664, listed after a more recent one
            pricing(0),  # window 666 (2 of 3)
            pricing(60),  # window 664 (2 of 3)
            pricing(30),  # window 665, again older than the one before it
        ],
        grade="A",  # 40 + 30 + 30 = 100
        points=100,
        persona="cfo",
        engagement=45.0,  # 15×1 + 15×¼ + 15×1 + 15×¼ + 15×½ = 15 + 3.75 + 15 + 3.75 + 7.5 = 45
        fit_line=f"fit A ({PERSONA}, 100 pts): job_title ✔ size_band ✔ country ✔",
        engagement_line="engagement 45.0: +15 pricing ×5",
        qualifies=True,
        reason=QUALIFIES,
    ),
    # 8 — a late, EARLIER event in a full window takes the place of the latest counted one.
    #     (The one case off whole half-lives: 15 days is needed to stay inside window 666.)
    Case(
        name="late_earlier_event_takes_a_capped_slot",
        profile=Profile(job_title="CFO", sector="Fintech", size_band="51-200", country="CH"),
        person=Person(email="nora@fintech.ch", job_title="CFO", country="CH"),
        events=[
            pricing(0),  # day 20,000, window 666 (1 of 3)
            pricing(0),  # window 666 (2 of 3)
            pricing(0),  # window 666 (3 of 3)
            pricing(15),  # day 19,985, window 666: full → capped, but earlier than day 20,000,
            # so it replaces one day-20,000 view: counted = 19,985, 20,000, 20,000
        ],
        grade="A",  # 40 + 30 + 30 = 100
        points=100,
        persona="cfo",
        # 15×2^(−15/30) + 15×1 + 15×1 = 15/√2 + 30 ≈ 10.6066017 + 30 = 40.6066017
        # (keeping the latest three instead would give 45; counting all four, 55.6)
        engagement=30 + 15 / math.sqrt(2),
        fit_line=f"fit A ({PERSONA}, 100 pts): job_title ✔ size_band ✔ country ✔",
        engagement_line="engagement 40.6: +15 pricing ×4 (capped)",
        qualifies=True,  # A ≥ B and 40.6066 ≥ 40
        reason=QUALIFIES,
    ),
    # 9 — the fast track: an old demo request with grade C.
    Case(
        name="fast_track_old_demo_with_grade_c",
        profile=Profile(job_title="CFO", sector="Manufacturing", size_band="5000+", country="DE"),
        person=Person(email="karl@werk.de", job_title="CFO", country="DE"),
        events=[demo(60)],
        grade="C",  # 40 + 0 + 0 = 40 ≥ 40 (C exactly at its threshold)
        points=40,
        persona="cfo",
        engagement=7.5,  # 30×¼ = 7.5
        fit_line=f"fit C ({PERSONA}, 40 pts): job_title ✔ size_band ✘ country ✘",
        engagement_line="engagement 7.5: +30 demo ×1",
        qualifies=True,  # demo_requested and C ≥ C (neither fit nor engagement would do)
        reason=FAST_TRACK,
    ),
    # 10 — a demo request with grade D: no fast track, and high engagement does not help.
    Case(
        name="demo_with_grade_d_is_not_fast_tracked",
        profile=Profile(job_title="Comptable", sector="Retail", size_band="1-10", country="fr"),
        person=Person(email="luc@boutique.fr", job_title="Comptable", country="FR"),
        events=[demo(0), pricing(0), pricing(0), pricing(0)],  # pricing: window 666, 3 of 3
        grade="D",  # 0 + 0 + 30 ("fr" folds to FR) = 30 < 40
        points=30,
        persona="cfo",
        engagement=75.0,  # 30×1 + 3×15×1 = 75
        fit_line=f"fit D ({PERSONA}, 30 pts): job_title ✘ size_band ✘ country ✔",
        # rules are listed in the agreement's order: pricing, then demo
        engagement_line="engagement 75.0: +15 pricing ×3, +30 demo ×1",
        qualifies=False,  # D < C for the fast track, D < B for the rule
        reason=NEEDS,
    ),
    # 11 — grade A with a demo: the fast track is checked (and reported) first.
    Case(
        name="grade_a_with_demo_reports_fast_track",
        profile=Profile(
            job_title="Directeur administratif et financier",
            sector="Health",
            size_band="201-1000",
            country="FR",
        ),
        person=Person(email="remi@clinique.fr", job_title="Directeur administratif et financier"),
        events=[pricing(30), pricing(30), demo(0)],  # pricing: window 665, 2 of 3
        grade="A",  # 40 + 30 + 30 = 100
        points=100,
        persona="cfo",
        engagement=45.0,  # 15×½ + 15×½ + 30×1 = 7.5 + 7.5 + 30 = 45
        fit_line=f"fit A ({PERSONA}, 100 pts): job_title ✔ size_band ✔ country ✔",
        engagement_line="engagement 45.0: +15 pricing ×2, +30 demo ×1",
        qualifies=True,
        reason=FAST_TRACK,
    ),
    # 12 — no events at all.
    Case(
        name="no_events",
        profile=Profile(job_title="CFO", sector="Software", size_band="51-200", country="FR"),
        person=Person(email="zoe@acme.fr", job_title="CFO", country="FR"),
        events=[],
        grade="A",  # 100
        points=100,
        persona="cfo",
        engagement=0.0,  # nothing folded
        fit_line=f"fit A ({PERSONA}, 100 pts): job_title ✔ size_band ✔ country ✔",
        engagement_line="engagement 0.0: no scored activity",
        qualifies=False,  # 0 < 40
        reason=NEEDS,
    ),
    # 13 — events that match no rule: no points, not in event_types.
    Case(
        name="only_unscored_events",
        profile=Profile(
            job_title="Head of Finance", sector="Media", size_band="201-1000", country="IT"
        ),
        person=Person(email="gio@media.it", job_title="Head of Finance", country="IT"),
        events=[
            (0, "page_view", {"path": "/blog"}),
            (0, "page_view", {"path": "/pricing/"}),  # not equal to "/pricing"
            (0, "page_view", {}),
            (0, "email_opened", {}),
            (0, "form_submitted", {"path": "/pricing"}),  # right path, wrong event type
        ],
        grade="B",  # 40 + 30 + 0 (IT) = 70
        points=70,
        persona="cfo",
        engagement=0.0,  # no rule matched
        fit_line=f"fit B ({PERSONA}, 70 pts): job_title ✔ size_band ✔ country ✘",
        engagement_line="engagement 0.0: no scored activity",
        qualifies=False,  # 0 < 40, event_types is empty
        reason=NEEDS,
    ),
    # 14 — free-mail wins over grade A, a demo and 75 points.
    Case(
        name="free_mail_beats_high_points",
        profile=Profile(job_title="CFO", sector="Software", size_band="51-200", country="FR"),
        person=Person(email="julie.cfo@gmail.com", job_title="CFO", country="FR"),
        events=[demo(0), pricing(0), pricing(0), pricing(0)],  # pricing: window 666, 3 of 3
        grade="A",  # 100
        points=100,
        persona="cfo",
        engagement=75.0,  # 30 + 3×15 = 75
        fit_line=f"fit A ({PERSONA}, 100 pts): job_title ✔ size_band ✔ country ✔",
        engagement_line="engagement 75.0: +15 pricing ×3, +30 demo ×1",
        qualifies=False,
        reason=FREE_MAIL,
    ),
    # 15 — the free-mail domain is compared case-folded.
    Case(
        name="free_mail_domain_case_folded",
        profile=Profile(job_title="DAF", sector="Retail", size_band="51-200", country="GB"),
        person=Person(email="Marc.Durand@Orange.FR", job_title="DAF", country="GB"),
        events=[*[pricing(30)] * 3, *[pricing(0)] * 3],  # windows 665 and 666, 3 of 3 each
        grade="B",  # 40 + 30 + 0 (GB) = 70
        points=70,
        persona="cfo",
        engagement=67.5,  # 3×15×½ + 3×15×1 = 22.5 + 45 = 67.5
        fit_line=f"fit B ({PERSONA}, 70 pts): job_title ✔ size_band ✔ country ✘",
        engagement_line="engagement 67.5: +15 pricing ×6",
        qualifies=False,  # "orange.fr" is free-mail
        reason=FREE_MAIL,
    ),
    # 16 — opted out wins over grade A, a demo and 97.5 points.
    Case(
        name="opted_out_beats_high_points",
        profile=Profile(job_title="CFO", sector="Software", size_band="201-1000", country="BE"),
        person=Person(email="anne@beltech.be", job_title="CFO", country="BE", opted_out=True),
        events=[
            demo(0),
            *[pricing(0)] * 3,  # window 666, 3 of 3
            *[pricing(30)] * 3,  # window 665, 3 of 3 (older, listed later)
        ],
        grade="A",  # 100
        points=100,
        persona="cfo",
        engagement=97.5,  # 30 + 3×15×1 + 3×15×½ = 30 + 45 + 22.5 = 97.5
        fit_line=f"fit A ({PERSONA}, 100 pts): job_title ✔ size_band ✔ country ✔",
        engagement_line="engagement 97.5: +15 pricing ×6, +30 demo ×1",
        qualifies=False,
        reason=OPTED_OUT,
    ),
    # 17 — free-mail and opted out: free-mail is checked first.
    Case(
        name="free_mail_reported_before_opted_out",
        profile=Profile(
            job_title="Finance manager", sector="Retail", size_band="51-200", country="FR"
        ),
        person=Person(email="luc@gmail.com", job_title="Finance manager", opted_out=True),
        events=[demo(0)],
        grade="A",  # 40 + 30 + 30 = 100
        points=100,
        persona="cfo",
        engagement=30.0,  # 30×1
        fit_line=f"fit A ({PERSONA}, 100 pts): job_title ✔ size_band ✔ country ✔",
        engagement_line="engagement 30.0: +30 demo ×1",
        qualifies=False,
        reason=FREE_MAIL,
    ),
    # 18 — no criterion matches: 0 pts, grade D, still persona cfo (the only one). Country US
    #      and a rival-looking account are not excluded: the fixture lists neither.
    Case(
        name="grade_d_zero_points",
        profile=Profile(
            job_title="Software engineer", sector="Software", size_band="1-10", country="US"
        ),
        person=Person(
            email="dev@startup.io",
            job_title="Software engineer",
            account_domain="rival-crm.com",
            country="US",
        ),
        events=[*[pricing(0)] * 3, demo(30)],  # pricing: window 666, 3 of 3
        grade="D",  # 0 + 0 + 0 = 0
        points=0,
        persona="cfo",
        engagement=60.0,  # 3×15×1 + 30×½ = 45 + 15 = 60
        fit_line=f"fit D ({PERSONA}, 0 pts): job_title ✘ size_band ✘ country ✘",
        engagement_line="engagement 60.0: +15 pricing ×3, +30 demo ×1",
        qualifies=False,  # D: no fast track, no rule
        reason=NEEDS,
    ),
    # 19 — a student title is not excluded: the fixture has no student_titles list.
    Case(
        name="student_title_not_excluded_without_a_list",
        profile=Profile(
            job_title="Étudiant en finance",  # folds to "etudiant en finance" ∋ "financ"
            sector="Education",
            size_band="51-200",
            country="FR",
        ),
        person=Person(email="leo@ecole.fr", job_title="Étudiant en finance", country="FR"),
        events=[pricing(0), pricing(0), pricing(0)],  # window 666, 3 of 3
        grade="A",  # 40 + 30 + 30 = 100
        points=100,
        persona="cfo",
        engagement=45.0,  # 3×15×1
        fit_line=f"fit A ({PERSONA}, 100 pts): job_title ✔ size_band ✔ country ✔",
        engagement_line="engagement 45.0: +15 pricing ×3",
        qualifies=True,
        reason=QUALIFIES,
    ),
    # 20 — grade C with plenty of engagement but no demo: not enough.
    Case(
        name="grade_c_with_high_engagement_needs_b",
        profile=Profile(job_title="Financial controller", sector="Retail"),  # no size, no country
        person=Person(email="sam@shop.com", job_title="Financial controller"),
        events=[*[pricing(30)] * 3, *[pricing(0)] * 3],  # windows 665 and 666, 3 of 3 each
        grade="C",  # 40 + 0 + 0 = 40
        points=40,
        persona="cfo",
        engagement=67.5,  # 3×15×½ + 3×15×1 = 22.5 + 45 = 67.5
        fit_line=f"fit C ({PERSONA}, 40 pts): job_title ✔ size_band ✘ country ✘",
        engagement_line="engagement 67.5: +15 pricing ×6",
        qualifies=False,  # C < B; no demo for the fast track
        reason=NEEDS,
    ),
]
