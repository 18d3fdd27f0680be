# ruff: noqa: RUF001, E501  (Cyrillic keywords look like Latin letters; keyword lines stay whole)
"""What a guest wants besides information: a person, housekeeping, a repair; and small talk.

Keyword forms as in ``text.py``; matched against normalised text (accents removed), so "hasło"
and "haslo" are one keyword, and ``*part*`` finds a word inside scripts written without spaces.
"""

from __future__ import annotations

from sim.llm.text import KeywordSet

#: "person", but not "per person" (a price)
_PERSON = "re:(?<!per )(?<!pro )(?<!per a )(?<!\\w)person(?!\\w)"
#: Spanish and Italian "persona", but not "por persona" / "per persona"
_PERSONA = "re:(?<!por )(?<!per )(?<!\\w)persona(?!\\w)"

#: "I want to talk to a person"
PERSON = KeywordSet(
    {
        "en": f"human, {_PERSON}, real person, staff, agent, receptionist, front desk, talk to someone, "
        "speak to someone, speak with someone, talk with someone, operator, manager, real human",
        "de": f"mensch, menschen, mitarbeiter*, rezeption*, {_PERSON}, mit jemandem sprechen, "
        "mit jemandem reden, echte person, ansprechpartner",
        "es": f"{_PERSONA}, humano, agente, recepcion*, recepcionista, "
        "hablar con alguien, alguien del personal, personal del hotel",
        "fr": "re:(?<!par )(?<!\\w)personne(?!\\w), humain, conseiller*, reception*, receptionniste, agent, "
        "parler a quelqu'un, quelqu'un de l'equipe",
        "ru": "re:(?<!на )(?<!\\w)человек(?!\\w), живой человек, живым человеком, с человеком, оператор*, "
        "администратор*, менеджер*, сотрудник*, ресепшен*, персонал*",
        "it": f"{_PERSONA}, umano, operatore, receptionist, parlare con qualcuno, qualcuno della reception, "
        "qualcuno dello staff, un collega",
        "pt": "re:(?<!por )(?<!\\w)pessoa(?!\\w), humano, atendente, rececionista, recepcionista, "
        "falar com alguem, alguem da rececao, alguem da recepcao",
        "nl": "re:(?<!per )(?<!\\w)persoon(?!\\w), medewerker*, mens, een echt mens, receptie, "
        "iemand spreken, met iemand praten",
        "pl": "człowiek*, konsultant*, recepcj*, pracownik*, porozmawiać z kimś, z kimś porozmawiać",
        "uk": "re:(?<!на )(?<!\\w)людин(?:а|ою|і|у)(?!\\w), оператор*, адміністратор*, менеджер*, "
        "співробітник*, рецепці*, персонал*",
        "tr": "gerçek bir insan, bir insanla, yetkili*, resepsiyon*, temsilci*, görevli*, "
        "biriyle görüş*, biriyle konuş*",
        "ar": "*موظف*, *شخص حقيقي*, *انسان*, *الاستقبال*, *مدير*, *التحدث مع احد*",
        "zh": "*人工*, *真人*, *前台*, *工作人员*, *客服*, *经理*",
        "ja": "*スタッフ*, *フロント*, *人と話*, *担当者*, *オペレーター*, *係の人*",
        "ko": "*직원*, *상담원*, *프런트*, *프론트*, *사람과*, *매니저*",
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
        "ru": "полотенц*, уборк*, убрать, убери*, подушк*, одеял*, туалетной бумаги, туалетная бумага, "
        "туалетную бумагу, мыл*, постельн*, шампун*, фен, зубную щетку, зубная щетка, тапочк*",
        "it": "asciugaman*, pulizi*, pulire, cuscin*, copert*, carta igienica, sapone, lenzuol*, shampoo, "
        "asciugacapelli, phon, spazzolin*, ciabatt*",
        "pt": "toalha*, limpeza, limpar, travesseiro*, almofada*, cobertor*, papel higienico, sabonete, "
        "lencol, lencois, shampoo, champo, secador*, escova de dentes, chinelo*",
        "nl": "handdoek*, schoonma*, kussen*, deken*, wc papier, toiletpapier, zeep, beddengoed, lakens, "
        "shampoo, fohn, tandenborstel*, slippers",
        "pl": "ręcznik*, sprzątani*, posprzątać, poduszk*, koc, koce, koca, papier toaletowy, mydł*, "
        "pościel*, szampon*, suszark*, szczoteczk*, kapci*",
        "uk": "рушник*, прибиранн*, прибрати, подушк*, ковдр*, туалетного паперу, туалетний папір, мило, "
        "мила, постільн*, шампун*, фен, зубну щітку, капці*",
        "tr": "havlu*, temizli*, temizle*, yastık*, battaniye*, tuvalet kağıdı, sabun*, çarşaf*, şampuan*, "
        "saç kurutma*, diş fırçası, terlik*",
        "ar": "*منشفة*, *مناشف*, *تنظيف*, *وسادة*, *مخدة*, *بطانية*, *ورق تواليت*, *ورق الحمام*, *صابون*, "
        "*شامبو*, *مجفف شعر*, *شرشف*",
        "zh": "*毛巾*, *打扫*, *清洁*, *枕头*, *被子*, *毯子*, *卫生纸*, *厕纸*, *香皂*, *肥皂*, *洗发水*, "
        "*吹风机*, *牙刷*, *拖鞋*",
        "ja": "*タオル*, *掃除*, *清掃*, *枕*, *毛布*, *トイレットペーパー*, *石鹸*, *シャンプー*, *ドライヤー*, "
        "*歯ブラシ*, *スリッパ*",
        "ko": "*수건*, *타월*, *청소*, *베개*, *담요*, *이불*, *휴지*, *화장지*, *비누*, *샴푸*, *드라이기*, "
        "*칫솔*, *슬리퍼*",
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
        "it": "rotto, rotta, rotti, non funziona*, guast*, ripar*, perde acqua, gocciola, "
        "non c'e acqua calda, intasat*",
        "pt": "quebrad*, avariad*, estragad*, nao funciona*, nao esta a funcionar, consert*, repar*, "
        "vazamento, pinga, sem agua quente, entupid*",
        "nl": "kapot, werkt niet, doet het niet, defect, repar*, lekt, lekkage, geen warm water, verstopt",
        "pl": "zepsu*, nie działa*, awari*, napraw*, przecieka, cieknie, nie ma ciepłej wody, zatkan*",
        "uk": "злама*, не працює, не працюють, полагод*, ремонт*, тече, протіка*, немає гарячої води, "
        "засмічен*",
        "tr": "bozuk*, çalışmıyor, arızalı, tamir*, sızdır*, sıcak su yok, tıkan*",
        "ar": "*معطل*, *لا يعمل*, *لا تعمل*, *مكسور*, *تصليح*, *اصلاح*, *تسرب*, *لا يوجد ماء ساخن*, *انسداد*",
        "zh": "*坏了*, *不能用*, *不工作*, *修理*, *维修*, *漏水*, *没有热水*, *堵了*, *堵塞*",
        "ja": "*壊れ*, *動かない*, *使えない*, *修理*, *故障*, *水漏れ*, *お湯が出な*, *詰まっ*",
        "ko": "*고장*, *작동하지 않*, *작동이 안*, *수리*, *물이 새*, *누수*, *온수가 안*, *막혔*",
    }
)

