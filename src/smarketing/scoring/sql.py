"""Set-based scoring: the agreement's rules compiled to SQL over a range of contacts.

It computes what the Python fold (``engagement.py``, ``fit.py``, ``qualification.py``) computes,
for many contacts per statement, on SQLite and PostgreSQL:

- each event gets the first engagement rule it matches (a ``CASE``);
- caps keep the earliest ``count`` events of each fixed window (``ROW_NUMBER()`` over contact,
  rule and window, ordered by time);
- engagement at ``now`` is Σ points × 2^((t − now) / half-life) over the counted events;
- fit and exclusions on text fields are decided in Python once per **distinct value** (job
  titles; account sector, size and country) and joined from temporary tables, so accents and
  case fold exactly as in Python; revenue ranges, e-mail domains and consent are compared in SQL
  (the fit fields come from their declaration, ``core.fitfields``: see ``sql_fit.py``).

Values from the agreement are written into the SQL as quoted literals (:func:`lit`); the
statements take no parameters.
"""

from __future__ import annotations

from collections.abc import Callable

from django.db import connection
from django.db.backends.utils import CursorWrapper

from smarketing.agreement.document import Agreement, Criterion
from smarketing.core.fitfields import Source, fit_field
from smarketing.scoring.engagement import DAY, EngagementRules
from smarketing.scoring.qualification import (
    EXCLUDED,
    FAST_TRACK,
    GRADE_ORDER,
    MET,
    OUT_OF_TARGET,
    UNMET,
    MqlRule,
    Person,
    exclusion_reason,
    fast_track_reason,
    met_reason,
)
from smarketing.scoring.sql_dialect import Dialect, lit, lits
from smarketing.scoring.sql_fit import Lookup, range_test, text_criteria, text_keys

EXPONENT_LIMIT = 1000.0  # 2^±1000 fits a double: no overflow, no underflow error on PostgreSQL
EMPTY = "''"
TITLES = "scoring_tmp_titles"
ACCOUNTS = "scoring_tmp_accounts"


