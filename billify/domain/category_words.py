"""The words that tell what an expense was for, by category and language (``billify.domain.
categories`` reads them).

Each row is ``(category, language, weight, terms)``; ``terms`` is a comma-separated list.
Languages: ``en``, ``de``, ``fr``, ``nl``, ``ms`` (Malay), and ``brand`` for the names of large
chains whose trade is known (a supermarket chain, a fuel company). A term is matched on whole
words of the text after folding (lower case, accents removed, ``ß`` as ``ss``, every character
that is not a letter or a digit a space), so ``"Bäckerei"`` is written ``backerei`` and
``"D.I.Y."`` ``d i y``:

- ``word`` or ``two words``: those whole words;
- ``stem*``: a word starting with ``stem`` (``grocer*``: grocer, grocery, groceries);
- ``*head``: a word ending with ``head``, for German and Dutch compounds
  (``*versicherung``: Haftpflichtversicherung, Kraftfahrtversicherung).

Weights: ``TRADE`` for the kind of business (pharmacy, restaurant, hardware: what a shop's name
says it is), ``GOODS`` for what is bought (bread, fuel, printer ink), ``HINT`` for words that
lean one way but are often seen elsewhere. Where a word is found weighs more than its weight
(the vendor's name most, then the line items, then the rest of the page).

Keep terms that generalise: a word a stranger's receipt of that kind would print. Words that
every document prints ("total", "service charge", "tax") belong nowhere.
"""

from __future__ import annotations

TRADE = 2.0
GOODS = 1.0
HINT = 0.5

