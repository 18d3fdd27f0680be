# ruff: noqa: RUF001  (Cyrillic words look like Latin letters to the linter)
"""Function words per language, accents removed: evidence of a language in a short question, and
the words a search query or an entry title leaves out.

Scripts without spaces between words (Chinese, Japanese) and Arabic have none here: the
language detector reads their script.
"""

from __future__ import annotations

from sim.llm.text import normalize


def _words(text: str) -> frozenset[str]:
    return frozenset(normalize(text).split())


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
    "ru": _words(
        "и в во на с со что когда где как какой какая какие сколько есть ли у вас мне можно пожалуйста "
        "номер номере я мы наш наша это до после от за"
    ),
    "it": _words(
        "il lo la i gli le un una uno e di da in con su per che chi come quando dove quale quanto quanti "
        "ci sono avete ha ho posso puo vorrei mi si del della dei al alla nel nella non anche oggi domani "
        "camera mio mia favore"
    ),
    "pt": _words(
        "o a os as um uma e de do da dos das em no na com por para que quando onde qual quanto como tem "
        "ha posso pode gostaria meu minha nao voces voce quarto hoje amanha ate favor"
    ),
    "nl": _words(
        "de het een en is zijn wat wanneer waar hoe welke hoeveel er ik u jullie mijn we wij kan kunnen "
        "mag graag voor met van op aan om tot niet ook nog vandaag morgen kamer hebben heeft"
    ),
    "pl": _words(
        "i w na z do jest czy jak kiedy gdzie ile jaki jaka jakie o od po dla mam ma mozna prosze pokoj "
        "pokoju nie tak sie to ten ta jutro dzisiaj"
    ),
    "uk": _words(
        "і й в у на з із що коли де як який яка які скільки є чи у вас мені можна будь ласка номер номері "
        "я ми наш наша це до після від за"
    ),
    "tr": _words(
        "bir ve ne zaman nerede nasıl kaç mı mi mu mü var yok için ile bu şu ben siz sizin benim odam oda "
        "lütfen saat bugün yarın da de"
    ),
    "ar": frozenset(),
    "zh": frozenset(),
    "ja": frozenset(),
    "ko": frozenset(),
}