class ScoreQuery:
    """The SQL of one agreement's scores."""

    def __init__(self, agreement: Agreement, vendor: str | None = None) -> None:
        self.agreement = agreement
        self.sql = Dialect(vendor or connection.vendor)
        self.rules = agreement.engagement.rules
        self.half_life = agreement.engagement.half_life_days * 86400.0
        self.personas = agreement.fit.personas
        self.exclusions = agreement.exclusions
        criteria = [c for p in self.personas for c in p.criteria]
        out = {c.upper() for c in self.exclusions.countries_out_of_target}
        self.lookups = {  # a table per source; ``x``: a student's title, a country out of target
            Source.CONTACT: Lookup(
                TITLES,
                "tt",
                Source.CONTACT,
                text_keys(Source.CONTACT, "job_title"),
                text_criteria(criteria, Source.CONTACT),
                lambda values: self._student(values["job_title"]),
            ),
            Source.ACCOUNT: Lookup(
                ACCOUNTS,
                "ta",
                Source.ACCOUNT,
                text_keys(Source.ACCOUNT, "country"),
                text_criteria(criteria, Source.ACCOUNT),
                lambda values: values["country"].upper() in out,
            ),
        }
        self.fast_types = MqlRule(agreement).fast_types  # bit i: the state row's ``fast``

    # ---- lookups: criteria on text decided in Python, once per distinct value --------------

    def lookups_fill(self, cursor: CursorWrapper, lo: int, hi: int) -> None:
        """(Re)create the temporary lookup tables for the contacts with ids in [lo, hi)."""
        for lookup in self.lookups.values():
            lookup.fill(cursor, lo, hi)

    def _student(self, title: str) -> bool:
        person = Person(email="", job_title=title)
        return exclusion_reason(person, self.exclusions) == "student"

    # ---- events ----------------------------------------------------------------------------

    def _by_rule(self, values: list[str | None], *, empty: str = "NULL") -> str:
        """A ``CASE r`` choosing an SQL expression per rule index; ``empty`` when no rule has
        one (typed where PostgreSQL compares it: a bare NULL there is text)."""
        branches = [f"WHEN {i} THEN {v}" for i, v in enumerate(values) if v is not None]
        return f"(CASE r {' '.join(branches)} END)" if branches else empty

    def matched_events(self, where: str, *, scan: bool = False) -> str:
        """SELECT of the events meeting ``where`` (on ``e``) that match a rule: contact, event
        id, time in seconds and the index of the first rule they match. ``scan``: read the
        table in one pass rather than through the contact index (SQLite; PostgreSQL's planner
        weighs both itself)."""
        branches = []
        for index, rule in enumerate(self.rules):
            tests = [f"e.type = {lit(rule.event)}"]
            tests += [
                self.sql.prop_equals("e.properties", key, value)
                for key, value in rule.where.items()
            ]
            branches.append(f"WHEN {' AND '.join(tests)} THEN {index}")
        rule_case = f"CASE {' '.join(branches)} END" if branches else "NULL"
        return f"""SELECT cid, eid, ts, r FROM (
  SELECT e.contact_id AS cid, e.id AS eid, {self.sql.epoch("e.occurred_at")} AS ts,
         {rule_case} AS r
  FROM tracking_event e{" NOT INDEXED" if scan and not self.sql.postgres else ""}
  WHERE {where}
) m WHERE r IS NOT NULL"""

    def events_ctes(
        self, *, lo: int, hi: int, last_event_id: int, since: float | None, scan: bool = False
    ) -> str:
        """``scored``: the rule-matched events of the range with points, cap window and rank
        (``scan``: see :meth:`matched_events`)."""
        caps: list[str | None] = [str(r.cap.count) if r.cap else None for r in self.rules]
        day = self.sql.day_of("ts")
        windows: list[str | None] = [
            f"{day} / {r.cap.per_days}" if r.cap else "0" for r in self.rules
        ]
        points: list[str | None] = [lit(float(r.points)) for r in self.rules]
        types: list[str | None] = [lit(r.event) for r in self.rules]
        recent = f" AND {self.sql.epoch('e.occurred_at')} >= {lit(since)}" if since else ""
        matched = self.matched_events(
            f"e.contact_id >= {int(lo)} AND e.contact_id < {int(hi)} "
            f"AND e.id <= {int(last_event_id)}{recent}",
            scan=scan,
        )
        # the window sorts only what it needs (contact, rule, window, time, id); points, cap
        # and type follow from the rule afterwards: narrower rows make the sort cheaper
        return f"""
ev AS ({matched}),
matched AS (SELECT cid, eid, ts, r, {self._by_rule(windows)} AS win FROM ev),
windowed AS (
  SELECT cid, eid, ts, r, win,
         ROW_NUMBER() OVER (PARTITION BY cid, r, win ORDER BY ts, eid) AS rn
  FROM matched
),
scored AS (
  SELECT cid, eid, ts, r, win, rn, {self._by_rule(points)} AS pts,
         {self._by_rule(caps, empty="CAST(NULL AS INTEGER)")} AS cap, {self._by_rule(types)} AS type
  FROM windowed
)"""

    def decayed(self, points: str, seconds: str) -> str:
        """``points`` × 2^(seconds / half-life), the exponent clamped to ±1000."""
        exponent = self.sql.largest(
            self.sql.smallest(f"({seconds}) / {lit(self.half_life)}", lit(EXPONENT_LIMIT)),
            lit(-EXPONENT_LIMIT),
        )
        return f"{points} * POWER(2.0, {exponent})"

    # ---- fit and exclusions ----------------------------------------------------------------

    def _criterion(self, criterion: Criterion) -> str:
        field = fit_field(criterion.field)
        if field.text:
            return self.lookups[field.source].test(criterion)
        return range_test(field, criterion)

    def _excluded(self) -> str:
        """The exclusion reason, in the order ``exclusion_reason`` checks them ('' if none)."""
        domain = self.sql.email_domain("c.email_normalized")
        competitors = [d.casefold() for d in self.exclusions.competitor_domains]
        free = [d.casefold() for d in self.exclusions.free_mail_domains]
        branches = [
            f"WHEN {domain} IN {lits(competitors)} "
            f"OR LOWER(COALESCE(a.domain, '')) IN {lits(competitors)} THEN 'competitor'",
            f"WHEN {domain} IN {lits(free)} THEN 'free-mail address'",
            "WHEN tt.x = 1 THEN 'student'",
            "WHEN ta.x = 1 THEN 'country out of target'",
        ]
        if self.exclusions.opted_out:
            branches.append("WHEN c.consent = 'withdrawn' THEN 'opted out'")
        return f"CASE {' '.join(branches)} ELSE '' END"

    def profile_ctes(self, *, lo: int, hi: int) -> str:
        """``fit``: per contact, the best persona (index, points, marks) and the exclusion."""
        columns = []
        for index, persona in enumerate(self.personas):
            tests = [self._criterion(c) for c in persona.criteria]
            weights = " + ".join(
                f"CASE WHEN {t} THEN {c.weight} ELSE 0 END"
                for t, c in zip(tests, persona.criteria, strict=True)
            )
            marks = " || ".join(f"CASE WHEN {t} THEN '1' ELSE '0' END" for t in tests)
            columns.append(f"{self.sql.smallest(weights or '0', '100')} AS p{index}")
            columns.append(f"{marks or EMPTY} AS m{index}")
        columns.append(f"{self._excluded()} AS excluded")
        count = len(self.personas)
        branches = [
            f"WHEN {' AND '.join(f'p{i} >= p{j}' for j in range(i + 1, count))} THEN {i}"
            for i in range(count - 1)
        ]
        best = f"CASE {' '.join(branches)} ELSE {count - 1} END" if branches else "0"

        def pick(prefix: str) -> str:
            whens = " ".join(f"WHEN {i} THEN {prefix}{i}" for i in range(count))
            return f"CASE best {whens} END"

        personas = " ".join(f"WHEN {i} THEN {lit(p.key)}" for i, p in enumerate(self.personas))
        grades = self.agreement.fit.grades
        joins = "\n  ".join(lookup.join() for lookup in self.lookups.values())
        return f"""
people AS (
  SELECT c.id AS cid, {", ".join(columns)}
  FROM contacts_contact c
  LEFT JOIN contacts_account a ON a.id = c.account_id
  {joins}
  WHERE c.id >= {int(lo)} AND c.id < {int(hi)}
),
ranked AS (SELECT people.*, {best} AS best FROM people),
fit AS (
  SELECT cid, excluded, {pick("p") if count else "0"} AS points,
         {pick("m") if count else EMPTY} AS marks,
         {f"CASE best {personas} END" if count else EMPTY} AS persona
  FROM ranked
),
graded AS (
  SELECT fit.*, CASE WHEN points >= {lit(grades.a)} THEN 'A'
                     WHEN points >= {lit(grades.b)} THEN 'B'
                     WHEN points >= {lit(grades.c)} THEN 'C' ELSE 'D' END AS grade
  FROM fit
)"""

    # ---- the MQL rule ----------------------------------------------------------------------

    def qualification(self, *, engagement: str, has_type: dict[str, str]) -> tuple[str, str, str]:
        """SQL (qualifies, reason, verdict code) over ``f`` (graded), as ``MqlRule`` decides."""
        rule = self.agreement.mql
        tests = [("f.excluded <> ''", f"{lit(EXCLUDED)} || f.excluded", OUT_OF_TARGET)]
        for index, fast in enumerate(rule.fast_track):
            grades = lits(list(GRADE_ORDER[: GRADE_ORDER.index(fast.min_fit) + 1]))
            why = fast_track_reason(fast.event, fast.min_fit)
            test = f"{has_type[fast.event]} = 1 AND f.grade IN {grades}"
            tests.append((test, lit(why), FAST_TRACK + index))
        grades = lits(list(GRADE_ORDER[: GRADE_ORDER.index(rule.min_fit) + 1]))
        test = f"f.grade IN {grades} AND {engagement} >= {lit(rule.min_engagement)}"
        terms = met_reason(rule.min_fit, rule.min_engagement)
        tests.append((test, lit(terms), MET))

        def case(pick: Callable[[tuple[str, str, int]], str], otherwise: str) -> str:
            whens = " ".join(f"WHEN {t[0]} THEN {pick(t)}" for t in tests)
            return f"(CASE {whens} ELSE {otherwise} END)"

        return (
            case(lambda t: "FALSE" if t[2] == OUT_OF_TARGET else "TRUE", "FALSE"),
            case(lambda t: t[1], lit("needs " + terms)),
            case(lambda t: str(t[2]), str(UNMET)),
        )

    # ---- whole statements ------------------------------------------------------------------

    def scores(
        self, *, lo: int, hi: int, last_event_id: int, now: float, scan: bool = False
    ) -> str:
        """SELECT per contact in [lo, hi): id, grade, points, persona, marks, engagement, the
        state row (value, at, since, caps, fast, verdict), qualifies, reason — with events up
        to ``last_event_id``, at ``now``."""
        sql = self.sql
        names = [r.key for r in self.rules]
        fast = "".join(
            f", MAX(CASE WHEN type = {lit(t)} THEN 1 ELSE 0 END) AS ft{i}"
            for i, t in enumerate(self.fast_types)
        )
        bits = " + ".join(f"COALESCE(g.ft{i}, 0) * {1 << i}" for i in range(len(self.fast_types)))
        rule_name = f"CASE r {' '.join(f'WHEN {i} THEN {lit(n)}' for i, n in enumerate(names))} END"
        # the cap windows a state keeps (see scoring.engagement): those ending after ``since``
        since = EngagementRules(self.agreement.engagement).horizon(now)
        widths = self._by_rule(
            [lit(float(r.cap.per_days) * DAY) if r.cap else None for r in self.rules]
        )
        engagement = "COALESCE(g.value, 0.0)"
        qualifies, reason, verdict = self.qualification(
            engagement=engagement,
            has_type={t: f"COALESCE(g.ft{i}, 0)" for i, t in enumerate(self.fast_types)},
        )
        counted_value = self.decayed("pts", f"ts - {lit(now)}")
        return f"""
WITH {self.events_ctes(lo=lo, hi=hi, last_event_id=last_event_id, since=None, scan=scan)},
agg AS (
  SELECT cid, SUM(CASE WHEN cap IS NULL OR rn <= cap THEN {counted_value} ELSE 0 END) AS value
         {fast}
  FROM scored GROUP BY cid
),
cw AS (
  SELECT cid, r, win, {sql.array("ts")} AS arr
  FROM scored WHERE cap IS NOT NULL AND rn <= cap AND (win + 1) * {widths} > {lit(since)}
  GROUP BY cid, r, win
),
cr AS (SELECT cid, r, {sql.object_agg(sql.text("win"), "arr")} AS obj FROM cw GROUP BY cid, r),
ck AS (SELECT cid, {sql.object_agg(rule_name, "obj")} AS counted FROM cr GROUP BY cid),
{self.profile_ctes(lo=lo, hi=hi)}
SELECT f.cid AS cid, f.grade AS grade, f.points AS points, f.persona AS persona,
       f.marks AS marks, {engagement} AS engagement, {lit(now)} AS at, {lit(since)} AS since,
       COALESCE({sql.json_text("k.counted")}, '') AS caps, {bits or "0"} AS fast,
       {verdict} AS verdict, {qualifies} AS qualifies, {reason} AS reason
FROM graded f LEFT JOIN agg g ON g.cid = f.cid LEFT JOIN ck k ON k.cid = f.cid"""

    def first_qualified(self, *, lo: int, hi: int, last_event_id: int, since: float) -> str:
        """SELECT per contact in [lo, hi) that ever meets the MQL rule with events from
        ``since`` on: id, persona, and the first time (epoch seconds) it met the rule.

        Engagement only rises at events, so the rule is checked at each event with the
        engagement just after it: Σ over earlier counted events of points × 2^((t − tᵢ)/h),
        written as a running sum relative to ``since`` so that no power overflows.
        """
        grown = self.decayed("pts", f"ts - {lit(since)}")
        running = (
            f"SUM(CASE WHEN cap IS NULL OR rn <= cap THEN {grown} ELSE 0 END) "
            "OVER (PARTITION BY cid ORDER BY ts, eid ROWS UNBOUNDED PRECEDING)"
        )
        seen = "".join(
            f", MAX(CASE WHEN type = {lit(t)} THEN 1 ELSE 0 END) OVER "
            f"(PARTITION BY cid ORDER BY ts, eid ROWS UNBOUNDED PRECEDING) AS ft{i}"
            for i, t in enumerate(self.fast_types)
        )
        engagement = f"({self.decayed('e.acc', f'{lit(since)} - e.ts')})"
        qualifies, _, _ = self.qualification(
            engagement=engagement,
            has_type={t: f"e.ft{i}" for i, t in enumerate(self.fast_types)},
        )
        return f"""
WITH {self.events_ctes(lo=lo, hi=hi, last_event_id=last_event_id, since=since)},
walk AS (SELECT cid, ts, {running} AS acc{seen} FROM scored),
{self.profile_ctes(lo=lo, hi=hi)}
SELECT f.cid, f.persona, MIN(e.ts)
FROM graded f JOIN walk e ON e.cid = f.cid
WHERE {qualifies}
GROUP BY f.cid, f.persona"""
