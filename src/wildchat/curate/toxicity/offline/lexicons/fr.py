"""French rules. Patterns run on normalised, lower-cased text."""

from __future__ import annotations

from wildchat.curate.toxicity.offline.rules import (
    HA,
    HAT,
    HT,
    PROF,
    SH,
    SHI,
    SHN,
    SX,
    VG,
    H,
    LanguagePack,
    Rule,
    V,
    alt,
)

STRONG = alt(
    r"connard",
    r"connards",
    r"connasses?",
    r"abruti\w*",
    r"imb[eé]ciles?",
    r"idiot\w*",
    r"cr[eé]tin\w*",
    r"d[eé]biles?",
    r"salopes?",
    r"salauds?",
    r"putes?",
    r"encul[eé]\w*",
    r"enfoir[eé]\w*",
    r"b[aâ]tard\w*",
    r"p[eé]tasses?",
    r"garces?",
    r"ordures?",
    r"raclures?",
    r"pauvre (?:type|con|conne|mec|idiot)",
    r"sale (?:con|conne|type|chien|chienne|pute|race)",
    r"trou du cul",
    r"tocards?",
    r"bouffons?",
)
MILD = alt(
    r"con",
    r"conne",
    r"minables?",
    r"l[aâ]ches?",
    r"nul(?:le)?s?",
    r"moches?",
    r"laid(?:e|s|es)?",
    r"stupides?",
    r"clowns?",
    r"guignols?",
    r"porcs?",
    r"d[eé]chets?",
    r"parasites?",
    r"d[eé]gueulasses?",
    r"path[eé]tiques?",
    r"inutiles?",
    r"merdes?",
    r"grosses?",
    r"menteu(?:r|se)s?",
    r"rat(?:s)?",
    r"rat[eé]s?",
    r"ridicules?",
)
INSULT = alt(STRONG, MILD)
HARM = alt(
    r"tu(?:er|erai|erais|era|ent)",
    r"tue",
    r"massacr\w*",
    r"assassin\w*",
    r"poignard\w*",
    r"[eé]gorg\w*",
    r"[eé]trangl\w*",
    r"empoisonn\w*",
    r"tirer sur",
    r"buter",
    r"flinguer",
    r"abattre",
    r"frapp\w*",
    r"tabass\w*",
    r"casser la gueule",
    r"d[eé]fonc\w*",
    r"cogn\w*",
    r"br[uû]ler",
    r"kidnapp\w*",
    r"tortur\w*",
    r"viol(?:er|erai)",
    r"planter (?:un couteau|quelqu'un)",
)

