"""A synthetic replay for the benchmarks: invented Mali news on invented outlets.

Writes a replay folder (`flows.replay` format: feeds and pages with `{base}` links) of
`articles` pages spread over `feeds` outlets, English and French, each page a full news page
with the usual furniture around the article (inline styles and scripts, navigation,
breadcrumbs, share bar, a photo with its caption, a "Read more" teaser, a newsletter box,
tags, related stories, reader comments, a long footer, a cookie banner).

Everything is invented: outlets, reporters, the people quoted and the events. Real Malian
towns, regions and armed groups are named so that the topic filter, the gazetteer and the
entity rules see what they would see in real news. Texts are built from sentence templates
with dense alternatives and slots (people from a pool of a few hundred invented names, towns,
groups, numbers, days), so any two articles share well under a tenth of their 3-word
shingles: none is a duplicate of another (`python bench/newsgen.py --check` measures it).

    python bench/newsgen.py OUT_DIR [--articles 1000] [--feeds 20] [--seed 7] [--check]
"""

# ruff: noqa: E501  (HTML templates and sentence banks read best unwrapped)

from __future__ import annotations

import argparse
import html
import random
import re
import sys
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from xml.sax.saxutils import escape

# --------------------------------------------------------------------------- vocabulary


def _words(text: str, sep: str) -> list[str]:
    return text.split(sep)


FIRST_NAMES = _words(
    "Moussa Amadou Oumar Ibrahim Mamadou Seydou Boubacar Abdoulaye Bakary Souleymane "
    "Modibo Adama Drissa Lassine Yacouba Hamidou Sidi Alassane Tiémoko Cheick Mahamane "
    "Issa Siaka Bréhima Daouda Mahamadou Youssouf Kalifa Salif Aliou Fousseyni Hamadoun "
    "Attaher Mohamed Fatoumata Aminata Mariam Kadiatou Oumou Awa Rokia Djénéba Assétou "
    "Hawa Salimata Nana Ramata Bintou Korotoumou Fanta Aïssata Safiatou Maïmouna Tata",
    " ",
)
LAST_NAMES = _words(
    "Traoré|Keïta|Coulibaly|Diarra|Cissé|Maïga|Touré|Sangaré|Kanouté|Dembélé|Konaté|"
    "Diallo|Sidibé|Doumbia|Kouyaté|Sissoko|Bagayoko|Samaké|Koné|Tounkara|Sylla|Fofana|"
    "Dicko|Guindo|Togo|Dolo|Poudiougou|Tembely|Ag Intalla|Ag Bibi|Ould Sidati|Haïdara|"
    "Niangaly|Bamba|Camara|Diakité|Sacko|Tangara|Ballo|Bengaly|Kassogué|Daou|Nimaga|"
    "Wagué|Yattara|Djiteye|Boré|Koïta|Soumaré",
    "|",
)

TOWNS = _words(
    "Gao|Tombouctou|Kidal|Mopti|Sévaré|Ségou|Sikasso|Kayes|Koulikoro|Ménaka|Djenné|"
    "Bandiagara|Douentza|Boni|Hombori|Niono|Diabaly|Nampala|Léré|Goundam|Niafunké|"
    "Tessalit|Aguelhok|Anéfis|Ansongo|Bourem|Ber|Ténenkou|Macina|Markala|San|Koutiala|"
    "Bougouni|Kita|Nioro du Sahel|Diéma|Nara|Koro|Bankass|Ogossagou|Sofara|Konna|"
    "Boulkessi|Mondoro|Dioura|Farabougou|Kati|Tominian|Yorosso|Kadiolo|Yélimané|"
    "Bafoulabé|Youwarou|Gourma-Rharous|Inékar|Andéramboukane|Talataye|Tarkint|Intahaka|"
    "Dinangourou|Mourdiah|Sokolo",
    "|",
)
REGIONS_EN = ["Mopti", "Ségou", "Gao", "Timbuktu", "Kidal", "Ménaka", "Sikasso", "Kayes",
              "Koulikoro", "Bandiagara", "Douentza", "San"]
REGIONS_FR = ["Mopti", "Ségou", "Gao", "Tombouctou", "Kidal", "Ménaka", "Sikasso", "Kayes",
              "Koulikoro", "Bandiagara", "Douentza", "San"]
GROUPS_EN = [
    "JNIM", "Katiba Macina", "the Islamic State Sahel Province", "the Islamic State in the "
    "Greater Sahara", "Ansar Dine", "the Strategic Framework for the Defence of the People of "
    "Azawad", "Dan Na Ambassagou", "the Katiba Serma", "the Ansarul Islam group",
    "the Gourma Brigade", "the Liptako Front", "the Macina Liberation Front",
]
GROUPS_FR = [
    "le GSIM", "la Katiba Macina", "l'Etat islamique au Sahel", "l'Etat islamique au Grand "
    "Sahara", "Ansar Dine", "le Cadre stratégique permanent", "Dan Na Ambassagou",
    "la Katiba Serma", "le groupe Ansarul Islam", "la Brigade du Gourma", "le Front du Liptako",
]
ORGS_EN = [
    "the United Nations", "ECOWAS", "the African Union", "Human Rights Watch",
    "Amnesty International", "the International Committee of the Red Cross",
    "Médecins Sans Frontières", "the World Food Programme", "OCHA", "the Norwegian Refugee "
    "Council", "the International Crisis Group", "Africa Corps", "the Alliance of Sahel States",
]
ORGS_FR = [
    "l'ONU", "la CEDEAO", "l'Union africaine", "Human Rights Watch", "Amnesty International",
    "le Comité international de la Croix-Rouge", "Médecins sans frontières",
    "le Programme alimentaire mondial", "OCHA", "le Conseil norvégien pour les réfugiés",
    "International Crisis Group", "Africa Corps", "l'Alliance des Etats du Sahel",
]
TITLES_EN = ["Colonel", "General", "Captain", "Commander", "Minister", "Mayor", "Imam",
             "Governor", "Lieutenant", "Chief"]
TITLES_FR = ["le colonel", "le général", "le capitaine", "le commandant", "le ministre",
             "le maire", "l'imam", "le gouverneur", "le lieutenant", "le chef de village"]
WEEKDAYS_EN = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
WEEKDAYS_FR = ["lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"]
MONTHS_EN = ["January", "February", "March", "April", "May", "June", "July", "August",
             "September", "October", "November", "December"]
MONTHS_FR = ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
             "septembre", "octobre", "novembre", "décembre"]

# --------------------------------------------------------------------------- templates
# [a|b|c] picks one alternative; {slot} is filled from the article's context.

