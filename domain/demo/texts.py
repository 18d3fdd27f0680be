# ruff: noqa: RUF001  (Cyrillic and CJK text look like Latin letters or odd punctuation to the linter)
"""The words of generated conversations: what guests ask, what the AI and the desk answer.

Nine languages, each with the same intents, so a generated hotel reads like a real inbox in any
of them. ``{room}`` and ``{name}`` are filled in by the generator.
"""

from __future__ import annotations

from dataclasses import dataclass

LANGUAGES = ("en", "de", "fr", "es", "it", "nl", "pt", "ru", "zh")


@dataclass(frozen=True, slots=True)
class Intent:
    """One thing a guest writes about, and how it goes.

    ``kind``: ``answer`` (the AI answers from the knowledge entry titled ``topic``), ``request``
    (the AI files a service request of category ``topic``), or ``hand_off`` (the AI hands the
    conversation to a person with reason ``topic``).
    """

    key: str
    kind: str
    topic: str
    weight: float


INTENTS = (
    Intent("breakfast", "answer", "Breakfast", 14),
    Intent("wifi", "answer", "Wi-Fi", 10),
    Intent("parking", "answer", "Parking", 6),
    Intent("checkout", "answer", "Check-in and check-out", 12),
    Intent("spa", "answer", "Spa, pool and gym", 5),
    Intent("airport", "answer", "Airport transfer", 5),
    Intent("restaurant", "answer", "Restaurant and bar", 6),
    Intent("towels", "request", "housekeeping", 7),
    Intent("pillow", "request", "amenities", 3),
    Intent("aircon", "request", "maintenance", 4),
    Intent("person", "hand_off", "guest_requested_human", 6),
    Intent("complaint", "hand_off", "complaint", 4),
    Intent("booking", "hand_off", "booking_change", 5),
    Intent("unknown", "hand_off", "not_in_knowledge", 5),
)

