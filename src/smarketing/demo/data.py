"""Vocabulary of the demo company: people, sectors, personas, titles."""

from __future__ import annotations

COMPANY = "Nuage Logiciel"
PASSWORD = "demo-smarketing"  # noqa: S105 - the documented password of demo users

# username, first, last, role, manager username
TEAM = [
    ("admin", "Alex", "Admin", "admin", None),
    ("claire", "Claire", "Fontaine", "management", None),
    ("camille", "Camille", "Martin", "marketing_manager", None),
    ("lucas", "Lucas", "Bernard", "marketing_user", None),
    ("emma", "Emma", "Petit", "marketing_user", None),
    ("sophie", "Sophie", "Durand", "sales_manager", None),
    ("thomas", "Thomas", "Moreau", "sales_rep", "sophie"),
    ("julie", "Julie", "Laurent", "sales_rep", "sophie"),
    ("antoine", "Antoine", "Roux", "sales_rep", "sophie"),
    ("ines", "Inès", "Garnier", "sales_rep", "sophie"),
]
# the sales teams named by the demo agreement's routing rules
SALES_TEAMS = [
    ("inside", "Inside sales", ["thomas", "julie", "antoine"]),
    ("enterprise", "Grands comptes", ["ines"]),
]

FIRST_NAMES = [
    "Élodie",
    "Hélène",
    "Chloé",
    "Léa",
    "Manon",
    "Inès",
    "Zoé",
    "Anaïs",
    "Céline",
    "Margaux",
    "Nathalie",
    "Isabelle",
    "Sandrine",
    "Aurélie",
    "Camille",
    "Pauline",
    "Mathilde",
    "Agnès",
    "Jérôme",
    "François",
    "Stéphane",
    "Sébastien",
    "Benoît",
    "Grégoire",
    "Théo",
    "Hugo",
    "Louis",
    "Arthur",
    "Nicolas",
    "Julien",
    "Olivier",
    "Mathieu",
    "Raphaël",
    "Noël",
    "Yann",
    "Karim",
    "Mehdi",
    "Sofia",
    "Lars",
    "Jan",
    "Anna",
    "Marco",
    "Lucía",
    "Pedro",
    "Emily",
    "James",
]
LAST_NAMES = [
    "Martin",
    "Bernard",
    "Dubois",
    "Thomas",
    "Robert",
    "Richard",
    "Petit",
    "Durand",
    "Leroy",
    "Moreau",
    "Simon",
    "Laurent",
    "Lefèvre",
    "Michel",
    "Garcia",
    "David",
    "Bertrand",
    "Roux",
    "Vincent",
    "Fournier",
    "Morel",
    "Girard",
    "André",
    "Mercier",
    "Dupont",
    "Lambert",
    "Bonnet",
    "François",
    "Martinez",
    "Légaré",
    "Côté",
    "Gagné",
    "Müller",
    "Schmidt",
    "Janssens",
    "Peeters",
    "Rossi",
    "Fernández",
    "Smith",
    "Brown",
    "Benali",
    "Nguyen",
    "Kowalski",
    "Faure",
    "Chevalier",
]
COMPANY_WORDS = [
    "Alpha",
    "Atlas",
    "Azur",
    "Boréal",
    "Cap",
    "Cèdre",
    "Delta",
    "Éole",
    "Horizon",
    "Iris",
    "Lumière",
    "Mistral",
    "Nova",
    "Orion",
    "Phare",
    "Quartz",
    "Rive",
    "Saphir",
    "Sextant",
    "Vega",
    "Vertex",
    "Zénith",
    "Ancre",
    "Granit",
    "Hélios",
    "Lynx",
    "Opale",
    "Pivot",
    "Roc",
    "Signal",
]
COMPANY_SUFFIXES = [
    "Industrie",
    "Conseil",
    "Logistique",
    "Santé",
    "Finance",
    "Distribution",
    "Services",
    "Énergie",
    "Immobilier",
    "Technologies",
    "Groupe",
    "Solutions",
]
SECTORS = [
    "manufacturing",
    "business services",
    "logistics",
    "healthcare",
    "financial services",
    "retail",
    "energy",
    "real estate",
    "software",
    "public sector",
]
COUNTRIES = ["FR"] * 14 + ["BE", "BE", "CH", "CA", "LU", "DE", "ES", "GB"]
SIZE_BANDS = [
    "1-10",
    "11-50",
    "11-50",
    "51-200",
    "51-200",
    "51-200",
    "201-1000",
    "201-1000",
    "1001-5000",
    "5000+",
]
SOURCES = (
    ["website"] * 5
    + ["form"] * 4
    + ["webinar"] * 2
    + ["event", "paid", "paid", "referral", "partner"]
)