SENTENCES_EN = [
    "[Gunmen|Fighters|Assailants|Armed men] on [motorbikes|pick-up trucks|motorcycles and "
    "in cars] [attacked|stormed|raided|overran] [a military post|an army camp|a gendarmerie "
    "post|the weekly market] [near|outside|on the edge of] {town} [on|early on|late on] "
    "{weekday}, [residents|local officials|security sources|witnesses] said.",
    "[At least|Some|More than] {n} [soldiers|civilians|people|villagers] were [killed|"
    "wounded|reported dead], [according to|said|citing] {source}.",
    "{group} [claimed|said it carried out|took responsibility for] the [attack|ambush|raid] "
    "in a [statement|message|video] [posted|shared|circulated] on {weekday}.",
    "The [claim|figure|account] could not be [independently verified|confirmed|checked] "
    "[by {outlet}|immediately|from {city}].",
    "{p1_full}, [who heads|the commander of|in charge of] the [army's|military's|"
    "gendarmerie's] [operations|forces|units] in the {region} region, [said|told reporters|"
    "declared] that [reinforcements|additional troops|air support] had been [sent|deployed|"
    "dispatched] to {town}.",
    "\"[We|Our men|The troops] [held|defended|protected] [the position|the town|the camp] "
    "[for|during] {n} hours,\" {p1_last} [said|added|told {outlet}].",
    "[Residents|Traders|Herders|Farmers] in {town2} said [they|many families] had [fled|left"
    "|abandoned their homes] [towards|for|to] {town3} [after|following|since] the [attack|"
    "violence|clashes] of {weekday}.",
    "[According to|Citing|Quoting] {org}, [about|nearly|more than] {nk},000 people have been "
    "[displaced|forced from their homes|uprooted] in the {region} region [since|over|in] "
    "[the start of the year|the past {n2} months|{month}].",
    "The [road|highway|route] between {town} and {town2} [has been|remains|was] [blockaded|"
    "cut|closed] [for weeks|since {month}|by the fighters], [driving up|pushing up|raising] "
    "the price of [rice|millet|fuel|sugar].",
    "{p2_title} {p2_full}, [a|the] [local|regional] [official|administrator|leader] in "
    "{town2}, [said|warned|explained] that [schools|health centres|markets] had [closed|"
    "shut|stopped working] [for|over] {n} [days|weeks].",
    "[Aid workers|Humanitarian agencies|Relief groups] [say|warn|report] that [access|"
    "deliveries|food convoys] to {town3} [have become|are now|remain] [almost impossible|"
    "very difficult|dangerous].",
    "{org2} [called on|urged|asked] [all sides|the parties|the authorities] to [protect|"
    "spare|respect] [civilians|the population|humanitarian workers].",
    "The [Malian armed forces|army|military], [known as|called|also known as] FAMa, "
    "[said|announced|reported] in a [statement|communiqué|bulletin] that {n} [assailants|"
    "terrorists|fighters] had been [neutralised|killed] [during|in] the [response|"
    "counter-attack|operation].",
    "[Drones|Aircraft|Helicopters] [struck|hit|targeted] [positions|camps|vehicles] of "
    "{group} [near|around|west of|north of] {town2}, the army [said|added|claimed].",
    "[Analysts|Observers|Researchers] [say|note|believe] that {group} has [expanded|"
    "strengthened|extended] its [presence|influence|operations] in [central|northern|"
    "southern] Mali [since|over|during] {year}.",
    "{p3_full}, [a researcher|an analyst|a specialist] [at|with] {think}, [said|told "
    "{outlet}|argued] that the [attack|ambush|offensive] [showed|revealed|suggested] "
    "[the limits|the weakness|the strain] of the [army's|junta's|government's] "
    "[strategy|approach|security policy].",
    "\"[The state|The army|Bamako] [cannot|can no longer|will not be able to] [protect|"
    "secure|defend] [every village|the roads|the countryside],\" {p3_last} said.",
    "[In|Since|Over] {month}, [similar|several|repeated] [attacks|raids|ambushes] have "
    "[hit|struck|targeted] [villages|convoys|markets] [around|near|in the area of] "
    "{town3}, [according to|said|wrote] {org}.",
    "Mali has been [ruled|governed|led] by a military [junta|government|authority] [since|"
    "after|following] [coups|the coups|two coups] in 2020 and 2021.",
    "[The|Mali's] [junta|military authorities|transitional government] [expelled|asked to "
    "leave|ended cooperation with] [French troops|the UN mission MINUSMA|European forces] "
    "and [turned to|allied with|called on] [Russian|Africa Corps|Wagner] [instructors|"
    "mercenaries|paramilitaries].",
    "{p4_title} {p4_full} [said|told|explained to] [residents|a meeting of elders|local "
    "radio] in {town} that [the situation|security|calm] was [under control|improving|"
    "being restored].",
    "[But|Yet|However], [residents|witnesses|traders] [reached by telephone|contacted by "
    "{outlet}|speaking on condition of anonymity] [described|spoke of|reported] [a climate|"
    "an atmosphere|days] of [fear|panic|uncertainty].",
    "[A|One] [trader|teacher|nurse|driver] [in|from] {town2}, [who asked|speaking on "
    "condition] [not to be named|of anonymity], [said|recounted] that [the fighters|the "
    "gunmen|the attackers] [burned|looted|set fire to] [shops|granaries|vehicles].",
    "\"[They came|They arrived|They entered the town] [at dawn|at night|after prayers] and "
    "[fired|shot|opened fire] [everywhere|on everyone|in the air],\" [she|he] said.",
    "The [attack|violence|raid] [comes|came] {n} [days|weeks] after [a similar|another|a "
    "deadly] [assault|ambush|attack] on [a convoy|an army post|civilians] [near|close to|"
    "outside] {town3}.",
    "[The|This] {region} region [has been|is] [one of the|among the] [worst-hit|most "
    "violent|most affected] [areas|regions|parts] of the [country|Sahel|conflict].",
    "[Fighting|Violence|Insecurity] [between|involving|pitting] {group} and [the army|"
    "self-defence militias|Dozo hunters|rival fighters] has [killed|claimed] [thousands|"
    "hundreds|many] of [civilians|people|lives] [since|over|in] {year}.",
    "{org} [recorded|counted|documented] {nk}{n2}0 [violent incidents|attacks|security "
    "events] in Mali [in|during|over] {year}, [up from|compared with|against] {nk}{n}0 "
    "the [previous year|year before].",
    "[Officials|Authorities|The governor] [imposed|declared|ordered] a [curfew|ban on "
    "motorbikes|state of alert] in {town} [from|starting] {weekday}.",
    "[Motorbike|Motorcycle] [traffic|use|circulation] has been [banned|restricted|"
    "forbidden] in [parts of|several districts of|much of] the {region} region [since|"
    "for] {month}, [hurting|hitting|damaging] [trade|farmers|herders].",
    "[Schools|Clinics|Markets] in [at least|some|more than] {n} [villages|communes|"
    "localities] around {town2} [remain|are] [closed|shut], [according to|said] {org2}.",
    "{p2_last} said [the|his|her] [commune|district|town] [needed|lacked|was waiting for] "
    "[food|medicine|water] and [security|protection|soldiers].",
    "[The|Mali's] [foreign ministry|government spokesman|ministry of defence] [rejected|"
    "dismissed|denied] [the report|the accusations|the figures] [as|calling it|saying it "
    "was] [biased|false|unfounded].",
    "[Human rights groups|Rights organisations|Activists] have [accused|blamed] [soldiers|"
    "the army and its Russian allies|armed groups] of [abuses|killings|summary executions] "
    "[in|around|near] {town3}.",
    "{p5_full}, [who|a lawyer who|an activist who] [documents|investigates|records] "
    "[abuses|killings|violence] in the {region} region, said [families|relatives|"
    "villagers] [were afraid|did not dare|were too frightened] to [speak|testify|return].",
    "[The|A] [convoy|column|patrol] [was|had been] [travelling|heading|on its way] from "
    "{town2} to {town} [when|as|after] it [hit|struck|drove over] an [improvised explosive "
    "device|IED|explosive device].",
    "[Fuel|Food|Goods] [trucks|lorries|convoys] [bound for|heading to|travelling to] "
    "{town3} [need|now need|require] [army escorts|military escort|protection].",
    "[Prices|The price|Costs] of [a sack of rice|millet|cooking oil|petrol] in {town} "
    "[have|has] [doubled|risen sharply|gone up by {n}0 percent] [since|over|in] {month}.",
    "{p1_last} [did not|declined to|would not] [give|provide|say] [figures|a toll|details] "
    "for [army|military|government] [losses|casualties|deaths].",
    "[Local|Regional|Community] [radio|broadcasters|stations] in {town2} [stopped|suspended"
    "|halted] [broadcasting|programmes|news] after [threats|warnings|an attack].",
    "[Elders|Religious leaders|Community leaders] in {town} [tried|attempted|offered] to "
    "[negotiate|mediate|talk] with [the fighters|the armed men|{group}] [to lift|to end|"
    "over] the [blockade|siege|curfew].",
    "[A|The] [local|regional] [peace|dialogue|reconciliation] [committee|initiative|council] "
    "[led by|chaired by|headed by] {p6_full} [met|gathered|convened] in {town3} on "
    "{weekday}.",
    "{p6_last} [said|told the meeting|declared] that [dialogue|talks|negotiation] was "
    "[the only|the best|a necessary] [way|path|option] [to end|out of|to stop] the "
    "[violence|conflict|killings].",
    "[Since|After|Following] the [withdrawal|departure|exit] of [MINUSMA|the UN mission|"
    "French forces] in {year2}, [several|many|a number of] [camps|bases|positions] "
    "[near|around|in] {town2} [changed hands|were handed over|were taken over].",
    "[Satellite images|Pictures|Videos] [shared|seen|analysed] by {org2} [show|showed|"
    "appear to show] [burned|destroyed|damaged] [houses|huts|granaries] in {town3}.",
    "[The|A] [health centre|hospital|clinic] in {town} [received|treated|admitted] {n} "
    "[wounded|injured|casualties] [on|by|late on] {weekday}, [a nurse|a doctor|staff] "
    "[said|told {outlet}].",
    "[A|The] [delegation|mission|team] [led by|headed by] [the minister of territorial "
    "administration|the governor of the {region} region|a senior officer] [arrived|travelled"
    "|went] to {town} [on|by] {weekday}.",
    "[The|Mali's] [transitional|military] [president|leader], General Assimi Goïta, "
    "[ordered|called for|announced] [an investigation|a review|new measures] [after|"
    "following] the [attack|killings|ambush].",
    "[Neighbouring|In neighbouring] [Burkina Faso|Niger] [has also|has likewise|also] "
    "[faced|suffered|been hit by] [attacks|violence|raids] [by|from|claimed by] {group} "
    "[in recent months|this year|since {month}].",
    "[The three countries|Mali, Burkina Faso and Niger] [formed|created|set up] the "
    "Alliance of Sahel States [in|during] 2023 [after|when|as] they [left|broke with|"
    "quit] ECOWAS.",
    "[Villagers|Residents|Herders] [near|around|outside] {town2} [reported|described|"
    "saw] [columns|dozens|groups] of [fighters|armed men|motorbikes] [moving|heading|"
    "travelling] [towards|in the direction of|to] {town3}.",
    "[It was|This was|That was] the [deadliest|most serious|worst] [attack|incident|"
    "assault] in the [area|region|district] [since|for|in] [{month}|several months|"
    "{year}], [residents|officials|analysts] said.",
    "[Access|Travel|Movement] to [the area|the district|{town}] [is|remains|was] "
    "[restricted|limited|difficult], [making it|which made it|and it was] [hard|"
    "difficult|impossible] to [verify|confirm|check] [tolls|casualty figures|accounts].",
]

