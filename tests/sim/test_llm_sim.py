# ruff: noqa: RUF001  (Cyrillic and other non-Latin test phrases)
"""The LLM simulator over real HTTP: contract B (auth, validation, shapes, streaming, thinking,
faults) and the deterministic model behind it (grounded answers, citations, tool calls, languages)."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest

from sim.llm import LlmSimConfig, create_app
from tests.support.servers import serve_app

KEY = "sk-sim-test"
AUTH = {"Authorization": f"Bearer {KEY}"}
MODEL = "deepseek-flash"

CHECK_IN = "2f1c7a52-0d7e-4a8e-9a41-5c3c1a0e7b01"
BREAKFAST = "7d0e2b8c-64c2-45a3-a0de-1f0c9d4b2a02"
WIFI = "b3c5e1f0-8a47-4c2b-9e3d-6a7b8c9d0e03"
PARKING = "c4d6f203-9b58-4d3c-8f4e-7b8c9d0e1f04"
SPA = "d5e7a314-ac69-4e4d-9a5f-8c9d0e1f2a05"
PETS = "e6f8b425-bd7a-4f5e-8b6a-9d0e1f2a3b06"
AIRPORT = "f709c536-ce8b-4a6f-9c7b-0e1f2a3b4c07"

ENTRIES = [
    (
        CHECK_IN,
        "Check-in and check-out",
        "Check-in from 15:00, check-out until 11:00.\nLate check-out until 13:00: EUR 30.",
    ),
    (
        BREAKFAST,
        "Breakfast",
        "Breakfast is served daily from 7:00 to 10:30 in the Garden Restaurant, EUR 18 per person.",
    ),
    (WIFI, "Wi-Fi", 'Network "Seeblick-Guest", password: Sunrise2024! Free in all rooms.'),
    (PARKING, "Parking", "Underground garage, EUR 25 per night; entrance on Lindenstrasse."),
    (SPA, "Spa and pool", "Indoor pool and sauna open 7:00-22:00. Massages bookable at reception."),
    (PETS, "Pets", "Dogs are welcome for EUR 15 per night; please tell us in advance."),
    (AIRPORT, "Airport transfer", "Shuttle to the airport every hour from 5:00 to 23:00, EUR 12 per person."),
]

LEAD_IN = {
    "en": "Here is what I can tell you:",
    "de": "Gerne, hier die Information:",
    "es": "Con gusto:",
    "fr": "Avec plaisir :",
    "ru": "Конечно:",
}

TOOLS: list[dict[str, Any]] = [
    {
        "type": "function",
        "function": {
            "name": "hand_off_to_staff",
            "description": "Pass the conversation to staff.",
            "parameters": {
                "type": "object",
                "properties": {"reason": {"type": "string"}, "summary": {"type": "string"}},
                "required": ["reason", "summary"],
            },
        },
    },
    {
        "type": "function",
        "function": {
            "name": "create_service_request",
            "description": "Create a housekeeping or maintenance request.",
            "parameters": {
                "type": "object",
                "properties": {
                    "category": {"type": "string"},
                    "details": {"type": "string"},
                    "room": {"type": "string"},
                },
                "required": ["category", "details", "room"],
            },
        },
    },
]


def knowledge_prompt(entries: list[tuple[str, str, str]] = ENTRIES) -> str:
    """The system prefix as the product writes it: persona, rules, facts, then the knowledge."""
    knowledge = "\n\n".join(f"[kb:{entry_id}] {title}\n{body}" for entry_id, title, body in entries)
    return (
        "You are the WhatsApp concierge of Hotel Seeblick.\n\nFriendly and brief.\n\n"
        "Rules:\n- Answer only from the knowledge below.\n- Cite every entry you used as [kb:<id>].\n\n"
        "## Hotel facts\nLakeside hotel, 80 rooms.\n\n## Knowledge\n\n" + knowledge
    )


def conversation(text: str, system: str | None = None) -> list[dict[str, Any]]:
    return [
        {"role": "system", "content": system or knowledge_prompt()},
        {"role": "system", "content": "Now: Monday 2026-05-04 09:12 hotel time. Guest name: Anna."},
        {"role": "user", "content": text},
    ]


@pytest.fixture(scope="module")
def sim_url() -> Iterator[str]:
    config = LlmSimConfig(timeout_seconds=5, keep_alive_seconds=0.05)
    with serve_app(create_app(config)) as url:
        yield url


@pytest.fixture(autouse=True)
def _fresh_sim(sim_url: str) -> None:
    httpx.post(f"{sim_url}/sim/reset").raise_for_status()


@pytest.fixture
async def client(sim_url: str) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=sim_url, headers=AUTH, timeout=5) as http:
        yield http


async def complete(client: httpx.AsyncClient, messages: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    body = {"model": MODEL, "messages": messages, "thinking": {"type": "disabled"}, "tools": TOOLS, **extra}
    response = await client.post("/v1/chat/completions", json=body)
    assert response.status_code == 200, response.text
    answer: dict[str, Any] = response.json()
    return answer


def only_tool_call(answer: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    choice = answer["choices"][0]
    assert choice["finish_reason"] == "tool_calls"
    assert not choice["message"]["content"]
    (call,) = choice["message"]["tool_calls"]
    assert call["type"] == "function"
    assert call["id"].startswith("call_")
    assert isinstance(call["function"]["arguments"], str)
    return call["function"]["name"], json.loads(call["function"]["arguments"])


# --------------------------------------------------------------------------- grounded answers

SAME_QUESTION = [
    ("breakfast", BREAKFAST, "7:00 to 10:30", "en", "What time is breakfast?"),
    ("breakfast", BREAKFAST, "7:00 to 10:30", "de", "Wann gibt es Frühstück?"),
    ("breakfast", BREAKFAST, "7:00 to 10:30", "es", "¿A qué hora es el desayuno?"),
    ("breakfast", BREAKFAST, "7:00 to 10:30", "fr", "À quelle heure est le petit-déjeuner ?"),
    ("breakfast", BREAKFAST, "7:00 to 10:30", "ru", "Во сколько завтрак?"),
    ("wifi", WIFI, "password: Sunrise2024!", "en", "What is the wifi password?"),
    ("wifi", WIFI, "password: Sunrise2024!", "de", "Wie lautet das WLAN-Passwort?"),
    ("wifi", WIFI, "password: Sunrise2024!", "es", "¿Cuál es la contraseña del wifi?"),
    ("wifi", WIFI, "password: Sunrise2024!", "fr", "Quel est le mot de passe du wifi ?"),
    ("wifi", WIFI, "password: Sunrise2024!", "ru", "Какой пароль от вайфая?"),
    ("parking", PARKING, "EUR 25 per night", "en", "Do you have parking? How much is it?"),
    ("parking", PARKING, "EUR 25 per night", "de", "Gibt es einen Parkplatz am Hotel?"),
    ("parking", PARKING, "EUR 25 per night", "es", "¿Tienen aparcamiento?"),
    ("parking", PARKING, "EUR 25 per night", "fr", "Avez-vous un parking ?"),
    ("parking", PARKING, "EUR 25 per night", "ru", "Есть парковка?"),
]


@pytest.mark.parametrize(
    ("topic", "entry_id", "fact", "language", "question"),
    SAME_QUESTION,
    ids=[f"{row[0]}-{row[3]}" for row in SAME_QUESTION],
)
async def test_same_question_in_five_languages_cites_the_same_entry(
    client: httpx.AsyncClient, topic: str, entry_id: str, fact: str, language: str, question: str
) -> None:
    answer = await complete(client, conversation(question))

    choice = answer["choices"][0]
    content = choice["message"]["content"]
    assert choice["finish_reason"] == "stop"
    assert "tool_calls" not in choice["message"]
    assert content.startswith(LEAD_IN[language] + "\n")
    assert fact in content
    assert content.rstrip().endswith(f"[kb:{entry_id}]")
    cited = {other for other, _, _ in ENTRIES if f"[kb:{other}]" in content}
    assert cited == {entry_id}


async def test_a_burst_of_messages_is_answered_with_every_entry_it_needs(client: httpx.AsyncClient) -> None:
    answer = await complete(client, conversation("Hi!\nWhen is breakfast?\nAnd can I bring my dog?"))

    content = answer["choices"][0]["message"]["content"]
    assert "7:00 to 10:30" in content
    assert "Dogs are welcome for EUR 15 per night" in content
    assert content.rstrip().endswith(f"[kb:{BREAKFAST}] [kb:{PETS}]")


async def test_knowledge_written_in_german_answers_an_english_question(client: httpx.AsyncClient) -> None:
    german = [
        ("a1", "Frühstück", "Das Frühstück gibt es von 6:30 bis 10:00 Uhr im Wintergarten."),
        ("a2", "Parken", "Die Tiefgarage kostet 19 Euro pro Nacht."),
        ("a3", "Haustiere", "Hunde sind willkommen (12 Euro pro Nacht)."),
    ]
    system = knowledge_prompt(german)

    breakfast = await complete(client, conversation("When is breakfast served?", system))
    parking = await complete(client, conversation("Where can I park my car?", system))

    breakfast_text = breakfast["choices"][0]["message"]["content"]
    assert breakfast_text.startswith(LEAD_IN["en"])
    assert "von 6:30 bis 10:00 Uhr" in breakfast_text
    assert breakfast_text.rstrip().endswith("[kb:a1]")
    parking_text = parking["choices"][0]["message"]["content"]
    assert "19 Euro pro Nacht" in parking_text
    assert parking_text.rstrip().endswith("[kb:a2]")


@pytest.mark.parametrize(
    ("language", "greeting", "expected"),
    [
        ("en", "Hi there!", "Hello! How can I help you today?"),
        ("de", "Hallo zusammen", "Hallo! Wie kann ich Ihnen helfen?"),
        ("es", "¡Hola!", "¡Hola! ¿En qué puedo ayudarle?"),
        ("fr", "Bonjour", "Bonjour ! Comment puis-je vous aider ?"),
        ("ru", "Привет!", "Здравствуйте! Чем могу помочь?"),
    ],
)
async def test_a_greeting_is_greeted_back_without_a_citation(
    client: httpx.AsyncClient, language: str, greeting: str, expected: str
) -> None:
    answer = await complete(client, conversation(greeting))

    assert answer["choices"][0]["message"]["content"] == expected
    assert answer["choices"][0]["finish_reason"] == "stop"


# --------------------------------------------------------------------------- tool calls


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("en", "Can I talk to a real person please?"),
        ("de", "Ich möchte bitte mit einem Mitarbeiter sprechen."),
        ("es", "Quiero hablar con una persona, por favor."),
        ("fr", "Je voudrais parler à un conseiller, s'il vous plaît."),
        ("ru", "Позовите, пожалуйста, администратора."),
    ],
)
async def test_asking_for_a_person_hands_off_in_every_language(
    client: httpx.AsyncClient, language: str, text: str
) -> None:
    name, arguments = only_tool_call(await complete(client, conversation(text)))

    assert name == "hand_off_to_staff"
    assert arguments["reason"] == "guest_requested_human"
    assert arguments["summary"].startswith("Guest asked to speak with a staff member")
    assert text in arguments["summary"]


async def test_towels_for_room_312_make_a_housekeeping_request(client: httpx.AsyncClient) -> None:
    text = "Could you bring two extra towels to room 312, please?"

    name, arguments = only_tool_call(await complete(client, conversation(text)))

    assert name == "create_service_request"
    assert arguments == {"category": "housekeeping", "details": text, "room": "312"}


@pytest.mark.parametrize(
    ("text", "category", "room"),
    [
        ("Die Dusche in Zimmer 1204 ist kaputt", "maintenance", "1204"),
        ("Necesito más toallas, habitación 215", "housekeeping", "215"),
        ("Le chauffage ne marche pas", "maintenance", ""),
        ("Принесите, пожалуйста, полотенца в номер 405", "housekeeping", "405"),
    ],
)
async def test_service_requests_in_other_languages(
    client: httpx.AsyncClient, text: str, category: str, room: str
) -> None:
    name, arguments = only_tool_call(await complete(client, conversation(text)))

    assert name == "create_service_request"
    assert arguments == {"category": category, "details": text, "room": room}


CONFIRMATIONS = [
    (
        "en",
        "Could you bring towels to room 312?",
        "I've passed your request to housekeeping, it's on its way.",
    ),
    (
        "de",
        "Bitte frische Handtücher auf Zimmer 204",
        "Ich habe Ihre Bitte an das Housekeeping weitergegeben",
    ),
    ("es", "Necesito más toallas, por favor", "He pasado su solicitud al servicio de limpieza"),
    ("fr", "Je voudrais parler à un conseiller", "Je vous mets en relation avec notre équipe"),
    ("ru", "Можно поговорить с администратором?", "Я передаю ваш вопрос нашей команде"),
]


@pytest.mark.parametrize(("language", "text", "expected"), CONFIRMATIONS)
async def test_after_the_tool_result_the_model_confirms_in_the_guests_language(
    client: httpx.AsyncClient, language: str, text: str, expected: str
) -> None:
    messages = conversation(text)
    first = await complete(client, messages)
    assistant = first["choices"][0]["message"]
    call = assistant["tool_calls"][0]
    messages += [assistant, {"role": "tool", "tool_call_id": call["id"], "content": "Done; staff notified."}]

    second = await complete(client, messages)

    choice = second["choices"][0]
    assert choice["finish_reason"] == "stop"
    assert expected in choice["message"]["content"]
    assert "tool_calls" not in choice["message"]


@pytest.mark.parametrize(
    ("text", "about"),
    [("Can I borrow a bicycle?", "a question"), ("Is there a gym in the hotel?", "gym")],
)
async def test_a_question_the_knowledge_does_not_answer_is_handed_off(
    client: httpx.AsyncClient, text: str, about: str
) -> None:
    name, arguments = only_tool_call(await complete(client, conversation(text)))

    assert name == "hand_off_to_staff"
    assert arguments["reason"] == "not_in_knowledge"
    assert f"Guest asked about {about}" in arguments["summary"]


ROOFTOP = "0a1b2c3d-0000-4000-8000-00000000000a"
ROOFTOP_ENTRY = (ROOFTOP, "Rooftop bar", "Our bar on the 8th floor mixes cocktails from 18:00 to 01:00.")


async def test_an_entry_whose_text_holds_the_guests_words_answers_it(client: httpx.AsyncClient) -> None:
    system = knowledge_prompt([*ENTRIES, ROOFTOP_ENTRY])
    answer = await complete(client, conversation("Where can I get cocktails tonight?", system))

    content = answer["choices"][0]["message"]["content"]
    assert "mixes cocktails from 18:00 to 01:00" in content
    assert content.rstrip().endswith(f"[kb:{ROOFTOP}]")


async def test_one_short_shared_word_is_not_an_answer(client: httpx.AsyncClient) -> None:
    entry = ("0a1b2c3d-0000-4000-8000-00000000000b", "Animals", "You may bring your cat for EUR 10.")
    system = knowledge_prompt([*ENTRIES, entry])
    name, arguments = only_tool_call(
        await complete(client, conversation("Can I bring my helicopter?", system))
    )

    assert (name, arguments["reason"]) == ("hand_off_to_staff", "not_in_knowledge")


async def test_without_tools_the_model_never_calls_one(client: httpx.AsyncClient) -> None:
    body = {"model": MODEL, "messages": conversation("Ich möchte mit einem Menschen sprechen")}
    response = await client.post("/v1/chat/completions", json=body)

    message = response.json()["choices"][0]["message"]
    assert "tool_calls" not in message
    assert message["content"] == "Ich kläre das mit unserem Team; ein Kollege meldet sich in Kürze bei Ihnen."


async def test_query_rewrite_answers_json_in_the_knowledge_language(client: httpx.AsyncClient) -> None:
    def rewrite(language: str, question: str) -> list[dict[str, Any]]:
        instruction = (
            f"Rewrite the guest's question as a search query in {language}: a few keywords. "
            'Answer in json as {"query": "..."}.'
        )
        return [{"role": "system", "content": instruction}, {"role": "user", "content": question}]

    fmt = {"response_format": {"type": "json_object"}, "tools": None}
    english = await complete(client, rewrite("English", "Wann gibt es Frühstück?"), **fmt)
    german = await complete(client, rewrite("German", "¿Tienen aparcamiento?"), **fmt)

    assert json.loads(english["choices"][0]["message"]["content"]) == {"query": "breakfast"}
    assert json.loads(german["choices"][0]["message"]["content"]) == {"query": "Parkplatz"}
    no_json_word = [{"role": "user", "content": "What is breakfast?"}]
    response = await client.post(
        "/v1/chat/completions",
        json={"model": MODEL, "messages": no_json_word, "response_format": {"type": "json_object"}},
    )
    assert response.status_code == 400
    assert "json" in response.json()["error"]["message"]


# --------------------------------------------------------------------------- the other ten languages

LEAD_IN_MORE = {
    "it": "Ecco le informazioni:",
    "pt": "Com todo o gosto:",
    "nl": "Graag, hier de informatie:",
    "pl": "Oto informacje:",
    "uk": "Звісно:",
    "tr": "Tabii, bilgiler şöyle:",
    "ar": "بكل سرور:",
    "zh": "好的，以下是相关信息：",
    "ja": "ご案内いたします：",
    "ko": "안내해 드리겠습니다:",
}

SAME_QUESTION_MORE = [
    (BREAKFAST, "7:00 to 10:30", "it", "A che ora è la colazione?"),
    (BREAKFAST, "7:00 to 10:30", "pt", "A que horas é o pequeno-almoço?"),
    (BREAKFAST, "7:00 to 10:30", "nl", "Hoe laat is het ontbijt?"),
    (BREAKFAST, "7:00 to 10:30", "pl", "O której jest śniadanie?"),
    (BREAKFAST, "7:00 to 10:30", "uk", "О котрій годині сніданок?"),
    (BREAKFAST, "7:00 to 10:30", "tr", "Kahvaltı saat kaçta?"),
    (BREAKFAST, "7:00 to 10:30", "ar", "متى يتم تقديم الإفطار؟"),
    (BREAKFAST, "7:00 to 10:30", "zh", "早餐几点开始？"),
    (BREAKFAST, "7:00 to 10:30", "ja", "朝食は何時からですか？"),
    (BREAKFAST, "7:00 to 10:30", "ko", "조식은 몇 시부터인가요?"),
    (WIFI, "password: Sunrise2024!", "it", "Qual è la password del wifi?"),
    (WIFI, "password: Sunrise2024!", "pt", "Qual é a senha do wifi?"),
    (WIFI, "password: Sunrise2024!", "nl", "Wat is het wifi-wachtwoord?"),
    (WIFI, "password: Sunrise2024!", "pl", "Jakie jest hasło do wifi?"),
    (WIFI, "password: Sunrise2024!", "uk", "Який пароль від вайфаю?"),
    (WIFI, "password: Sunrise2024!", "tr", "Wifi şifresi nedir?"),
    (WIFI, "password: Sunrise2024!", "ar", "ما هي كلمة المرور للواي فاي؟"),
    (WIFI, "password: Sunrise2024!", "zh", "无线网络的密码是多少？"),
    (WIFI, "password: Sunrise2024!", "ja", "Wi-Fiのパスワードを教えてください。"),
    (WIFI, "password: Sunrise2024!", "ko", "와이파이 비밀번호가 뭐예요?"),
    (PARKING, "EUR 25 per night", "it", "Avete un parcheggio?"),
    (PARKING, "EUR 25 per night", "pt", "Vocês têm estacionamento?"),
    (PARKING, "EUR 25 per night", "nl", "Kan ik bij het hotel parkeren?"),
    (PARKING, "EUR 25 per night", "pl", "Czy jest parking przy hotelu?"),
    (PARKING, "EUR 25 per night", "uk", "Чи є у вас парковка?"),
    (PARKING, "EUR 25 per night", "tr", "Otopark var mı?"),
    (PARKING, "EUR 25 per night", "ar", "هل يوجد موقف سيارات؟"),
    (PARKING, "EUR 25 per night", "zh", "酒店有停车场吗？"),
    (PARKING, "EUR 25 per night", "ja", "駐車場はありますか？"),
    (PARKING, "EUR 25 per night", "ko", "주차장이 있나요?"),
]


@pytest.mark.parametrize(
    ("entry_id", "fact", "language", "question"),
    SAME_QUESTION_MORE,
    ids=[f"{row[0][:4]}-{row[2]}" for row in SAME_QUESTION_MORE],
)
async def test_the_same_question_in_ten_more_languages_is_answered_in_each(
    client: httpx.AsyncClient, entry_id: str, fact: str, language: str, question: str
) -> None:
    answer = await complete(client, conversation(question))

    content = answer["choices"][0]["message"]["content"]
    assert content.startswith(LEAD_IN_MORE[language] + "\n")
    assert fact in content
    assert content.rstrip().endswith(f"[kb:{entry_id}]")


@pytest.mark.parametrize(
    ("greeting", "expected"),
    [
        ("Ciao!", "Buongiorno! Come posso aiutarla?"),
        ("Olá, bom dia", "Olá! Em que posso ajudar?"),
        ("Goedemorgen", "Hallo! Waarmee kan ik u helpen?"),
        ("Dzień dobry", "Dzień dobry! W czym mogę pomóc?"),
        ("Привіт!", "Вітаю! Чим можу допомогти?"),
        ("Merhaba", "Merhaba! Size nasıl yardımcı olabilirim?"),
        ("مرحبا", "مرحبًا! كيف يمكنني مساعدتك؟"),
        ("你好", "您好！有什么可以帮您？"),
        ("こんにちは", "こんにちは！どのようなご用件でしょうか？"),
        ("안녕하세요", "안녕하세요! 무엇을 도와드릴까요?"),
        ("Grazie mille!", "Prego! Posso fare altro per lei?"),
        ("Muito obrigado", "De nada! Posso ajudar em mais alguma coisa?"),
        ("Teşekkürler", "Rica ederim! Yardımcı olabileceğim başka bir şey var mı?"),
        ("شكرا", "على الرحب والسعة! هل يمكنني مساعدتك في شيء آخر؟"),
        ("谢谢", "不客气！还有什么可以帮您的吗？"),
    ],
)
async def test_greetings_and_thanks_in_ten_more_languages(
    client: httpx.AsyncClient, greeting: str, expected: str
) -> None:
    answer = await complete(client, conversation(greeting))

    assert answer["choices"][0]["message"]["content"] == expected


@pytest.mark.parametrize(
    ("text", "confirmation"),
    [
        ("Vorrei parlare con una persona, per favore.", "La metto in contatto con il nostro team"),
        ("Queria falar com uma pessoa, por favor.", "Vou passar a conversa a um colega"),
        ("Ik wil graag met een medewerker spreken.", "Ik breng u in contact met ons team"),
        ("Chciałbym porozmawiać z pracownikiem recepcji.", "Przekazuję rozmowę naszemu zespołowi"),
        ("Покличте, будь ласка, адміністратора.", "Я передаю ваше питання нашій команді"),
        ("Bir yetkiliyle görüşmek istiyorum.", "Sizi ekibimize bağlıyorum"),
        ("أريد التحدث مع موظف من فضلك.", "سأحيلك إلى فريقنا"),
        ("我想和人工客服说话。", "正在为您转接我们的团队"),
        ("スタッフの方と話したいです。", "担当スタッフにおつなぎします"),
        ("직원과 통화하고 싶어요.", "담당 직원에게 연결해 드리겠습니다"),
    ],
)
async def test_asking_for_a_person_in_ten_more_languages_hands_off_and_says_so(
    client: httpx.AsyncClient, text: str, confirmation: str
) -> None:
    messages = conversation(text)
    first = await complete(client, messages)
    name, arguments = only_tool_call(first)
    assert (name, arguments["reason"]) == ("hand_off_to_staff", "guest_requested_human")
    assistant = first["choices"][0]["message"]
    result = {"role": "tool", "tool_call_id": assistant["tool_calls"][0]["id"], "content": "Handed off."}

    second = await complete(client, [*messages, assistant, result])

    assert confirmation in second["choices"][0]["message"]["content"]


@pytest.mark.parametrize(
    ("text", "category", "room"),
    [
        ("Potete portare due asciugamani in camera 214?", "housekeeping", "214"),
        ("A torneira do quarto 305 está avariada.", "maintenance", "305"),
        ("Kunnen jullie extra handdoeken brengen naar kamer 118?", "housekeeping", "118"),
        ("W pokoju 220 nie działa klimatyzacja.", "maintenance", "220"),
        ("Принесіть, будь ласка, рушники в номер 301.", "housekeeping", "301"),
        ("Odamda klima çalışmıyor, oda 512.", "maintenance", "512"),
        ("المكيف في الغرفة 407 لا يعمل", "maintenance", "407"),
        ("请给1208房间送两条毛巾", "housekeeping", "1208"),
        ("部屋のシャワーが壊れています。1102号室です。", "maintenance", "1102"),
        ("수건 좀 더 주세요. 903호입니다.", "housekeeping", "903"),
    ],
)
async def test_service_requests_in_ten_more_languages(
    client: httpx.AsyncClient, text: str, category: str, room: str
) -> None:
    name, arguments = only_tool_call(await complete(client, conversation(text)))

    assert name == "create_service_request"
    assert arguments == {"category": category, "details": text, "room": room}


def conversation_with_note(text: str, note: str) -> list[dict[str, Any]]:
    messages = conversation(text)
    messages[1] = {"role": "system", "content": f"{messages[1]['content']} {note}"}
    return messages


@pytest.mark.parametrize(
    ("note", "expected"),
    [
        ("Guest language: Italian.", "Prego! Posso fare altro per lei?"),
        ("Guest language: Turkish.", "Rica ederim! Yardımcı olabileceğim başka bir şey var mı?"),
        ("Guest language: Chinese.", "不客气！还有什么可以帮您的吗？"),
        ("Guest language: Swedish.", "You're welcome! Is there anything else I can do for you?"),
        ("", "You're welcome! Is there anything else I can do for you?"),
    ],
)
async def test_a_short_ok_is_answered_in_the_language_the_prompt_names(
    client: httpx.AsyncClient, note: str, expected: str
) -> None:
    answer = await complete(client, conversation_with_note("ok 👍", note))

    assert answer["choices"][0]["message"]["content"] == expected


async def test_a_bracketed_annotation_is_not_the_guests_words(client: httpx.AsyncClient) -> None:
    text = "[the guest sent a location: Brandenburger Tor]"

    answer = await complete(client, conversation_with_note(text, "Guest language: Italian."), tools=None)

    assert (
        answer["choices"][0]["message"]["content"]
        == "Verifico con il nostro team; un collega le risponderà a breve."
    )


async def test_a_sentence_in_another_language_outweighs_the_named_one(client: httpx.AsyncClient) -> None:
    answer = await complete(
        client, conversation_with_note("Kahvaltı saat kaçta?", "Guest language: Italian.")
    )

    assert answer["choices"][0]["message"]["content"].startswith(LEAD_IN_MORE["tr"])


@pytest.mark.parametrize(
    "question",
    [
        "Hej! Vad är lösenordet till wifi på hotellet?",  # Swedish
        "Hei, mikä on hotellin wifi-salasana?",  # Finnish
        "Dobrý den, jaké je heslo na wifi?",  # Czech
    ],
)
async def test_a_language_it_has_no_phrases_for_is_answered_in_english(
    client: httpx.AsyncClient, question: str
) -> None:
    answer = await complete(client, conversation(question))

    content = answer["choices"][0]["message"]["content"]
    assert content.startswith(LEAD_IN["en"] + "\n")
    assert "password: Sunrise2024!" in content


DRAFT = (
    "Guest language: Italian. Draft for staff: this time you do not answer as the concierge. "
    "Write the message Anna Berger will send to the guest. Sign it as: Anna Berger."
)


async def test_a_draft_is_written_and_signed_as_the_staff_member(client: httpx.AsyncClient) -> None:
    answer = await complete(client, conversation_with_note("A che ora è la colazione?", DRAFT), tools=None)

    content = answer["choices"][0]["message"]["content"]
    assert content.startswith(LEAD_IN_MORE["it"] + "\n")
    assert "7:00 to 10:30" in content
    assert content.endswith("\n\nCordiali saluti, Anna Berger")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Vorrei parlare con una persona, per favore.", "Certo, sono qui. Come posso aiutarla?"),
        ("Posso atterrare con il mio elicottero sul tetto?", "Verifico subito e le rispondo qui a breve."),
        ("Potete portare due asciugamani in camera 214?", "Me ne occupo subito."),
    ],
)
async def test_a_draft_never_promises_a_colleague_the_writer_is_the_colleague(
    client: httpx.AsyncClient, text: str, expected: str
) -> None:
    answer = await complete(client, conversation_with_note(text, DRAFT))

    message = answer["choices"][0]["message"]
    assert "tool_calls" not in message
    assert message["content"] == f"{expected}\n\nCordiali saluti, Anna Berger"
    assert "collega" not in message["content"]


async def test_the_same_request_gets_the_same_answer(client: httpx.AsyncClient) -> None:
    messages = conversation_with_note("Ciao", "Guest language: Portuguese.")

    first = await complete(client, messages)
    second = await complete(client, messages)

    assert first["choices"][0]["message"] == second["choices"][0]["message"]


# --------------------------------------------------------------------------- auth and validation


async def test_missing_or_wrong_authorization_is_401(sim_url: str) -> None:
    body = {"model": MODEL, "messages": conversation("Hi")}
    async with httpx.AsyncClient(base_url=sim_url) as anonymous:
        missing = await anonymous.post("/v1/chat/completions", json=body)
        empty = await anonymous.post("/v1/chat/completions", json=body, headers={"Authorization": "Bearer"})
        basic = await anonymous.post(
            "/v1/chat/completions", json=body, headers={"Authorization": "Basic abc"}
        )
        models = await anonymous.get("/v1/models")

    for response in (missing, empty, basic, models):
        assert response.status_code == 401
        assert response.json()["error"]["type"] == "authentication_error"


async def test_only_configured_keys_are_accepted() -> None:
    with serve_app(create_app(LlmSimConfig(api_keys=["sk-right"]))) as url:
        async with httpx.AsyncClient(base_url=url) as http:
            body = {"model": MODEL, "messages": conversation("Hi")}
            wrong = await http.post(
                "/chat/completions", json=body, headers={"Authorization": "Bearer sk-wrong"}
            )
            right = await http.post(
                "/chat/completions", json=body, headers={"Authorization": "Bearer sk-right"}
            )

    assert wrong.status_code == 401
    assert right.status_code == 200


async def test_unknown_model_is_an_openai_style_400(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/v1/chat/completions", json={"model": "deepseek-chat", "messages": conversation("Hi")}
    )

    assert response.status_code == 400
    error = response.json()["error"]
    assert set(error) == {"message", "type", "param", "code"}
    assert error["type"] == "invalid_request_error"
    assert error["code"] == "model_not_found"
    assert "deepseek-chat" in error["message"]


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"model": MODEL, "messages": []}, 400),
        ({"model": MODEL}, 400),
        ({"model": MODEL, "messages": [{"role": "guest", "content": "hi"}]}, 400),
        ({"model": MODEL, "messages": [{"role": "user"}]}, 400),
        ({"model": MODEL, "messages": [{"role": "tool", "tool_call_id": "call_x", "content": "ok"}]}, 400),
        ({"model": MODEL, "messages": [{"role": "user", "content": "hi"}], "temperature": 5}, 422),
        ({"model": MODEL, "messages": [{"role": "user", "content": "hi"}], "max_tokens": 0}, 422),
        (
            {"model": MODEL, "messages": [{"role": "user", "content": "hi"}], "thinking": {"type": "maybe"}},
            422,
        ),
    ],
    ids=[
        "empty",
        "no-messages",
        "bad-role",
        "no-content",
        "orphan-tool",
        "temperature",
        "max-tokens",
        "thinking",
    ],
)
async def test_invalid_bodies_are_rejected(
    client: httpx.AsyncClient, body: dict[str, Any], status: int
) -> None:
    response = await client.post("/v1/chat/completions", json=body)

    assert response.status_code == status
    assert response.json()["error"]["message"]


async def test_a_body_that_is_not_json_is_400(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/v1/chat/completions",
        content=b'{"model": "deepseek-flash", ',
        headers={"Content-Type": "application/json"},
    )

    assert response.status_code == 400
    assert response.json()["error"]["type"] == "invalid_request_error"


async def test_a_tool_call_without_its_result_is_rejected(client: httpx.AsyncClient) -> None:
    messages = conversation("I want to talk to a human")
    first = await complete(client, messages)
    messages += [first["choices"][0]["message"], {"role": "user", "content": "hello?"}]

    response = await client.post(
        "/v1/chat/completions", json={"model": MODEL, "messages": messages, "thinking": {"type": "disabled"}}
    )

    assert response.status_code == 400
    assert "tool_call_id" in response.json()["error"]["message"]


async def test_models_and_balance(client: httpx.AsyncClient) -> None:
    models = await client.get("/v1/models")
    balance = await client.get("/user/balance")

    assert [model["id"] for model in models.json()["data"]] == [
        "deepseek-flash",
        "deepseek-v4-flash",
        "deepseek-v4-pro",
    ]
    assert balance.json() == {
        "is_available": True,
        "balance_infos": [
            {
                "currency": "USD",
                "total_balance": "110.00",
                "granted_balance": "0.00",
                "topped_up_balance": "110.00",
            }
        ],
    }


# --------------------------------------------------------------------------- usage and cache


async def test_usage_adds_up_and_a_repeated_prefix_is_a_cache_hit(client: httpx.AsyncClient) -> None:
    first = (await complete(client, conversation("When is breakfast?"), user_id="guest-a"))["usage"]
    second = (await complete(client, conversation("Is there parking?"), user_id="guest-a"))["usage"]
    other_guest = (await complete(client, conversation("Is there parking?"), user_id="guest-b"))["usage"]

    for usage in (first, second, other_guest):
        assert usage["prompt_cache_hit_tokens"] + usage["prompt_cache_miss_tokens"] == usage["prompt_tokens"]
        assert usage["total_tokens"] == usage["prompt_tokens"] + usage["completion_tokens"]
    assert first["prompt_cache_hit_tokens"] == 0
    prefix_tokens = len(json.dumps(TOOLS)) // 4 + len(knowledge_prompt()) // 4
    assert second["prompt_cache_hit_tokens"] >= prefix_tokens
    assert second["prompt_cache_miss_tokens"] > 0
    assert other_guest["prompt_cache_hit_tokens"] == 0  # the cache is kept per user_id
    assert first["prompt_tokens"] >= (len(knowledge_prompt()) + len(json.dumps(TOOLS))) // 4


# --------------------------------------------------------------------------- thinking mode


async def test_thinking_mode_needs_the_reasoning_of_a_tool_call_turn_back(client: httpx.AsyncClient) -> None:
    messages = conversation("Please send someone to fix the broken lamp in room 118")
    first = await client.post(
        "/v1/chat/completions", json={"model": MODEL, "messages": messages, "tools": TOOLS}
    )
    assistant = first.json()["choices"][0]["message"]
    assert assistant["reasoning_content"]
    call_id = assistant["tool_calls"][0]["id"]
    without_reasoning = {key: value for key, value in assistant.items() if key != "reasoning_content"}
    tool_result = {"role": "tool", "tool_call_id": call_id, "content": "created"}

    rejected = await client.post(
        "/v1/chat/completions",
        json={"model": MODEL, "messages": [*messages, without_reasoning, tool_result], "tools": TOOLS},
    )
    accepted = await client.post(
        "/v1/chat/completions",
        json={"model": MODEL, "messages": [*messages, assistant, tool_result], "tools": TOOLS},
    )
    non_thinking = await client.post(
        "/v1/chat/completions",
        json={
            "model": MODEL,
            "messages": [*messages, without_reasoning, tool_result],
            "tools": TOOLS,
            "thinking": {"type": "disabled"},
        },
    )

    assert rejected.status_code == 400
    assert "reasoning_content" in rejected.json()["error"]["message"]
    assert accepted.status_code == 200
    assert "maintenance team" in accepted.json()["choices"][0]["message"]["content"]
    assert accepted.json()["usage"]["completion_tokens_details"]["reasoning_tokens"] > 0
    assert non_thinking.status_code == 200
    assert "reasoning_content" not in non_thinking.json()["choices"][0]["message"]


# --------------------------------------------------------------------------- streaming


def sse_data(text: str) -> list[str]:
    return [line.removeprefix("data: ") for line in text.splitlines() if line.startswith("data: ")]


async def test_streaming_sends_deltas_then_usage_then_done(client: httpx.AsyncClient) -> None:
    messages = conversation("Wann gibt es Frühstück?")
    plain = (await complete(client, messages))["choices"][0]["message"]["content"]
    body = {
        "model": MODEL,
        "messages": messages,
        "thinking": {"type": "disabled"},
        "stream": True,
        "stream_options": {"include_usage": True},
    }

    response = await client.post("/v1/chat/completions", json=body)

    assert response.headers["content-type"].startswith("text/event-stream")
    data = sse_data(response.text)
    assert data[-1] == "[DONE]"
    chunks = [json.loads(item) for item in data[:-1]]
    assert all(chunk["object"] == "chat.completion.chunk" for chunk in chunks)
    assert chunks[0]["choices"][0]["delta"]["role"] == "assistant"
    text = "".join(chunk["choices"][0]["delta"].get("content", "") for chunk in chunks if chunk["choices"])
    assert text == plain
    assert [c["choices"][0]["finish_reason"] for c in chunks if c["choices"]][-1] == "stop"
    assert chunks[-1]["choices"] == []
    usage = chunks[-1]["usage"]
    assert usage["prompt_cache_hit_tokens"] + usage["prompt_cache_miss_tokens"] == usage["prompt_tokens"]


async def test_streamed_tool_call_arguments_reassemble_to_json(client: httpx.AsyncClient) -> None:
    body = {
        "model": MODEL,
        "messages": conversation("Towels to room 312 please"),
        "tools": TOOLS,
        "stream": True,
    }

    response = await client.post("/v1/chat/completions", json=body)

    data = sse_data(response.text)
    assert data[-1] == "[DONE]"
    chunks = [json.loads(item) for item in data[:-1]]
    reasoning = "".join(c["choices"][0]["delta"].get("reasoning_content", "") for c in chunks)
    assert "housekeeping" in reasoning  # thinking is on by default
    fragments = [call for c in chunks for call in c["choices"][0]["delta"].get("tool_calls", [])]
    assert fragments[0]["function"]["name"] == "create_service_request"
    arguments = json.loads("".join(fragment["function"]["arguments"] for fragment in fragments))
    assert arguments["room"] == "312"
    assert chunks[-1]["choices"][0]["finish_reason"] == "tool_calls"


async def test_latency_sends_keep_alives_first(client: httpx.AsyncClient) -> None:
    await client.post("/sim/latency", json={"ms": 200})
    messages = conversation("What is the wifi password?")

    started = time.monotonic()
    plain = await client.post("/v1/chat/completions", json={"model": MODEL, "messages": messages})
    elapsed = time.monotonic() - started
    streamed = await client.post(
        "/v1/chat/completions", json={"model": MODEL, "messages": messages, "stream": True}
    )

    assert elapsed >= 0.2
    assert plain.content.startswith(b"\n")
    assert "Sunrise2024!" in json.loads(plain.content)["choices"][0]["message"]["content"]
    assert streamed.text.startswith(": keep-alive\n\n")
    assert sse_data(streamed.text)[-1] == "[DONE]"


# --------------------------------------------------------------------------- faults


@pytest.mark.parametrize(
    ("mode", "status", "code"),
    [
        ("429", 429, "rate_limit_exceeded"),
        ("500", 500, "server_error"),
        ("503", 503, "server_overloaded"),
        ("402", 402, "insufficient_balance"),
    ],
)
async def test_error_faults_answer_their_status_for_count_requests(
    client: httpx.AsyncClient, mode: str, status: int, code: str
) -> None:
    await client.post("/sim/faults", json={"mode": mode, "count": 2})
    body = {"model": MODEL, "messages": conversation("Hi")}

    answers = [await client.post("/v1/chat/completions", json=body) for _ in range(3)]

    assert [answer.status_code for answer in answers] == [status, status, 200]
    assert answers[0].json()["error"]["code"] == code


async def test_a_fault_lasts_until_cleared_with_count_minus_one(client: httpx.AsyncClient) -> None:
    await client.post("/sim/faults", json={"mode": "503", "count": -1})
    body = {"model": MODEL, "messages": conversation("Hi")}
    during = [(await client.post("/v1/chat/completions", json=body)).status_code for _ in range(4)]
    fault_state = (await client.get("/sim/faults")).json()

    await client.delete("/v1/sim/faults")  # the control API also answers under the /v1 base URL
    after = await client.post("/v1/chat/completions", json=body)

    assert during == [503, 503, 503, 503]
    assert fault_state == {"mode": "503", "count": -1}
    assert after.status_code == 200


async def test_content_faults(client: httpx.AsyncClient) -> None:
    messages = conversation("What time is breakfast?")
    normal = (await complete(client, messages))["choices"][0]["message"]["content"]

    await client.post("/sim/faults", json={"mode": "blank", "count": 1})
    blank = (await complete(client, messages))["choices"][0]
    await client.post("/sim/faults", json={"mode": "length", "count": 1})
    cut = (await complete(client, messages))["choices"][0]
    await client.post("/sim/faults", json={"mode": "insufficient_system_resource", "count": 1})
    short = (await complete(client, messages))["choices"][0]

    assert blank["finish_reason"] == "stop"
    assert blank["message"]["content"] != ""
    assert blank["message"]["content"].strip() == ""
    assert cut["finish_reason"] == "length"
    assert normal.startswith(cut["message"]["content"])
    assert len(cut["message"]["content"]) < len(normal)
    assert short["finish_reason"] == "insufficient_system_resource"
    assert len(short["message"]["content"]) < len(normal)


async def test_tool_loop_answers_a_tool_result_with_the_same_call_again(client: httpx.AsyncClient) -> None:
    messages = conversation("I want to talk to a person")
    first = (await complete(client, messages))["choices"][0]["message"]
    result = {"role": "tool", "tool_call_id": first["tool_calls"][0]["id"], "content": "Handed off."}
    await client.post("/sim/faults", json={"mode": "tool_loop", "count": 1})

    looped = await complete(client, [*messages, first, result])
    then = await complete(client, [*messages, first, result])

    name, arguments = only_tool_call(looped)
    assert name == "hand_off_to_staff"
    assert arguments["reason"] == "guest_requested_human"
    assert then["choices"][0]["message"]["content"].startswith("I'm connecting you with our team")


async def read_stream(client: httpx.AsyncClient, body: dict[str, Any]) -> list[str]:
    async with client.stream("POST", "/v1/chat/completions", json=body) as stream:
        return [line async for line in stream.aiter_lines()]


async def test_drop_closes_the_connection(client: httpx.AsyncClient) -> None:
    await client.post("/sim/faults", json={"mode": "drop", "count": 2})
    body = {"model": MODEL, "messages": conversation("Hi")}

    with pytest.raises(httpx.RemoteProtocolError):
        await client.post("/v1/chat/completions", json=body)
    with pytest.raises(httpx.RemoteProtocolError):
        await read_stream(client, {**body, "stream": True})
    assert (await client.post("/v1/chat/completions", json=body)).status_code == 200


async def test_timeout_keeps_the_client_waiting_past_its_timeout(client: httpx.AsyncClient) -> None:
    await client.post("/sim/faults", json={"mode": "timeout", "count": 1})
    body = {"model": MODEL, "messages": conversation("Hi")}

    started = time.monotonic()
    with pytest.raises(httpx.ReadTimeout):
        await client.post("/v1/chat/completions", json=body, timeout=0.3)

    assert time.monotonic() - started >= 0.3
    assert (await client.post("/v1/chat/completions", json=body)).status_code == 200


async def test_unknown_fault_mode_is_refused(client: httpx.AsyncClient) -> None:
    response = await client.post("/sim/faults", json={"mode": "418", "count": 1})

    assert response.status_code == 400


# --------------------------------------------------------------------------- control API


async def test_recorded_requests_keep_the_last_hundred_bodies(client: httpx.AsyncClient) -> None:
    for number in range(103):
        await client.post(
            "/chat/completions",
            json={"model": MODEL, "messages": [{"role": "user", "content": f"m{number}"}]},
        )

    recorded = (await client.get("/sim/requests")).json()

    assert len(recorded) == 100
    assert recorded[0]["messages"][0]["content"] == "m3"
    assert recorded[-1]["messages"][0]["content"] == "m102"


async def test_reset_clears_faults_latency_requests_and_cache(client: httpx.AsyncClient) -> None:
    await complete(client, conversation("When is breakfast?"))
    await client.post("/sim/faults", json={"mode": "500", "count": -1})
    await client.post("/sim/latency", json={"ms": 5000})

    await client.post("/sim/reset")
    answer = await complete(client, conversation("When is breakfast?"))

    assert answer["usage"]["prompt_cache_hit_tokens"] == 0
    assert len((await client.get("/sim/requests")).json()) == 1
    assert (await client.get("/sim/faults")).json() == {"mode": None, "count": 0}