# persona name → job titles
PERSONAS = {
    "CFO of a mid-size company": [
        "Directeur financier",
        "Directrice administrative et financière",
        "CFO",
        "Responsable financier",
    ],
    "Head of operations": [
        "Directeur des opérations",
        "Head of Operations",
        "Responsable supply chain",
    ],
    "IT director": ["DSI", "Directrice des systèmes d'information", "IT Manager", "CTO"],
    "Small-business owner": ["Gérant", "Fondatrice", "CEO", "Dirigeant"],
}
OTHER_TITLES = [
    "Comptable",
    "Assistante de direction",
    "Stagiaire",
    "Chargé de mission",
    "Consultant",
    "Étudiant",
    "Office manager",
    "Contrôleur de gestion",
]
ACTIVITY_SUBJECTS = {
    "call": ["Appel de découverte", "Relance téléphonique", "Qualification du besoin"],
    "meeting": ["Démo produit", "Atelier cadrage", "Réunion budget"],
    "email": ["Envoi de la proposition", "Cas client envoyé", "Suite à notre échange"],
    "note": ["Budget validé pour T3", "Décideur : DAF", "Concurrent en place"],
}
LOST_REASONS = [
    "price",
    "price",
    "competitor",
    "competitor",
    "no_decision",
    "timing",
    "product_fit",
]

# the sales reps' planned holidays: (month, day, days, reason); the three inside reps are all
# away together for a few days at Christmas, so a few leads wait in the manager's queue
HOLIDAYS = {
    "thomas": [(8, 1, 14, "Congés d'été"), (12, 21, 11, "Congés de Noël")],
    "julie": [(8, 12, 14, "Congés d'été"), (12, 24, 10, "Congés de Noël")],
    "antoine": [(8, 22, 12, "Congés d'été"), (12, 29, 7, "Congés de Noël")],
    "ines": [(7, 20, 21, "Congés d'été"), (12, 22, 12, "Congés de Noël")],
}
SICK_LEAVE = "Arrêt maladie"
DAY_OFF = "Congés"
# who takes a few days off around the demo's last day when nobody is away then (the first free)
AWAY_THIS_WEEK = ("antoine", "julie", "thomas")
TRAINING = "Formation"
# how often each rep answers a lead in time, at the start and at the end of the demo year:
# Julie gets much better over the year, Antoine is often late
PUNCTUALITY = {
    "thomas": (0.93, 0.95),
    "julie": (0.55, 0.97),
    "antoine": (0.72, 0.64),
    "ines": (0.9, 0.93),
}
# reject reasons (agreement codes, weight) by the stage the contact went to
REJECT_REASONS = {
    "nurturing": [("no_project", 5), ("no_budget", 4), ("bad_data", 2)],
    "disqualified": [("wrong_persona", 5), ("competitor", 2), ("customer", 2)],
}
REJECT_COMMENTS = {
    "no_project": ["Rappeler au prochain trimestre", "Projet repoussé à l'an prochain"],
    "no_budget": ["Budget gelé jusqu'en janvier", "Pas de ligne budgétaire cette année"],
    "bad_data": ["Numéro de téléphone invalide", "L'adresse e-mail revient en erreur"],
    "wrong_persona": ["Stagiaire, pas décisionnaire", "Aucun pouvoir d'achat"],
    "competitor": ["Travaille chez un éditeur concurrent"],
    "customer": ["Déjà client via la filiale"],
}
