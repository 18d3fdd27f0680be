# ruff: noqa: RUF001  (Cyrillic keywords look like Latin letters to the linter)
"""What the simulated model understands: multilingual keyword tables.

Each table maps a language to comma-separated keywords (see ``text.py`` for the keyword
forms). A keyword listed under one language only also counts as evidence for that language.
"""

from __future__ import annotations

from dataclasses import dataclass

from sim.llm.text import KeywordSet


@dataclass(frozen=True, slots=True)
class Topic:
    name: str
    #: the words a search query uses for this topic, per language (query rewriting)
    query: dict[str, str]
    keywords: KeywordSet


def _topic(name: str, query: str, **by_language: str) -> Topic:
    """``query`` is "en: ... | de: ... | ..."."""
    queries = dict(part.strip().split(": ", 1) for part in query.split("|"))
    return Topic(name, queries, KeywordSet(by_language))


TOPICS: tuple[Topic, ...] = (
    _topic(
        "breakfast",
        "en: breakfast | de: Frühstück | es: desayuno | fr: petit-déjeuner | ru: завтрак",
        en="breakfast*, brunch",
        de="frühstück*, fruehstueck*, *frühstück*",
        es="desayuno*, desayunar",
        fr="petit déjeuner*, petit dej",
        ru="завтрак*",
    ),
    _topic(
        "wifi",
        "en: wifi password | de: WLAN Passwort | es: wifi contraseña | fr: wifi mot de passe"
        " | ru: wifi пароль",
        en="wifi, wi-fi, wireless, internet, password*, hotspot",
        de="wlan*, *wlan, passwort*, *passwort*, kennwort*, internet*",
        es="wifi, wi-fi, contraseña*, clave del wifi, internet",
        fr="wifi, wi-fi, mot de passe, internet",
        ru="вайфа*, вай фа*, wifi, интернет*, пароль*, сеть, сети",
    ),
    _topic(
        "parking",
        "en: parking | de: Parkplatz | es: aparcamiento | fr: parking | ru: парковка",
        en="parking, park, car park, garage",
        de="parkplatz*, parkplätze*, parken, parkhaus*, *garage*, *parkplatz*",
        es="aparcamiento*, estacionamiento*, aparcar, parking, garaje",
        fr="parking*, stationnement, garer, garage",
        ru="*парков*, припарк*, паркинг*, стоянк*",
    ),
    _topic(
        "check_in",
        "en: check-in | de: Check-in Anreise | es: check-in llegada | fr: arrivée check-in | ru: заезд",
        en="check in, checkin, arrival, arrive*, early check*",
        de="anreise*, einchecken, check in, ankunft, ankommen",
        es="llegada*, llegar, registro de entrada, check in",
        fr="arrivee*, arriver, enregistrement, check in",
        ru="заезд*, заселен*, заселит*, заселя*, приезд*, регистрац*",
    ),
    _topic(
        "check_out",
        "en: check-out | de: Check-out Abreise | es: check-out salida | fr: départ check-out | ru: выезд",
        en="check out, checkout, departure, late check*",
        de="abreise*, auschecken, check out",
        es="salida, check out, dejar la habitacion",
        fr="depart, check out, quitter la chambre, liberer la chambre",
        ru="выезд*, выселен*, выехать, освободить номер",
    ),
    _topic(
        "spa",
        "en: spa pool sauna | de: Spa Schwimmbad Sauna | es: spa piscina sauna | fr: spa piscine sauna"
        " | ru: спа бассейн сауна",
        en="spa, pool, swimming*, sauna*, massage*, wellness, steam room, jacuzzi, hot tub",
        de="spa, *schwimmbad*, *hallenbad*, sauna*, massage*, *wellness*, pool, dampfbad",
        es="spa, piscina*, sauna*, masaje*, jacuzzi",
        fr="spa, piscine*, sauna*, massage*, hammam, jacuzzi",
        ru="спа, бассейн*, саун*, массаж*, хаммам*",
    ),
    _topic(
        "pets",
        "en: pets dogs | de: Haustiere Hunde | es: mascotas perros | fr: animaux chiens"
        " | ru: животные собаки",
        en="pet, pets, dog*, cat, cats, puppy, animal*",
        de="haustier*, hund, hunde, hundes, katze*, tier, tiere, *hund",
        es="mascota*, perro*, gato*, animal*",
        fr="chien*, chat, chats, animaux, animal, animal de compagnie",
        ru="животн*, собак*, пес, пса, кошк*, кот, питом*",
    ),
    _topic(
        "airport",
        "en: airport transfer | de: Flughafen Transfer | es: aeropuerto traslado | fr: aéroport navette"
        " | ru: аэропорт трансфер",
        en="airport*, transfer*, shuttle*, pick up from, pickup",
        de="flughafen*, *flughafen*, transfer*, shuttle*, abholung, abholen",
        es="aeropuerto*, traslado*, transfer*, shuttle*, recogida",
        fr="aeroport*, navette*, transfert*, transfer*",
        ru="аэропорт*, трансфер*, шаттл*, встретить",
    ),
    _topic(
        "restaurant",
        "en: restaurant dinner | de: Restaurant Abendessen | es: restaurante cena | fr: restaurant dîner"
        " | ru: ресторан ужин",
        en="restaurant*, dinner, lunch, room service, bar, menu",
        de="restaurant*, abendessen, mittagessen, speisekarte, zimmerservice, bar",
        es="restaurante*, cena, cenar, almuerzo, comida, carta, bar",
        fr="restaurant*, diner, re:(?<!petit )(?<!petit-)(?<!petit)(?<!\\w)dejeuner(?!\\w), carte, bar",
        ru="ресторан*, ужин*, обед*, меню, бар",
    ),
    _topic(
        "gym",
        "en: gym fitness | de: Fitnessraum | es: gimnasio | fr: salle de sport | ru: спортзал",
        en="gym, fitness*, workout",
        de="fitness*, *fitness*, kraftraum",
        es="gimnasio*, fitness",
        fr="salle de sport, fitness, salle de gym, musculation",
        ru="спортзал*, тренажер*, фитнес*",
    ),
    _topic(
        "laundry",
        "en: laundry | de: Wäscherei | es: lavandería | fr: blanchisserie | ru: прачечная",
        en="laundry, washing machine, dry cleaning, ironing",
        de="wascherei*, waschservice, waschmaschine*, bugeln",
        es="lavanderia*, lavadora*, planchar",
        fr="blanchisserie, laverie, pressing, repassage, machine a laver",
        ru="прачечн*, стирк*, постирать, глажк*",
    ),
    _topic(
        "luggage",
        "en: luggage storage | de: Gepäck | es: equipaje | fr: bagages | ru: багаж",
        en="luggage, baggage, suitcase*, bags",
        de="gepack*, koffer*",
        es="equipaje*, maleta*",
        fr="bagage*, valise*",
        ru="багаж*, чемодан*",
    ),
)

