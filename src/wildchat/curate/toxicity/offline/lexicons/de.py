"""German rules. Patterns run on normalised text: lower case, and ß already folded to "ss"."""

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
    r"idiot(?:en)?",
    r"vollidiot(?:en)?",
    r"trottel",
    r"depp(?:en)?",
    r"dummk[oö]pf\w*",
    r"arschl[oö]ch\w*",
    r"wichser",
    r"schlampe\w*",
    r"huren?",
    r"hurensohn",
    r"fotzen?",
    r"missgeburt\w*",
    r"bastard\w*",
    r"mistkerl",
    r"drecks\w+",
    r"abschaum",
    r"nichtsnutz\w*",
    r"vollpfosten",
    r"hohlkopf",
    r"penner",
)
MILD = alt(
    r"versager\w*",
    r"loser",
    r"feigling\w*",
    r"sau",
    r"schwein\w*",
    r"ratte\w*",
    r"dumm(?:e[nrms]?|kopf\w*|heit)?",
    r"bl[oö]d\w*",
    r"doof\w*",
    r"h[aä]sslich\w*",
    r"fett\w*",
    r"j[aä]mmerlich\w*",
    r"erb[aä]rmlich\w*",
    r"nutzlos\w*",
    r"l[aä]cherlich\w*",
    r"ekelhaft\w*",
    r"widerlich\w*",
    r"l[uü]gner\w*",
    r"spinner",
    r"clown",
    r"scheisse",
)
INSULT = alt(STRONG, MILD)
HARM = alt(
    r"umbring\w*",
    r"bring\w* (?:dich|ihn|sie|euch|dich) um",
    r"t[oö]te\w*",
    r"t[oö]ten",
    r"ermord\w*",
    r"ersch(?:ie|o)ss\w*",
    r"erstech\w*",
    r"ersticht",
    r"erstach",
    r"erw[uü]rg\w*",
    r"vergift\w*",
    r"verpr[uü]gel\w*",
    r"zusammen(?:schlag\w*|geschlagen)",
    r"schlage? (?:dich|ihn|sie) zusammen",
    r"schlag\w* (?:dich|ihn|sie)",
    r"abstech\w*",
    r"abknall\w*",
    r"knall\w* (?:dich|ihn|sie) ab",
    r"abschlacht\w*",
    r"folter\w*",
    r"gefoltert",
    r"entf[uü]hr\w*",
    r"vergewaltig\w*",
    r"anz[uü]nden",
    r"verbrennen",
)

