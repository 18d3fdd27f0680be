# ruff: noqa: RUF001  (Cyrillic keywords look like Latin letters to the linter)
"""What the simulated model understands: the topics guests ask about, in its fifteen languages.

Each topic maps a language to comma-separated keywords (see ``text.py`` for the keyword forms;
scripts without spaces between words use ``*part*``). A keyword listed under one language only
also counts as evidence for that language. What guests ask for (a person, towels, a repair) and
their greetings are in ``intents.py``, the function words in ``stopwords.py``.
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
        "en: breakfast | de: Frühstück | es: desayuno | fr: petit-déjeuner | ru: завтрак | it: colazione"
        " | pt: pequeno-almoço café da manhã | nl: ontbijt | pl: śniadanie | uk: сніданок | tr: kahvaltı"
        " | ar: الإفطار | zh: 早餐 | ja: 朝食 | ko: 조식",
        en="breakfast*, brunch",
        de="frühstück*, fruehstueck*, *frühstück*",
        es="desayuno*, desayunar",
        fr="petit déjeuner*, petit dej",
        ru="завтрак*",
        it="colazion*",
        pt="pequeno almoco*, cafe da manha",
        nl="ontbijt*",
        pl="śniadani*",
        uk="сніданк*, сніданок",
        tr="kahvalt*",
        ar="*افطار*, *فطور*",
        zh="*早餐*, *早饭*",
        ja="*朝食*, *朝ごはん*",
        ko="*조식*, *아침 식사*, *아침밥*",
    ),
    _topic(
        "wifi",
        "en: wifi password | de: WLAN Passwort | es: wifi contraseña | fr: wifi mot de passe"
        " | ru: wifi пароль | it: wifi password | pt: wifi senha | nl: wifi wachtwoord | pl: wifi hasło"
        " | uk: wifi пароль | tr: wifi şifre | ar: واي فاي كلمة المرور | zh: 无线网络 密码"
        " | ja: Wi-Fi パスワード | ko: 와이파이 비밀번호",
        en="wifi, wi-fi, wireless, internet, password*, hotspot",
        de="wlan*, *wlan, passwort*, *passwort*, kennwort*, internet*",
        es="wifi, wi-fi, contraseña*, clave del wifi, internet",
        fr="wifi, wi-fi, mot de passe, internet",
        ru="вайфа*, вай фа*, wifi, интернет*, пароль*, сеть, сети",
        it="wifi, wi-fi, password, internet, rete wifi",
        pt="wifi, wi-fi, senha*, internet",
        nl="wifi, wi-fi, wachtwoord*, internet",
        pl="wifi, wi-fi, hasł*, internet*",
        uk="вайфа*, wifi, інтернет*, пароль*, мереж*",
        tr="wifi, wi-fi, kablosuz, internet*, şifre*",
        ar="*واي فاي*, wifi, *انترنت*, *الانترنت*, *كلمة المرور*, *كلمة السر*",
        zh="*wi-fi*, *wifi*, *无线*, *网络*, *密码*",
        ja="*wi-fi*, *wifi*, *ワイファイ*, *パスワード*, *インターネット*",
        ko="*wi-fi*, *wifi*, *와이파이*, *비밀번호*, *인터넷*",
    ),
    _topic(
        "parking",
        "en: parking | de: Parkplatz | es: aparcamiento | fr: parking | ru: парковка | it: parcheggio"
        " | pt: estacionamento | nl: parkeren | pl: parking | uk: парковка | tr: otopark | ar: موقف سيارات"
        " | zh: 停车 | ja: 駐車場 | ko: 주차",
        en="parking, park, car park, garage",
        de="parkplatz*, parkplätze*, parken, parkhaus*, *garage*, *parkplatz*",
        es="aparcamiento*, estacionamiento*, aparcar, parking, garaje",
        fr="parking*, stationnement, garer, garage",
        ru="*парков*, припарк*, паркинг*, стоянк*",
        it="parchegg*, posto auto, autorimessa, garage",
        pt="estacionamento*, estacionar, garagem, vaga de garagem",
        nl="parkeren, parkeer*, garage",
        pl="parking*, parkowa*, garaż*",
        uk="*парков*, паркінг*, стоянк*",
        tr="otopark*, park yeri, park et*, garaj",
        ar="*موقف*, *مواقف*, *ركن السيار*, *باركنج*",
        zh="*停车*",
        ja="*駐車*, *パーキング*",
        ko="*주차*",
    ),
    _topic(
        "check_in",
        "en: check-in | de: Check-in Anreise | es: check-in llegada | fr: arrivée check-in | ru: заезд"
        " | it: check-in arrivo | pt: check-in chegada | nl: inchecken aankomst | pl: zameldowanie"
        " | uk: заселення | tr: giriş | ar: تسجيل الدخول | zh: 入住 | ja: チェックイン | ko: 체크인",
        en="check in, checkin, arrival, arrive*, early check*",
        de="anreise*, einchecken, check in, ankunft, ankommen",
        es="llegada*, llegar, registro de entrada, check in",
        fr="arrivee*, arriver, enregistrement, check in",
        ru="заезд*, заселен*, заселит*, заселя*, приезд*, регистрац*",
        it="check in, arrivo, arrivare, arriviamo",
        pt="check in, chegada, chegar, chegamos",
        nl="check in, inchecken, aankomst, aankomen",
        pl="zameldowani*, przyjazd*, check in",
        uk="заїзд*, заселенн*, поселенн*, приїзд*",
        tr="check in, giriş saati, giriş yap*, varış*",
        ar="*تسجيل الدخول*, *الوصول*, *check in*",
        zh="*入住*",
        ja="*チェックイン*",
        ko="*체크인*, *입실*",
    ),
    _topic(
        "check_out",
        "en: check-out | de: Check-out Abreise | es: check-out salida | fr: départ check-out | ru: выезд"
        " | it: check-out partenza | pt: check-out saída | nl: uitchecken vertrek | pl: wymeldowanie"
        " | uk: виїзд | tr: çıkış | ar: تسجيل الخروج | zh: 退房 | ja: チェックアウト | ko: 체크아웃",
        en="check out, checkout, departure, late check*",
        de="abreise*, auschecken, check out",
        es="salida, check out, dejar la habitacion",
        fr="depart, check out, quitter la chambre, liberer la chambre",
        ru="выезд*, выселен*, выехать, освободить номер",
        it="check out, partenza, lasciare la camera",
        pt="check out, saida, deixar o quarto",
        nl="check out, uitchecken, vertrek",
        pl="wymeldowani*, wyjazd*, check out",
        uk="виїзд*, виселенн*, виїхати",
        tr="check out, çıkış*",
        ar="*تسجيل الخروج*, *المغادرة*, *مغادرة*",
        zh="*退房*",
        ja="*チェックアウト*",
        ko="*체크아웃*, *퇴실*",
    ),
    _topic(
        "spa",
        "en: spa pool sauna | de: Spa Schwimmbad Sauna | es: spa piscina sauna | fr: spa piscine sauna"
        " | ru: спа бассейн сауна | it: spa piscina sauna | pt: spa piscina sauna | nl: spa zwembad sauna"
        " | pl: spa basen sauna | uk: спа басейн сауна | tr: spa havuz sauna | ar: سبا مسبح ساونا"
        " | zh: 水疗 泳池 桑拿 | ja: スパ プール サウナ | ko: 스파 수영장 사우나",
        en="spa, pool, swimming*, sauna*, massage*, wellness, steam room, jacuzzi, hot tub",
        de="spa, *schwimmbad*, *hallenbad*, sauna*, massage*, *wellness*, pool, dampfbad",
        es="spa, piscina*, sauna*, masaje*, jacuzzi",
        fr="spa, piscine*, sauna*, massage*, hammam, jacuzzi",
        ru="спа, бассейн*, саун*, массаж*, хаммам*",
        it="spa, piscin*, sauna*, massagg*, benessere",
        pt="spa, piscina*, sauna*, massage*",
        nl="spa, zwembad*, sauna*, massage*, wellness",
        pl="spa, basen*, sauna*, sauny, masaż*",
        uk="спа, басейн*, саун*, масаж*",
        tr="spa, havuz*, sauna*, masaj*, hamam*",
        ar="*سبا*, *مسبح*, *حمام السباحة*, *ساونا*, *مساج*, *تدليك*",
        zh="spa, *水疗*, *泳池*, *游泳*, *桑拿*, *按摩*",
        ja="*スパ*, *プール*, *サウナ*, *マッサージ*",
        ko="*스파*, *수영장*, *사우나*, *마사지*",
    ),
    _topic(
        "pets",
        "en: pets dogs | de: Haustiere Hunde | es: mascotas perros | fr: animaux chiens"
        " | ru: животные собаки | it: animali cani | pt: animais cães | nl: huisdieren honden"
        " | pl: zwierzęta psy | uk: тварини собаки | tr: evcil hayvan köpek | ar: حيوانات أليفة كلاب"
        " | zh: 宠物 狗 | ja: ペット 犬 | ko: 반려동물 강아지",
        en="pet, pets, dog*, cat, cats, puppy, animal*",
        de="haustier*, hund, hunde, hundes, katze*, tier, tiere, *hund",
        es="mascota*, perro*, gato*, animal*",
        fr="chien*, chat, chats, animaux, animal, animal de compagnie",
        ru="животн*, собак*, пес, пса, кошк*, кот, питом*",
        it="animal*, cane, cani, gatto, gatti",
        pt="animais, animal de estimacao, cao, caes, cachorro*, gato*",
        nl="huisdier*, hond, honden, kat, katten",
        pl="zwierz*, pies, psa, psem, kot, kota",
        uk="тварин*, собак*, пес, кіт, кішк*",
        tr="evcil hayvan*, köpe*, kedi*",
        ar="*حيوان*, *كلب*, *قطة*",
        zh="*宠物*, *狗*, *猫*",
        ja="*ペット*, *犬*, *猫*",
        ko="*반려동물*, *애완*, *강아지*, *고양이*",
    ),
    _topic(
        "airport",
        "en: airport transfer | de: Flughafen Transfer | es: aeropuerto traslado | fr: aéroport navette"
        " | ru: аэропорт трансфер | it: aeroporto transfer | pt: aeroporto transfer | nl: luchthaven transfer"
        " | pl: lotnisko transfer | uk: аеропорт трансфер | tr: havalimanı transfer | ar: المطار"
        " | zh: 机场 接送 | ja: 空港 送迎 | ko: 공항 픽업",
        en="airport*, transfer*, shuttle*, pick up from, pickup",
        de="flughafen*, *flughafen*, transfer*, shuttle*, abholung, abholen",
        es="aeropuerto*, traslado*, transfer*, shuttle*, recogida",
        fr="aeroport*, navette*, transfert*, transfer*",
        ru="аэропорт*, трансфер*, шаттл*, встретить",
        it="aeroporto*, transfer*, navetta*",
        pt="aeroporto*, transfer*, traslado*, shuttle*",
        nl="luchthaven*, vliegveld*, transfer*, shuttle*",
        pl="lotnisk*, transfer*",
        uk="аеропорт*, трансфер*",
        tr="havaliman*, havaalan*, transfer*",
        ar="*مطار*",
        zh="*机场*, *接机*, *送机*",
        ja="*空港*, *送迎*",
        ko="*공항*, *픽업*",
    ),
    _topic(
        "restaurant",
        "en: restaurant dinner | de: Restaurant Abendessen | es: restaurante cena | fr: restaurant dîner"
        " | ru: ресторан ужин | it: ristorante cena | pt: restaurante jantar | nl: restaurant diner"
        " | pl: restauracja kolacja | uk: ресторан вечеря | tr: restoran akşam yemeği | ar: مطعم عشاء"
        " | zh: 餐厅 晚餐 | ja: レストラン 夕食 | ko: 레스토랑 저녁",
        en="restaurant*, dinner, lunch, room service, bar, menu",
        de="restaurant*, abendessen, mittagessen, speisekarte, zimmerservice, bar",
        es="restaurante*, cena, cenar, almuerzo, comida, carta, bar",
        fr="restaurant*, diner, re:(?<!petit )(?<!petit-)(?<!petit)(?<!\\w)dejeuner(?!\\w), carte, bar",
        ru="ресторан*, ужин*, обед*, меню, бар",
        it="ristorant*, cena, pranzo, menu, bar",
        pt="restaurante*, jantar, re:(?<!pequeno )(?<!pequeno-)(?<!\\w)almoco(?!\\w), cardapio, bar",
        nl="restaurant*, diner, lunch, menukaart, bar",
        pl="restauracj*, kolacj*, obiad*, bar",
        uk="ресторан*, вечеря, вечері, вечерю, обід*, меню, бар",
        tr="restoran*, akşam yemeği, öğle yemeği, menü, bar",
        ar="*مطعم*, *عشاء*, *غداء*",
        zh="*餐厅*, *晚餐*, *午餐*, *晚饭*",
        ja="*レストラン*, *夕食*, *ディナー*, *ランチ*",
        ko="*레스토랑*, *식당*, *저녁 식사*, *점심*",
    ),
    _topic(
        "gym",
        "en: gym fitness | de: Fitnessraum | es: gimnasio | fr: salle de sport | ru: спортзал"
        " | it: palestra | pt: academia ginásio | nl: fitnessruimte | pl: siłownia | uk: спортзал"
        " | tr: spor salonu | ar: صالة رياضية | zh: 健身房 | ja: ジム | ko: 헬스장",
        en="gym, fitness*, workout",
        de="fitness*, *fitness*, kraftraum",
        es="gimnasio*, fitness",
        fr="salle de sport, fitness, salle de gym, musculation",
        ru="спортзал*, тренажер*, фитнес*",
        it="palestra*, fitness",
        pt="academia, ginasio, fitness",
        nl="sportschool, fitness*, gym",
        pl="siłowni*, fitness*",
        uk="спортзал*, тренажер*, фітнес*",
        tr="spor salon*, fitness*",
        ar="*صالة رياضية*, *الجيم*, *نادي رياضي*",
        zh="*健身*",
        ja="*ジム*, *フィットネス*",
        ko="*헬스장*, *피트니스*, *체육관*",
    ),
    _topic(
        "laundry",
        "en: laundry | de: Wäscherei | es: lavandería | fr: blanchisserie | ru: прачечная | it: lavanderia"
        " | pt: lavandaria lavanderia | nl: wasserij | pl: pralnia | uk: пральня | tr: çamaşırhane"
        " | ar: غسيل الملابس | zh: 洗衣 | ja: ランドリー | ko: 세탁",
        en="laundry, washing machine, dry cleaning, ironing",
        de="wascherei*, waschservice, waschmaschine*, bugeln",
        es="lavanderia*, lavadora*, planchar",
        fr="blanchisserie, laverie, pressing, repassage, machine a laver",
        ru="прачечн*, стирк*, постирать, глажк*",
        it="lavanderia*, lavatric*, stirare",
        pt="lavandaria, lavar roupa, maquina de lavar, passar a ferro",
        nl="wasserij*, wasservice, wasmachine*, strijken",
        pl="pralni*, pranie, pralk*, prasowani*",
        uk="пральн*, прання, випрати, прасуванн*",
        tr="çamaşır*, kuru temizleme, ütü*",
        ar="*غسيل الملابس*, *مغسلة*, *كي الملابس*",
        zh="*洗衣*, *熨*",
        ja="*ランドリー*, *洗濯*, *クリーニング*",
        ko="*세탁*, *다림질*",
    ),
    _topic(
        "luggage",
        "en: luggage storage | de: Gepäck | es: equipaje | fr: bagages | ru: багаж | it: bagagli"
        " | pt: bagagem | nl: bagage | pl: bagaż | uk: багаж | tr: bavul | ar: الأمتعة | zh: 行李"
        " | ja: 荷物 | ko: 짐 보관",
        en="luggage, baggage, suitcase*, bags",
        de="gepack*, koffer*",
        es="equipaje*, maleta*",
        fr="bagage*, valise*",
        ru="багаж*, чемодан*",
        it="bagagl*, valigi*",
        pt="bagagem, bagagens, mala, malas",
        nl="bagage*, koffer*",
        pl="bagaż*, walizk*",
        uk="багаж*, валіз*",
        tr="bavul*, valiz*, bagaj*",
        ar="*امتعة*, *حقيبة*, *حقائب*",
        zh="*行李*",
        ja="*荷物*, *スーツケース*",
        ko="*수하물*, *캐리어*, *짐 보관*, *짐을*",
    ),
)