#: "person", but not "per person" (a price)
_PERSON = "re:(?<!per )(?<!pro )(?<!per a )(?<!\\w)person(?!\\w)"

#: "I want to talk to a person"
PERSON = KeywordSet(
    {
        "en": f"human, {_PERSON}, real person, staff, agent, receptionist, front desk, talk to someone, "
        "speak to someone, speak with someone, talk with someone, operator, manager, real human",
        "de": f"mensch, menschen, mitarbeiter*, rezeption*, {_PERSON}, mit jemandem sprechen, "
        "mit jemandem reden, echte person, ansprechpartner",
        "es": "re:(?<!por )(?<!\\w)persona(?!\\w), humano, agente, recepcion*, recepcionista, "
        "hablar con alguien, alguien del personal, personal del hotel",
        "fr": "re:(?<!par )(?<!\\w)personne(?!\\w), humain, conseiller*, reception*, receptionniste, agent, "
        "parler a quelqu'un, quelqu'un de l'equipe",
        "ru": "re:(?<!на )(?<!\\w)человек(?!\\w), живой человек, живым человеком, с человеком, оператор*, "
        "администратор*, менеджер*, сотрудник*, ресепшен*, персонал*",
    }
)

HOUSEKEEPING = KeywordSet(
    {
        "en": "towel*, clean*, pillow*, blanket*, toilet paper, toilet roll*, shampoo, soap, sheets, "
        "bed linen, linen, housekeeping, tidy, hairdryer, toothbrush*, slippers",
        "de": "handtuch*, handtucher, *reinigung*, reinigen, sauber*, putzen, kissen, kopfkissen, decke*, "
        "bettdecke*, toilettenpapier, klopapier, seife, bettwasche, shampoo, fohn, zahnburste*, hausschuhe",
        "es": "toalla*, limpi*, almohada*, manta*, cobija*, papel higienico, jabon, sabana*, champu, "
        "secador*, cepillo de dientes, zapatillas",
        "fr": "serviette*, nettoy*, menage, oreiller*, couverture*, papier toilette, savon, drap, draps, "
        "shampoing, seche-cheveux, brosse a dents, chaussons",
        "ru": "полотенц*, уборк*, убрать, убери*, подушк*, одеял*, туалетн* бумаг*, мыл*, постельн*, "
        "шампун*, фен, зубн* щетк*, тапочк*",
    }
)