VICTIM = (
    r"\b(?:jemand\w*|ihn|ihm|sie|ihnen|menschen?|mann|frau|kind\w*|nachbar\w*|chef\w*|lehrer\w*|alle|leute|"
    r"polizist\w*|person\w*|familie)\b"
)
WEAPONS = (
    r"\b(?:molotow-?cocktail\w*|molotov-?cocktail\w*|sprengstoff\w*|z[uü]nder|brandbombe\w*|rohrbombe\w*)\b"
)
# Lexicon 1.1: broader vocabulary, so that evidence does not hinge on one exact phrasing.
BROAD: tuple[Rule, ...] = (
    Rule(r"\bblutig\w*.{0,20}\bdetail\w*|\bdetail\w*.{0,20}\bblutig\w*", {V: 0.6, VG: 0.6}),  # asked-for gore
    Rule(rf"\b{HARM}\b", {V: 0.8}, needs=("howto", "person"), window=40),
    Rule(r"\b(?:schlag\w*|tret\w*|boxen|verletz\w*)\b", {V: 0.8}, needs=("howto", "person"), window=40),
    Rule(r"\b(?:bewusstlos|ohnm[aä]chtig|k\.?o\.?|ausknocken)\b", {V: 0.5}, needs=("person",), window=40),
    Rule(WEAPONS, {V: 0.55}),
    Rule(WEAPONS, {V: 0.85}, needs=("howto",), window=60),
    Rule(
        r"\b(?:z[uü]nde\w*|anz[uü]nd\w*|abfackel\w*|brenne\w*|spreng\w*|angreif\w*|"
        r"greif\w*)\b.{0,30}\b(?:b[uü]ro|"
        r"schule|rathaus|kirche|moschee|synagoge|geb[aä]ude|regierung|polizeiwache|botschaft|menge|konzert|"
        r"krankenhaus|haus)\b|\b(?:b[uü]ro|schule|rathaus|kirche|moschee|synagoge|"
        r"haus)\b.{0,20}\b(?:an ?z[uü]nden|"
        r"abfackeln|sprengen)\b",
        {V: 0.85},
    ),
    Rule(
        r"\b(?:blut\w*|gore|zerst[uü]ckel\w*|verst[uü]mmel\w*|gek[oö]pft|eingeweide|d[aä]rme)\b",
        {V: 0.3, VG: 0.3},
    ),
    Rule(r"\b(?:t[oö]dliche|letale) dosis\b|\b[uü]berdosis\b", {SH: 0.55, SHI: 0.5}, damp=True),
    Rule(
        r"\b(?:paracetamol|tabletten|ibuprofen|insulin|schlaftabletten)\b.{0,30}\b(?:t[oö]dlich\w*|"
        r"letal\w*|sterben)\b|"
        r"\b(?:t[oö]dliche|letale)\b.{0,30}\b(?:paracetamol|tabletten|ibuprofen|insulin)\b",
        {SH: 0.85, SHI: 0.8},
    ),
    Rule(r"\b(?:verbrenne|schneide|ritze|schlage|kratze|verletze) mi(?:ch|r)\b", {SH: 0.45}),
    Rule(r"\bmich (?:zu )?bestrafen\b|\bbestrafe mich\b", {SH: 0.45}),
    Rule(
        r"\bich kann nicht mehr\b|\bder schmerz (?:f[uü]r immer )?aufh[oö]rt\b|\bf[uü]r immer verschwinden\b|"
        r"\bmein leben (?:ist|hat) (?:sinnlos|keinen sinn)\b",
        {SH: 0.45},
    ),
    Rule(r"\bf[uü]r immer\b", {SH: 0.25}),
    Rule(
        r"\bsex haben\b|\bsex hatten\b|\bmiteinander schlafen\b|\bschlafen miteinander\b|"
        r"\bgeschlechtsverkehr\b",
        {SX: 0.85},
    ),
    Rule(r"\bsexnachricht\w*|\bsexting\b|\b(?:hei(?:ss|ß)e|versaute?) nachricht\w*", {SX: 0.75}),
    Rule(
        r"\b(?:auszieht|ausziehen|zog\w* aus|entkleid\w*|[oö]ffnete seine hose|hose [oö]ffne\w*)\b",
        {SX: 0.45},
    ),
    Rule(r"\b[oö]ffnete\b", {SX: 0.25}),
    Rule(r"\b(?:br[uü]ste|busen|nippel|hintern|oberschenkel|bh|hose)\b", {SX: 0.3}),
    Rule(r"\b(?:aufs bett|ins bett|im bett)\b", {SX: 0.25}),
    Rule(r"\b(?:nichtsk[oö]nner\w*|versager\w*|loser|flasche|niete)\b", {H: 0.85}, needs=("you",), window=25),
    Rule(
        r"\b(?:h[aä]sslich|fett|dumm|widerlich)\b.{0,30}\b(?:verschwinden|sich umbringen|sterben)\b", {H: 0.6}
    ),
    Rule(
        r"\b(?:invasion|eindringlinge|unterlegen|minderwertig\w*|wertlos\w*|sind (?:alle )?terroristen)\b",
        {HA: 0.85},
        needs=("group",),
        window=60,
    ),
)

# Lexicon 1.3: constructions (insults said about someone, predicates about groups, harm asked for).
CONSTRUCTIONS: tuple[Rule, ...] = (
    Rule(
        rf"\b(?:er|sie|der|die|das)\s+(?:ist|sind|war)\s+(?:ein|eine|einfach|so|total|echt|nur)?\s*"
        rf"(?:\w+\s+)?{INSULT}\b",
        {H: 0.6},
    ),
    Rule(
        r"\b(?:sind|ist)\s+(?:alle\s+)?(?:nur\s+)?(?:geldgierig|gierig|dreckig|faul|kriminell|minderwertig|"
        r"tiere|ungeziefer|parasiten|ratten|schmarotzer|abschaum|untermenschen|krank)\w*\b|"
        r"\b(?:geldgierig|gierig|dreckig|faul|kriminell|minderwertig|krank)\w*\s+(?:sind|seien)\b|"
        r"\b(?:kontrollier|beherrsch)\w*\s+(?:die|alle|unsere)\s+(?:welt|banken|medien|regierung)\b",
        {HA: 0.75},
        needs=("group",),
        window=70,
    ),
    Rule(
        r"\b(?:meinem|meiner|meinen|dem|der|jemandem|jemanden|ihm|ihr|ihn)\s+(?:\w+\s+){0,3}(?:weh ?tun|"
        r"verletzen|verpr[uü]geln|zusammenschlagen|umbringen|vergiften|abstechen)\b",
        {V: 0.75},
    ),
)

