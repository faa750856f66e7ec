"""Invented news articles for tests (written by the team; not real reporting)."""

from __future__ import annotations

MOPTI_ATTACK = (
    "Gunmen kill 12 in attack on village near Mopti",
    [
        "Armed men on motorbikes attacked a village in central Mali's Mopti region on "
        "Saturday, killing at least 12 civilians and burning granaries, local officials said.",
        "The attackers arrived at dawn and opened fire on residents gathered near the "
        "market, a municipal councillor told reporters by telephone from the regional capital.",
        "No group has claimed responsibility. Jihadist groups linked to al-Qaeda have "
        "expanded their operations from northern Mali into the centre of the country since "
        "2015, exploiting local disputes over land and water.",
        "The Malian army said it had sent reinforcements to the area and opened an "
        "investigation into the killings.",
    ],
)

GAO_CONVOY = (
    "Convoy hit by roadside bomb on the road to Gao",
    [
        "A roadside bomb struck a supply convoy on the road between Gao and Ansongo in "
        "northern Mali on Thursday, wounding four soldiers, the army said in a statement.",
        "The convoy was carrying fuel and food to a garrison in the region, where attacks on "
        "the main roads have become frequent over the past year.",
        "Residents said traffic on the road had been suspended for several hours while "
        "soldiers searched the area for further explosives.",
    ],
)

BAMAKO_TALKS_FR = (
    "Bamako : reprise du dialogue entre le gouvernement et les groupes armés",
    [
        "Le gouvernement malien et plusieurs groupes armés du nord du pays ont repris "
        "mardi à Bamako les discussions suspendues depuis plusieurs mois, selon un "
        "communiqué du ministère de la Réconciliation.",
        "Les délégations doivent examiner la question du désarmement des combattants et "
        "le retour des services de l'État dans les localités de la région de Kidal.",
        "« Nous sommes venus avec la volonté d'avancer », a déclaré un porte-parole de "
        "l'une des délégations, qui a requis l'anonymat.",
        "Les précédentes rencontres avaient achoppé sur le calendrier du cantonnement des "
        "combattants et sur la représentation des populations du Nord dans l'armée.",
    ],
)

FOOTBALL = (
    "Late goal settles the derby",
    [
        "A stoppage-time header settled the derby on Sunday in front of a sold-out "
        "stadium, lifting the home side to second place in the league.",
        "The visitors had dominated the first half but failed to convert several chances.",
    ],
)

# A group, a minister and a village nobody knows (the entity and page-retry tests).
NEW_GROUP = (
    "Jihadists kill 12 in central Mali village",
    [
        "Gunmen from the Sahel Mujahideen Brigade, a militant group that emerged this year, "
        "attacked the village of Ndiagourou on Tuesday, killing at least 12 civilians, local "
        "officials said. The group's fighters arrived on motorcycles and burned the market.",
        "Mali's newly appointed security minister, Oumarou Sangaré, travelled to Mopti after "
        "the attack. \"The state will protect every village,\" Sangaré said.",
        "Residents said the attackers left before soldiers arrived from the regional capital, "
        "and that many families had fled towards the river since the raid.",
    ],
)
