# ruff: noqa: RUF001  (guest sentences in Cyrillic, Greek, Arabic, Hebrew and CJK scripts)
"""The guest's language: lingua on real guest sentences, the rule for short messages, our own texts."""

from __future__ import annotations

import datetime
import subprocess
import sys

import pytest

from domain.assistant import prompt
from domain.assistant.detector import LinguaDetector
from domain.assistant.language import GUEST_LANGUAGES, guest_language
from domain.conversations import guest_texts

#: Two messages each, as guests write them to a hotel (greetings, questions, requests, complaints).
GUEST_SENTENCES: dict[str, tuple[str, str]] = {
    "en": (
        "Hi, could you tell me what time breakfast is served tomorrow?",
        "We will arrive late tonight, around midnight. Is that ok?",
    ),
    "de": (
        "Guten Abend, können wir morgen etwas später auschecken?",
        "Die Heizung in unserem Zimmer funktioniert nicht.",
    ),
    "fr": (
        "Bonjour, à quelle heure est servi le petit-déjeuner ?",
        "Pouvez-vous nous réserver un taxi pour demain matin ?",
    ),
    "es": (
        "Hola, ¿podrían traernos dos toallas más a la habitación?",
        "¿Hasta qué hora está abierta la piscina?",
    ),
    "it": (
        "Buongiorno, a che ora è servita la colazione domani?",
        "Vorrei parlare con qualcuno della reception, per favore.",
    ),
    "pt": (
        "Boa tarde, vocês têm estacionamento no hotel?",
        "O ar condicionado do nosso quarto não está a funcionar.",
    ),
    "nl": (
        "Goedemorgen, hoe laat moeten we morgen uitchecken?",
        "Kunnen we onze koffers hier laten na het uitchecken?",
    ),
    "pl": (
        "Dzień dobry, czy mogę prosić o dodatkowy ręcznik do pokoju?",
        "O której godzinie jest śniadanie?",
    ),
    "ru": ("Здравствуйте, во сколько завтра завтрак?", "Можно ли заказать трансфер в аэропорт на завтра?"),
    "uk": ("Добрий день, чи можна замовити трансфер до аеропорту?", "У нашому номері не працює кондиціонер."),
    "cs": ("Dobrý den, je možné si nechat zavazadla na recepci?", "V kolik hodin se podává snídaně?"),
    "hu": (
        "Jó napot, mikor lehet bejelentkezni a szállodába?",
        "Van parkolási lehetőség a szálloda mellett?",
    ),
    # comma-below ș, as Romanian phones type it
    "ro": ("Bună ziua, la ce oră se servește micul dejun?", "Putem face check-out mai târziu?"),
    "el": ("Καλησπέρα, υπάρχει πάρκινγκ στο ξενοδοχείο;", "Τι ώρα σερβίρεται το πρωινό;"),
    "sv": ("Hej, när serveras frukosten i morgon?", "Kan vi få två extra handdukar till rummet?"),
    "da": ("Hej, hvornår kan vi tjekke ind i morgen?", "Er der parkering ved hotellet?"),
    "nb": ("Når åpner bassenget i morgen?", "Kan dere bestille en taxi til flyplassen for oss?"),
    "fi": ("Hei, mihin aikaan aamiainen tarjoillaan huomenna?", "Huoneemme ilmastointi ei toimi."),
    "tr": ("Merhaba, kahvaltı saat kaçta başlıyor?", "Odamıza iki havlu daha getirebilir misiniz?"),
    "ar": ("مرحبا، هل يوجد موقف سيارات في الفندق؟", "متى يتم تقديم الإفطار؟"),
    "he": ("שלום, באיזו שעה אפשר לעשות צ'ק אין?", "האם יש חניה במלון?"),
    "zh": ("你好，请问早餐几点开始？", "房间里的空调坏了，能派人来看看吗？"),
    "ja": ("こんにちは、朝食は何時からですか？", "部屋のエアコンが動かないので見てもらえますか。"),
    "ko": ("안녕하세요, 조식은 몇 시부터인가요?", "방에 수건을 좀 더 가져다 주실 수 있나요?"),
    "hi": ("नमस्ते, क्या होटल में पार्किंग की सुविधा है?", "नाश्ता कितने बजे मिलता है?"),
    "th": ("สวัสดีครับ อาหารเช้าเริ่มกี่โมงครับ", "ขอผ้าเช็ดตัวเพิ่มอีกสองผืนได้ไหมคะ"),
    "id": ("Selamat pagi, jam berapa sarapan disajikan besok?", "Apakah ada tempat parkir di hotel?"),
    "vi": ("Xin chào, khách sạn có chỗ đỗ xe không?", "Bữa sáng được phục vụ lúc mấy giờ?"),
}
SENTENCES = [(code, text) for code, texts in GUEST_SENTENCES.items() for text in texts]