# What guests write, per language and intent (one of the variants).
GUEST: dict[str, dict[str, tuple[str, ...]]] = {
    "en": {
        "breakfast": ("When is breakfast served?", "Hi, what time does breakfast start tomorrow?"),
        "wifi": ("What's the wifi password?", "How do I connect to the internet in my room?"),
        "parking": ("Do you have parking? We arrive by car tonight.",),
        "checkout": ("What time is check-out?", "Could we check out a bit later, around 1 pm?"),
        "spa": ("Is the pool open in the evening?",),
        "airport": ("How do I get to the airport tomorrow morning?",),
        "restaurant": ("Is the restaurant open for dinner tonight?",),
        "towels": ("Could we get two more towels in room {room}, please?",),
        "pillow": ("Can I have an extra pillow in {room}?",),
        "aircon": ("The air conditioning in room {room} is not working.",),
        "person": ("Can I talk to a person please?", "I'd like to speak to someone at reception."),
        "complaint": ("The room was not cleaned today and the bathroom is dirty. Not happy.",),
        "booking": ("I need to change my booking and stay one more night.",),
        "unknown": ("Is there a pharmacy open on Sunday near the hotel?",),
    },
    "de": {
        "breakfast": ("Wann gibt es Frühstück?", "Hallo, ab wann gibt es morgen Frühstück?"),
        "wifi": ("Wie ist das WLAN-Passwort?",),
        "parking": ("Haben Sie einen Parkplatz? Wir kommen heute Abend mit dem Auto.",),
        "checkout": ("Bis wann ist der Check-out?", "Können wir etwas später auschecken, gegen 13 Uhr?"),
        "spa": ("Ist der Pool am Abend geöffnet?",),
        "airport": ("Wie komme ich morgen früh zum Flughafen?",),
        "restaurant": ("Hat das Restaurant heute Abend geöffnet?",),
        "towels": ("Könnten wir bitte zwei Handtücher mehr in Zimmer {room} bekommen?",),
        "pillow": ("Kann ich ein zusätzliches Kissen in Zimmer {room} bekommen?",),
        "aircon": ("Die Klimaanlage in Zimmer {room} funktioniert nicht.",),
        "person": ("Kann ich bitte mit einem Menschen sprechen?",),
        "complaint": ("Das Zimmer wurde heute nicht gereinigt und das Bad ist schmutzig.",),
        "booking": ("Ich möchte meine Buchung ändern und eine Nacht länger bleiben.",),
        "unknown": ("Gibt es am Sonntag eine Apotheke in der Nähe?",),
    },
    "fr": {
        "breakfast": ("À quelle heure est le petit-déjeuner ?",),
        "wifi": ("Quel est le mot de passe du wifi ?",),
        "parking": ("Avez-vous un parking ? Nous arrivons en voiture ce soir.",),
        "checkout": ("À quelle heure faut-il libérer la chambre ?",),
        "spa": ("La piscine est-elle ouverte le soir ?",),
        "airport": ("Comment aller à l'aéroport demain matin ?",),
        "restaurant": ("Le restaurant est-il ouvert ce soir ?",),
        "towels": ("Pourrions-nous avoir deux serviettes de plus dans la chambre {room} ?",),
        "pillow": ("Est-il possible d'avoir un oreiller supplémentaire en {room} ?",),
        "aircon": ("La climatisation de la chambre {room} ne fonctionne pas.",),
        "person": ("Je voudrais parler à quelqu'un de la réception, s'il vous plaît.",),
        "complaint": ("La chambre n'a pas été nettoyée aujourd'hui, ce n'est pas acceptable.",),
        "booking": ("Je dois modifier ma réservation et rester une nuit de plus.",),
        "unknown": ("Y a-t-il une pharmacie ouverte le dimanche près de l'hôtel ?",),
    },
    "es": {
        "breakfast": ("¿A qué hora es el desayuno?",),
        "wifi": ("¿Cuál es la contraseña del wifi?",),
        "parking": ("¿Tienen aparcamiento? Llegamos en coche esta noche.",),
        "checkout": ("¿A qué hora es el check-out?",),
        "spa": ("¿La piscina está abierta por la noche?",),
        "airport": ("¿Cómo llego al aeropuerto mañana por la mañana?",),
        "restaurant": ("¿El restaurante está abierto esta noche?",),
        "towels": ("¿Nos pueden traer dos toallas más a la habitación {room}?",),
        "pillow": ("¿Me pueden dar una almohada extra en la {room}?",),
        "aircon": ("El aire acondicionado de la habitación {room} no funciona.",),
        "person": ("¿Puedo hablar con una persona, por favor?",),
        "complaint": ("Hoy no han limpiado la habitación y el baño está sucio.",),
        "booking": ("Necesito cambiar mi reserva y quedarme una noche más.",),
        "unknown": ("¿Hay alguna farmacia abierta el domingo cerca del hotel?",),
    },
    "it": {
        "breakfast": ("A che ora è la colazione?",),
        "wifi": ("Qual è la password del wifi?",),
        "parking": ("Avete un parcheggio? Arriviamo in macchina stasera.",),
        "checkout": ("A che ora è il check-out?",),
        "spa": ("La piscina è aperta la sera?",),
        "airport": ("Come arrivo all'aeroporto domani mattina?",),
        "restaurant": ("Il ristorante è aperto stasera?",),
        "towels": ("Potremmo avere due asciugamani in più nella camera {room}?",),
        "pillow": ("Posso avere un cuscino in più nella {room}?",),
        "aircon": ("L'aria condizionata nella camera {room} non funziona.",),
        "person": ("Posso parlare con una persona, per favore?",),
        "complaint": ("La camera oggi non è stata pulita e il bagno è sporco.",),
        "booking": ("Devo modificare la prenotazione e restare una notte in più.",),
        "unknown": ("C'è una farmacia aperta la domenica vicino all'hotel?",),
    },
    "nl": {
        "breakfast": ("Hoe laat is het ontbijt?",),
        "wifi": ("Wat is het wifi-wachtwoord?",),
        "parking": ("Hebben jullie parkeergelegenheid? We komen vanavond met de auto.",),
        "checkout": ("Hoe laat moeten we uitchecken?",),
        "spa": ("Is het zwembad 's avonds open?",),
        "airport": ("Hoe kom ik morgenochtend naar het vliegveld?",),
        "restaurant": ("Is het restaurant vanavond open?",),
        "towels": ("Kunnen we twee extra handdoeken krijgen op kamer {room}?",),
        "pillow": ("Mag ik een extra kussen op kamer {room}?",),
        "aircon": ("De airco op kamer {room} doet het niet.",),
        "person": ("Kan ik iemand van de receptie spreken?",),
        "complaint": ("De kamer is vandaag niet schoongemaakt en de badkamer is vies.",),
        "booking": ("Ik wil mijn boeking wijzigen en een nacht langer blijven.",),
        "unknown": ("Is er zondag een apotheek open in de buurt?",),
    },
    "pt": {
        "breakfast": ("A que horas é o pequeno-almoço?",),
        "wifi": ("Qual é a palavra-passe do wifi?",),
        "parking": ("Têm estacionamento? Chegamos de carro hoje à noite.",),
        "checkout": ("A que horas é o check-out?",),
        "spa": ("A piscina está aberta à noite?",),
        "airport": ("Como chego ao aeroporto amanhã de manhã?",),
        "restaurant": ("O restaurante está aberto hoje à noite?",),
        "towels": ("Podemos ter mais duas toalhas no quarto {room}?",),
        "pillow": ("Posso ter uma almofada extra no quarto {room}?",),
        "aircon": ("O ar condicionado do quarto {room} não funciona.",),
        "person": ("Posso falar com uma pessoa, por favor?",),
        "complaint": ("O quarto não foi limpo hoje e a casa de banho está suja.",),
        "booking": ("Preciso de alterar a reserva e ficar mais uma noite.",),
        "unknown": ("Há alguma farmácia aberta ao domingo perto do hotel?",),
    },
    "ru": {
        "breakfast": ("Во сколько завтрак?",),
        "wifi": ("Какой пароль от wifi?",),
        "parking": ("У вас есть парковка? Мы приедем на машине вечером.",),
        "checkout": ("Во сколько нужно выехать из номера?",),
        "spa": ("Бассейн открыт вечером?",),
        "airport": ("Как добраться до аэропорта завтра утром?",),
        "restaurant": ("Ресторан сегодня вечером работает?",),
        "towels": ("Можно ещё два полотенца в номер {room}?",),
        "pillow": ("Можно дополнительную подушку в номер {room}?",),
        "aircon": ("В номере {room} не работает кондиционер.",),
        "person": ("Можно поговорить с сотрудником?",),
        "complaint": ("Сегодня номер не убрали, в ванной грязно.",),
        "booking": ("Мне нужно изменить бронирование и остаться ещё на одну ночь.",),
        "unknown": ("Есть ли рядом аптека, которая работает в воскресенье?",),
    },
    "zh": {
        "breakfast": ("早餐几点开始？",),
        "wifi": ("无线网络密码是什么？",),
        "parking": ("酒店有停车场吗？我们今晚开车到。",),
        "checkout": ("几点退房？",),
        "spa": ("游泳池晚上开放吗？",),
        "airport": ("明天早上怎么去机场？",),
        "restaurant": ("餐厅今晚营业吗？",),
        "towels": ("可以再给{room}房间送两条毛巾吗？",),
        "pillow": ("可以给{room}房间加一个枕头吗？",),
        "aircon": ("{room}房间的空调坏了。",),
        "person": ("我可以和工作人员说话吗？",),
        "complaint": ("今天房间没有打扫，浴室很脏。",),
        "booking": ("我需要修改预订，多住一晚。",),
        "unknown": ("酒店附近星期天有药店开门吗？",),
    },
}

