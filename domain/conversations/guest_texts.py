# ruff: noqa: RUF001  (Cyrillic, Arabic and CJK text look like Latin letters or odd punctuation to the linter)
"""What the product itself says to a guest, in every language it has words for.

Everything else a guest reads is written by the model (in their language) or by staff. These few
texts are sent when neither can speak: the AI failed, handed off without a word, or the message
did not arrive readable. A guest in a language without a text here gets English, never a third
language. Short, polite and formal, as a front desk would write; neither gendered nor regional
where a language allows it (Portuguese avoids "equipa"/"equipe", Polish and Russian avoid a
past tense that would give the sender a gender).
"""

from __future__ import annotations

FALLBACK = "en"

#: After the AI failed for good: the conversation waits for staff.
HOLDING: dict[str, str] = {
    "en": "Thank you for your message. A member of our team will get back to you here shortly.",
    "de": "Vielen Dank für Ihre Nachricht. Jemand aus unserem Team meldet sich hier in Kürze bei Ihnen.",
    "fr": "Merci pour votre message. Un membre de notre équipe vous répondra ici très bientôt.",
    "es": "Gracias por su mensaje. Un miembro de nuestro equipo le responderá aquí en breve.",
    "it": "Grazie per il suo messaggio. Un membro del nostro team le risponderà qui a breve.",
    "pt": "Obrigado pela sua mensagem. Um dos nossos colaboradores responderá aqui em breve.",
    "nl": "Bedankt voor uw bericht. Iemand van ons team reageert hier zo snel mogelijk.",
    "pl": "Dziękujemy za wiadomość. Wkrótce odpowie tu ktoś z naszego zespołu.",
    "ru": "Спасибо за ваше сообщение. Сотрудник нашей команды скоро ответит вам здесь.",
    "uk": "Дякуємо за ваше повідомлення. Хтось із нашої команди незабаром відповість вам тут.",
    "tr": "Mesajınız için teşekkür ederiz. Ekibimizden biri kısa süre içinde size buradan dönüş yapacak.",
    "ar": "شكرًا لرسالتك. سيرد عليك أحد أعضاء فريقنا هنا قريبًا.",
    "zh": "感谢您的留言。我们的工作人员会尽快在这里回复您。",
    "ja": "メッセージをありがとうございます。まもなく担当者よりこちらでご返信いたします。",
    "ko": "메시지 감사합니다. 곧 저희 직원이 여기에서 답변드리겠습니다.",
}

#: The AI handed the conversation to staff without telling the guest itself.
HAND_OFF: dict[str, str] = {
    "en": "I've passed your message to our team; a colleague will reply here shortly.",
    "de": "Ich habe Ihre Nachricht an unser Team weitergegeben; jemand meldet sich hier in Kürze bei Ihnen.",
    "fr": "J'ai transmis votre message à notre équipe ; un collègue vous répondra ici très bientôt.",
    "es": "He pasado su mensaje a nuestro equipo; un compañero le responderá aquí en breve.",
    "it": "Ho inoltrato il suo messaggio al nostro team; un collega le risponderà qui a breve.",
    "pt": "Passei a sua mensagem a um colega, que responderá aqui em breve.",
    "nl": "Ik heb uw bericht doorgestuurd naar ons team; een collega reageert hier zo snel mogelijk.",
    "pl": "Wiadomość została przekazana naszemu zespołowi; wkrótce odpowie tu jeden z pracowników.",
    "ru": "Ваше сообщение передано нашей команде; коллега скоро ответит вам здесь.",
    "uk": "Ваше повідомлення передано нашій команді; колега незабаром відповість вам тут.",
    "tr": "Mesajınızı ekibimize ilettim; bir çalışma arkadaşım kısa süre içinde buradan yanıt verecek.",
    "ar": "لقد أحلت رسالتك إلى فريقنا، وسيرد عليك أحد الزملاء هنا قريبًا.",
    "zh": "您的消息已转交给我们的团队，同事会尽快在这里回复您。",
    "ja": "メッセージを担当スタッフに引き継ぎました。まもなくこちらでご返信いたします。",
    "ko": "메시지를 담당 직원에게 전달했습니다. 곧 여기에서 답변드리겠습니다.",
}

#: A message arrived undecryptable (WhatsApp's ``{{SWE001}}``): the only text the web process sends.
RESEND_PLEASE: dict[str, str] = {
    "en": "Sorry, your last message did not reach us in a readable form. Could you please send it again?",
    "de": (
        "Entschuldigung, Ihre letzte Nachricht ist bei uns nicht lesbar angekommen. "
        "Könnten Sie sie bitte noch einmal senden?"
    ),
    "fr": (
        "Désolé, votre dernier message ne nous est pas parvenu de manière lisible. "
        "Pourriez-vous le renvoyer, s'il vous plaît ?"
    ),
    "es": (
        "Lo sentimos, su último mensaje no nos ha llegado de forma legible. "
        "¿Podría enviarlo de nuevo, por favor?"
    ),
    "it": (
        "Ci scusi, il suo ultimo messaggio non ci è arrivato in modo leggibile. "
        "Potrebbe inviarlo di nuovo, per favore?"
    ),
    "pt": (
        "Desculpe, a sua última mensagem não nos chegou de forma legível. "
        "Poderia enviá-la novamente, por favor?"
    ),
    "nl": "Sorry, uw laatste bericht kwam bij ons niet leesbaar aan. Wilt u het nog een keer sturen?",
    "pl": "Przepraszamy, ostatnia wiadomość dotarła do nas nieczytelna. Prosimy o ponowne wysłanie.",
    "ru": (
        "Извините, ваше последнее сообщение пришло к нам в нечитаемом виде. "
        "Не могли бы вы отправить его ещё раз?"
    ),
    "uk": (
        "Вибачте, ваше останнє повідомлення надійшло до нас у нечитабельному вигляді. "
        "Чи не могли б ви надіслати його ще раз?"
    ),
    "tr": "Üzgünüz, son mesajınız bize okunabilir şekilde ulaşmadı. Lütfen tekrar gönderebilir misiniz?",
    "ar": "عذرًا، لم تصلنا رسالتك الأخيرة بشكل مقروء. هل يمكنك إرسالها مرة أخرى من فضلك؟",
    "zh": "抱歉，我们无法读取您的上一条消息。能否请您再发送一次？",
    "ja": (
        "申し訳ありません。直前のメッセージを読み取れませんでした。"
        "お手数ですが、もう一度お送りいただけますか？"
    ),
    "ko": "죄송합니다. 마지막 메시지를 읽을 수 없었습니다. 다시 한 번 보내 주시겠어요?",
}

#: The languages the product speaks in its own words.
SPOKEN = frozenset(HOLDING)


def _in(texts: dict[str, str], language: str | None) -> str:
    return texts.get(language or FALLBACK, texts[FALLBACK])


def holding_message(language: str | None) -> str:
    return _in(HOLDING, language)


def hand_off_message(language: str | None) -> str:
    return _in(HAND_OFF, language)


def resend_please(language: str | None) -> str:
    return _in(RESEND_PLEASE, language)