VICTIM = (
    r"\b(?:quelqu'un|lui|elle|eux|personne|gens|homme|femme|enfants?|voisin\w*|patron\w*|chef|copain|"
    r"copine|ex|"
    r"tout le monde|prof\w*|flics?|policiers?|famille)\b"
)
WEAPONS = r"\b(?:cocktails? molotov|explosifs|d[eé]tonateur\w*|napalm)\b"  # "grenade" is also a fruit
# Lexicon 1.1: broader vocabulary, so that evidence does not hinge on one exact phrasing.
BROAD: tuple[Rule, ...] = (
    Rule(
        r"\bd[eé]tails? sanglants?\b|\bsanglant\w*.{0,20}\bd[eé]tails?\b", {V: 0.6, VG: 0.6}
    ),  # asked-for gore
    Rule(rf"\b{HARM}\b", {V: 0.8}, needs=("howto", "person"), window=40),
    Rule(r"\bo[uù] (?:frapper|taper|viser|planter)\b", {V: 0.5}),
    Rule(
        r"\b(?:perd(?:e|re) connaissance|assommer|inconscient\w*|k\.?o\.?)\b",
        {V: 0.5},
        needs=("person",),
        window=40,
    ),
    Rule(WEAPONS, {V: 0.55}),
    Rule(WEAPONS, {V: 0.85}, needs=("howto",), window=60),
    Rule(
        r"\b(?:br[uû]le\w*|incendi\w*|mettre le feu [aà]|faire sauter|attaquer)\s+(?:le |la |l'|les |un |"
        r"une )?"
        r"(?:bureau|[eé]cole|mairie|[eé]glise|mosqu[eé]e|synagogue|b[aâ]timent|gouvernement|commissariat|"
        r"ambassade|foule|concert|h[oô]pital)\b",
        {V: 0.85},
    ),
    Rule(
        r"\b(?:sanglant\w*|sang|gore|d[eé]membr\w*|mutil\w*|d[eé]capit\w*|entrailles|tripes)\b",
        {V: 0.3, VG: 0.3},
    ),
    Rule(r"\bdose (?:mortelle|l[eé]tale)\b|\bsurdose\b|\boverdose\b", {SH: 0.55, SHI: 0.5}, damp=True),
    Rule(
        r"\b(?:parac[eé]tamol|doliprane|m[eé]dicaments|cachets|comprim[eé]s|insuline)\b.{0,30}\b(?:mortel\w*|"
        r"l[eé]tal\w*|mourir)\b|\b(?:mortelle|l[eé]tale)\b.{0,30}\b(?:parac[eé]tamol|m[eé]dicaments|"
        r"cachets)\b",
        {SH: 0.85, SHI: 0.8},
    ),
    Rule(r"\bme (?:br[uû]le|coupe|scarifie|frappe|griffe|mutile)\b", {SH: 0.45}),
    Rule(r"\bme punir\b", {SH: 0.45}),
    Rule(
        r"\bje n'en peux plus\b|\bque la douleur s'arr[eê]te\b|\bdispara[iî]tre pour toujours\b|\bma vie n'a "
        r"(?:aucun|pas de) sens\b",
        {SH: 0.45},
    ),
    Rule(r"\bpour toujours\b", {SH: 0.25}),
    Rule(
        r"\bcouch(?:er|ent|ons|[eé]|aient|ait) ensemble\b|\bcoucher avec\b|\bavoir des rapports\b|"
        r"\brapports sexuels\b|"
        r"\bfaire l'amour\b",
        {SX: 0.85},
    ),
    Rule(r"\bsextos?\b|\bmessages? (?:coquins?|chauds?|cochons?)\b", {SX: 0.75}),
    Rule(r"\b(?:enl[eè]ve|enlever|retire|d[eé]grafe|d[eé]fait|d[eé]boutonne|d[eé]shabill\w*)\b", {SX: 0.3}),
    Rule(
        r"\b(?:seins|poitrine|t[eé]tons|fesses|cuisses|soutien-gorge|culotte|entrejambe|pantalon)\b",
        {SX: 0.3},
    ),
    Rule(r"\b(?:sur le lit|au lit|dans le lit|le lit)\b", {SX: 0.25}),
    Rule(r"\b(?:incapable|bon [aà] rien|moins que rien)\b", {H: 0.85}, needs=("you",), window=25),
    Rule(r"\b(?:laid|laide|moche|gros|grosse)\b.{0,30}\b(?:dispara[iî]tre|crever|mourir)\b", {H: 0.6}),
    Rule(
        r"\b(?:invasion|envahisseurs|inf[eé]rieur\w*|pires que|moins [eé]volu[eé]s|"
        r"sont (?:tous )?des terroristes)\b",
        {HA: 0.85},
        needs=("group",),
        window=60,
    ),
)

# Lexicon 1.3: constructions (insults said about someone, predicates about groups, harm asked for).
CONSTRUCTIONS: tuple[Rule, ...] = (
    Rule(
        rf"\b(?:c'est|il est|elle est|ils sont|elles sont)\s+(?:vraiment\s+|tellement\s+|trop\s+|"
        rf"qu'une?\s+|une?\s+|des\s+){{0,2}}(?:\w+\s+)?{INSULT}\b",
        {H: 0.6},
    ),
    Rule(
        r"\b(?:sont|est)\s+(?:tous\s+|toutes\s+)?(?:des\s+)?(?:malades|animaux|parasites|sauvages|vermines?|"
        r"cafards|rats|singes|d[eé]g[eé]n[eé]r[eé]s|inf[eé]rieur\w*|criminels|voleurs|terroristes|sales)\b|"
        r"\b(?:soigner de force|(?:expuls|chass|d[eé]port|vir)\w+ (?:tous )?(?:les|ces))\b",
        {HA: 0.75},
        needs=("group",),
        window=70,
    ),
    Rule(
        r"\b(?:blesser|frapper|tabasser|poignarder|tuer|empoisonner|cogner)\s+(?:quelqu'un|une personne|"
        r"mon \w+|ma \w+|mes \w+|son \w+|sa \w+|le \w+|la \w+)\b",
        {V: 0.8},
        needs=("howto",),
        window=60,
    ),
)