SENTENCES_FR = [
    "Des [hommes armés|assaillants|jihadistes présumés] à [moto|bord de pick-up|moto et en "
    "voiture] ont [attaqué|pris d'assaut|visé] [un poste militaire|un camp de l'armée|la "
    "foire hebdomadaire|une brigade de gendarmerie] [près de|aux abords de|non loin de] "
    "{town} {weekday}, selon [des habitants|des sources locales|des élus locaux].",
    "[Au moins|Plus de|Près de] {n} [soldats|civils|personnes|villageois] ont été [tués|"
    "blessés], [selon|d'après] {source}.",
    "{group} a [revendiqué|affirmé avoir mené|assumé] [l'attaque|l'embuscade|le raid] dans "
    "un [communiqué|message|enregistrement] [diffusé|publié|relayé] {weekday}.",
    "Ces [affirmations|chiffres|informations] n'ont pas pu être [vérifiés|confirmés] de "
    "[manière|source] indépendante [par {outlet}|dans l'immédiat|à {city}].",
    "{p1_title} {p1_full}, [qui commande|responsable des|chef des] [opérations|forces|"
    "unités] de l'armée dans la région de {region}, a [affirmé|assuré|déclaré] que des "
    "[renforts|troupes supplémentaires|moyens aériens] avaient été [envoyés|déployés|"
    "dépêchés] à {town}.",
    "« [Nous avons|Nos hommes ont|Les troupes ont] [tenu|défendu|protégé] [la position|"
    "la ville|le camp] pendant {n} heures », a [déclaré|ajouté|expliqué] {p1_last}.",
    "[Des habitants|Des commerçants|Des éleveurs|Des cultivateurs] de {town2} [disent|"
    "affirment|racontent] avoir [fui|quitté leurs maisons|abandonné leurs champs] vers "
    "{town3} [après|depuis|à la suite de] [l'attaque|les violences|les affrontements] de "
    "{weekday}.",
    "Selon {org}, [environ|près de|plus de] {nk} 000 personnes ont été [déplacées|"
    "contraintes de fuir|chassées de chez elles] dans la région de {region} [depuis|en] "
    "[le début de l'année|{month}|les {n2} derniers mois].",
    "[La route|L'axe|La voie] entre {town} et {town2} est [bloquée|coupée|sous blocus] "
    "[depuis des semaines|depuis {month}|par les combattants], ce qui fait [grimper|flamber|"
    "monter] le prix [du riz|du mil|du carburant|du sucre].",
    "{p2_title} {p2_full}, [élu|responsable|notable] de {town2}, [indique|déplore|explique] "
    "que [les écoles|les centres de santé|les marchés] sont [fermés|à l'arrêt] depuis {n} "
    "[jours|semaines].",
    "[Les humanitaires|Les organisations humanitaires|Les agences d'aide] [estiment|"
    "préviennent|signalent] que l'accès à {town3} est devenu [presque impossible|très "
    "difficile|dangereux].",
    "{org2} a [appelé|exhorté|invité] [toutes les parties|les autorités|les belligérants] à "
    "[protéger|épargner|respecter] [les civils|la population|les travailleurs humanitaires].",
    "Les Forces armées maliennes (FAMa) ont [annoncé|indiqué|affirmé] dans un [communiqué|"
    "bulletin] que {n} [assaillants|terroristes|combattants] avaient été [neutralisés|tués] "
    "lors de la [riposte|contre-attaque|opération].",
    "Des [drones|avions|hélicoptères] ont [frappé|visé|bombardé] des [positions|camps|"
    "véhicules] de {group} [près de|autour de|à l'ouest de|au nord de] {town2}, selon "
    "l'armée.",
    "Pour [les analystes|les observateurs|les chercheurs], {group} a [étendu|renforcé|"
    "consolidé] son [emprise|influence|implantation] dans le [centre|nord|sud] du Mali "
    "[depuis|au cours de] {year}.",
    "{p3_full}, [chercheur|analyste|spécialiste] [à|au sein de|pour] {think}, [estime|"
    "juge|souligne] que [l'attaque|l'embuscade|l'offensive] [montre|révèle|illustre] "
    "[les limites|la fragilité|l'essoufflement] de la [stratégie|politique sécuritaire|"
    "réponse] [des autorités|de la junte|du gouvernement].",
    "« [L'Etat|L'armée|Bamako] ne [peut|pourra] pas [protéger|sécuriser|défendre] [chaque "
    "village|toutes les routes|les campagnes] », [affirme|dit|estime] {p3_last}.",
    "[Depuis|En] {month}, [plusieurs|de nombreuses|des] [attaques|incursions|embuscades] "
    "ont [visé|frappé|touché] des [villages|convois|marchés] [autour de|près de|dans la "
    "zone de] {town3}, selon {org}.",
    "Le Mali est [dirigé|gouverné] par [une junte|des militaires|un pouvoir militaire] "
    "[depuis|à la suite de] [deux coups d'Etat|les putschs] de 2020 et 2021.",
    "[La junte|Les autorités de transition|Bamako] a [poussé au départ|rompu avec|"
    "congédié] [les soldats français|la mission de l'ONU|les forces européennes] et s'est "
    "[tournée vers|rapprochée de|alliée à] [la Russie|Africa Corps|Wagner].",
    "{p4_title} {p4_full} a [assuré|affirmé|déclaré] devant [les notables|les habitants|"
    "la radio locale] de {town} que la situation était [sous contrôle|en voie "
    "d'amélioration|maîtrisée].",
    "[Mais|Pourtant|Cependant], des [habitants|témoins|commerçants] [joints par téléphone|"
    "contactés par {outlet}|sous couvert d'anonymat] [décrivent|évoquent|racontent] un "
    "climat de [peur|panique|grande incertitude].",
    "Un [commerçant|enseignant|infirmier|chauffeur] de {town2}, qui a [requis|demandé] "
    "l'anonymat, [raconte|affirme|témoigne] que les [assaillants|hommes armés|combattants] "
    "ont [incendié|pillé|brûlé] des [boutiques|greniers|véhicules].",
    "« Ils sont [arrivés|entrés dans la ville|venus] [à l'aube|dans la nuit|après la "
    "prière] et ont [tiré|ouvert le feu] [partout|sur tout le monde|en l'air] », [raconte|"
    "dit|témoigne]-[il|elle].",
    "[Cette attaque|Ce raid|Cette embuscade] survient {n} [jours|semaines] après [une "
    "autre attaque|un assaut similaire|une embuscade meurtrière] [contre|visant] [un "
    "convoi|un poste de l'armée|des civils] [près de|non loin de] {town3}.",
    "La région de {region} est [l'une des plus|parmi les plus] [touchées|meurtries|"
    "instables] [du pays|du Sahel|par le conflit].",
    "Les [violences|combats|affrontements] entre {group} et [l'armée|des milices d'"
    "autodéfense|des chasseurs dozos] ont fait [des milliers|des centaines|de nombreuses] "
    "[de victimes|de morts] [depuis|en] {year}.",
    "[Les autorités|Le gouverneur|Les responsables locaux] ont [instauré|décrété|imposé] "
    "un [couvre-feu|interdiction de circulation des motos|état d'alerte] à {town} [à "
    "partir de|dès] {weekday}.",
    "[La circulation|L'usage] des [motos|deux-roues] est [interdite|restreinte|"
    "suspendue] dans [une partie de|plusieurs cercles de|une grande partie de] la région "
    "de {region} depuis {month}, au détriment [du commerce|des cultivateurs|des éleveurs].",
    "[Les écoles|Les centres de santé|Les marchés] d'[au moins|une dizaine de|plus de] {n} "
    "[villages|communes|localités] autour de {town2} [restent|sont toujours] [fermés|à "
    "l'arrêt], selon {org2}.",
    "{p2_last} [affirme|explique|déplore] que [sa commune|son cercle|sa ville] [manque|a "
    "besoin|attend] [de vivres|de médicaments|d'eau] et de [sécurité|protection|soldats].",
    "[Le ministère des Affaires étrangères|Le porte-parole du gouvernement|Le ministère de "
    "la Défense] a [rejeté|démenti|contesté] [le rapport|ces accusations|ces chiffres], "
    "[jugés|qualifiés de|estimés] [partiaux|mensongers|infondés].",
    "{p5_full}, [avocat|militant|juriste] qui [documente|enquête sur|recense] les "
    "[exactions|violences|tueries] dans la région de {region}, affirme que les [familles|"
    "proches|villageois] [ont peur de|n'osent pas|craignent de] [parler|témoigner|rentrer].",
    "[Le convoi|La colonne|La patrouille] [circulait|se rendait|faisait route] de {town2} à "
    "{town} [lorsqu'il|quand il|lorsqu'elle] a [sauté sur|heurté] un engin explosif "
    "improvisé.",
    "Le prix [du sac de riz|du mil|de l'huile|de l'essence] à {town} a [doublé|fortement "
    "augmenté|grimpé de {n}0 %] [depuis|en] {month}.",
    "{p1_last} n'a pas [donné|voulu donner|communiqué] de [bilan|chiffres|détails] sur les "
    "[pertes|victimes] de l'armée.",
    "Des [notables|chefs religieux|leaders communautaires] de {town} ont [tenté|proposé|"
    "essayé] de [négocier|dialoguer|servir de médiateurs] avec [les combattants|{group}|"
    "les hommes armés] [pour lever|pour mettre fin au|au sujet du] [blocus|siège|"
    "couvre-feu].",
    "[Un comité|Une initiative|Un conseil] de [paix|dialogue|réconciliation] [présidé|"
    "conduit|dirigé] par {p6_full} s'est [réuni|rassemblé] à {town3} {weekday}.",
    "[Selon|Pour|D'après] {p6_last}, le [dialogue|la négociation|la discussion] est [la "
    "seule|la meilleure|une] [voie|issue|option] pour [mettre fin aux|sortir des|arrêter "
    "les] [violences|tueries|affrontements].",
    "[Le centre de santé|L'hôpital|Le dispensaire] de {town} a [reçu|accueilli|soigné] {n} "
    "[blessés|victimes] {weekday}, selon [un infirmier|un médecin|le personnel].",
    "Le président de la transition, le général Assimi Goïta, a [ordonné|annoncé|réclamé] "
    "[une enquête|de nouvelles mesures|un renforcement du dispositif] [après|à la suite "
    "de] [l'attaque|ces tueries|l'embuscade].",
    "[Le Burkina Faso|Le Niger] voisin [fait aussi face|est également confronté|est aussi "
    "exposé] à des [attaques|violences|raids] de {group} [ces derniers mois|depuis "
    "{month}|cette année].",
    "[C'est|Il s'agit de] [l'attaque|l'incident|l'assaut] le plus [meurtrier|grave] dans "
    "[la zone|la région|le cercle] depuis [{month}|plusieurs mois|{year}], selon [des "
    "habitants|des élus|des analystes].",
    "L'accès à [la zone|{town}|ce cercle] [reste|est] [restreint|limité|difficile], ce "
    "qui [rend|a rendu] [difficile|impossible] la vérification [des bilans|des "
    "témoignages|des chiffres].",
]

