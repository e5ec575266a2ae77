"""Word lists for synthetic master data: names, streets, places, vehicles, labels.

Data only. Names deliberately include non-ASCII letters (é, ë, ö, ß, à) and
apostrophes: the pipeline must carry them through CSV, PDF and e-mail unharmed.
"""

from __future__ import annotations

# Word lists stay compact, several entries a line.
# fmt: off

# Belgian customers: (language weight). Foreign customers follow their country.
BELGIAN_LANGUAGES = (("nl", 58), ("fr", 38), ("de", 1), ("en", 3))
# Issue 17: a few customers in Poland, Romania, Czechia, Greece (EU) and Switzerland,
# Turkey (outside the EU), whose names are written in their own scripts.
FOREIGN_COUNTRIES = (
    ("NL", 36), ("FR", 27), ("DE", 14), ("LU", 13), ("PL", 3), ("RO", 2), ("CZ", 2),
    ("GR", 1), ("CH", 1), ("TR", 1),
)
COUNTRY_LANGUAGES = {
    "NL": (("nl", 1),),
    "FR": (("fr", 1),),
    "DE": (("de", 1),),
    "LU": (("fr", 60), ("de", 25), ("en", 15)),
    "PL": (("en", 1),), "RO": (("en", 1),), "CZ": (("en", 1),), "GR": (("en", 1),),
    "CH": (("de", 60), ("fr", 40)), "TR": (("en", 1),),
}
# Names of people in countries whose customers read English documents: (first, last).
COUNTRY_NAMES = {
    "PL": (("Łukasz", "Małgorzata", "Paweł", "Żaneta"), ("Wójcik", "Kowalczyk", "Grabowski")),
    "RO": (("Ştefan", "Ioana", "Mihai", "Ţaţiana"), ("Dumitrescu", "Popescu", "Ştefănescu")),
    "CZ": (("Jiří", "Kateřina", "Tomáš", "Růžena"), ("Dvořák", "Novák", "Černý", "Hájek")),
    "GR": (("Γιώργος", "Μαρία", "Νίκος", "Ελένη"), ("Παπαδόπουλος", "Οικονόμου", "Γεωργίου")),
    "TR": (("Emre", "Ayşe", "Çağla", "Barış"), ("Yılmaz", "Öztürk", "Şahin", "Çelik")),
}

FIRST_NAMES = {
    "nl": (
        "Jan", "Pieter", "Koen", "Bart", "Wouter", "Jef", "Lotte", "Els", "Sofie", "An",
        "Griet", "Inge", "Zoë", "Chloë", "Daniël", "Michiel", "Raphaël", "Ruben", "Emma",
        "Lies", "Anke", "Joëlle", "Noël", "Tine",
    ),
    "fr": (
        "Hélène", "François", "Zoé", "Jérôme", "Gaëlle", "Loïc", "Anaïs", "Céline", "Benoît",
        "Frédéric", "Amélie", "Thérèse", "Léa", "Raphaël", "Nathalie", "Olivier", "Sébastien",
        "Martine", "Chloé", "Gérald",
    ),
    "de": (
        "Jürgen", "Björn", "Käthe", "Jörg", "Günter", "Sören", "Lukas", "Anna", "Sabine",
        "Matthias", "Jürgen", "Bärbel", "Moritz", "Lena",
    ),
    "en": (
        "James", "Sarah", "Oliver", "Emily", "Siobhán", "Seán", "Chloe", "Thomas", "Grace",
        "Liam",
    ),
}

LAST_NAMES = {
    "nl": (
        "Peeters", "Janssens", "Maes", "Jacobs", "Mertens", "Willems", "Claes", "Goossens",
        "Wouters", "De Smet", "Van den Broeck", "Vermeulen", "Van de Velde", "D'Hondt",
        "Coppens", "Dewaele", "Verbruggen", "Vandenberghe", "Van Bogaert", "Coëme",
    ),
    "fr": (
        "Dubois", "Lambert", "Dupont", "Martin", "Simon", "Lefèvre", "Renard", "Lejeune",
        "Leclercq", "Dumont", "Hubert", "Mathieu", "Gérard", "Lemaître", "Delvaux",
        "Collignon", "Bodart", "Pâquet", "D'Ursel",
    ),
    "de": (
        "Müller", "Schröder", "Köhler", "Weiß", "Schmitz", "Krämer", "Jäger", "Lüttgen",
        "Heinen", "Kreusch", "Förster", "Brüll",
    ),
    "en": (
        "Smith", "O'Brien", "Taylor", "Walsh", "Murphy", "Clarke", "MacDonald", "Hughes",
    ),
    # Dutch (Netherlands) customers get Dutch surnames rather than Flemish ones.
    "NL": (
        "de Vries", "van Dijk", "Bakker", "Visser", "Smit", "de Jong", "Mulder", "van der Berg",
    ),
}