# What the AI answers to the intents it handles itself (requests: its confirmation).
AI: dict[str, dict[str, str]] = {
    "en": {
        "breakfast": "Breakfast is served daily from 7:00 to 10:30, at weekends until 11:00, in the "
        "Garden Restaurant on the ground floor.",
        "wifi": 'The network is "Aurora-Guest" and the password is "sunrise2024". For video calls use '
        '"Aurora-Fast" with the same password.',
        "parking": "Yes: underground parking with EV chargers, 18 EUR per night, entrance on "
        "Lindenstrasse 7. No reservation needed.",
        "checkout": "Check-out is until 11:00. A late check-out until 14:00 is free when the room allows; "
        "reception confirms it on the day.",
        "spa": "The spa and indoor pool are open 7:00-21:00 on the 5th floor; the gym is open 24 hours.",
        "airport": "The airport shuttle runs every hour from 5:00 and costs 25 EUR per person; please book "
        "at reception 3 hours ahead. A taxi takes about 35 minutes.",
        "restaurant": "Yes, the Garden Restaurant serves dinner from 18:00 to 22:30 and the Rooftop Bar is "
        "open until 01:00.",
        "request": "Done: housekeeping has your request for room {room} and will be with you shortly.",
    },
    "de": {
        "breakfast": "Frühstück gibt es täglich von 7:00 bis 10:30 Uhr, am Wochenende bis 11:00 Uhr, im "
        "Garden Restaurant im Erdgeschoss.",
        "wifi": 'Das Netzwerk heißt "Aurora-Guest", das Passwort ist "sunrise2024". Für Videoanrufe nutzen '
        'Sie "Aurora-Fast" mit demselben Passwort.',
        "parking": "Ja, eine Tiefgarage mit Ladesäulen für 18 EUR pro Nacht, Einfahrt Lindenstraße 7.",
        "checkout": "Der Check-out ist bis 11:00 Uhr. Ein später Check-out bis 14:00 Uhr ist kostenlos, "
        "wenn das Zimmer frei ist; die Rezeption bestätigt es am Tag selbst.",
        "spa": "Spa und Hallenbad sind von 7:00 bis 21:00 Uhr im 5. Stock geöffnet, das Fitnessstudio "
        "rund um die Uhr.",
        "airport": "Der Flughafenshuttle fährt stündlich ab 5:00 Uhr und kostet 25 EUR pro Person; bitte "
        "3 Stunden vorher an der Rezeption buchen.",
        "restaurant": "Ja, das Garden Restaurant serviert Abendessen von 18:00 bis 22:30 Uhr, die Rooftop "
        "Bar hat bis 1:00 Uhr geöffnet.",
        "request": "Erledigt: Das Housekeeping hat Ihre Anfrage für Zimmer {room} und kommt gleich.",
    },
    "fr": {
        "breakfast": "Le petit-déjeuner est servi tous les jours de 7h00 à 10h30 (11h00 le week-end) au "
        "Garden Restaurant, au rez-de-chaussée.",
        "wifi": 'Le réseau est "Aurora-Guest" et le mot de passe "sunrise2024".',
        "parking": "Oui, un parking souterrain avec bornes de recharge, 18 EUR la nuit, entrée au 7 "
        "Lindenstrasse.",
        "checkout": "Le départ se fait jusqu'à 11h00 ; un départ tardif jusqu'à 14h00 est gratuit selon "
        "disponibilité.",
        "spa": "Le spa et la piscine couverte sont ouverts de 7h00 à 21h00 au 5e étage.",
        "airport": "La navette aéroport part toutes les heures dès 5h00, 25 EUR par personne ; réservez à "
        "la réception 3 heures avant.",
        "restaurant": "Oui, le Garden Restaurant sert le dîner de 18h00 à 22h30.",
        "request": "C'est noté : le service d'étage a votre demande pour la chambre {room}.",
    },
    "es": {
        "breakfast": "El desayuno se sirve todos los días de 7:00 a 10:30 (los fines de semana hasta las "
        "11:00) en el Garden Restaurant, en la planta baja.",
        "wifi": 'La red es "Aurora-Guest" y la contraseña "sunrise2024".',
        "parking": "Sí, aparcamiento subterráneo con cargadores, 18 EUR por noche, entrada por "
        "Lindenstrasse 7.",
        "checkout": "El check-out es hasta las 11:00; un check-out tardío hasta las 14:00 es gratuito si la "
        "habitación lo permite.",
        "spa": "El spa y la piscina cubierta abren de 7:00 a 21:00 en la 5.ª planta.",
        "airport": "El traslado al aeropuerto sale cada hora desde las 5:00 y cuesta 25 EUR por persona.",
        "restaurant": "Sí, el Garden Restaurant sirve cenas de 18:00 a 22:30.",
        "request": "Hecho: el servicio de habitaciones tiene su petición para la habitación {room}.",
    },
    "it": {
        "breakfast": "La colazione è servita ogni giorno dalle 7:00 alle 10:30 (nel fine settimana fino "
        "alle 11:00) al Garden Restaurant, al piano terra.",
        "wifi": 'La rete è "Aurora-Guest" e la password è "sunrise2024".',
        "parking": "Sì, c'è un parcheggio sotterraneo con colonnine, 18 EUR a notte, ingresso in "
        "Lindenstrasse 7.",
        "checkout": "Il check-out è entro le 11:00; un check-out posticipato fino alle 14:00 è gratuito "
        "se la camera lo consente.",
        "spa": "La spa e la piscina coperta sono aperte dalle 7:00 alle 21:00 al 5° piano.",
        "airport": "La navetta per l'aeroporto parte ogni ora dalle 5:00 e costa 25 EUR a persona.",
        "restaurant": "Sì, il Garden Restaurant serve la cena dalle 18:00 alle 22:30.",
        "request": "Fatto: il servizio in camera ha la sua richiesta per la camera {room}.",
    },
    "nl": {
        "breakfast": "Het ontbijt wordt dagelijks geserveerd van 7:00 tot 10:30 (in het weekend tot "
        "11:00) in het Garden Restaurant op de begane grond.",
        "wifi": 'Het netwerk is "Aurora-Guest" en het wachtwoord "sunrise2024".',
        "parking": "Ja, een ondergrondse parkeergarage met laadpalen, 18 EUR per nacht.",
        "checkout": "Uitchecken kan tot 11:00; laat uitchecken tot 14:00 is gratis als de kamer het toelaat.",
        "spa": "De spa en het binnenzwembad zijn open van 7:00 tot 21:00 op de 5e verdieping.",
        "airport": "De luchthavenshuttle rijdt elk uur vanaf 5:00 en kost 25 EUR per persoon.",
        "restaurant": "Ja, het Garden Restaurant serveert diner van 18:00 tot 22:30.",
        "request": "Geregeld: housekeeping heeft uw verzoek voor kamer {room} en komt zo.",
    },
    "pt": {
        "breakfast": "O pequeno-almoço é servido todos os dias das 7:00 às 10:30 (ao fim de semana até "
        "às 11:00) no Garden Restaurant, no rés-do-chão.",
        "wifi": 'A rede é "Aurora-Guest" e a palavra-passe é "sunrise2024".',
        "parking": "Sim, estacionamento subterrâneo com carregadores, 18 EUR por noite.",
        "checkout": "O check-out é até às 11:00; um check-out tardio até às 14:00 é gratuito se o quarto "
        "o permitir.",
        "spa": "O spa e a piscina interior abrem das 7:00 às 21:00 no 5.º piso.",
        "airport": "O shuttle para o aeroporto sai de hora a hora a partir das 5:00, 25 EUR por pessoa.",
        "restaurant": "Sim, o Garden Restaurant serve jantar das 18:00 às 22:30.",
        "request": "Feito: a limpeza tem o seu pedido para o quarto {room}.",
    },
    "ru": {
        "breakfast": "Завтрак подают ежедневно с 7:00 до 10:30 (в выходные до 11:00) в ресторане "
        "Garden на первом этаже.",
        "wifi": 'Сеть называется "Aurora-Guest", пароль "sunrise2024".',
        "parking": "Да, есть подземная парковка с зарядными станциями, 18 EUR за ночь.",
        "checkout": "Выезд до 11:00; поздний выезд до 14:00 бесплатный, если номер свободен.",
        "spa": "Спа и крытый бассейн открыты с 7:00 до 21:00 на 5-м этаже.",
        "airport": "Трансфер в аэропорт ходит каждый час с 5:00, 25 EUR с человека.",
        "restaurant": "Да, ресторан Garden работает на ужин с 18:00 до 22:30.",
        "request": "Готово: служба уборки получила вашу просьбу для номера {room}.",
    },
    "zh": {
        "breakfast": "早餐每天7:00至10:30供应（周末至11:00），地点在一楼的花园餐厅。",
        "wifi": "网络名称是“Aurora-Guest”，密码是“sunrise2024”。",
        "parking": "有的，地下停车场配有充电桩，每晚18欧元。",
        "checkout": "退房时间为11:00之前；如房间允许，可免费延迟至14:00退房。",
        "spa": "水疗中心和室内泳池在5楼，开放时间为7:00至21:00。",
        "airport": "机场班车从5:00起每小时一班，每人25欧元。",
        "restaurant": "是的，花园餐厅晚餐供应时间为18:00至22:30。",
        "request": "好的：客房服务已收到{room}房间的请求，马上就到。",
    },
}