TITLES_EN_T = [
    "[Jihadists|Gunmen|Fighters] [attack|storm|raid] [army post|military camp|market] near "
    "{town}, Mali",
    "Mali: {n} [killed|dead] in [attack|ambush|raid] near {town}",
    "{group} claims [deadly|major] [ambush|attack] in Mali's {region} region",
    "[Residents|Families] flee {town} as [violence|fighting] spreads in central Mali",
    "Malian army says it [repelled|pushed back|fought off] assault on {town}",
    "[Blockade|Siege] of {town} [tightens|drags on|deepens], Malians say",
    "Mali: [curfew|state of alert] declared in {town} after [raid|attack]",
    "[Aid groups|UN] warn of [hunger|crisis|shortages] around {town}, Mali",
]
TITLES_FR_T = [
    "Mali : [attaque|embuscade|raid] meurtrier près de {town}",
    "Mali : {n} [morts|tués] dans [une attaque|une embuscade] près de {town}",
    "{group_cap} revendique [une attaque|une embuscade] dans la région de {region}",
    "Centre du Mali : [des habitants|des familles] fuient {town}",
    "Mali : l'armée affirme avoir [repoussé|déjoué] une attaque contre {town}",
    "Mali : [couvre-feu|état d'alerte] à {town} après [l'attaque|le raid]",
    "Mali : le blocus de {town} [se durcit|se prolonge]",
]
SUMMARY_EN = "Malian [officials|residents|sources] [say|report] [an attack|violence|an ambush] near {town} in the {region} region."
SUMMARY_FR = "[Des habitants|Des sources locales] [signalent|rapportent] [une attaque|des violences] près de {town}, dans la région de {region} au Mali."