MAINTENANCE = KeywordSet(
    {
        "en": "broken, not working, doesn't work, does not work, isn't working, is not working, won't work, "
        "stopped working, repair*, fix, leak*, no hot water, clogged, blocked",
        "de": "kaputt*, funktioniert nicht, funktioniert kein*, geht nicht, defekt*, reparier*, tropft, "
        "undicht, kein warmes wasser, verstopft",
        "es": "roto, rota, rotos, rotas, no funciona*, averiad*, repar*, fuga, gotea, no hay agua caliente, "
        "atascad*",
        "fr": "casse, cassee, casses, ne marche pas, ne marche plus, ne fonctionne pas, ne fonctionne plus, "
        "en panne, repar*, fuite, pas d'eau chaude, bouche*",
        "ru": "слома*, не работает, не работают, почин*, ремонт*, теч*, протека*, нет горячей воды, засор*",
    }
)

GREETING = KeywordSet(
    {
        "en": "hi, hello, hey, good morning, good afternoon, good evening, hiya",
        "de": "hallo, guten tag, guten morgen, guten abend, moin, servus, gruss gott",
        "es": "hola, buenos dias, buenas tardes, buenas noches, buenas",
        "fr": "bonjour, bonsoir, salut, coucou",
        "ru": "привет*, здравствуй*, добрый день, доброе утро, добрый вечер",
    }
)

#: thanks, and the acknowledgements that need no more than a "you're welcome"
THANKS = KeywordSet(
    {
        "en": "thanks, thank you, thx, cheers, ok, okay, great, perfect, got it, alright, awesome",
        "de": "danke*, vielen dank, alles klar, prima, super, toll, perfekt",
        "es": "gracias, muchas gracias, vale, perfecto, genial, de acuerdo",
        "fr": "merci*, d'accord, parfait, super, genial",
        "ru": "спасибо, благодар*, хорошо, отлично, понятно, ок",
    }
)


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


#: Function words per language (accents removed): the strongest signal for short questions.
STOPWORDS: dict[str, frozenset[str]] = {
    "en": _words(
        "the a an is are was what whats when where how do does did can could would will i you your my me we "
        "our to of for in on at with there have has any please time it its this that and or be get need want "
        "about much many which from open until tell long"
    ),
    "de": _words(
        "der die das den dem des ist sind war was wann wo wie welche welcher welches gibt es ich sie wir "
        "mein meine ihr ihre ein eine einen einem und oder bitte haben habe hat zimmer kann konnen konnte "
        "fur mit zum zur um uhr noch nicht auch auf im bei ab bis vom gibts moglich heute viel kostet "
        "kosten mochte wurde brauche lautet wieviel darf durfen unser uns"
    ),
    "es": _words(
        "el la los las lo es esta estan cuando donde como que cual cuanto cuanta cuesta hay yo mi mis un una "
        "unos y o por favor tienen tiene tengo habitacion puedo puede para con del al de se hasta desde "
        "quiero necesito hora horas su sus muy precio hacer podria"
    ),
    "fr": _words(
        "le la les est sont quand ou comment quel quelle quels quelles il elle y a je vous votre vos mon ma "
        "mes un une des du et plait avez avons chambre pour avec au aux que ce pas ne sur dans jusqu "
        "heure heures peut puis peux voudrais besoin combien coute prix de faut"
    ),
    "ru": frozenset(),
}