# What staff write after a hand-off, per language: a first answer, then a closing line.
STAFF_FIRST: dict[str, tuple[str, ...]] = {
    "en": (
        "Hello {name}, this is {staff} from reception. I'm looking into it right now.",
        "Hi {name}, {staff} here from the front desk. Sorry for the trouble, I'll sort it out for you.",
    ),
    "de": ("Hallo {name}, hier ist {staff} von der Rezeption. Ich kümmere mich sofort darum.",),
    "fr": ("Bonjour {name}, ici {staff} de la réception. Je m'en occupe tout de suite.",),
    "es": ("Hola {name}, soy {staff} de recepción. Me ocupo ahora mismo.",),
    "it": ("Buongiorno {name}, sono {staff} della reception. Me ne occupo subito.",),
    "nl": ("Hallo {name}, u spreekt met {staff} van de receptie. Ik regel het meteen.",),
    "pt": ("Olá {name}, fala {staff} da receção. Vou tratar já disso.",),
    "ru": ("Здравствуйте, {name}, это {staff} с ресепшена. Сейчас всё решим.",),
    "zh": ("您好{name}，我是前台的{staff}，马上为您处理。",),
}
STAFF_CLOSE: dict[str, tuple[str, ...]] = {
    "en": ("All done, {name}. Anything else, just write here.", "It's arranged. Have a lovely stay!"),
    "de": ("Alles erledigt. Wenn Sie noch etwas brauchen, schreiben Sie einfach hier.",),
    "fr": ("C'est réglé. N'hésitez pas à nous écrire ici si besoin.",),
    "es": ("Todo listo. Si necesita algo más, escríbanos aquí.",),
    "it": ("Tutto sistemato. Per qualsiasi cosa ci scriva qui.",),
    "nl": ("Alles is geregeld. Laat het ons weten als u nog iets nodig hebt.",),
    "pt": ("Está tudo tratado. Se precisar de mais alguma coisa, escreva aqui.",),
    "ru": ("Всё готово. Если понадобится что-то ещё, пишите сюда.",),
    "zh": ("已经处理好了。如有其他需要，请随时在这里留言。",),
}
GUEST_FOLLOW_UP: dict[str, tuple[str, ...]] = {
    "en": ("Thanks! And is there a late check-out option?", "OK, how long will it take?"),
    "de": ("Danke! Wie lange dauert das ungefähr?",),
    "fr": ("Merci ! Combien de temps faut-il compter ?",),
    "es": ("¡Gracias! ¿Cuánto tardarán más o menos?",),
    "it": ("Grazie! Quanto ci vorrà più o meno?",),
    "nl": ("Bedankt! Hoe lang duurt het ongeveer?",),
    "pt": ("Obrigado! Quanto tempo demora mais ou menos?",),
    "ru": ("Спасибо! Сколько примерно ждать?",),
    "zh": ("谢谢！大概需要多久？",),
}
THANKS: dict[str, tuple[str, ...]] = {
    "en": ("Thank you!", "Perfect, thanks a lot", "Great 👍"),
    "de": ("Danke!", "Super, vielen Dank"),
    "fr": ("Merci beaucoup !", "Parfait, merci"),
    "es": ("¡Gracias!", "Perfecto, muchas gracias"),
    "it": ("Grazie mille!", "Perfetto, grazie"),
    "nl": ("Dank je wel!", "Top, bedankt"),
    "pt": ("Obrigado!", "Perfeito, muito obrigado"),
    "ru": ("Спасибо!", "Отлично, спасибо большое"),
    "zh": ("谢谢！", "好的，非常感谢"),
}
# The satisfaction question after a resolve, and the follow-up after a low rating.
CSAT_ASK: dict[str, str] = {
    "en": "How satisfied were you with our help? Please reply with a number from 1 (poor) to 5 (excellent).",
    "de": "Wie zufrieden waren Sie mit unserer Hilfe? Antworten Sie bitte mit einer Zahl von 1 (schlecht) "
    "bis 5 (ausgezeichnet).",
    "fr": "Êtes-vous satisfait de notre aide ? Répondez par un chiffre de 1 (mauvais) à 5 (excellent).",
    "es": "¿Qué tan satisfecho quedó con nuestra ayuda? Responda con un número del 1 (malo) al 5 "
    "(excelente).",
    "it": "Quanto è soddisfatto del nostro aiuto? Risponda con un numero da 1 (scarso) a 5 (eccellente).",
    "nl": "Hoe tevreden bent u over onze hulp? Antwoord met een cijfer van 1 (slecht) tot 5 (uitstekend).",
    "pt": "Quão satisfeito ficou com a nossa ajuda? Responda com um número de 1 (mau) a 5 (excelente).",
    "ru": "Насколько вы довольны нашей помощью? Ответьте числом от 1 (плохо) до 5 (отлично).",
    "zh": "您对我们的服务满意吗？请回复1（差）到5（非常好）之间的数字。",
}
CSAT_WHY: dict[str, str] = {
    "en": "We're sorry to hear that. What went wrong?",
    "de": "Das tut uns leid. Was ist schiefgelaufen?",
    "fr": "Nous en sommes désolés. Qu'est-ce qui n'a pas été ?",
    "es": "Lo sentimos. ¿Qué salió mal?",
    "it": "Ci dispiace. Che cosa non è andato bene?",
    "nl": "Dat spijt ons. Wat ging er mis?",
    "pt": "Lamentamos. O que correu mal?",
    "ru": "Нам очень жаль. Что пошло не так?",
    "zh": "非常抱歉。请问哪里做得不好？",
}
CSAT_COMMENT: dict[str, tuple[str, ...]] = {
    "en": ("It took far too long to get an answer.", "Nobody came to fix it."),
    "de": ("Es hat viel zu lange gedauert.",),
    "fr": ("La réponse a pris beaucoup trop de temps.",),
    "es": ("Tardaron demasiado en responder.",),
    "it": ("Ci è voluto troppo tempo per una risposta.",),
    "nl": ("Het duurde veel te lang voordat er antwoord kwam.",),
    "pt": ("Demorou demasiado tempo a responder.",),
    "ru": ("Слишком долго ждали ответа.",),
    "zh": ("回复太慢了。",),
}
# A hand-off's summary as the AI writes it for staff (always in English, the desk's language).
SUMMARIES = {
    "guest_requested_human": "The guest asked to speak to a person.",
    "complaint": "The guest complains that the room was not cleaned.",
    "booking_change": "The guest wants to extend the stay by one night.",
    "not_in_knowledge": "The guest asks about something the knowledge does not cover.",
}