THINK_TANKS = ["the Timbuktu Institute", "the Sahel Security Observatory", "ACLED",
               "the Clingendael Institute", "the Bamako Centre for Strategic Studies",
               "the Institute for Security Studies", "the Sahel Research Group"]

OUTLET_NAMES = [
    ("Sahel Courier", "en"), ("Niger Bend Times", "en"), ("West Africa Wire", "en"),
    ("The Savanna Post", "en"), ("Continental Observer", "en"), ("Bamako Evening Star", "en"),
    ("Desert Edge Review", "en"), ("Gulf of Guinea Herald", "en"), ("The Harmattan", "en"),
    ("Africa Security Digest", "en"), ("Inland Delta News", "en"), ("The Sudan-Sahel Monitor", "en"),
    ("Trans-Saharan Tribune", "en"), ("River Niger Chronicle", "en"),
    ("Le Républicain du Delta", "fr"), ("L'Indicateur sahélien", "fr"),
    ("Le Messager du Niger", "fr"), ("Info Sahel Matin", "fr"), ("La Voix de Ségou", "fr"),
    ("Le Journal du Liptako", "fr"),
]

# --------------------------------------------------------------------------- generation

_ALT = re.compile(r"\[([^\[\]]*)\]")
_SLOT = re.compile(r"\{(\w+)\}")


@dataclass
class Story:
    path: str  # replay path of the page
    feed_link: str  # what the feed links (may lack .html, carries utm_*)
    title: str
    summary: str
    author: str
    published: datetime
    language: str
    paragraphs: list[str]
    section: str


@dataclass
class Outlet:
    slug: str
    name: str
    language: str
    style: int
    feed_kind: str  # rss | atom
    stories: list[Story] = field(default_factory=list)

    @property
    def feed_path(self) -> str:
        return f"{self.slug}/feed.{'rss' if self.feed_kind == 'rss' else 'atom'}"


def _capitalised(sentence: str) -> str:
    return sentence[:1].upper() + sentence[1:]


def _slugify(text: str) -> str:
    import unicodedata

    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", plain.lower()).strip("-")[:70]


