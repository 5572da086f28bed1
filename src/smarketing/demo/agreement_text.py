"""The demo company's agreement, as both teams would write it."""

DEMO_AGREEMENT = """\
name: Nuage Logiciel — accord marketing & ventes
fit:
  grades: {A: 80, B: 60, C: 40}
  personas:
    - key: cfo
      name: {en: CFO of a mid-size company, fr: DAF d’entreprise moyenne}
      criteria:
        - {field: job_title, contains_any: [financ, cfo, daf, comptab], weight: 45}
        - {field: size_band, in: ["51-200", "201-1000", "1001-5000"], weight: 30}
        - {field: country, in: [FR, BE, CH, LU], weight: 25}
    - key: ops
      name: {en: Head of operations, fr: Directeur des opérations}
      criteria:
        - {field: job_title, contains_any: [opérations, operations, supply], weight: 45}
        - {field: sector, in: [manufacturing, logistics, retail, energy], weight: 30}
        - {field: country, in: [FR, BE, CH, LU, CA], weight: 25}
    - key: it
      name: {en: IT director, fr: DSI}
      criteria:
        - field: job_title
          contains_any: [dsi, "systèmes d'information", it manager, cto]
          weight: 45
        - {field: size_band, in: ["201-1000", "1001-5000", "5000+"], weight: 30}
        - {field: country, in: [FR, BE, CH, LU, DE, ES], weight: 25}
    - key: owner
      name: {en: Small-business owner, fr: Dirigeant de TPE-PME}
      criteria:
        - {field: job_title, contains_any: [gérant, fondat, ceo, dirigeant], weight: 50}
        - {field: size_band, in: ["1-10", "11-50"], weight: 30}
        - {field: country, in: [FR, BE, CH, LU, CA], weight: 20}
engagement:
  half_life_days: 30
  rules:
    - key: pricing
      event: page_view
      where: {path: /tarifs}
      points: 15
      cap: {count: 3, per_days: 30}
    - {key: page, event: page_view, points: 2, cap: {count: 10, per_days: 30}}
    - {key: guide, event: content_download, points: 10, cap: {count: 3, per_days: 30}}
    - {key: webinar, event: webinar_attended, points: 20}
    - {key: webinar_signup, event: webinar_registered, points: 5}
    - {key: email_click, event: email_clicked, points: 3, cap: {count: 5, per_days: 30}}
    - {key: form, event: form_submitted, points: 10}
    - {key: demo, event: demo_requested, points: 40}
mql:
  min_fit: B
  min_engagement: 40
  fast_track:
    - {event: demo_requested, min_fit: C}
exclusions:
  competitor_domains: [concurrent-saas.example]
  free_mail_domains: [gmail.com, hotmail.com, yahoo.fr, orange.fr, free.fr, laposte.net]
  student_titles: [étudiant, stagiaire, student, intern]
  opted_out: true
routing:
  max_open_mqls: 6
  rules:
    - key: named_accounts
      label: {en: Named accounts, fr: Comptes nommés}
      kind: account_owner
    - key: grands_comptes
      label: {en: Large accounts, fr: Grands comptes}
      kind: territory
      team: enterprise
      size_bands: ["1001-5000", "5000+"]
    - key: default
      label: {en: Every other lead, fr: Tous les autres leads}
      kind: round_robin
      team: inside
sla:
  at_risk_percent: 75
  terms:
    - key: hot
      label: {en: Hot lead (fit A), fr: Lead chaud (fit A)}
      min_fit: A
      accept_hours: 2
      first_touch_hours: 4
      follow_ups: 3
      follow_up_days: 7
    - key: default
      label: {en: Every other lead, fr: Tout autre lead}
      accept_hours: 8
      first_touch_hours: 24
      follow_ups: 3
      follow_up_days: 10
quotas:
  - {mqls_per_month: 100}
  - {persona: cfo, mqls_per_month: 70}
reasons:
  - code: wrong_persona
    label: {en: Wrong persona, fr: Mauvais persona}
    disposition: disqualified
  - {code: no_budget, label: {en: No budget, fr: Pas de budget}, disposition: nurturing}
  - {code: no_project, label: {en: No project, fr: Pas de projet}, disposition: nurturing}
  - code: bad_data
    label: {en: Wrong contact details, fr: Coordonnées erronées}
    disposition: back_to_marketing
  - code: customer
    label: {en: Already a customer, fr: Déjà client}
    disposition: disqualified
  - {code: competitor, label: {en: Competitor, fr: Concurrent}, disposition: disqualified}
recalibration: {months: 3}
"""