ROWS: tuple[tuple[str, str, float, str], ...] = (
    # -- groceries ---------------------------------------------------------------------------
    (
        "groceries",
        "en",
        TRADE,
        "supermarket*, hypermarket*, minimarket*, mini market, minimart*, mini mart, grocer*, "
        "fresh mart, mart, *mart, cash and carry, cash carry, provision*, bakery, bakeries, "
        "baker, bakers, butcher*, greengrocer*, fishmonger, deli, delicatessen, convenience "
        "store, food store, foodstore, food hall, confectionery, cake shop, cake house",
    ),
    (
        "groceries",
        "en",
        GOODS,
        "bread, loaf, wholemeal, flour, sugar, salt, rice, eggs, egg, milk, butter, margarine, "
        "cheese, yoghurt, yogurt, cereal*, oats, vegetable*, veggie*, fruit*, banana*, "
        "pineapple*, onion*, garlic, potato*, tomato*, mushroom*, cabbage, carrot*, cooking "
        "oil, olive oil, oyster sauce, soy sauce, chilli sauce, fish sauce, sauce, ketchup, "
        "mayonnaise, noodles, instant noodle*, pasta, spaghetti, biscuit*, cracker*, cookies, "
        "chips, snack*, candy, sweets, chocolate*, mineral water, drinking water, soft drink*, "
        "juice, cordial, 3in1, 3 in 1, baking powder, yeast, jam, honey, peanut butter, frozen, "
        "sausage*, canned, detergent, dishwash*, bleach, tissue*, pork, beef, lamb, mutton, "
        "prawn*, pet food, cat food, dog food, citric acid, apples, cakes, stock cube, beans, "
        "kidney bean*, baked beans, evaporated, condensed milk, sardine*, jelly, vermicelli, "
        "corn, canned food, tin food",
    ),
    (
        "groceries",
        "en",
        HINT,
        "coke, cola, pepsi, 100 plus, sprite, pack, pkt, kg, 1kg, 5kg, 10kg",
    ),
    (
        "groceries",
        "de",
        TRADE,
        "supermarkt*, lebensmittel*, backerei*, backstube, metzgerei*, fleischerei*, getranke*, "
        "feinkost*, bioladen, reformhaus, markthalle",
    ),
    (
        "groceries",
        "de",
        GOODS,
        "brot*, brotchen, milch*, *milch, kase, butter, joghurt*, quark, eier, mehl, zucker, "
        "*zucker, salz, reis, nudeln, obst, gemuse, kartoffel*, apfel, banane*, fleisch, "
        "*fleisch, wurst*, *wurst, *steak, schinken, *wasser, mineralwasser, saft, *saft, bier, "
        "wein, kaffee, tee, schokolade, *schokolade, keks*, pfand, lebensmittel, *brot",
    ),
    (
        "groceries",
        "fr",
        TRADE,
        "supermarche*, hypermarche*, epicerie*, boulangerie*, patisserie*, boucherie*, "
        "fromagerie*, primeur*, superette, alimentation, traiteur",
    ),
    (
        "groceries",
        "fr",
        GOODS,
        "pain, baguette*, lait, fromage*, beurre, oeufs, farine, sucre, riz, pates, fruits, "
        "legumes, viande, poulet, jambon, huile, huile d olive, biscuits, chocolat, cafe moulu, "
        "confiture, miel, yaourt*, eau minerale, jus",
    ),
    (
        "groceries",
        "nl",
        TRADE,
        "supermarkt*, bakkerij*, bakker, slagerij*, slager, groenteboer, toko, kruidenier*",
    ),
    (
        "groceries",
        "nl",
        GOODS,
        "brood, melk, kaas, boter, eieren, meel, suiker, rijst, groente*, fruit, vlees, kip, "
        "koffie, thee, sap, koekjes, chocolade",
    ),
    (
        "groceries",
        "ms",
        TRADE,
        "pasaraya, pasar raya, pasar mini, pasar, kedai runcit, runcit, borong, kedai roti, "
        "pemborong, barangan runcit",
    ),
    (
        "groceries",
        "ms",
        GOODS,
        "beras, tepung, gula, garam, minyak masak, telur, susu, roti, sayur*, buah*, ikan, "
        "daging, ayam segar, kicap, sos, mee segera, mi segera, mi cawan, bawang, bihun, "
        "kacang, jagung, susu pekat, sardin, udang, kering, ikan bilis, santan, cili, serbuk",
    ),
    (
        "groceries",
        "ms",
        HINT,
        "minyak, paket",
    ),
    (
        "groceries",
        "brand",
        TRADE,
        "99 speed mart, speedmart, aeon big, giant, tesco, lotus s, mydin, econsave, jaya "
        "grocer, village grocer, cold storage, mercato, hero market, family mart, familymart, 7 "
        "eleven, 7eleven, kk mart, kk super mart, gardenia, massimo, lidl, aldi, rewe, edeka, "
        "penny, kaufland, carrefour, auchan, leclerc, intermarche, monoprix, franprix, albert "
        "heijn, plus supermarkt, vomar, spar, coop, sainsbury*, waitrose, morrisons, asda, "
        "walmart, costco, whole foods, trader joe*",
    ),
    # -- dining ------------------------------------------------------------------------------
    (
        "dining",
        "en",
        TRADE,
        "restaurant*, cafe, cafes, cafeteria, coffee shop, coffeeshop, bistro, brasserie, "
        "diner, eatery, canteen, food court, foodcourt, grill, steakhouse, bar and grill, pub, "
        "tavern, pizzeria, pizza, burger*, sushi, ramen, noodle house, dim sum, catering, "
        "caterer, bubble tea, tea house, teahouse, juice bar, dessert*, takeaway, fast food, "
        "ice cream parlour, creamery, gelateria",
    ),
    (
        "dining",
        "en",
        GOODS,
        "table, tbl, pax, dine in, dine-in, eat in, eat-in, take away, takeaway, take-away, "
        "takeout, take out, t away, carry out, order no, guest check, waiter, cover charge, "
        "meal, set meal, combo, lunch, dinner, breakfast, brunch, fried rice, chicken rice, "
        "nasi, mee, noodle, noodles, soup, curry, bento, fries, nuggets, burger, pizza, "
        "sandwich, latte, cappuccino, mocha, americano, espresso, iced, ice tea, iced tea, milk "
        "tea, green tea, hot tea, beer, beers, tap beer, juice, smoothie, dessert, cake, pie, "
        "omelette, vege, meat, dish, rice, tofu, wings, steak, dumpling*, sushi, tempura, "
        "teriyaki, katsu, seafood, roasted, roast, bbq, kitchen, ice cream, scoop, scoops, "
        "gelato, sundae, cone, milkshake*, shake, smoothies, lemonade, mocktail*",
    ),
    (
        "dining",
        "en",
        HINT,
        "tea, coffee, chicken, fish, pork, sauce, coke, drinks, beverage*, service charge, serv "
        "chg, srv chg, svc charge",
    ),
    (
        "dining",
        "de",
        TRADE,
        "restaurant*, gaststatte*, gasthaus, gasthof, wirtshaus, kneipe, imbiss, pizzeria, "
        "cafe, konditorei, kantine, bistro, brauhaus, biergarten, speiselokal",
    ),
    (
        "dining",
        "de",
        GOODS,
        "tisch, bewirtung*, speisen, getranke, hauptgericht, vorspeise, nachspeise, menu, "
        "mittagessen, abendessen, fruhstuck, trinkgeld, bedienung",
    ),
    (
        "dining",
        "fr",
        TRADE,
        "restaurant*, brasserie, bistrot, cafe, creperie, pizzeria, traiteur, salon de the, bar "
        "tabac, restauration",
    ),
    (
        "dining",
        "fr",
        GOODS,
        "table, couverts, plat du jour, entree, dessert, menu, formule, repas, dejeuner, diner, "
        "boissons, pourboire",
    ),
    (
        "dining",
        "nl",
        TRADE,
        "restaurant*, eetcafe, eethuis, brasserie, cafetaria, snackbar, lunchroom, "
        "pannenkoekenhuis, grillroom",
    ),
    (
        "dining",
        "nl",
        GOODS,
        "tafel, maaltijd, lunch, diner, drankjes, fooi, bediening",
    ),
    (
        "dining",
        "ms",
        TRADE,
        "restoran, kedai makan, warung, gerai, kopitiam, kafe, medan selera, nasi kandar, "
        "mamak, kedai kopi, masakan",
    ),
    (
        "dining",
        "ms",
        GOODS,
        "meja, bungkus, tapau, makan, minum, minuman, nasi lemak, nasi goreng, mee goreng, mi "
        "goreng, roti canai, teh tarik, teh ais, teh o, kopi o, kopi, teh, milo, cham, ais, "
        "sup, lauk, sayur campur, kuih, laksa, cendol, rojak, satay, sate, char kway teow, kuey "
        "teow, wantan, wan tan, chee cheong fun, thosai, tosai, capati, chapati, murtabak, nasi "
        "kerabu, mee rebus, mee siam, bak kut teh, air sejuk, air suam, sirap, limau, bandung, "
        "roti bakar, nasi campur, teh c, kopi c",
    ),
    (
        "dining",
        "ms",
        HINT,
        "caj perkhidmatan",
    ),
    (
        "dining",
        "brand",
        TRADE,
        "mcdonald*, kfc, burger king, subway, starbucks, dominos, domino s, pizza hut, texas "
        "chicken, marrybrown, secret recipe, oldtown, papparich, tealive, chatime, coolblog, "
        "gong cha, tim hortons, costa coffee, dunkin, sushi king, sukiya, nando s, chili s, tgi "
        "friday*, zus coffee, kenny rogers, baskin robbins, wendy s, five guys, vapiano, "
        "nordsee, le pain quotidien, pret a manger, wagamama",
    ),
    # -- transport ---------------------------------------------------------------------------
    (
        "transport",
        "en",
        TRADE,
        "petrol station, filling station, gas station, service station, petrol, fuel*, "
        "petrokiosk, petro kiosk, parking, car park, carpark, cab, limousine, car rental, car "
        "hire, rent a car, car wash, carwash, tyre*, tire shop, auto service, autoservice, "
        "workshop, motor*, automotive, garage, toll*, railway*, rail, bus, coach, ferry, e "
        "hailing, taxi, taxis, taxicab, petromart, *petromart, metro station",
    ),
    (
        "transport",
        "en",
        GOODS,
        "diesel, unleaded, ron95, ron 95, ron97, ron 97, pump, fuelsave, v power, primax, "
        "dynamic diesel, euro 5, parking fee, parking time, entry time, exit time, paid time, "
        "parking ticket, ride, trip fare, fare, mileage, kilometer*, kilometre*, engine oil, "
        "oil change, tyres, battery replacement, brake*, wiper*, road tax, tolls, toll fee",
    ),
    (
        "transport",
        "en",
        HINT,
        "litre, litres, liter, km",
    ),
    (
        "transport",
        "de",
        TRADE,
        "tankstelle*, parkhaus, parkplatz, tiefgarage, *taxi, taxiunternehmen, autovermietung, "
        "mietwagen, werkstatt*, autohaus, kfz werkstatt, reifen*, waschstrasse, bahn, "
        "verkehrsbetriebe, taxi",
    ),
    (
        "transport",
        "de",
        GOODS,
        "kraftstoff*, benzin, super e10, e10, super plus, *diesel, tanken, parkgebuhr*, "
        "parkschein, parken, fahrt, taxifahrt, stadtfahrt, fahrpreis, fahrkarte*, fahrschein*, "
        "*fahrt, kilometer, inspektion, olwechsel, maut",
    ),
    (
        "transport",
        "fr",
        TRADE,
        "station service, parking, garage, location de voiture, peage*, sncf, ratp, taxi",
    ),
    (
        "transport",
        "fr",
        GOODS,
        "carburant*, essence, gazole, sans plomb, sp95, sp98, stationnement, course, trajet, "
        "billet de train, vidange",
    ),
    (
        "transport",
        "nl",
        TRADE,
        "tankstation, parkeergarage, parkeren, autoverhuur, garagebedrijf, ns reizigers, taxi",
    ),
    (
        "transport",
        "nl",
        GOODS,
        "brandstof, benzine, euro 95, parkeerkosten, rit, ritprijs",
    ),
    (
        "transport",
        "ms",
        TRADE,
        "stesen minyak, letak kereta, tempat letak kereta, bengkel*, teksi, kereta sewa, cuci "
        "kereta, tayar, tol",
    ),
    (
        "transport",
        "ms",
        GOODS,
        "minyak petrol, petrol, diesel, bayaran parkir, parkir, tambang",
    ),
    (
        "transport",
        "brand",
        TRADE,
        "shell, petronas, petron, caltex, bhpetrol, esso, aral, totalenergies, jet tankstelle, "
        "avia, agip, texaco, chevron, grab, uber, lyft, touch n go, tng, smart tag, plus "
        "malaysia, rapidkl, mrt, lrt, ktm, deutsche bahn, db fernverkehr, sixt, hertz, "
        "europcar, enterprise rent",
    ),
    # -- travel ------------------------------------------------------------------------------
    (
        "travel",
        "en",
        TRADE,
        "hotel*, motel, resort*, hostel*, inn, lodge, guest house, guesthouse, homestay, bed "
        "and breakfast, airline*, airways, air lines, travel*, tour*, holiday*, cruise*, chalet",
    ),
    (
        "travel",
        "en",
        GOODS,
        "room charges, room charge, room rate, rooms, room, night, nights, check in, check out, "
        "checkin, checkout, booking id, reservation, guest name, flight*, boarding pass, "
        "baggage, luggage, airfare, air fare, itinerary, accommodation, tourism tax, city tax, "
        "airport",
    ),
    (
        "travel",
        "en",
        HINT,
        "booking",
    ),
    (
        "travel",
        "de",
        TRADE,
        "hotel*, pension, gasthof, ferienwohnung, reiseburo, reisen, jugendherberge, "
        "fluggesellschaft, flughafen",
    ),
    (
        "travel",
        "de",
        GOODS,
        "ubernachtung*, zimmer, fruhstuck inklusive, flug*, kurtaxe, anreise",
    ),
    (
        "travel",
        "fr",
        TRADE,
        "hotel*, auberge, gite, agence de voyage*, compagnie aerienne",
    ),
    (
        "travel",
        "fr",
        GOODS,
        "nuitee*, chambre, sejour, vol, taxe de sejour, reservation",
    ),
    (
        "travel",
        "nl",
        TRADE,
        "hotel*, reisbureau, vakantiepark, camping",
    ),
    (
        "travel",
        "nl",
        GOODS,
        "overnachting*, kamer, vlucht*, toeristenbelasting, verblijf",
    ),
    (
        "travel",
        "ms",
        TRADE,
        "hotel*, rumah tumpangan, chalet, agensi pelancongan, pelancongan",
    ),
    (
        "travel",
        "ms",
        GOODS,
        "bilik, penginapan, tiket penerbangan, penerbangan, cukai pelancongan",
    ),
    (
        "travel",
        "brand",
        TRADE,
        "airbnb, booking com, agoda, expedia, trivago, hilton, marriott, hyatt, ibis, novotel, "
        "accor, holiday inn, sheraton, radisson, airasia, malaysia airlines, firefly, malindo, "
        "lufthansa, eurowings, air france, klm, transavia, ryanair, easyjet, british airways, "
        "emirates, singapore airlines",
    ),
    # -- utilities ---------------------------------------------------------------------------
    (
        "utilities",
        "en",
        TRADE,
        "electricity, power company, energy*, utility, utilities, water supply, water bill, gas "
        "supply, telecom*, telecommunication*, broadband, internet service, mobile operator, "
        "isp",
    ),
    (
        "utilities",
        "en",
        GOODS,
        "kwh, kilowatt*, electricity usage, meter reading, tariff, fibre, fiber, mobile plan, "
        "postpaid, prepaid, reload, top up, topup, data plan, line rental, phone bill, "
        "landline, sewerage",
    ),
    (
        "utilities",
        "en",
        HINT,
        "internet, meter",
    ),
    (
        "utilities",
        "de",
        TRADE,
        "stadtwerke, energieversorger, *energie, stromversorger, wasserversorgung, "
        "netzbetreiber, telekommunikation",
    ),
    (
        "utilities",
        "de",
        GOODS,
        "strom, *strom, stromverbrauch, gas, erdgas, fernwarme, wasserverbrauch, abwasser, "
        "zahlpunkt, zahlerstand, okosteuer, wirkarbeit, blindarbeit, netzentgelt*, grundgebuhr, "
        "mobilfunk, festnetz, dsl, internetanschluss, glasfaser",
    ),
    (
        "utilities",
        "fr",
        TRADE,
        "fournisseur d energie, operateur",
    ),
    (
        "utilities",
        "fr",
        GOODS,
        "electricite, gaz, eau, consommation, abonnement electricite, haut debit, freebox, box "
        "internet, fibre optique, forfait*, telephonie, communications, ligne fixe",
    ),
    (
        "utilities",
        "nl",
        GOODS,
        "stroom, elektriciteit, energie, gas, netbeheer*, glasvezel, mobiel abonnement",
    ),
    (
        "utilities",
        "ms",
        GOODS,
        "bil elektrik, elektrik, bil air, air bersih, pembetungan, bil telefon, talian, tambah "
        "nilai",
    ),
    (
        "utilities",
        "brand",
        TRADE,
        "tnb, tenaga nasional, syabas, air selangor, indah water, telekom malaysia, tm net, "
        "unifi, streamyx, maxis, celcom, digi, u mobile, yes 4g, time fibre, vodafone, telekom "
        "deutschland, o2, e on, eon energie, vattenfall, enbw, rwe, edf, engie, sfr, bouygues "
        "telecom, free mobile, kpn, ziggo, t mobile, eneco, essent, greenchoice",
    ),
    # -- housing -----------------------------------------------------------------------------
    (
        "housing",
        "en",
        TRADE,
        "property management, letting agent, landlord, realty, realties, real estate, estate "
        "agent, management corporation, joint management body, strata",
    ),
    (
        "housing",
        "en",
        GOODS,
        "rent, rental of premises, monthly rent, house rent, room rent, tenancy, lease of "
        "premises, deposit rent, maintenance fee, sinking fund, service charge apartment, "
        "mortgage, home loan, property tax, council tax, assessment tax, quit rent",
    ),
    (
        "housing",
        "de",
        TRADE,
        "vermieter, hausverwaltung, immobilien*, wohnungsbau*",
    ),
    (
        "housing",
        "de",
        GOODS,
        "miete, *miete, kaltmiete, warmmiete, nebenkosten*, hausgeld, wohnung, mietwohnung, "
        "wohngebaude*, kaution, grundsteuer, hausverwaltung",
    ),
    (
        "housing",
        "fr",
        TRADE,
        "agence immobiliere, immobilier, bailleur",
    ),
    (
        "housing",
        "fr",
        GOODS,
        "loyer, charges locatives, bail, syndic, taxe fonciere, logement",
    ),
    (
        "housing",
        "nl",
        TRADE,
        "verhuurder, woningcorporatie, makelaar*",
    ),
    (
        "housing",
        "nl",
        GOODS,
        "huur, huurprijs, servicekosten, woning, hypotheek",
    ),
    (
        "housing",
        "ms",
        TRADE,
        "hartanah, badan pengurusan bersama, pemaju",
    ),
    (
        "housing",
        "ms",
        GOODS,
        "sewa rumah, sewa bilik, sewa bulanan, cukai pintu, cukai tanah",
    ),
    # -- home --------------------------------------------------------------------------------
    (
        "home",
        "en",
        TRADE,
        "hardware*, ironmonger*, diy, d i y, home improvement, home centre, home center, home "
        "deco, homeware*, housewares, household, furniture*, furnishing*, timber, building "
        "material*, electrical, plumbing, paint shop, lighting, garden centre, garden center, "
        "kitchenware, machinery, paint store, paints",
    ),
    (
        "home",
        "en",
        GOODS,
        "screw*, nail, nails, bolt*, drill*, hammer, spanner*, wrench*, plier*, screwdriver*, "
        "chisel, scraper, tool*, toolbox, silicone, sealant, epoxy, putty, glue gun, cement, "
        "sand, brick*, tile*, plywood, plank*, ceiling, pipe, pvc, hose, tap, faucet, basin, "
        "sink, toilet, shower, valve, socket, plug, wallplug, extension, cable tie*, cable, "
        "wire, bulb, led, lamp, batter*, paint*, spray paint, brush*, roller, mop, broom, "
        "bucket, pail, sponge*, steel wool, scrub*, hanger*, coat hanger*, hook*, padlock, "
        "lock, door, cushion, pillow*, bedsheet*, bed sheet, blanket, towel*, curtain*, "
        "mattress, sofa, chair, table lamp, shelf, shelves, wardrobe, drawer*, colander, pot, "
        "pan, wok, kettle, glassware, plate*, bowl*, cutlery, spoon*, knife, knives, tray, "
        "container*, storage box, garbage bag*, trash bag*, bin, dustbin, iron, fan, mosquito*, "
        "insecticide, gloves, glove, ladder, pot plant, soil, fertili*, light, lights, plant, "
        "plants, thinner, paint thinner, coating*, varnish, primer, lacquer, gallon, key "
        "cutting",
    ),
    (
        "home",
        "en",
        HINT,
        "bag, bags, tape, aluminium, steel, rod, home, switch, key, keys",
    ),
    (
        "home",
        "de",
        TRADE,
        "baumarkt*, heimwerker*, eisenwaren*, mobel*, *mobel, einrichtung*, haushaltswaren*, "
        "gartencenter, gartenmarkt, raumausstatter, elektrofachhandel",
    ),
    (
        "home",
        "de",
        GOODS,
        "schrauben, dubel, werkzeug*, bohrer, hammer, farbe*, pinsel, tapete*, lampe*, "
        "leuchtmittel, gluhbirne, moebel, stuhl, tisch, regal*, schrank*, matratze, kissen, "
        "handtuch*, bettwasche, topf, pfanne, geschirr, besteck, staubsauger, putzmittel, "
        "reiniger, blumenerde, pflanze*",
    ),
    (
        "home",
        "fr",
        TRADE,
        "bricolage, quincaillerie, magasin de meubles, ameublement, meubles, droguerie, "
        "jardinerie, decoration maison",
    ),
    (
        "home",
        "fr",
        GOODS,
        "vis, outils, outillage, peinture, pinceau, ampoule*, lampe*, chaise, table basse, "
        "etagere*, armoire, matelas, coussin*, serviette*, casserole*, poele, vaisselle, gazon, "
        "plante*",
    ),
    (
        "home",
        "nl",
        TRADE,
        "bouwmarkt*, ijzerwaren*, woonwinkel, meubel*, woninginrichting, tuincentrum, "
        "huishoud*, doe het zelf",
    ),
    (
        "home",
        "nl",
        GOODS,
        "schroeven, gereedschap*, verf*, kwast*, lamp*, stoel*, matras, kussen*, handdoek*, "
        "pannen, servies, bestek, planten, kast, kasten",
    ),
    (
        "home",
        "ms",
        TRADE,
        "perkakasan, perabot*, kedai papan, papan, kedai besi, besi, barangan rumah, barangan "
        "elektrik, kelengkapan rumah, dekorasi rumah",
    ),
    (
        "home",
        "ms",
        GOODS,
        "simen, pasir, paku, skru, cat dinding, paip, penyapu, baldi, sarung tangan, tilam, "
        "bantal, langsir, kerusi, almari, periuk, kuali, pinggan, mangkuk, beg sampah",
    ),
    (
        "home",
        "brand",
        TRADE,
        "mr diy, mr d i y, ikea, index living mall, harvey norman, homepro, eco shop, daiso, "
        "japan home, home depot, lowe s, b q, wickes, obi, bauhaus, hornbach, toom, hagebau, "
        "globus baumarkt, leroy merlin, castorama, brico, bricomarche, mr bricolage, karwei, "
        "hubo, xenos, blokker, hema, kwantum, jysk, maisons du monde, conforama",
    ),
    # -- office ------------------------------------------------------------------------------
    (
        "office",
        "en",
        TRADE,
        "stationery, stationer*, bookshop*, bookstore*, book store, book centre, bookcentre, "
        "book center, book co, books, newsagent*, office supplies, office supply, office "
        "products, print shop, printing, printers, copy centre, copy center, photocopy*",
    ),
    (
        "office",
        "en",
        GOODS,
        "a4, a3, a5, 70gsm, 80gsm, 120gsm, copier paper, copy paper, photocopy paper, paper "
        "ream, ream, envelope*, pen, pens, ballpoint, gel pen, pencil*, marker*, highlighter*, "
        "eraser*, correction tape, c tape, ruler, scissors, stapler*, staple*, paper clip*, "
        "binder*, file, files, folder*, laminating, lamination, notebook*, note book, exercise "
        "book, book, diary, calendar, sticky note*, post it, thumb tack*, push pin*, ink, "
        "toner, cartridge*, printer ink, receipt book, calculator, glue stick, uhu, tape "
        "dispenser, label*, colour copy, color copy, printing, binding, business card*, card "
        "stock, manila, crayon*, watercolour, art supplies, print, clip, clips, bulldog clip*",
    ),
    (
        "office",
        "en",
        HINT,
        "tape, paper, card, copy, magazine*",
    ),
    (
        "office",
        "de",
        TRADE,
        "burobedarf, schreibwaren*, buchhandlung*, buchhandel, copyshop, druckerei*, "
        "burotechnik, papeterie",
    ),
    (
        "office",
        "de",
        GOODS,
        "kopierpapier, papier, *papier, ordner, briefumschlag*, kugelschreiber, bleistift*, "
        "textmarker, heftklammer*, locher, druckerpatrone*, toner, etiketten, notizblock, buch, "
        "bucher, kalender",
    ),
    (
        "office",
        "fr",
        TRADE,
        "papeterie, librairie, fournitures de bureau, fournitures, imprimerie, reprographie",
    ),
    (
        "office",
        "fr",
        GOODS,
        "ramette, papier, enveloppe*, stylo*, crayon*, classeur*, agrafe*, cartouche*, cahier*, "
        "livre*, impression*, photocopie*",
    ),
    (
        "office",
        "nl",
        TRADE,
        "kantoorartikelen, kantoorboekhandel, boekhandel, drukkerij",
    ),
    (
        "office",
        "nl",
        GOODS,
        "papier, printpapier, enveloppen, pennen, potlood, map*, boek*",
    ),
    (
        "office",
        "ms",
        TRADE,
        "alat tulis, kedai buku, buku, percetakan, cetakan, fotokopi, kertas",
    ),
    (
        "office",
        "ms",
        GOODS,
        "pen, pensel, pemadam, gam, fail, sampul surat, dakwat",
    ),
    (
        "office",
        "brand",
        TRADE,
        "popular book, popular bookstore, mph, times bookstores, kinokuniya, borders, "
        "bookxcess, faber castell, staples, office depot, viking, bruneau, thalia, hugendubel, "
        "mcpaper, fnac livres, bruna",
    ),
    # -- health ------------------------------------------------------------------------------
    (
        "health",
        "en",
        TRADE,
        "pharmacy, pharmacies, pharmaceutical*, pharma, chemist*, drugstore, dispensary, "
        "clinic*, medical, medical centre, hospital*, healthcare, health care, health, dental*, "
        "dentist*, doctor*, physiotherap*, physio, therap*, optical, optician*, optometr*, "
        "laboratory, lab test, wellness, personal care",
    ),
    (
        "health",
        "en",
        GOODS,
        "medicine*, medication, prescription*, tablets, capsule*, vitamin*, supplement*, "
        "paracetamol, panadol, ointment, lotion, bandage*, antiseptic, face mask*, mask, "
        "sanitizer, thermometer, glove, gloves, nitrile, latex, consultation, treatment*, eye "
        "drop*, contact lens*, spectacles, baby wipes, cotton buds, cotton wool, plaster, "
        "plasters",
    ),
    (
        "health",
        "en",
        HINT,
        "cream, syrup, wipes, shampoo, toothpaste, toothbrush, deodorant, sunscreen, moisturi*, "
        "hand wash, handwash",
    ),
    (
        "health",
        "de",
        TRADE,
        "apotheke*, arztpraxis, praxis fur, arzt, arztin, zahnarzt*, krankenhaus, klinik*, "
        "physiotherap*, krankengymnast*, heilpraktiker*, optiker, drogerie*, sanitatshaus",
    ),
    (
        "health",
        "de",
        GOODS,
        "physiotherapie, behandlung*, therapie, verordnung, rezept, medikament*, arznei*, "
        "hausbesuch, massage, krankengymnastik, heilmittel*",
    ),
    (
        "health",
        "fr",
        TRADE,
        "pharmacie, parapharmacie, cabinet medical, medecin, dentiste, kinesitherapeute, kine, "
        "clinique, hopital, opticien, laboratoire",
    ),
    (
        "health",
        "fr",
        GOODS,
        "consultation, ordonnance, medicament*, soins, seance*",
    ),
    (
        "health",
        "nl",
        TRADE,
        "apotheek, drogist*, huisarts*, tandarts*, fysiotherap*, ziekenhuis, kliniek, opticien",
    ),
    (
        "health",
        "nl",
        GOODS,
        "behandeling*, consult, medicijn*, recept",
    ),
    (
        "health",
        "ms",
        TRADE,
        "farmasi, klinik, hospital, pergigian, kesihatan, ubat ubatan, kedai ubat, pusat "
        "perubatan, perubatan",
    ),
    (
        "health",
        "ms",
        GOODS,
        "ubat, rawatan, suplemen, topeng muka",
    ),
    (
        "health",
        "brand",
        TRADE,
        "watsons, watson s, guardian, caring pharmacy, alpro, big pharmacy, healthlane, "
        "superdrug, dm drogerie, rossmann, muller drogerie, etos, kruidvat, da drogist, cvs, "
        "walgreens, specsavers, fielmann",
    ),
    # -- shopping ----------------------------------------------------------------------------
    (
        "shopping",
        "en",
        TRADE,
        "department store*, retailer, boutique*, fashion, apparel, clothing, garment*, "
        "textile*, tailor*, shoe store, footwear, electronics, gadget*, mobile shop, phone "
        "shop, camera shop, sports, sporting goods, toys, toy store, gift*, souvenir*, jewel*, "
        "watches, cosmetic*, beauty, perfume*, handicraft*, craft*, online shop*, marketplace, "
        "e commerce, webshop",
    ),
    (
        "shopping",
        "en",
        GOODS,
        "shirt*, t shirt, tshirt, blouse, dress, skirt, trousers, pants, jeans, jacket*, socks, "
        "sock, belt, shoes, shoe, sneaker*, sandal*, slipper*, handbag*, wallet, hat, scarf, "
        "underwear, bra, laptop*, notebook pc, macbook*, ipad*, iphone*, tablet pc, "
        "smartphone*, phone case, screen protector, charger*, adapter*, usb, hdmi cable, memory "
        "card*, sd card, microsd*, microsdhc, flash drive, hard disk, ssd, headphone*, "
        "earphone*, earbuds, speaker*, keyboard, mouse, monitor, television, tv, console, "
        "nintendo*, playstation, xbox, camera*, watch, perfume, lipstick, make up, makeup, "
        "serum, skincare, lego, sewing, fabric, ribbon*, backpack*, luggage bag, umbrella, "
        "sunglasses, imei, retail*, toy, toys, doll, dolls, game, games, laptop sleeve, "
        "moisture, moisturiser, moisturizer, cleanser, sunblock, bb cream, cc cream, mascara, "
        "eyeliner, eyeshadow, blusher, foundation, concealer, nail polish, lip balm, lip gloss, "
        "sheet mask, skin care, toner pad*",
    ),
    (
        "shopping",
        "en",
        HINT,
        "warranty, serial number, accessor*, button*, thread",
    ),
    (
        "shopping",
        "de",
        TRADE,
        "kaufhaus, warenhaus, bekleidung*, modehaus, mode, schuhhaus, schuhgeschaft, "
        "elektronikmarkt, elektronik, versandhandel, onlineshop, spielwaren*, parfumerie*, "
        "juwelier*, sportgeschaft",
    ),
    (
        "shopping",
        "de",
        GOODS,
        "hemd, hose, jacke, kleid, schuhe, socken, gurtel, tasche, handy, smartphone, laptop, "
        "speicherkarte, kopfhorer, fernseher, spielzeug, seriennummer, garantie",
    ),
    (
        "shopping",
        "fr",
        TRADE,
        "grand magasin, vetements, pret a porter, chaussures, magasin, electronique, "
        "informatique, parfumerie, bijouterie, jouets, boutique en ligne",
    ),
    (
        "shopping",
        "fr",
        GOODS,
        "chemise, pantalon, robe, veste, chaussettes, ceinture, sac, ordinateur, portable, "
        "telephone portable, ecouteur*, telechargement, garantie",
    ),
    (
        "shopping",
        "nl",
        TRADE,
        "warenhuis, kledingwinkel, kleding, schoenenwinkel, elektronicawinkel, webwinkel, "
        "speelgoed*, parfumerie",
    ),
    (
        "shopping",
        "nl",
        GOODS,
        "hemd, broek, jurk, jas, schoenen, sokken, riem, tas, laptop, telefoon, hoesje, "
        "oplader, koptelefoon",
    ),
    (
        "shopping",
        "ms",
        TRADE,
        "kedai pakaian, pakaian, butik, kasut, kedai kasut, kedai elektronik, elektronik, kedai "
        "telefon, kedai hadiah, cenderamata, barang kemas, kosmetik, kraftangan, jahitan, "
        "tekstil, gedung",
    ),
    (
        "shopping",
        "ms",
        GOODS,
        "baju, seluar, tudung, kain, stokin, tali pinggang, beg tangan",
    ),
    (
        "shopping",
        "brand",
        TRADE,
        "uniqlo, zara, h and m, cotton on, padini, brands outlet, bata, vincci, nike, adidas, "
        "decathlon, sports direct, parkson, metrojaya, isetan, sogo, senheng, senq, harvey "
        "norman, switch store, courts mammoth, apple store, samsung, xiaomi, amazon, lazada, "
        "shopee, zalando, mediamarkt, media markt, saturn, galeria, karstadt, primark, tk maxx, "
        "c and a, bol com, wehkamp, bijenkorf, fnac, darty, cdiscount, galeries lafayette, "
        "currys, argos, john lewis, marks and spencer, best buy, innisfree, sephora, sasa, "
        "saeco",
    ),
    # -- services ----------------------------------------------------------------------------
    (
        "services",
        "en",
        TRADE,
        "insurance*, insurer, assurance, underwriter*, consult*, advisory, solicitor*, lawyer*, "
        "law firm, legal, attorney*, accountant*, accounting, audit*, tax agent, notary, "
        "agency, agencies, design studio, studio, software, hosting, cloud, web services, it "
        "services, managed services, saas, telemarketing, marketing agency, digital marketing, "
        "advertising, publishing, publication*, printing services, courier*, logistic*, "
        "freight, delivery service, cleaning, laundry, dry clean*, launderette, salon, barber*, "
        "hairdress*, spa, repair*, servicing, maintenance, technician*, contractor*, "
        "installation, engineering, security services, *hosting, locksmith*, key maker, key "
        "duplicat*",
    ),
    (
        "services",
        "en",
        GOODS,
        "policy number, coverage, liability, subscription*, license*, licence*, membership fee, "
        "annual fee, service fee, service fees, professional fee*, consultation fee, usage "
        "charges, billing period, compute, storage service, data transfer, instance*, domain, "
        "ssl, mailbox, labour, labor, man hours, workmanship, repair, repairs, cleaning, "
        "installation, haircut, shampoo and cut, design, artwork, commission, brokerage",
    ),
    (
        "services",
        "en",
        HINT,
        "hours, hour, hourly, fee, fees, premium",
    ),
    (
        "services",
        "de",
        TRADE,
        "*versicherung, versicherungs*, versicherer, *versicherungsverein, beratung*, "
        "unternehmensberatung, steuerberat*, rechtsanwalt*, kanzlei, notar*, "
        "wirtschaftsprufer*, dienstleistung*, reinigung*, gebaudereinigung, handwerk*, "
        "montage*, monteur*, elektriker, installateur, friseur*, werbeagentur, agentur, "
        "hosting, rechenzentrum, *monteur, versicherung",
    ),
    (
        "services",
        "de",
        GOODS,
        "beitrag*, beitragsrechnung, *beitrag, haftpflicht*, *haftpflicht, vollkasko, "
        "teilkasko, versicherungssteuer, kfz haftpflicht, gebuhr*, *gebuhr, honorar*, "
        "arbeitszeit, arbeitsstunde*, stunde, stunden, anfahrt, montage, lohn*, *gestaltung, "
        "gestaltung, entwurf, wartung*, reparatur*, lizenz*, abonnement",
    ),
    (
        "services",
        "de",
        HINT,
        "std",
    ),
    (
        "services",
        "fr",
        TRADE,
        "assurance*, assureur, mutuelle, conseil*, avocat*, expert comptable, comptab*, "
        "notaire, agence, nettoyage, pressing, coiffure, coiffeur, reparation*, depannage, "
        "publication",
    ),
    (
        "services",
        "fr",
        GOODS,
        "cotisation*, honoraires, abonnement, main d oeuvre, intervention, prestation*, forfait "
        "intervention",
    ),
    (
        "services",
        "fr",
        HINT,
        "frais, prime",
    ),
    (
        "services",
        "nl",
        TRADE,
        "verzekering*, *verzekering, verzekeraar, advies*, adviesbureau, accountant*, "
        "advocaat*, notaris, schoonmaak*, reparatie*, kapper*, dienstverlening, hosting",
    ),
    (
        "services",
        "nl",
        GOODS,
        "premie, polis, abonnement, licentie*, uren, arbeidsloon, werkzaamheden, onderhoud, "
        "administratiekosten",
    ),
    (
        "services",
        "ms",
        TRADE,
        "insurans, takaful, perunding, guaman, peguam, akauntan, perkhidmatan, dobi, kedai "
        "gunting, gunting rambut, servis, pembaikan, baik pulih",
    ),
    (
        "services",
        "ms",
        GOODS,
        "yuran, premium, upah, langganan",
    ),
    (
        "services",
        "brand",
        TRADE,
        "amazon web services, microsoft azure, google cloud, digitalocean, hetzner, ionos, ovh, "
        "strato, godaddy, dropbox, adobe, atlassian, github, netflix, spotify, allianz, axa, "
        "generali, ergo, huk coburg, prudential, great eastern, etiqa, aia, zurich, dhl, fedex, "
        "ups, pos laju, gdex, j t express, ninja van",
    ),
)