class Writer:
    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        # A finite pool of people, drawn with a skew, like the people news names again.
        self.people = [
            (rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)) for _ in range(450)
        ]

    def person(self) -> tuple[str, str]:
        """Half the time one of the often-named few (a Pareto rank), else anyone."""
        if self.rng.random() < 0.5:
            rank = int(self.rng.paretovariate(1.1)) - 1
            return self.people[min(rank, len(self.people) - 1)]
        return self.rng.choice(self.people)

    def expand(self, template: str, ctx: dict[str, str]) -> str:
        rng = self.rng
        text = _ALT.sub(lambda m: rng.choice(m.group(1).split("|")), template)
        return _SLOT.sub(lambda m: self._slot(m.group(1), ctx), text)

    def _slot(self, name: str, ctx: dict[str, str]) -> str:
        rng = self.rng
        if name in ctx:
            return ctx[name]
        lang = ctx["_lang"]
        if name == "n":
            return str(rng.choice([2, 3, 4, 5, 6, 7, 8, 9, 11, 12, 14, 15, 17, 20, 23, 26, 31]))
        if name == "n2":
            return str(rng.randint(2, 9))
        if name == "nk":
            return str(rng.randint(3, 95))
        if name == "weekday":
            return rng.choice(WEEKDAYS_EN if lang == "en" else WEEKDAYS_FR)
        if name == "month":
            return rng.choice(MONTHS_EN if lang == "en" else MONTHS_FR)
        if name == "year":
            return str(rng.choice([2019, 2020, 2021, 2022, 2023]))
        if name == "year2":
            return str(rng.choice([2022, 2023]))
        if name in ("org", "org2"):
            return rng.choice(ORGS_EN if lang == "en" else ORGS_FR)
        if name == "think":
            return rng.choice(THINK_TANKS)
        if name == "city":
            return rng.choice(["Bamako", "Dakar", "Niamey", "Ouagadougou", "Abidjan"])
        if name == "source":
            return rng.choice(
                ["a security source", "local officials", "a hospital worker", "residents",
                 "an elected official", "the army", "humanitarian sources"]
                if lang == "en" else
                ["une source sécuritaire", "des élus locaux", "un agent de santé", "des "
                 "habitants", "l'armée", "des sources humanitaires"]
            )
        raise KeyError(name)

    def story(self, outlet: Outlet, index: int, published: datetime) -> Story:
        rng, lang = self.rng, outlet.language
        towns = rng.sample(TOWNS, 3)
        ctx: dict[str, str] = {
            "_lang": lang,
            "town": towns[0], "town2": towns[1], "town3": towns[2],
            "region": rng.choice(REGIONS_EN if lang == "en" else REGIONS_FR),
            "group": rng.choice(GROUPS_EN if lang == "en" else GROUPS_FR),
            "outlet": outlet.name,
        }
        ctx["group_cap"] = ctx["group"][:1].upper() + ctx["group"][1:]
        for k in range(1, 7):
            first, last = self.person()
            ctx[f"p{k}_full"] = f"{first} {last}"
            ctx[f"p{k}_last"] = last
            ctx[f"p{k}_title"] = rng.choice(TITLES_EN if lang == "en" else TITLES_FR)
        bank = SENTENCES_EN if lang == "en" else SENTENCES_FR
        n_sentences = rng.randint(40, 62)
        order = rng.sample(range(len(bank)), min(n_sentences, len(bank)))
        order += rng.choices(range(len(bank)), k=n_sentences - len(order))
        sentences = [_capitalised(self.expand(bank[i], ctx)) for i in order]
        paragraphs: list[str] = []
        while sentences:
            take = rng.randint(1, 3)
            paragraphs.append(" ".join(sentences[:take]))
            sentences = sentences[take:]
        title = self.expand(rng.choice(TITLES_EN_T if lang == "en" else TITLES_FR_T), ctx)
        summary = self.expand(SUMMARY_EN if lang == "en" else SUMMARY_FR, ctx)
        first, last = self.person()
        section = rng.choice(["africa", "world", "security", "news"] if lang == "en"
                             else ["afrique", "securite", "actualite", "politique"])
        slug = f"{_slugify(title)}-{index:04d}"
        day = published.strftime("%Y/%m/%d")
        if outlet.style % 2 == 0:
            path = f"{outlet.slug}/{section}/{day}/{slug}.html"
            link = f"{{base}}/{path}?utm_source=rss&utm_medium=feed"
        else:
            path = f"{outlet.slug}/{section}/{slug}.html"
            link = f"{{base}}/{path[:-5]}"  # served without the extension
        return Story(path, link, title, summary, f"{first} {last}", published, lang,
                     paragraphs, section)


def build_outlets(articles: int, feeds: int, seed: int) -> list[Outlet]:
    rng = random.Random(seed)
    writer = Writer(rng)
    outlets = []
    for i in range(feeds):
        name, lang = OUTLET_NAMES[i % len(OUTLET_NAMES)]
        if i >= len(OUTLET_NAMES):
            name = f"{name} {i // len(OUTLET_NAMES) + 1}"
        outlets.append(Outlet(_slugify(name), name, lang, i % 4, "rss" if i % 3 else "atom"))
    start = datetime(2025, 5, 20, 6, 0, tzinfo=UTC)
    for k in range(articles):
        outlet = outlets[k % feeds]
        published = start + timedelta(minutes=k * 3 + rng.randint(0, 2))
        outlet.stories.append(writer.story(outlet, k, published))
    return outlets


# --------------------------------------------------------------------------- pages

_STYLE_BLOCK = "\n".join(
    f".c{i}{{margin:{i % 7}px {i % 5}px;padding:{i % 3}px;color:#{(i * 2654435761) % 0xFFFFFF:06x};"
    f"font:{12 + i % 6}px/1.{i % 9} sans-serif}}"
    for i in range(260)
)
_SCRIPT_BLOCK = (
    "window.dataLayer=window.dataLayer||[];function gtag(){dataLayer.push(arguments);}"
    "gtag('js',new Date());gtag('config','G-XXXXXXX');"
    + "".join(f"var slot{i}={{id:'ad-{i}',sizes:[[300,250],[728,90]],refresh:{i % 4 * 30}}};"
              for i in range(80))
)


def _nav(outlet: Outlet) -> str:
    sections = (["Home", "Africa", "World", "Politics", "Security", "Economy", "Sport",
                 "Culture", "Opinion", "Video", "Podcasts", "Newsletters"]
                if outlet.language == "en" else
                ["Accueil", "Afrique", "Monde", "Politique", "Sécurité", "Economie", "Sport",
                 "Culture", "Opinions", "Vidéos", "Podcasts", "Newsletters"])
    links = "".join(
        f'<li class="menu-item"><a href="{{base}}/{outlet.slug}/{_slugify(s)}/">{s}</a></li>'
        for s in sections
    )
    sub = "".join(
        f'<li><a href="{{base}}/{outlet.slug}/tag/{_slugify(t)}/">{t}</a></li>'
        for t in ["Mali", "Burkina Faso", "Niger", "Senegal", "Guinea", "Côte d'Ivoire",
                  "Mauritania", "Chad", "Nigeria", "Algeria"]
    )
    return (f'<header class="site-header"><div class="logo"><a href="{{base}}/{outlet.slug}/">'
            f"{html.escape(outlet.name)}</a></div><nav class=\"main-nav\"><ul>{links}</ul>"
            f'<ul class="sub-nav">{sub}</ul></nav><form class="search"><input name="q" '
            f'placeholder="Search"><button>Go</button></form></header>')