GREETING = KeywordSet(
    {
        "en": "hi, hello, hey, good morning, good afternoon, good evening, hiya",
        "de": "hallo, guten tag, guten morgen, guten abend, moin, servus, gruss gott",
        "es": "hola, buenos dias, buenas tardes, buenas noches, buenas",
        "fr": "bonjour, bonsoir, salut, coucou",
        "ru": "привет*, здравствуй*, добрый день, доброе утро, добрый вечер",
        "it": "ciao, buongiorno, buonasera, salve",
        "pt": "ola, oi, bom dia, boa tarde, boa noite",
        "nl": "hallo, hoi, goedemorgen, goedemiddag, goedenavond",
        "pl": "dzień dobry, cześć, witam, dobry wieczór",
        "uk": "привіт*, вітаю, добрий день, доброго ранку, добрий вечір, доброго дня",
        "tr": "merhaba, selam, günaydın, iyi günler, iyi akşamlar",
        "ar": "*مرحبا*, *السلام عليكم*, *صباح الخير*, *مساء الخير*, *اهلا*",
        "zh": "*你好*, *您好*, *早上好*, *晚上好*",
        "ja": "*こんにちは*, *こんばんは*, *おはよう*",
        "ko": "*안녕하세요*, *안녕*",
    }
)

#: thanks, and the acknowledgements that need no more than a "you're welcome"
THANKS = KeywordSet(
    {
        "en": "thanks, thank you, thx, cheers, ok, okay, great, perfect, got it, alright, awesome",
        "de": "danke*, vielen dank, alles klar, prima, super, toll, perfekt, ok",
        "es": "gracias, muchas gracias, vale, perfecto, genial, de acuerdo, ok",
        "fr": "merci*, d'accord, parfait, super, genial, ok",
        "ru": "спасибо, благодар*, хорошо, отлично, понятно, ок",
        "it": "grazie, grazie mille, va bene, perfetto, ottimo, d'accordo, ok",
        "pt": "obrigad*, valeu, perfeito, otimo, combinado, esta bem, ok",
        "nl": "bedankt, dank je, dank u, dankjewel, dankuwel, prima, perfect, top, oke, ok",
        "pl": "dziękuj*, dzięki, super, świetnie, w porządku, ok",
        "uk": "дякую, дякуємо, спасибі, добре, чудово, зрозуміло, ок",
        "tr": "teşekkür*, sağ ol*, sağol*, tamam, süper, harika, ok",
        "ar": "*شكرا*, *تمام*, *ممتاز*, *حسنا*",
        "zh": "*谢谢*, *感谢*, *多谢*, *好的*, *没问题*, *明白了*",
        "ja": "*ありがとう*, *了解*, *わかりました*, *承知しました*",
        "ko": "*감사합니다*, *고맙습니다*, *감사해요*, *알겠습니다*, *좋아요*",
    }
)