#: What guests send between questions: none of it says which language they speak.
SHORT_MESSAGES = [
    "ok",
    "Ok 👍",
    "👍",
    "thanks",
    "yes",
    "perfect",
    "Ciao",
    "Hallo",
    "Merci !",
    "Booking.com",
    "parking?",
    "room 312",
    "10:30",
]


@pytest.fixture(scope="module")
def detector() -> LinguaDetector:
    return LinguaDetector()


def test_the_table_covers_every_language_we_detect() -> None:
    assert set(GUEST_SENTENCES) == set(GUEST_LANGUAGES)
    assert len(GUEST_LANGUAGES) >= 25


@pytest.mark.parametrize(
    ("language", "text"), SENTENCES, ids=[f"{c}-{i % 2}" for i, (c, _) in enumerate(SENTENCES)]
)
def test_a_new_guests_first_message_gives_their_language(
    detector: LinguaDetector, language: str, text: str
) -> None:
    assert guest_language(detector.detect(text), text, None) == language


@pytest.mark.parametrize("known", ["it", "pt", "tr", "ar", "zh", "de"])
@pytest.mark.parametrize("text", SHORT_MESSAGES)
def test_a_short_message_keeps_a_known_guests_language(
    detector: LinguaDetector, known: str, text: str
) -> None:
    assert guest_language(detector.detect(text), text, known) == known


@pytest.mark.parametrize("text", SHORT_MESSAGES)
def test_a_short_message_from_a_new_guest_names_no_language(detector: LinguaDetector, text: str) -> None:
    assert guest_language(detector.detect(text), text, None) is None


@pytest.mark.parametrize(
    ("known", "text", "expected"),
    [
        ("en", "Buongiorno, a che ora è servita la colazione domani?", "it"),
        ("it", "Hi, could you tell me what time breakfast is served tomorrow?", "en"),
        ("de", "Merhaba, kahvaltı saat kaçta başlıyor?", "tr"),
    ],
)
def test_a_whole_sentence_in_another_language_changes_it(
    detector: LinguaDetector, known: str, text: str, expected: str
) -> None:
    assert guest_language(detector.detect(text), text, known) == expected


# --------------------------------------------------------------------------- our own texts

TEXTS = {
    "holding": guest_texts.HOLDING,
    "hand_off": guest_texts.HAND_OFF,
    "resend": guest_texts.RESEND_PLEASE,
}


def test_every_text_of_ours_is_written_in_the_same_twelve_languages_or_more() -> None:
    for texts in TEXTS.values():
        assert set(texts) == guest_texts.SPOKEN
        assert all(text.strip() for text in texts.values())
    assert len(guest_texts.SPOKEN) >= 12
    assert {"it", "pt", "tr", "ar", "zh"} <= guest_texts.SPOKEN


@pytest.mark.parametrize("language", ["it", "pt", "tr", "ar", "zh", "ja", "ru"])
def test_a_guest_in_a_language_we_speak_gets_our_text_in_it(language: str) -> None:
    assert guest_texts.holding_message(language) == guest_texts.HOLDING[language]
    assert guest_texts.hand_off_message(language) == guest_texts.HAND_OFF[language]
    assert guest_texts.resend_please(language) == guest_texts.RESEND_PLEASE[language]
    assert guest_texts.holding_message(language) != guest_texts.HOLDING["en"]


@pytest.mark.parametrize("language", ["sv", "fi", "vi", "he", "xx", None])
def test_a_guest_in_a_language_we_have_no_text_for_gets_english(language: str | None) -> None:
    assert guest_texts.holding_message(language) == guest_texts.HOLDING["en"]
    assert guest_texts.hand_off_message(language) == guest_texts.HAND_OFF["en"]
    assert guest_texts.resend_please(language) == guest_texts.RESEND_PLEASE["en"]


# --------------------------------------------------------------------------- prompt and processes


def test_the_model_is_told_the_guests_language_by_name() -> None:
    now = datetime.datetime(2026, 5, 4, 9, 12, tzinfo=datetime.UTC)
    assert "Guest language: Italian." in prompt.context_note(now, "Marco", None, "Italian")
    assert "Guest language" not in prompt.context_note(now, "Marco", None, None)


def test_a_draft_is_written_as_the_staff_member_in_the_guests_language() -> None:
    note = prompt.draft_note("Anna  Berger", "Italian")
    assert "as Anna Berger" in note
    assert "Write it in Italian." in note
    assert "Sign it as: Anna Berger." in note
    assert "Never say or suggest that you are an AI" in note


def _loads_lingua(module: str) -> bool:
    probe = f"import sys, {module}; print('lingua' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    return result.stdout.strip() == "True"


def test_only_the_worker_loads_the_language_models() -> None:
    assert not _loads_lingua("web.app"), "a web process must not carry the detector's models"
    assert _loads_lingua("jobs.worker")