def _footer(outlet: Outlet) -> str:
    links = "".join(
        f'<li><a href="{{base}}/{outlet.slug}/page/{i}">{t}</a></li>'
        for i, t in enumerate(
            ["About us", "Contact", "Advertise", "Careers", "Terms of use", "Privacy policy",
             "Cookie settings", "Corrections", "Ethics policy", "RSS feeds", "Archive",
             "Sitemap", "Newsletters", "Apps", "Help", "Licensing", "Our journalists",
             "Press releases", "Syndication", "Events", "Shop", "Subscribe", "Gift a "
             "subscription", "Accessibility"]
        )
    )
    return (f'<footer class="site-footer"><ul class="footer-links">{links}</ul>'
            f"<p>© 2025 {html.escape(outlet.name)} (an invented outlet for mali-monitor's "
            f"benchmarks). All rights reserved.</p><p class=\"social\">Follow us on "
            f'<a href="#">Facebook</a>, <a href="#">X</a>, <a href="#">Instagram</a>, '
            f'<a href="#">YouTube</a> and <a href="#">WhatsApp</a>.</p></footer>'
            f'<div class="cookie-banner">We use cookies to improve your experience and to '
            f"measure our audience. <button>Accept all</button> <button>Settings</button>"
            f"</div>")


def render_page(outlet: Outlet, story: Story, related: list[Story], rng: random.Random) -> str:
    en = story.language == "en"
    paras = [f"<p>{html.escape(p)}</p>" for p in story.paragraphs]
    figure = (
        f'<figure class="wp-caption"><img src="{{base}}/{outlet.slug}/img/{rng.randrange(10**6)}.jpg" '
        f'alt="" width="800" height="450"><figcaption>'
        f"{'A street in' if en else 'Une rue de'} {html.escape(story.title.split(' ')[-1])}"
        f" ({'file photo' if en else 'photo d’archives'}). "
        f"{'Photo' if en else 'Photo'}: {html.escape(story.author)} / {html.escape(outlet.name)}"
        f"</figcaption></figure>"
    )
    teaser_title = html.escape(related[0].title) if related else ""
    teaser = (f'<p class="read-more"><strong>{"Read more" if en else "Lire aussi"}:</strong> '
              f'<a href="{{base}}/{related[0].path if related else ""}">{teaser_title}</a></p>')
    mid = len(paras) // 2
    body = "".join(paras[:2] + [figure] + paras[2:mid] + [teaser] + paras[mid:])
    newsletter = (
        '<div class="newsletter-box"><h3>'
        + ("Get the Sahel briefing" if en else "Recevez l'essentiel du Sahel")
        + "</h3><p>"
        + ("Sign up for our newsletter and get the day's top stories in your inbox every "
           "morning." if en else "Abonnez-vous à notre newsletter pour recevoir l'essentiel "
           "de l'actualité chaque matin.")
        + '</p><input type="email" placeholder="Email"><button>'
        + ("Subscribe" if en else "Je m'abonne") + "</button></div>"
    )
    tags = "".join(f'<a rel="tag" href="#">{t}</a> ' for t in ["Mali", "Sahel", "Security"])
    rel = "".join(
        f'<li><a href="{{base}}/{r.path}"><img src="{{base}}/{outlet.slug}/img/t{j}.jpg" '
        f'alt=""><span>{html.escape(r.title)}</span></a></li>'
        for j, r in enumerate(related)
    )
    comments = "".join(
        f'<li class="comment"><div class="comment-author">{a}</div><div class="comment-body">'
        f"<p>{c}</p></div></li>"
        for a, c in [
            ("Sahelwatcher", "Same story every week. When will it end?" if en
             else "Toujours la même histoire. Quand est-ce que ça va finir ?"),
            ("K. D.", "Praying for the families." if en else "Courage aux familles."),
            ("observer77", "Where is the international community?" if en
             else "Où est la communauté internationale ?"),
        ]
    )
    date = story.published.strftime("%Y-%m-%dT%H:%M:%S+00:00")
    canonical = "{base}/" + story.path
    ld = (
        '{"@context":"https://schema.org","@type":"NewsArticle","headline":'
        + _json(story.title) + ',"datePublished":"' + date + '","author":{"@type":"Person",'
        '"name":' + _json(story.author) + '},"publisher":{"@type":"Organization","name":'
        + _json(outlet.name) + "}}"
    )
    crumbs = (f'<nav class="breadcrumbs"><a href="{{base}}/{outlet.slug}/">'
              f'{"Home" if en else "Accueil"}</a> › <a href="{{base}}/{outlet.slug}/'
              f'{story.section}/">{story.section.title()}</a> › Mali</nav>')
    share = ('<div class="share-bar">' + ("Share" if en else "Partager")
             + ': <a href="#">Facebook</a> <a href="#">X</a> <a href="#">WhatsApp</a> '
             '<a href="#">LinkedIn</a> <a href="#">Email</a> <a href="#">Print</a></div>')
    most_read = "".join(f'<li><a href="#">{t}</a></li>' for t in (
        ["Football: results of the weekend", "Weather: heatwave expected", "Horoscope",
         "Recipes: five dishes with fonio", "Markets: the price of gold"] if en else
        ["Football : les résultats du week-end", "Météo : vague de chaleur", "Horoscope",
         "Recettes : cinq plats au fonio", "Marchés : le cours de l'or"]))
    byline_label = "By" if en else "Par"
    return f"""<!DOCTYPE html>
<html lang="{story.language}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(story.title)} | {html.escape(outlet.name)}</title>
<meta name="description" content="{html.escape(story.summary)}">
<meta name="author" content="{html.escape(story.author)}">
<meta property="og:site_name" content="{html.escape(outlet.name)}">
<meta property="og:type" content="article">
<meta property="og:title" content="{html.escape(story.title)}">
<meta property="og:url" content="{canonical}">
<meta property="article:published_time" content="{date}">
<meta name="twitter:card" content="summary_large_image">
<link rel="canonical" href="{canonical}">
<style>{_STYLE_BLOCK}</style>
<script>{_SCRIPT_BLOCK}</script>
<script type="application/ld+json">{ld}</script>
</head>
<body class="single-post style-{outlet.style}">
<a class="skip" href="#main">{"Skip to content" if en else "Aller au contenu"}</a>
{_nav(outlet)}
<div class="ad-slot leaderboard" id="ad-top"></div>
<main id="main"><div class="container">{crumbs}
<article class="post">
<header class="entry-header"><span class="kicker">{story.section.title()}</span>
<h1 class="entry-title">{html.escape(story.title)}</h1>
<div class="entry-meta"><span class="byline">{byline_label} <a rel="author" href="#">{html.escape(story.author)}</a></span>
<time datetime="{date}">{story.published.strftime("%d %B %Y, %H:%M")}</time></div>
{share}</header>
<div class="entry-content">{body}</div>
<div class="tags">Tags: {tags}</div>
{newsletter}
</article>
<section class="related"><h2>{"Related stories" if en else "À lire aussi"}</h2><ul>{rel}</ul></section>
<section id="comments"><h2>3 {"comments" if en else "commentaires"}</h2><ol class="comment-list">{comments}</ol></section>
<aside class="sidebar"><h3>{"Most read" if en else "Les plus lus"}</h3><ol>{most_read}</ol><div class="ad-slot mpu" id="ad-side"></div></aside>
</div></main>
{_footer(outlet)}
<script>(function(){{var s=document.createElement('script');s.src='/js/app.{outlet.style}.js';document.body.appendChild(s);}})();</script>
</body>
</html>
"""


