"""Spanish rules (Spain and Latin America). Patterns run on normalised, lower-cased text."""

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
    r"idiotas?",
    r"imb[eé]cil(?:es)?",
    r"pendej[oa]s?",
    r"gilipollas",
    r"cabr[oó]n(?:es)?",
    r"cabronas?",
    r"hij[oa]s? de puta",
    r"zorras?",
    r"subnormal(?:es)?",
    r"mam[oó]n(?:es)?",
    r"huev[oó]n(?:es)?",
    r"bolud[oa]s?",
    r"pelotud[oa]s?",
    r"tarad[oa]s?",
    r"malparid[oa]s?",
    r"capull[oa]s?",
    r"soplapollas",
    r"comemierdas?",
    r"cretin[oa]s?",
    r"put[oa]s?",
    r"est[uú]pid[oa]s?",
)
MILD = alt(
    r"in[uú]til(?:es)?",
    r"perdedor(?:a|es)?",
    r"cobardes?",
    r"payas[oa]s?",
    r"fe[oa]s?",
    r"gord[oa]s?",
    r"asqueros[oa]s?",
    r"pat[eé]tic[oa]s?",
    r"rid[ií]cul[oa]s?",
    r"tont[oa]s?",
    r"burr[oa]s?",
    r"bob[oa]s?",
    r"mentiros[oa]s?",
    r"ratas?",
    r"cerd[oa]s?",
    r"basura",
    r"escoria",
    r"desgraciad[oa]s?",
    r"maldit[oa]s?",
    r"fracasad[oa]s?",
    r"verg[uü]enza ajena",
    r"porquer[ií]a",
    r"mierda",
)
INSULT = alt(STRONG, MILD)
HARM = alt(
    r"matar(?:te|le|lo|la|los|las)?",
    r"mat(?:o|a|e|ar[eé]|ar[aá])",
    r"asesin\w*",
    r"apu[nñ]al\w*",
    r"acuchill\w*",
    r"disparar(?:te|le|les)?",
    r"dispar(?:o|e)",
    r"pegar(?:te|le)? un tiro",
    r"peg(?:ue|ar) un tiro",
    r"envenen\w*",
    r"estrangul\w*",
    r"ahorc\w*",
    r"golpe(?:ar|arte|arle|o)",
    r"paliza",
    r"romper(?:te|le)? la cara",
    r"partir(?:te|le)? la cara",
    r"romper(?:te|le)? (?:las piernas|los huesos|la cabeza)",
    r"quemar(?:te|le|la|lo)",
    r"secuestr\w*",
    r"tortur\w*",
    r"violar(?:te|la|le)?",
    r"degoll\w*",
    r"apalear\w*",
    r"reventar(?:te|le)",
)