# Given names and family names per language, for guests and staff.
NAMES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "en": (
        ("Oliver", "Emily", "James", "Sophie", "Jack", "Amelia", "Harry", "Grace", "Liam", "Chloe", "Noah"),
        ("Smith", "Johnson", "Brown", "Taylor", "Wilson", "Clarke", "Walker", "Hughes", "Evans", "Murphy"),
    ),
    "de": (
        ("Lukas", "Anna", "Felix", "Lena", "Jonas", "Marie", "Paul", "Laura", "Leon", "Hannah", "Max"),
        ("Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Becker", "Hoffmann", "Koch", "Wagner"),
    ),
    "fr": (
        ("Louis", "Camille", "Hugo", "Léa", "Jules", "Manon", "Arthur", "Chloé", "Gabriel", "Inès"),
        ("Martin", "Bernard", "Dubois", "Durand", "Lefebvre", "Moreau", "Laurent", "Girard", "Roux"),
    ),
    "es": (
        ("Lucía", "Hugo", "Martina", "Pablo", "Sofía", "Daniel", "Carmen", "Alejandro", "Elena", "Javier"),
        ("García", "Martínez", "López", "Sánchez", "Pérez", "Gómez", "Fernández", "Ruiz", "Díaz"),
    ),
    "it": (
        ("Marco", "Giulia", "Luca", "Francesca", "Matteo", "Chiara", "Alessandro", "Sara", "Davide"),
        ("Rossi", "Russo", "Ferrari", "Esposito", "Bianchi", "Romano", "Colombo", "Ricci", "Greco"),
    ),
    "nl": (
        ("Daan", "Emma", "Sem", "Julia", "Lucas", "Tess", "Finn", "Sanne", "Bram", "Lotte"),
        ("de Jong", "Jansen", "de Vries", "van den Berg", "Bakker", "Visser", "Smit", "Meijer"),
    ),
    "pt": (
        ("João", "Beatriz", "Tiago", "Inês", "Rodrigo", "Mariana", "Duarte", "Leonor", "Afonso"),
        ("Silva", "Santos", "Ferreira", "Pereira", "Oliveira", "Costa", "Rodrigues", "Martins"),
    ),
    "ru": (
        ("Алексей", "Мария", "Дмитрий", "Анна", "Иван", "Елена", "Сергей", "Ольга", "Никита"),
        ("Иванов", "Смирнов", "Кузнецов", "Попов", "Соколов", "Лебедев", "Козлов", "Новиков"),
    ),
    "zh": (
        ("伟", "芳", "娜", "敏", "静", "磊", "洋", "婷", "杰", "丽"),
        ("王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周"),
    ),
}

# Country calling codes and how mobile numbers there begin, per guest language.
PHONES: dict[str, tuple[str, ...]] = {
    "en": ("447", "1212", "1415", "353 8", "614"),
    "de": ("4915", "4917", "43 66", "41 7"),
    "fr": ("336", "337", "32 47"),
    "es": ("346", "52 55"),
    "it": ("393",),
    "nl": ("316", "32 48"),
    "pt": ("3519", "55 11 9"),
    "ru": ("79",),
    "zh": ("86 13", "86 18", "852 9"),
}
# The AI's answer to a guest's thanks.
WELCOME: dict[str, str] = {
    "en": "You're welcome! Enjoy your stay.",
    "de": "Gern geschehen! Einen schönen Aufenthalt.",
    "fr": "Avec plaisir ! Bon séjour.",
    "es": "¡De nada! Disfrute de su estancia.",
    "it": "Prego! Buon soggiorno.",
    "nl": "Graag gedaan! Een fijn verblijf.",
    "pt": "De nada! Boa estadia.",
    "ru": "Пожалуйста! Приятного отдыха.",
    "zh": "不客气！祝您入住愉快。",
}