PACK = LanguagePack(
    language="de",
    cues={
        "person": VICTIM,
        "you": r"\b(?:du|dich|dir|dein\w*|euch|euer\w*)\b",
        "group": r"\b(?:frauen|ausl[aä]nder\w*|migranten|fl[uü]chtling\w*|einwanderer|muslime?|islam|juden|"
        r"j[uü]disch\w*|christen|schwarze[n]?|araber\w*|t[uü]rken|roma|schwule[n]?|lesben|homosexuelle[n]?|"
        r"behinderte[n]?|rassen?|religion\w*|ethnie\w*|volksgruppe\w*|nationalit[aä]t\w*|minderheit\w*)\b",
        "howto": r"\b(?:wie|wohin|am besten|anleitung|erkl[aä]r(?:e)? mir|schritt f[uü]r schritt|"
        r"sag mir wie)\b",
        "intent": r"\b(?:ich werde|ich will|ich bring|ich finde|wir werden|ich hoffe|ich schw[oö]re|"
        r"wenn du noch einmal|dann)\b",
        "minor": r"\b(?:kind(?:er)?|minderj[aä]hrig\w*|sch[uü]lerin\w*)\b",
        "support": r"\b(?:pr[aä]vention|hilfe|hilfsangebot\w*|beratung\w*|therapie|unterst[uü]tzung|"
        r"aufh[oö]ren)\b",
    },
    negatives=(
        r"\b(?:den |die |einen )?prozess(?:e)? (?:killen|beenden|abschiessen|t[oö]ten)\b|"
        r"\b(?:killen|beenden|t[oö]ten) (?:sie )?(?:den |die )?prozess\w*|\bzeit totschlagen\b",
        r"\bich sterbe vor (?:hunger|lachen|langeweile|durst|k[aä]lte)\b|\btotgelacht\b|\btotlachen\b|"
        r"\bhat mich fertiggemacht\b|\bder hammer\b",
        r"\bfotoshooting\b|\bh[aä]usliche gewalt\b|\bgewalt gegen frauen\b",
        r"\bsexualaufkl[aä]rung\b|\bsexualkunde\b|\bsexuelle (?:gesundheit|bel[aä]stigung|orientierung|"
        r"aufkl[aä]rung|"
        r"[uü]bergriffe|gewalt)\b",
        r"\bsuizidpr[aä]vention\b|\bsuizid-pr[aä]vention\b|\bmit dem ritzen aufzuh[oö]ren\b|"
        r"\bmit dem ritzen aufh[oö]ren\b|"
        r"\bwarnsignale\b",
    ),
    rules=(
        *BROAD,
        *CONSTRUCTIONS,
        Rule(rf"\b{INSULT}\b", {H: 0.85}, needs=("you",), window=30),
        Rule(rf"\b{STRONG}\b", {H: 0.45}),
        Rule(rf"(?:^|[.!?,;:]\s*){STRONG}\s*[,!.?]", {H: 0.75}),  # vocative: "idiot, listen"
        Rule(rf"\b{MILD}\b", {H: 0.15}),
        Rule(
            r"\bhalt die fresse\b|\bhalt'?s maul\b|\bverpiss dich\b|\bfick dich\b|\bleck mich\b|"
            r"\bgeh sterben\b|"
            r"\bniemand mag dich\b|\balle hassen dich\b|\bich hasse dich\b|\bdu widerst mich an\b",
            {H: 0.85},
        ),
        Rule(r"\bhau ab\b|\bhalt den mund\b", {H: 0.4}),
        Rule(rf"\bwas f[uü]r (?:ein|eine|einen)\s+{INSULT}\b", {H: 0.6}),
        Rule(rf"\bdass\s+(?:er|sie)\s+(?:\w+\s+){{0,3}}{INSULT}\b", {H: 0.6}),
        Rule(r"\bniemand (?:sie|ihn) mag\b|\bniemand mag (?:sie|ihn)\b", {H: 0.8}),
        Rule(
            r"(?:ungeziefer|parasiten|schmarotzer|tiere\b|untermensch\w*|minderwertig\w*|abschaum|dreckig\w*|"
            r"verdreck\w*|\bpest\b|seuche|krebsgeschw[uü]r|verdien\w* keine rechte|keine rechte verdien\w*|"
            r"aus dem "
            r"land (?:geworfen|werfen|jagen|gejagt)|rausgeworfen|abgeschoben werden|"
            r"geh[oö]ren (?:aus dem land|"
            r"in die k[uü]che)|zu dumm (?:zum|um)|zu hause bleiben|in die k[uü]che)",
            {HA: 0.85},
            needs=("group",),
            window=80,
        ),
        Rule(
            r"\b(?:ausrott\w*|vernicht\w*|ausl[oö]sch\w*|vergas\w*|v[oö]lkermord|ethnische s[aä]uberung)\b",
            {HA: 0.9, HAT: 0.85, V: 0.7},
            needs=("group",),
            window=80,
        ),
        Rule(rf"\b{HARM}\b", {V: 0.45}),
        Rule(rf"\b{HARM}\b", {V: 0.85}, needs=("intent",), window=40),
        Rule(rf"\b{HARM}\b", {H: 0.7, HT: 0.8, V: 0.85}, needs=("intent", "you"), window=40),
        Rule(
            r"\bich (?:finde|weiss)(?: heraus)?,? wo du wohnst\b|\bpass auf dich auf\b(?=.{0,20}\bsonst\b)|"
            r"\bdu bist tot\b",
            {V: 0.7, H: 0.75, HT: 0.8},
        ),
        Rule(
            r"\bbombe (?:bauen|basteln)\b|\b(?:baue|baut|bauen|basteln)\w* (?:ich |man )?(?:eine )?bombe\b|"
            r"\bsprengsatz\b|\bin die luft (?:jagen|sprengen)\b|\bsprengstoff\b|"
            r"\balle (?:\w+ ){0,3}erschiessen\b",
            {V: 0.85},
        ),
        Rule(
            r"\b(?:mich umbringen|selbstmord begehen|mir das leben nehmen|nicht mehr leben|will sterben|"
            r"m[oö]chte sterben|mich (?:\w+ ){0,2}geritzt|ritze mich)\b",
            {SH: 0.9, SHN: 0.85},
        ),
        Rule(
            r"\b(?:schlaftabletten|tabletten)\b.{0,40}\b(?:auf(?:zu)?wachen|sterben)\b|\bwie (?:bringe|"
            r"t[oö]te) ich mich\b",
            {SH: 0.9, SHI: 0.85},
        ),
        Rule(r"\bmich (?:selbst )?verletzen\b|\bgeritzt\b|\britzen\b", {SH: 0.6}),
        Rule(r"\bmich (?:selbst )?verletzen\b", {SH: 0.9, SHI: 0.85}, needs=("howto",), damp=True, window=30),
        Rule(r"\bniemand w[uü]rde mich vermissen\b|\bschluss machen\b", {SH: 0.5}),
        Rule(r"\b(?:selbstmord|suizid\w*|selbstverletzung)\b", {SH: 0.35}, damp=True),
        Rule(
            r"\b(?:porno\w*|sexszene\w*|explizite sex\w*|erotisch\w*|erotik|nacktbilder|nacktfotos|orgasmus|"
            r"masturb\w*|selbstbefriedigung|rede schmutzig|schmutzig (?:reden|mit mir)|ficken|bumsen|"
            r"geile? (?:freundin|frau|mann|schlampe)|macht mich geil|heisse nacht)\b",
            {SX: 0.85},
        ),
        Rule(
            r"\b(?:nackt\w*|erregt|erregen|verf[uü]hr\w*|sinnlich\w*|dessous|titten|sexy|geil\w*)\b",
            {SX: 0.4},
        ),
        Rule(r"\b(?:leidenschaft\w*|im bett|sex|sexuell\w*)\b", {SX: 0.3}, damp=True),
        Rule(r"\brollenspiel\b", {SX: 0.1}),
        Rule(r"\b(?:scheiss\w*|kacke|arsch\w*|fick\w*|wichser|fotze|hure|schlampe)\b", {PROF: 0.7}),
        Rule(r"\b(?:verdammt|mist)\b", {PROF: 0.3}),
    ),
)