VICTIM = (
    r"\b(?:alguien|[eé]l|ella|ellos|ellas|persona|personas|gente|hombre|mujer|ni[nñ][oa]s?|vecin[oa]s?|"
    r"jefe|jefa|"
    r"novi[oa]|ex|todos|compa[nñ]er[oa]s?|profesor[a]?|polic[ií]as?|familia)\b"
)
WEAPONS = r"\b(?:c[oó]ctel(?:es)? molotov|explosivos|detonador\w*|napalm)\b"  # "bomba de agua" is a pump
# Lexicon 1.1: broader vocabulary, so that evidence does not hinge on one exact phrasing.
BROAD: tuple[Rule, ...] = (
    Rule(r"\bdetalles? sangrient\w*|\bsangrient\w*.{0,20}\bdetalles?\b", {V: 0.6, VG: 0.6}),  # asked-for gore
    Rule(rf"\b{HARM}\b", {V: 0.8}, needs=("howto", "person"), window=40),
    Rule(
        r"\b(?:matar|envenenar|apu[nñ]alar|golpear|estrangular|ahorcar|secuestrar|torturar|quemar|disparar|"
        r"dejar)"
        r"(?:le|lo|la|les|los|las)\b",
        {V: 0.8},
        needs=("howto",),
        window=40,
    ),
    Rule(
        r"\b(?:inconsciente|desmayar\w*|noquear\w*|dejarlo k\.?o\.?)\b",
        {V: 0.5},
        needs=("person",),
        window=40,
    ),
    Rule(WEAPONS, {V: 0.55}),
    Rule(WEAPONS, {V: 0.85}, needs=("howto",), window=60),
    Rule(
        r"\b(?:atacar|atentado|volar|quemar|incendiar|prender fuego a)\s+(?:contra\s+)?(?:el |la |los |"
        r"las |un |una )?"
        r"(?:ayuntamiento|escuela|colegio|iglesia|mezquita|sinagoga|oficina|edificio|gobierno|comisar[ií]a|"
        r"embajada|"
        r"multitud|concierto|hospital)\b",
        {V: 0.85},
    ),
    Rule(r"\b(?:sangr\w*|gore|desmembr\w*|mutil\w*|decapit\w*|v[ií]sceras|tripas)\b", {V: 0.3, VG: 0.3}),
    Rule(r"\bdosis (?:letal|mortal)\b|\bsobredosis\b", {SH: 0.55, SHI: 0.5}, damp=True),
    Rule(
        r"\b(?:paracetamol|pastillas|ibuprofeno|insulina|antidepresivos)\b.{0,30}\b(?:letal|mortal|morir)\b|"
        r"\b(?:letal|mortal)\b.{0,30}\b(?:paracetamol|pastillas|ibuprofeno|insulina)\b",
        {SH: 0.85, SHI: 0.8},
    ),
    Rule(
        r"\b(?:me quemo|quemarme|me corto|me rasgu[nñ]o|me golpeo|me hago da[nñ]o|me lastimo)\b", {SH: 0.45}
    ),
    Rule(r"\b(?:castigarme|me castigo)\b", {SH: 0.45}),
    Rule(
        r"\bya no (?:puedo|aguanto) m[aá]s\b|\bque el dolor (?:termine|pare|acabe|se detenga)\b|"
        r"\bdesaparecer para "
        r"siempre\b|\bmi vida no tiene sentido\b|\bno tiene sentido vivir\b",
        {SH: 0.45},
    ),
    Rule(r"\bpara siempre\b", {SH: 0.25}),
    Rule(
        r"\b(?:tener|tienen|tuvieron|tengamos|teniendo|tenga) sexo\b|\bacostarse (?:con|juntos)\b|"
        r"\bse acuestan\b",
        {SX: 0.85},
    ),
    Rule(r"\bsexting\b|\bmensajes? (?:calientes?|picantes?|sucios?|subidos de tono)\b", {SX: 0.75}),
    Rule(r"\b(?:se quita|quitarse|le quita|se quit[oó]|desabroch\w*|desviste|desvisti[oó])\b", {SX: 0.35}),
    Rule(
        r"\b(?:pechos|senos|pez[oó]n\w*|trasero|culo|muslos|sujetador|bragas|tanga|entrepierna)\b", {SX: 0.3}
    ),
    Rule(r"\b(?:a la cama|en la cama|la cama)\b", {SX: 0.25}),
    Rule(r"\bbasura humana\b|\b(?:cerdo|cerda) asqueros[oa]\b", {H: 0.6}),
    Rule(rf"\b(?:es|son|eres)\s+(?:un[ao]?s?\s+)?(?:\w+\s+)?{INSULT}\b", {H: 0.4}),
    Rule(
        r"\b(?:incompetente|fracasad[oa]|in[uú]til|in[uú]tiles|idiota)\b",
        {H: 0.85},
        needs=("you",),
        window=25,
    ),
    Rule(
        r"\b(?:invasi[oó]n|invasores|inferiores?|peores que|menos evolucionad\w*|"
        r"son (?:tod[oa]s )?terroristas)\b",
        {HA: 0.85},
        needs=("group",),
        window=60,
    ),
)

# Lexicon 1.3: constructions (insults said about someone, predicates about groups).
CONSTRUCTIONS: tuple[Rule, ...] = (
    Rule(
        rf"\b(?:él|ella|ellos|ellas|es|son)\s+(?:un|una|unos|unas|muy|tan|tremend[oa])?\s*(?:\w+\s+)?"
        rf"{INSULT}\b",
        {H: 0.5},
    ),
    Rule(
        r"\b(?:son|es)\s+(?:todos\s+|todas\s+)?(?:unos\s+|unas\s+)?(?:animales|par[aá]sitos|salvajes|"
        r"ratas|cucarachas|plaga|inferiores|criminales|ladrones|sucios|enfermos|basura)\b|"
        r"\b(?:echar|expulsar|deportar|sacar)\w*\s+(?:a\s+)?(?:todos\s+)?(?:los|las|esos|esas)\b",
        {HA: 0.75},
        needs=("group",),
        window=70,
    ),
)

