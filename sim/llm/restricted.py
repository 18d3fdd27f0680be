"""Topics a hotel says always go to a person, as the simulated model understands them.

The system prompt names them ("These topics always go to a person: refunds, complaints,
billing."); a guest message about one is handed off with reason ``restricted_topic`` and the topic.
The model understands more than a keyword list would catch: "I want my money back", "I was
charged twice", "this is unacceptable". A topic it has no words for is found by its own name.
"""

from __future__ import annotations

import re

from sim.llm.text import KeywordSet, normalize

RULE = re.compile(r"These topics always go to a person: ([^.\n]+)\.")

_KNOWN: dict[str, KeywordSet] = {
    "refunds": KeywordSet(
        {
            "en": "refund*, money back, reimburs*, pay me back, get my money",
            "de": "*erstattung*, geld zuruck, geld wieder, zuruckzahl*",
            "es": "reembols*, devolucion del dinero, devuelvan el dinero, mi dinero",
            "fr": "rembours*, mon argent",
            "it": "rimbors*, i miei soldi, restituire i soldi",
            "ru": "возврат*, вернуть деньги, верните деньги",
        }
    ),
    "complaints": KeywordSet(
        {
            "en": "complain*, unacceptable, disgusting, disappointed, terrible, awful, worst, rude",
            "de": "beschwer*, reklamation*, unverschamt, inakzeptabel, enttauscht, katastrophal",
            "es": "queja*, reclamacion, inaceptable, decepcionad*, horrible",
            "fr": "plainte*, reclamation*, inacceptable, decu*, honteux",
            "it": "reclam*, lamentel*, inaccettabile, delus*, vergognoso",
            "ru": "жалоб*, претензи*, безобраз*, возмутительно, ужасн*",
        }
    ),
    "billing": KeywordSet(
        {
            "en": "invoice*, bill, billing, receipt*, charged, overcharg*, double charge*, my card was",
            "de": "rechnung*, quittung*, abgebucht, belastet, doppelt berechnet",
            "es": "factura*, recibo*, cobrad*, cobro*, cargo*",
            "fr": "facture*, recu, debite*, facture deux fois",
            "it": "fattur*, ricevuta*, addebit*, il conto",
            "ru": "счет, счёт, списал*, квитанци*, чек",
        }
    ),
}


def restricted_topics(system_texts: list[str]) -> list[str]:
    """The topics the prompt says always go to a person, in its order."""
    for text in system_texts:
        found = RULE.search(text)
        if found:
            return [topic.strip() for topic in found.group(1).split(",") if topic.strip()]
    return []


def topic_of(normalized_text: str, topics: list[str]) -> str | None:
    """Which of ``topics`` the (normalised) guest message is about, if any."""
    for topic in topics:
        words = _KNOWN.get(topic) or KeywordSet({"en": normalize(topic.replace("_", " ")) + "*"})
        if words.found_in(normalized_text):
            return topic
    return None
