# ruff: noqa: RUF001  (Cyrillic text looks like Latin letters to the linter)
"""Everything the simulated model writes itself, in the five languages it speaks."""

from __future__ import annotations

PHRASES: dict[str, dict[str, str]] = {
    "lead_in": {
        "en": "Here is what I can tell you:",
        "de": "Gerne, hier die Information:",
        "es": "Con gusto:",
        "fr": "Avec plaisir :",
        "ru": "Конечно:",
    },
    "greeting": {
        "en": "Hello! How can I help you today?",
        "de": "Hallo! Wie kann ich Ihnen helfen?",
        "es": "¡Hola! ¿En qué puedo ayudarle?",
        "fr": "Bonjour ! Comment puis-je vous aider ?",
        "ru": "Здравствуйте! Чем могу помочь?",
    },
    "thanks": {
        "en": "You're welcome! Is there anything else I can do for you?",
        "de": "Gern geschehen! Kann ich sonst noch etwas für Sie tun?",
        "es": "¡De nada! ¿Puedo ayudarle en algo más?",
        "fr": "Je vous en prie ! Puis-je faire autre chose pour vous ?",
        "ru": "Пожалуйста! Могу ли я ещё чем-то помочь?",
    },
    "service_housekeeping": {
        "en": "I've passed your request to housekeeping, it's on its way.",
        "de": "Ich habe Ihre Bitte an das Housekeeping weitergegeben, es ist schon unterwegs.",
        "es": "He pasado su solicitud al servicio de limpieza, ya está en camino.",
        "fr": "J'ai transmis votre demande au service d'étage, c'est en route.",
        "ru": "Я передал вашу просьбу горничным, скоро всё принесут.",
    },
    "service_maintenance": {
        "en": "I've passed your request to our maintenance team, someone will take care of it shortly.",
        "de": "Ich habe Ihre Meldung an die Haustechnik weitergegeben, jemand kümmert sich bald darum.",
        "es": "He pasado su solicitud a nuestro equipo de mantenimiento, alguien se encargará en breve.",
        "fr": "J'ai transmis votre demande à notre équipe technique, quelqu'un s'en occupe très vite.",
        "ru": "Я передал вашу заявку в техническую службу, скоро всё исправят.",
    },
    "handoff": {
        "en": "I'm connecting you with our team; a colleague will reply here shortly.",
        "de": "Ich verbinde Sie mit unserem Team; ein Kollege antwortet Ihnen hier in Kürze.",
        "es": "Le paso con nuestro equipo; un compañero le responderá aquí en breve.",
        "fr": "Je vous mets en relation avec notre équipe ; un collègue vous répondra ici très bientôt.",
        "ru": "Я передаю ваш вопрос нашей команде; коллега скоро ответит вам здесь.",
    },
    "check_with_team": {
        "en": "Let me check that with our team; a colleague will get back to you shortly.",
        "de": "Ich kläre das mit unserem Team; ein Kollege meldet sich in Kürze bei Ihnen.",
        "es": "Permítame consultarlo con nuestro equipo; un compañero le responderá en breve.",
        "fr": "Je vérifie cela avec notre équipe ; un collègue vous répondra très bientôt.",
        "ru": "Позвольте уточнить это у нашей команды; коллега скоро вам ответит.",
    },
    "tool_failed": {
        "en": "I'm sorry, that did not work. I'm asking a colleague to help you.",
        "de": "Das hat leider nicht geklappt. Ich bitte einen Kollegen, Ihnen zu helfen.",
        "es": "Lo siento, no ha funcionado. Le pido a un compañero que le ayude.",
        "fr": "Désolé, cela n'a pas fonctionné. Je demande à un collègue de vous aider.",
        "ru": "К сожалению, не получилось. Я попрошу коллегу помочь вам.",
    },
    "done": {
        "en": "Done. Is there anything else I can do for you?",
        "de": "Erledigt. Kann ich sonst noch etwas für Sie tun?",
        "es": "Hecho. ¿Puedo ayudarle en algo más?",
        "fr": "C'est fait. Puis-je faire autre chose pour vous ?",
        "ru": "Готово. Могу ли я ещё чем-то помочь?",
    },
}


def say(key: str, language: str) -> str:
    return PHRASES[key].get(language, PHRASES[key]["en"])