# Belgian addresses by customer language (en: expatriates, mostly around Brussels).
BELGIAN_PLACES = {
    "nl": (
        ("2000", "Antwerpen"), ("9000", "Gent"), ("3000", "Leuven"), ("8000", "Brugge"),
        ("3500", "Hasselt"), ("2800", "Mechelen"), ("9300", "Aalst"), ("8500", "Kortrijk"),
        ("2300", "Turnhout"), ("1000", "Brussel"), ("1800", "Vilvoorde"), ("3600", "Genk"),
        ("9100", "Sint-Niklaas"), ("8400", "Oostende"), ("2500", "Lier"), ("1700", "Dilbeek"),
    ),
    "fr": (
        ("1000", "Bruxelles"), ("1050", "Ixelles"), ("4000", "Liège"), ("5000", "Namur"),
        ("6000", "Charleroi"), ("7000", "Mons"), ("1300", "Wavre"), ("1400", "Nivelles"),
        ("7500", "Tournai"), ("6700", "Arlon"), ("4800", "Verviers"),
        ("1348", "Louvain-la-Neuve"), ("5500", "Dinant"), ("1180", "Uccle"),
    ),
    "de": (
        ("4700", "Eupen"), ("4780", "Sankt Vith"), ("4760", "Büllingen"), ("4730", "Raeren"),
        ("4750", "Bütgenbach"), ("4710", "Lontzen"),
    ),
    "en": (
        ("1000", "Brussels"), ("1040", "Etterbeek"), ("1150", "Woluwe-Saint-Pierre"),
        ("1200", "Woluwe-Saint-Lambert"), ("1410", "Waterloo"), ("3080", "Tervuren"),
    ),
}

FOREIGN_PLACES = {
    "NL": (
        ("1012 AB", "Amsterdam"), ("3011 AD", "Rotterdam"), ("2511 CV", "Den Haag"),
        ("3511 LX", "Utrecht"), ("5611 AZ", "Eindhoven"), ("4811 XJ", "Breda"),
        ("6211 LE", "Maastricht"),
    ),
    "FR": (
        ("75011", "Paris"), ("59000", "Lille"), ("69002", "Lyon"), ("13001", "Marseille"),
        ("67000", "Strasbourg"), ("51100", "Reims"), ("59200", "Tourcoing"),
    ),
    "DE": (
        ("10115", "Berlin"), ("50667", "Köln"), ("52062", "Aachen"), ("80331", "München"),
        ("20095", "Hamburg"), ("40213", "Düsseldorf"),
    ),
    "LU": (
        ("L-1611", "Luxembourg"), ("L-4002", "Esch-sur-Alzette"), ("L-9001", "Ettelbruck"),
        ("L-8001", "Strassen"),
    ),
    "PL": (("00-001", "Warszawa"), ("30-001", "Kraków"), ("50-001", "Wrocław")),
    "RO": (("010011", "Bucureşti"), ("400001", "Cluj-Napoca"), ("300001", "Timişoara")),
    "CZ": (("110 00", "Praha 1"), ("602 00", "Brno"), ("301 00", "Plzeň")),
    "GR": (("105 63", "Αθήνα"), ("546 24", "Θεσσαλονίκη")),
    "CH": (("8001", "Zürich"), ("1201", "Genève"), ("3011", "Bern")),
    "TR": (("34000", "İstanbul"), ("06000", "Ankara"), ("35000", "İzmir")),
}

# Street names by Belgian language or foreign country code.
STREETS = {
    "nl": (
        "Kerkstraat", "Stationsstraat", "Molenstraat", "Dorpsstraat", "Nieuwstraat",
        "Kapelstraat", "Schoolstraat", "Lindelaan", "Koning Albertlaan", "Grote Markt",
        "Veldstraat", "Brugsesteenweg", "Kortrijksesteenweg", "Leuvensesteenweg",
    ),
    "fr": (
        "Rue de la Station", "Rue de l'Église", "Chaussée de Namur", "Avenue Louise",
        "Rue du Moulin", "Place Saint-Lambert", "Rue de Fléron", "Boulevard d'Avroy",
        "Rue des Écoles", "Chaussée de Bruxelles",
    ),
    "de": (
        "Hauptstraße", "Bahnhofstraße", "Kirchstraße", "Aachener Straße", "Klötzerbahn",
        "Neustraße", "Malmedyer Straße",
    ),
    "en": (
        "Avenue de Tervueren", "Rue de la Loi", "Boulevard du Souverain",
        "Avenue des Nerviens", "Rue Belliard",
    ),
    "NL": ("Dorpsstraat", "Kerkweg", "Prinsengracht", "Herengracht", "Stationsweg"),
    "FR": (
        "rue de la République", "avenue Jean Jaurès", "rue Nationale", "boulevard Haussmann",
        "rue Victor Hugo",
    ),
    "DE": ("Hauptstraße", "Schillerstraße", "Goethestraße", "Königsallee", "Friedrichstraße"),
    "LU": (
        "rue de la Gare", "boulevard Royal", "avenue de la Liberté", "Grand-Rue",
        "route d'Arlon",
    ),
    "PL": ("ul. Marszałkowska", "ul. Długa", "ul. Świętokrzyska"),
    "RO": ("Strada Şelari", "Bulevardul Unirii", "Strada Lipscani"),
    "CZ": ("Václavské náměstí", "Národní třída", "Dlouhá"),
    "GR": ("Οδός Ερμού", "Λεωφόρος Συγγρού", "Οδός Αθηνάς"),
    "CH": ("Bahnhofstrasse", "Rue du Rhône", "Marktgasse"),
    "TR": ("İstiklal Caddesi", "Bağdat Caddesi", "Atatürk Bulvarı"),
}