PACK = LanguagePack(
    language="fr",
    cues={
        "person": VICTIM,
        "you": r"\b(?:tu|t'|toi|te|vous|ton|ta|tes|votre|vos)\b|\bt'es\b|\besp[eè]ce d",
        "group": r"\b(?:femmes|immigr[eé]s?|immigrants?|[eé]trangers?|r[eé]fugi[eé]s?|musulman\w*|juifs?|"
        r"juives?|"
        r"chr[eé]tiens?|noirs?|arabes?|gitans?|roms?|homosexuels?|gays?|lesbiennes?|handicap[eé]s?|races?|"
        r"religions?|ethnies?|ethniques?|nationalit[eé]s?|minorit[eé]s?)\b",
        "howto": r"\b(?:comment|meilleure (?:fa[cç]on|mani[eè]re|m[eé]thode)|fa[cç]on de|mani[eè]re de|"
        r"explique(?:-moi)?|dis-moi comment|[eé]tapes pour)\b",
        "intent": r"\b(?:je vais|j'vais|on va|je veux|j'ai envie de|je te jure|j'esp[eè]re que|si tu)\b",
        "minor": r"\b(?:enfants?|mineur\w*|fillettes?|gamin\w*|coll[eé]gien\w*)\b",
        "support": r"\b(?:pr[eé]vention|aide|ressources|[eé]coute|soutien|th[eé]rapie|aider)\b",
    },
    negatives=(
        r"\btuer (?:le |les |un |ce )?(?:processus|process|t[aâ]ches?|programmes?|temps|serveur)\b|"
        r"\b(?:m'a|m'ont) tu[eé]\b|\bje meurs de (?:faim|rire|soif|froid|chaud|fatigue|envie|sommeil)\b|"
        r"\bmort de rire\b|\bmdr\b",
        r"\btir[eé]r? au but\b|\btir au but\b|\btirer (?:un|le) penalty\b",
        r"\bviolences? (?:conjugales?|domestiques?|faites aux femmes)\b",
        r"\b(?:[eé]ducation|sant[eé]|harc[eè]lement|agression|orientation|violence)s? sexuel(?:le)?s?\b|"
        r"\binfections? sexuellement transmissibles?\b",
        r"\bpr[eé]vention du suicide\b|\barr[eê]ter l'automutilation\b|\bsortir de l'automutilation\b|"
        r"\bsuicide assist[eé]\b",
    ),
    rules=(
        *BROAD,
        *CONSTRUCTIONS,
        Rule(rf"\b{INSULT}\b", {H: 0.85}, needs=("you",), window=30),
        Rule(rf"\besp[eè]ce d(?:e |'){INSULT}\b", {H: 0.85}),
        Rule(rf"\b{STRONG}\b", {H: 0.45}),
        Rule(rf"(?:^|[.!?,;:]\s*){STRONG}\s*[,!.?]", {H: 0.75}),  # vocative: "idiot, listen"
        Rule(rf"\b{MILD}\b", {H: 0.15}),
        Rule(
            r"\bferme ta gueule\b|\bta gueule\b|\bferme-la\b|\bva te faire (?:foutre|enculer|voir)\b|"
            r"\bva crever\b|"
            r"\bva mourir\b|\bnique ta m[eè]re\b|\bntm\b|\bpersonne ne t'aime\b|"
            r"\btout le monde te d[eé]teste\b|"
            r"\bje te d[eé]teste\b|\btu me d[eé]go[uû]tes\b|\bcasse-toi\b",
            {H: 0.85},
        ),
        Rule(r"\bd[eé]gage\b|\bfous le camp\b", {H: 0.4}),
        Rule(
            rf"\bqu'(?:il|elle|ils|elles) (?:est|sont)\s+(?:une?\s+)?(?:\w+,?\s+){{0,2}}{INSULT}\b", {H: 0.6}
        ),
        Rule(r"\bpersonne ne (?:l'|les )aime\b", {H: 0.8}),
        Rule(
            r"\b(?:vermine|parasites?|animaux|b[eê]tes|sous-hommes?|inf[eé]rieur\w*|sales|crasseu\w*|"
            r"salissent|peste|"
            r"plaie|ne m[eé]rit\w* (?:aucun droit|pas de droits|pas de vivre)|chasser du pays|(?:il faut|"
            r"faudrait) "
            r"les (?:chasser|expulser|virer|renvoyer)|(?:expuls|renvoy|chass)[eé]\w* du pays|"
            r"trop (?:stupides|"
            r"b[eê]tes|connes|faibles) pour|rester [aà] la maison|retourner (?:dans|chez) (?:leur|eux))",
            {HA: 0.85},
            needs=("group",),
            window=80,
        ),
        Rule(
            r"\b(?:extermin\w*|[eé]liminer tous|g[eé]nocide|nettoyage ethnique|an[eé]antir|[eé]radiquer)\b",
            {HA: 0.9, HAT: 0.85, V: 0.7},
            needs=("group",),
            window=80,
        ),
        Rule(rf"\b{HARM}\b", {V: 0.45}),
        Rule(rf"\b{HARM}\b", {V: 0.85}, needs=("intent",), window=40),
        Rule(rf"\b{HARM}\b", {H: 0.7, HT: 0.8, V: 0.85}, needs=("intent", "you"), window=30),
        Rule(
            r"\bje sais o[uù] tu (?:habites|vis)\b|\btrouver o[uù] tu (?:habites|vis)\b|\bt'es mort\b|"
            r"\bfais gaffe [aà] toi\b",
            {V: 0.7, H: 0.75, HT: 0.8},
        ),
        Rule(
            r"\b(?:fabriquer|faire|construire)\s+(?:une\s+)?bombe\b|\bbombe artisanale\b|\bexplosifs?\b|"
            r"\bfaire sauter (?:l'|la |le |une |un )?(?:[eé]cole|b[aâ]timent|bureau|[eé]glise|mosqu[eé]e|"
            r"synagogue|gare|avion)\b|\btirer sur tout le monde\b",
            {V: 0.85},
        ),
        Rule(
            r"\b(?:me suicider|me tuer|mettre fin [aà] (?:mes jours|ma vie)|en finir|plus envie de vivre|"
            r"(?:ne )?veux plus vivre|envie de mourir|veux mourir|me scarifi\w*|"
            r"je me suis (?:encore )?scarifi\w*)\b",
            {SH: 0.9, SHN: 0.85},
        ),
        Rule(
            r"\b(?:somnif[eè]res?|m[eé]dicaments|cachets|comprim[eé]s)\b.{0,40}\b(?:ne pas|plus jamais|"
            r"jamais) "
            r"(?:se|me) r[eé]veiller\b|\bcomment (?:me suicider|me tuer|me pendre)\b",
            {SH: 0.9, SHI: 0.85},
        ),
        Rule(r"\b(?:me faire du mal|me blesser|me couper (?:les veines|les bras))\b", {SH: 0.6}),
        Rule(
            r"\b(?:me faire du mal|me blesser|me couper)\b",
            {SH: 0.9, SHI: 0.85},
            needs=("howto",),
            damp=True,
            window=30,
        ),
        Rule(r"\bpersonne ne me regretterait\b", {SH: 0.6}),
        Rule(r"\b(?:suicide|suicidaire|automutilation)\b", {SH: 0.35}, damp=True),
        Rule(
            r"\b(?:porno\w*|pornograph\w*|[eé]rotique\w*|sexe explicite|sc[eè]nes? de sexe|"
            r"sc[eè]nes? (?:sexuelles?|"
            r"[eé]rotiques)|photos? (?:de toi )?nue?s?|faire l'amour|orgasmes?|masturb\w*|nudes|baiser avec|"
            r"coucher avec|nuit torride)\b",
            {SX: 0.85},
        ),
        Rule(r"\b(?:cochonne?s?|coquin\w*|torride|lingerie|seins)\b", {SX: 0.45}),
        Rule(r"\b(?:excit[eé]e?s?|nues?|tout nu|toute nue|sensuel\w*|s[eé]duire|sexy)\b", {SX: 0.4}),
        Rule(r"\b(?:chaude?s?|au lit|sexe|sexuel\w*)\b", {SX: 0.2}, damp=True),
        Rule(r"\bjeu de r[oô]le\b", {SX: 0.1}),
        Rule(
            r"\b(?:putain|merde|bordel|connard|connasse|salope|encul[eé]\w*|foutre|chier|bite|couilles?|"
            r"niquer?|"
            r"putes?)\b",
            {PROF: 0.7},
        ),
    ),
)