PACK = LanguagePack(
    language="es",
    cues={
        "person": VICTIM,
        "you": r"\b(?:t[uú]|te|ti|tus|eres|est[aá]s|usted|ustedes|vos|sos|contigo|vete|c[aá]llate|"
        r"l[aá]rgate)\b",
        "group": r"\b(?:mujeres|inmigrantes?|extranjer[oa]s|refugiad[oa]s|musulman\w*|jud[ií][oa]s|"
        r"cristian[oa]s|"
        r"negr[oa]s|gitan[oa]s|homosexuales|gays?|lesbianas|discapacitad[oa]s|razas?|religi[oó]n|etnias?|"
        r"[eé]tnic[oa]s?|nacionalidad(?:es)?|minor[ií]as?)\b",
        "howto": r"\b(?:c[oó]mo|mejor (?:forma|manera)|manera de|forma de|pasos para|expl[ií]came|"
        r"ens[eé][nñ]ame|"
        r"dime c[oó]mo|instrucciones)\b",
        "intent": r"\b(?:voy a|vamos a|te voy a|le voy a|lo voy a|la voy a|quiero|quisiera|ojal[aá]|pienso|"
        r"juro que|como vuelvas|si vuelves)\b",
        "minor": r"\b(?:ni[nñ][oa]s?|menor(?:es)? de edad|menores|infantil)\b",
        "support": r"\b(?:prevenci[oó]n|ayuda|ayudarle|recursos|terapia|apoyo|l[ií]neas? de ayuda)\b",
    },
    negatives=(
        r"\bmat(?:ar|o|a|e|amos)\s+(?:el |los |la |las |este |ese |un )?(?:\w+ )?(?:procesos?|tareas?|hilos?|"
        r"servidor(?:es)?|programas?|aplicaci[oó]n|tiempo|rato)\b|\bmatar el tiempo\b",
        r"\bme (?:mat[oó]|mata|matan|mataron)\b(?! (?:con|a golpes))|\bme muero de (?:risa|hambre|sue[nñ]o|"
        r"ganas|"
        r"fr[ií]o|calor|verg[uü]enza|aburrimiento)\b|\bmuero de (?:risa|hambre)\b|\bmuerto de risa\b",
        r"\bdispar(?:ar|o|amos|emos)\s+(?:unas?\s+|algunas?\s+)?(?:fotos|fotograf[ií]as|im[aá]genes)\b|"
        r"\bdisparar (?:a|al) (?:puerta|porter[ií]a|arco)\b",
        r"\bviolencia (?:de g[eé]nero|dom[eé]stica|machista|contra la mujer)\b",
        r"\b(?:educaci[oó]n|salud|acoso|abuso|violencia|orientaci[oó]n|transmisi[oó]n|diversidad) sexual\b|"
        r"\btransmisi[oó]n sexual\b",
        r"\bprevenci[oó]n del suicidio\b|\bse[nñ]ales de (?:alerta|advertencia) del suicidio\b|"
        r"\bdejar de autolesionarse\b|\bsuicidio asistido\b",
    ),
    rules=(
        *BROAD,
        *CONSTRUCTIONS,
        Rule(rf"\b{INSULT}\b", {H: 0.85}, needs=("you",), window=30),
        Rule(rf"\b{STRONG}\b", {H: 0.45}),
        Rule(rf"(?:^|[.!?,;:]\s*){STRONG}\s*[,!.?]", {H: 0.75}),  # vocative: "idiot, listen"
        Rule(rf"\b{MILD}\b", {H: 0.15}),
        Rule(
            r"\bvete (?:a la mierda|al carajo|a la verga|al diablo)\b|\bque te (?:jodan|den)\b|\bj[oó]dete\b|"
            r"\bchinga tu madre\b|\bmu[eé]rete\b|\bojal[aá] te mueras\b|\bnadie te quiere\b|"
            r"\btodos te odian\b|"
            r"\bme das asco\b|\bte odio\b",
            {H: 0.85},
        ),
        Rule(r"\bc[aá]llate\b|\bl[aá]rgate\b", {H: 0.45}),
        Rule(rf"\bque\s+(?:es|eres|son)\s+(?:una?\s+)?(?:\w+,?\s+){{0,2}}{INSULT}\b", {H: 0.6}),
        Rule(r"\bnadie (?:la|lo|le|te) quiere\b", {H: 0.8}),
        Rule(
            r"\b(?:ratas|plagas?|par[aá]sitos?|animales|bestias|escoria|basura|inferior(?:es)?|infrahumanos?|"
            r"subhumanos?|suci[oa]s|no merecen (?:derechos|vivir|respeto)|ensucian|(?:deber[ií]an|deben|"
            r"hay que)"
            r" (?:ser )?(?:expulsad\w*|echad\w*|deportad\w*|expulsar\w*|echar\w*)|(?:demasiado|"
            r"muy) (?:tont[oa]s|"
            r"est[uú]pid[oa]s|d[eé]biles) para|quedarse en (?:casa|la cocina)|volver a su pa[ií]s)\b",
            {HA: 0.85},
            needs=("group",),
            window=80,
        ),
        Rule(
            r"\b(?:exterminar\w*|aniquilar\w*|eliminar a tod\w*|genocidio|limpieza [eé]tnica|"
            r"matar a todos)\b",
            {HA: 0.9, HAT: 0.85, V: 0.7},
            needs=("group",),
            window=80,
        ),
        Rule(rf"\b{HARM}\b", {V: 0.45}),
        Rule(rf"\b{HARM}\b", {V: 0.85}, needs=("intent",), window=30),
        Rule(rf"\b{HARM}\b", {H: 0.7, HT: 0.8, V: 0.85}, needs=("intent", "you"), window=30),
        Rule(
            r"\bs[eé] d[oó]nde vives\b|\bencontrar d[oó]nde vives\b|\bcu[ií]date las espaldas\b|"
            r"\best[aá]s muert[oa]\b",
            {V: 0.7, H: 0.75, HT: 0.8},
        ),
        Rule(
            r"\b(?:fabric\w*|hacer|construir|armar)\s+(?:una\s+)?bomba\b|\bbomba casera\b|\bexplosivos?\b|"
            r"\bvolar (?:el|la|un|una) (?:edificio|escuela|colegio|oficina|iglesia|mezquita|avi[oó]n|tren)\b|"
            r"\bmatar a todos\b|\btiroteo\b",
            {V: 0.85},
        ),
        Rule(
            r"\b(?:suicidarme|quitarme la vida|me quito la vida|matarme|acabar con mi vida|"
            r"no quiero (?:seguir )?vivir|"
            r"quiero morir(?:me)?|me quiero morir|no quiero despertar)\b",
            {SH: 0.9, SHN: 0.85},
        ),
        Rule(
            r"\bcort\w*\s+(?:los brazos|las mu[nñ]ecas|las piernas|las venas)\b|\bme (?:he vuelto a cortar|"
            r"sigo "
            r"cortando|vuelvo a cortar)\b",
            {SH: 0.85, SHN: 0.8},
        ),
        Rule(
            r"\b(?:pastillas|p[ií]ldoras)\b.{0,40}\b(?:no despertar|morir|matarme)\b|"
            r"\bc[oó]mo (?:suicidarme|matarme|"
            r"cortarme|ahorcarme)\b",
            {SH: 0.9, SHI: 0.85},
        ),
        Rule(r"\b(?:hacerme da[nñ]o|cortarme|lastimarme|herirme|autolesionarme)\b", {SH: 0.6}),
        Rule(
            r"\b(?:hacerme da[nñ]o|cortarme|lastimarme|herirme|autolesionarme)\b",
            {SH: 0.9, SHI: 0.85},
            needs=("howto",),
            damp=True,
            window=30,
        ),
        Rule(r"\bnadie me (?:echar[ií]a de menos|extra[nñ]ar[ií]a)\b", {SH: 0.6}),
        Rule(r"\b(?:suicidio|suicida|autolesi[oó]n\w*)\b", {SH: 0.35}, damp=True),
        Rule(
            r"\b(?:porno\w*|pornogr[aá]f\w*|er[oó]tic\w*|sexo expl[ií]cito|escenas? de sexo|"
            r"escenas? sexuales|"
            r"cachond\w*|fotos? desnud\w*|desnud\w* fotos?|orgasmos?|masturb\w*|h[aá]blame sucio|"
            r"hablar sucio|nudes|"
            r"hacer el amor|follar\w*|tener sexo)\b",
            {SX: 0.85},
        ),
        Rule(
            r"\b(?:desnud[oa]s?|excitar\w*|excitad[oa]s?|sensual\w*|noche de pasi[oó]n|seducir\w*|tetas|"
            r"lencer[ií]a|sexy)\b",
            {SX: 0.45},
        ),
        Rule(r"\b(?:calient\w*|pasi[oó]n|en la cama|sexo|sexual\w*)\b", {SX: 0.3}, damp=True),
        Rule(r"\b(?:juego de rol|rol)\b", {SX: 0.1}),
        Rule(
            r"\b(?:joder|jodid[oa]s?|mierda|hostias?|co[nñ]o|carajo|put[oa]s?|cabr[oó]n|gilipollas|"
            r"pendej[oa]s?|"
            r"chingad\w*|verga|cojones)\b",
            {PROF: 0.7},
        ),
    ),
)
