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

#: The AI handed off while the front desk is closed: when a person will answer. ``{time}`` is the
#: opening in the hotel's time (``7:00``, or ``2026-12-07 7:00`` when it is more than a day away).
DESK_CLOSED: dict[str, str] = {
    "en": "Thank you for your message. Our team answers from {time}; a colleague will reply here then.",
    "de": (
        "Vielen Dank für Ihre Nachricht. Unser Team antwortet ab {time}; dann meldet sich hier "
        "jemand bei Ihnen."
    ),
    "fr": (
        "Merci pour votre message. Notre équipe répond à partir de {time} ; un collègue vous "
        "répondra alors ici."
    ),
    "es": (
        "Gracias por su mensaje. Nuestro equipo atiende a partir de {time}; entonces un compañero "
        "le responderá aquí."
    ),
    "it": (
        "Grazie per il suo messaggio. Il nostro team risponde a partire da {time}; allora un "
        "collega le risponderà qui."
    ),
    "pt": (
        "Obrigado pela sua mensagem. A nossa equipa responde a partir de {time}; um colaborador "
        "responderá aqui."
    ),
    "nl": "Bedankt voor uw bericht. Ons team is bereikbaar vanaf {time}; dan reageert een collega hier.",
    "pl": "Dziękujemy za wiadomość. Nasz zespół odpowiada od {time}; wtedy odpowie tu jeden z pracowników.",
    "ru": "Спасибо за ваше сообщение. Наша команда отвечает с {time}; тогда коллега ответит вам здесь.",
    "uk": "Дякуємо за ваше повідомлення. Наша команда відповідає з {time}; тоді колега відповість вам тут.",
    "tr": (
        "Mesajınız için teşekkür ederiz. Ekibimiz {time} itibarıyla yanıt veriyor; o zaman bir "
        "çalışma arkadaşım buradan yanıt verecek."
    ),
    "ar": "شكرًا لرسالتك. يرد فريقنا ابتداءً من {time}، وسيرد عليك أحد الزملاء هنا حينها.",
    "zh": "感谢您的留言。我们的团队从{time}开始回复，届时同事会在这里回复您。",
    "ja": (
        "メッセージをありがとうございます。"
        "{time}より対応いたします。"
        "その際、担当者よりこちらでご返信いたします。"
    ),
    "ko": "메시지 감사합니다. 저희 팀은 {time}부터 답변드리며, 그때 담당 직원이 여기에서 답변드리겠습니다.",
}

#: After a resolve: the satisfaction question (a guest answers with a number, stars or a word).
CSAT_QUESTION: dict[str, str] = {
    "en": (
        "Thank you for contacting us. How would you rate our help from 1 (poor) to 5 (excellent)? "
        "Just reply with a number."
    ),
    "de": (
        "Vielen Dank für Ihre Nachricht. Wie bewerten Sie unsere Hilfe von 1 (schlecht) bis 5 "
        "(ausgezeichnet)? Antworten Sie einfach mit einer Zahl."
    ),
    "fr": (
        "Merci de nous avoir contactés. Comment évalueriez-vous notre aide de 1 (mauvaise) à 5 "
        "(excellente) ? Répondez simplement par un chiffre."
    ),
    "es": (
        "Gracias por contactarnos. ¿Cómo valoraría nuestra ayuda del 1 (mala) al 5 (excelente)? "
        "Responda simplemente con un número."
    ),
    "it": (
        "Grazie per averci contattato. Come valuterebbe il nostro aiuto da 1 (scarso) a 5 "
        "(eccellente)? Risponda semplicemente con un numero."
    ),
    "pt": (
        "Obrigado pelo seu contacto. Como avalia a nossa ajuda de 1 (fraca) a 5 (excelente)? "
        "Responda apenas com um número."
    ),
    "nl": (
        "Bedankt voor uw bericht. Hoe beoordeelt u onze hulp van 1 (slecht) tot 5 (uitstekend)? "
        "Antwoord gewoon met een cijfer."
    ),
    "pl": (
        "Dziękujemy za kontakt. Jak ocenia Pan/Pani naszą pomoc w skali od 1 (słabo) do 5 "
        "(doskonale)? Wystarczy odpisać cyfrą."
    ),
    "ru": (
        "Спасибо за обращение. Как вы оцените нашу помощь от 1 (плохо) до 5 (отлично)? Просто "
        "ответьте цифрой."
    ),
    "uk": (
        "Дякуємо за звернення. Як ви оціните нашу допомогу від 1 (погано) до 5 (чудово)? Просто "
        "надішліть цифру."
    ),
    "tr": (
        "Bizimle iletişime geçtiğiniz için teşekkür ederiz. Yardımımızı 1 (kötü) ile 5 (mükemmel) "
        "arasında nasıl puanlarsınız? Yalnızca bir rakamla yanıt verin."
    ),
    "ar": "شكرًا لتواصلك معنا. كيف تقيّم مساعدتنا من 1 (ضعيفة) إلى 5 (ممتازة)؟ يكفي أن ترد برقم.",
    "zh": "感谢您联系我们。请为我们的服务打分，从1（差）到5（非常好）。只需回复一个数字即可。",
    "ja": (
        "お問い合わせありがとうございました。"
        "今回の対応を1（不満）から5（大変満足）で評価していただけますか？"
        "数字でご返信ください。"
    ),
    "ko": (
        "문의해 주셔서 감사합니다. "
        "저희 응대를 1(불만족)부터 5(매우 만족)까지 평가해 주시겠어요? "
        "숫자로 답해 주세요."
    ),
}