def _json(value: str) -> str:
    import json

    return json.dumps(value, ensure_ascii=False)


def render_feed(outlet: Outlet) -> str:
    if outlet.feed_kind == "rss":
        items = "".join(
            "<item>"
            f"<title>{escape(s.title)}</title>"
            f"<link>{escape(s.feed_link)}</link>"
            f'<guid isPermaLink="false">{outlet.slug}-{escape(s.path)}</guid>'
            f"<pubDate>{s.published.strftime('%a, %d %b %Y %H:%M:%S GMT')}</pubDate>"
            f"<dc:creator>{escape(s.author)}</dc:creator><category>Mali</category>"
            f"<description>{escape(s.summary)}</description>"
            "</item>\n"
            for s in reversed(outlet.stories)
        )
        return (
            '<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0" '
            'xmlns:dc="http://purl.org/dc/elements/1.1/"><channel>'
            f"<title>{escape(outlet.name)}</title><link>{{base}}/{outlet.slug}/</link>"
            f"<description>Invented outlet for mali-monitor benchmarks</description>"
            f"<language>{outlet.language}</language>\n{items}</channel></rss>\n"
        )
    entries = "".join(
        "<entry>"
        f"<title>{escape(s.title)}</title>"
        f'<link rel="alternate" href="{escape(s.feed_link)}"/>'
        f"<id>urn:{outlet.slug}:{escape(s.path)}</id>"
        f"<updated>{s.published.strftime('%Y-%m-%dT%H:%M:%SZ')}</updated>"
        f"<author><name>{escape(s.author)}</name></author>"
        f"<summary>{escape(s.summary)}</summary>"
        "</entry>\n"
        for s in reversed(outlet.stories)
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom" '
        f'xml:lang="{outlet.language}"><title>{escape(outlet.name)}</title>'
        f"<id>urn:bench:{outlet.slug}</id><updated>2025-05-22T00:00:00Z</updated>\n"
        f"{entries}</feed>\n"
    )


@dataclass(frozen=True)
class Replay:
    root: Path
    feed_paths: list[str]
    page_paths: list[str]
    languages: dict[str, str]  # page path -> language


def write_replay(root: Path, *, articles: int = 1000, feeds: int = 20, seed: int = 7) -> Replay:
    """Write the replay under `root` (created); deterministic for a given seed."""
    outlets = build_outlets(articles, feeds, seed)
    rng = random.Random(seed + 1)
    pages, languages = [], {}
    for outlet in outlets:
        for i, story in enumerate(outlet.stories):
            others = [s for j, s in enumerate(outlet.stories) if j != i]
            related = rng.sample(others, min(6, len(others)))
            target = root / story.path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(render_page(outlet, story, related, rng), encoding="utf-8")
            pages.append(story.path)
            languages[story.path] = story.language
        feed = root / outlet.feed_path
        feed.parent.mkdir(parents=True, exist_ok=True)
        feed.write_text(render_feed(outlet), encoding="utf-8")
    (root / "README.md").write_text(
        "Invented news for mali-monitor's benchmarks (bench/newsgen.py); nothing here is "
        "real except the names of Malian places and armed groups.\n",
        encoding="utf-8",
    )
    return Replay(root, [o.feed_path for o in outlets], pages, languages)


def load_replay(root: Path) -> Replay:
    """The feed and page paths of a replay written earlier."""
    feeds = sorted(str(p.relative_to(root)) for p in root.glob("*/feed.*"))
    pages = sorted(str(p.relative_to(root)) for p in root.rglob("*.html"))
    languages = {}
    for page in pages:
        head = (root / page).read_text(encoding="utf-8")[:200]
        languages[page] = "fr" if 'lang="fr"' in head else "en"
    return Replay(root, feeds, pages, languages)


def check_distinct(replay: Replay, pairs: int = 3000, seed: int = 3) -> None:
    """Exact Jaccard of 3-word shingles of the article texts (paragraphs only) over random
    pairs, and the dedup index's verdict over all pages."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from extractors.dedup import DedupSettings, DuplicateIndex
    from extractors.shingles import exact_jaccard

    texts = []
    for page in replay.page_paths:
        raw = (replay.root / page).read_text(encoding="utf-8")
        body = raw.split('<div class="entry-content">', 1)[1].split("</div>", 1)[0]
        texts.append(html.unescape(re.sub(r"<[^>]+>", " ", body)))
    rng = random.Random(seed)
    values = []
    for _ in range(pairs):
        a, b = rng.sample(range(len(texts)), 2)
        values.append(exact_jaccard(texts[a], texts[b], 3))
    values.sort()
    words = sorted(len(t.split()) for t in texts)
    print(f"{len(texts)} pages; words per article: min {words[0]}, median "
          f"{words[len(words) // 2]}, max {words[-1]}")
    print(f"exact Jaccard (3-word shingles) over {pairs} random pairs: median "
          f"{values[len(values) // 2]:.3f}, p99 {values[int(len(values) * 0.99)]:.3f}, max "
          f"{values[-1]:.3f}")
    index = DuplicateIndex(DedupSettings())
    flagged = 0
    from extractors.fingerprints import content_hash
    from extractors.models import Article

    batch = [
        Article(article_id=f"a{i}", url=f"u{i}", canonical_url=f"u{i}", feed_url=None,
                source=None, title=None, author=None, published_at=None,
                fetched_at=datetime.now(UTC), language="en", text=t,
                content_hash=content_hash(t), text_origin="page")
        for i, t in enumerate(texts)
    ]
    outcome = index.mark(batch)
    flagged = sum(1 for mark in outcome.marks.values() if mark.duplicate_of)
    print(f"dedup at the defaults over all {len(texts)} pages: {flagged} flagged as copies "
          f"({len(outcome.signatures)} signed)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--articles", type=int, default=1000)
    parser.add_argument("--feeds", type=int, default=20)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--check", action="store_true", help="measure how distinct texts are")
    args = parser.parse_args()
    replay = write_replay(args.out, articles=args.articles, feeds=args.feeds, seed=args.seed)
    size = sum((args.out / p).stat().st_size for p in replay.page_paths)
    print(f"wrote {len(replay.page_paths)} pages ({size / 1e6:.1f} MB) and "
          f"{len(replay.feed_paths)} feeds under {args.out}")
    if args.check:
        check_distinct(replay)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