# France and Luxembourg write the house number first ("12, rue de la Gare").
NUMBER_FIRST_COUNTRIES = frozenset({"FR", "LU"})
BOX_WORD = {"nl": "bus", "fr": "bte", "de": "Bfk", "en": "box"}

ACTIVITIES = {
    "nl": (
        "Transport", "Bouw", "Logistiek", "Schrijnwerkerij", "Advies", "Elektro", "Vastgoed",
        "Tuinaanleg", "Bakkerij", "Dakwerken",
    ),
    "fr": (
        "Transports", "Construction", "Menuiserie", "Boulangerie", "Électricité", "Conseil",
        "Garage", "Toitures", "Pépinières",
    ),
    "de": ("Bau", "Transporte", "Elektro", "Bäckerei", "Schreinerei", "Beratung"),
    "en": ("Consulting", "Solutions", "Partners", "Logistics", "Trading"),
}

LEGAL_FORMS = {
    "nl": ("NV", "BV", "BV", "CommV", "VOF"),
    "fr": ("SA", "SRL", "SRL", "SC", "SNC"),
    "de": ("AG", "GmbH", "GmbH", "KG"),
    "en": ("SRL", "BV", "SA"),
    "NL": ("B.V.", "B.V.", "N.V.", "V.O.F."),
    "FR": ("SARL", "SAS", "SA"),
    "DE": ("GmbH", "GmbH", "AG", "KG"),
    "LU": ("S.à r.l.", "S.A.", "SCS"),
    "PL": ("sp. z o.o.", "S.A."),
    "RO": ("S.R.L.", "S.A."),
    "CZ": ("s.r.o.", "a.s."),
    "GR": ("Α.Ε.", "Ι.Κ.Ε."),
    "CH": ("AG", "GmbH", "SA"),
    "TR": ("A.Ş.", "Ltd. Şti."),
}

# Vehicles by era: combustion before 2016, mostly electrified after.
CLASSIC_VEHICLES = (
    "VW Golf", "Opel Astra", "Peugeot 308", "Renault Mégane", "Ford Focus", "BMW 320d",
    "Audi A4", "Citroën C4", "Volvo V70", "Toyota Prius", "Škoda Octavia",
    "Ford Transit Custom", "Mercedes-Benz Vito",
)
MODERN_VEHICLES = (
    "VW ID.4", "Tesla Model 3", "BMW i4", "Audi Q4 e-tron", "Škoda Enyaq", "Peugeot e-208",
    "Volvo XC40 Recharge", "Mercedes-Benz EQA", "Renault Mégane E-Tech", "Citroën ë-C4",
    "Kia EV6", "Toyota C-HR Hybrid", "Ford E-Transit",
)

# Invoice line labels per language (R10: the customer reads its own language).
LINE_LABELS = {
    "rent": {"nl": "Lease", "fr": "Location", "de": "Leasing", "en": "Lease"},
    "maintenance": {"nl": "Onderhoud", "fr": "Entretien", "de": "Wartung", "en": "Maintenance"},
    "insurance": {
        "nl": "Verzekering", "fr": "Assurance", "de": "Versicherung", "en": "Insurance",
    },
    "fuel_card": {
        "nl": "Tankkaart", "fr": "Carte carburant", "de": "Tankkarte", "en": "Fuel card fee",
    },
    "home_charger": {
        "nl": "Laadpaal thuis",
        "fr": "Borne de recharge à domicile",
        "de": "Ladestation zu Hause",
        "en": "Home charging station",
    },
    "credit": {"nl": "Creditering", "fr": "Crédit", "de": "Gutschrift", "en": "Credit"},
    "pro_rata": {"nl": "Pro rata", "fr": "Prorata", "de": "Anteilig", "en": "Pro rata"},
}

MONTHS = {
    "nl": (
        "januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus",
        "september", "oktober", "november", "december",
    ),
    "fr": (
        "janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre",
        "octobre", "novembre", "décembre",
    ),
    "de": (
        "Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August", "September",
        "Oktober", "November", "Dezember",
    ),
    "en": (
        "January", "February", "March", "April", "May", "June", "July", "August",
        "September", "October", "November", "December",
    ),
}

EMAIL_DOMAINS = ("example.be", "example.com", "example.org", "example.net")
# fmt: on