#: After a rating of 1 or 2: what went wrong (the answer goes to the managers).
CSAT_FOLLOW_UP: dict[str, str] = {
    "en": "We are sorry we did not do better. What went wrong? Your words go straight to our managers.",
    "de": (
        "Es tut uns leid, dass wir es nicht besser gemacht haben. Was ist schiefgelaufen? Ihre "
        "Nachricht geht direkt an unsere Leitung."
    ),
    "fr": (
        "Nous sommes désolés de ne pas avoir fait mieux. Qu'est-ce qui n'a pas été ? Votre message "
        "est transmis directement à notre direction."
    ),
    "es": (
        "Lamentamos no haberlo hecho mejor. ¿Qué salió mal? Su mensaje llegará directamente a "
        "nuestra dirección."
    ),
    "it": (
        "Ci dispiace non aver fatto di meglio. Che cosa non ha funzionato? Il suo messaggio "
        "arriverà direttamente alla direzione."
    ),
    "pt": (
        "Lamentamos não ter feito melhor. O que correu mal? A sua mensagem segue diretamente para a "
        "nossa direção."
    ),
    "nl": (
        "Het spijt ons dat het niet beter ging. Wat ging er mis? Uw bericht gaat rechtstreeks naar "
        "onze leiding."
    ),
    "pl": (
        "Przykro nam, że nie udało się lepiej. Co poszło nie tak? Wiadomość trafi bezpośrednio do "
        "naszego kierownictwa."
    ),
    "ru": (
        "Нам жаль, что мы не справились лучше. Что пошло не так? Ваше сообщение получит "
        "непосредственно руководство."
    ),
    "uk": (
        "Нам шкода, що ми не впоралися краще. Що пішло не так? Ваше повідомлення отримає "
        "безпосередньо керівництво."
    ),
    "tr": (
        "Daha iyisini yapamadığımız için üzgünüz. Ne ters gitti? Mesajınız doğrudan "
        "yöneticilerimize iletilecek."
    ),
    "ar": "نأسف لأننا لم نقدّم خدمة أفضل. ما الذي لم يكن على ما يرام؟ ستصل رسالتك مباشرة إلى الإدارة.",
    "zh": "很抱歉我们没有做得更好。请问哪里出了问题？您的留言将直接转交给我们的经理。",
    "ja": (
        "ご期待に沿えず申し訳ございません。"
        "どのような点に問題がありましたか？"
        "いただいた内容は責任者に直接届きます。"
    ),
    "ko": (
        "더 잘해 드리지 못해 죄송합니다. 어떤 점이 문제였나요? 남겨 주신 내용은 관리자에게 바로 전달됩니다."
    ),
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


def desk_closed_message(language: str | None, opening: str) -> str:
    return _in(DESK_CLOSED, language).format(time=opening)


def csat_question(language: str | None) -> str:
    return _in(CSAT_QUESTION, language)


def csat_follow_up(language: str | None) -> str:
    return _in(CSAT_FOLLOW_UP, language)


def spoken(language: str | None) -> str:
    """The language the product's own words for this guest are in."""
    return language if language in SPOKEN else FALLBACK