# Phrases that say nothing of the category but hold words that would: matched first, they
# hide the words in them ("goods and services tax" is no service, "thank you for shopping"
# no shop, "customer service" printed by any seller).
STOPS = (
    "referenzpapier, goods and services tax, goods services tax, goods and services, "
    "products and services, "
    "cukai barang dan perkhidmatan, barang dan perkhidmatan, computer generated, computer "
    "generated invoice, electronic invoice, customer service, customer services, customer care, "
    "kundenservice, kundendienst, service client, service clients, service abonne, thank you "
    "for shopping, thank you for your patronage, shopping hours, bank account, bank name, "
    "registered office, head office, corporate office, free shipping, free delivery, powered "
    "by, returns policy, return policy"
)

# Address words: the words that follow these (``JALAN PASAR``, ``Taman Perubatan``, ``rue de la
# Gare``), or precede those (``Mill Road``, ``Erfurter Strasse``), name a place, not a trade,
# and are not counted.
ADDRESS_BEFORE = (
    "jalan, jln, lorong, lrg, persiaran, lebuh, lebuhraya, taman, tmn, kampung, kampong, kg, "
    "bandar, bdr, seksyen, rue, avenue, boulevard, chemin, allee, impasse, quai"
)
ADDRESS_AFTER = "street, st, road, rd, avenue, ave, lane, strasse, str, straat, laan, weg"
