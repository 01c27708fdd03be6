"""Portuguese rules (Brazil and Portugal). Patterns run on normalised, lower-cased text."""

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
    r"imbec[ií]s",
    r"imbecil",
    r"imbécil",
    r"ot[aá]ri[oa]s?",
    r"babacas?",
    r"vadias?",
    r"putas?",
    r"piranhas?",
    r"arrombad[oa]s?",
    r"desgra[cç]ad[oa]s?",
    r"filh[oa]s? da puta",
    r"fdp",
    r"canalhas?",
    r"cretin[oa]s?",
    r"escrot[oa]s?",
    r"vagabund[oa]s?",
    r"corn[oa]s?",
)
MILD = alt(
    r"burr[oa]s?",
    r"est[uú]pid[oa]s?",
    r"lixo",
    r"in[uú]t(?:il|eis)",
    r"perdedor(?:a|es)?",
    r"covardes?",
    r"rid[ií]cul[oa]s?",
    r"pat[eé]tic[oa]s?",
    r"nojent[oa]s?",
    r"fei[oa]s?",
    r"gord[oa]s?",
    r"trouxas?",
    r"palha[cç]os?",
    r"mentiros[oa]s?",
    r"ratos?",
    r"porc[oa]s?",
    r"merda",
    r"bosta",
)
INSULT = alt(STRONG, MILD)
HARM = alt(
    r"matar(?:-te|-lo|-la)?",
    r"mat(?:o|a|e|arei|ará)",
    r"te matar",
    r"assassin\w*",
    r"esfaque\w*",
    r"apunhal\w*",
    r"atirar em",
    r"dar um tiro",
    r"d[eê] um tiro",
    r"tiro em",
    r"envenen\w*",
    r"estrangul\w*",
    r"enforc\w*",
    r"espanc\w*",
    r"quebrar (?:a sua |sua |a tua |tua |a )?cara",
    r"socar",
    r"bater (?:em|nele|nela)",
    r"queimar",
    r"sequestr\w*",
    r"tortur\w*",
    r"estupr\w*",
)

VICTIM = (
    r"\b(?:algu[eé]m|ele|ela|eles|elas|pessoas?|gente|homem|mulher|crian[cç]as?|vizinh[oa]|chefe|"
    r"namorad[oa]|ex|"
    r"todos|todo mundo|professor\w*|pol[ií]cia\w*|fam[ií]lia)\b"
)
WEAPONS = r"\b(?:coquet[eé](?:l|is) molotov|explosivos|detonador\w*|napalm)\b"  # "bomba d'água" is a pump
# Lexicon 1.1: broader vocabulary, so that evidence does not hinge on one exact phrasing.
BROAD: tuple[Rule, ...] = (
    Rule(r"\bdetalhes? sangrent\w*|\bsangrent\w*.{0,20}\bdetalhes?\b", {V: 0.6, VG: 0.6}),  # asked-for gore
    Rule(rf"\b{HARM}\b", {V: 0.8}, needs=("howto", "person"), window=40),
    Rule(r"\b(?:desmaiar|desmaie|inconsciente|nocautear|apagar)\b", {V: 0.5}, needs=("person",), window=40),
    Rule(WEAPONS, {V: 0.55}),
    Rule(WEAPONS, {V: 0.85}, needs=("howto",), window=60),
    Rule(
        r"\b(?:botar|p[oô]r|tacar|atear) fogo (?:no|na|em)\b|\b(?:queimar|incendiar|explodir|"
        r"atacar)\s+(?:o |a |os |"
        r"as |um |uma )?(?:escrit[oó]rio|escola|prefeitura|igreja|mesquita|sinagoga|pr[eé]dio|governo|"
        r"delegacia|"
        r"embaixada|multid[aã]o|show|hospital)\b",
        {V: 0.85},
    ),
    Rule(r"\b(?:sangr\w*|gore|desmembr\w*|mutil\w*|decapit\w*|v[ií]sceras|tripas)\b", {V: 0.3, VG: 0.3}),
    Rule(r"\bdose (?:letal|fatal|mortal)\b|\boverdose\b", {SH: 0.55, SHI: 0.5}, damp=True),
    Rule(
        r"\b(?:paracetamol|comprimidos|rem[eé]dios|ibuprofeno|insulina)\b.{0,30}\b(?:letal|fatal|mortal|"
        r"morrer)\b|"
        r"\b(?:letal|fatal|mortal)\b.{0,30}\b(?:paracetamol|comprimidos|rem[eé]dios)\b",
        {SH: 0.85, SHI: 0.8},
    ),
    Rule(
        r"\b(?:queimo|corto|machuco|arranho|bato em) (?:a )?minha (?:pele|bra[cç]o|perna)\b|\bme (?:queimo|"
        r"corto|"
        r"machuco|arranho)\b",
        {SH: 0.45},
    ),
    Rule(r"\bme punir\b|\bme castigar\b", {SH: 0.45}),
    Rule(
        r"\bn[aã]o aguento mais\b|\bque a dor (?:acabe|pare|termine)\b|\bsumir para sempre\b|"
        r"\bminha vida n[aã]o "
        r"tem sentido\b",
        {SH: 0.45},
    ),
    Rule(r"\bpara sempre\b", {SH: 0.25}),
    Rule(
        r"\btransa(?:r|m|ram|ndo)?\b|\bfazer sexo\b|\bfizeram sexo\b|\bdormir juntos\b|\bdormiram juntos\b",
        {SX: 0.85},
    ),
    Rule(r"\bmensage\w* (?:bem |muito )?(?:safad\w*|quente\w*|picante\w*)\b|\bsexting\b", {SX: 0.75}),
    Rule(r"\b(?:tira|tirou|tirar|abriu|abre|desabotoa\w*|despiu|despe)\b", {SX: 0.25}),
    Rule(r"\b(?:seios|peitos|mamilos|bunda|coxas|suti[aã]|calcinha|cueca|cal[cç]a)\b", {SX: 0.3}),
    Rule(r"\b(?:na cama|pra cama|para a cama)\b", {SX: 0.25}),
    Rule(r"\b(?:incompetente|fracassad[oa]|in[uú]til)\b", {H: 0.85}, needs=("you",), window=25),
    Rule(r"\b(?:feio|feia|gord[oa]|nojent[oa]|burr[oa])\b.{0,30}\b(?:sumir|morrer|desaparecer)\b", {H: 0.6}),
    Rule(
        r"\b(?:invas[aã]o|invasores|inferiores?|piores que|menos evolu[ií]d\w*|"
        r"s[aã]o (?:tod[oa]s )?terroristas)\b",
        {HA: 0.85},
        needs=("group",),
        window=60,
    ),
)

# Lexicon 1.3: constructions (insults said about someone, predicates about groups).
CONSTRUCTIONS: tuple[Rule, ...] = (
    Rule(
        rf"\b(?:ele|ela|eles|elas)\s+(?:é|são|e)\s+(?:um|uma|uns|umas|muito|tão)?\s*(?:\w+\s+)?{INSULT}\b",
        {H: 0.5},
    ),
    Rule(
        r"\b(?:são|é)\s+(?:todos\s+|todas\s+)?(?:uns\s+|umas\s+)?(?:animais|parasitas|selvagens|ratos|"
        r"baratas|praga|inferiores|criminosos|ladr[oõ]es|sujos|pregui[cç]osos|atrasados|lixo)\b|"
        r"\b(?:expuls|deport)\w*\b",
        {HA: 0.75},
        needs=("group",),
        window=70,
    ),
)

PACK = LanguagePack(
    language="pt",
    cues={
        "person": VICTIM,
        "you": r"\b(?:voc[eê]s?|vc|tu|te|teu|tua|seu|sua|contigo)\b",
        "group": r"\b(?:mulheres|imigrantes?|estrangeiros?|refugiados?|mu[cç]ulman\w*|judeus?|crist[aã]os?|"
        r"negros?|"
        r"ciganos?|gays?|homossexuais|l[eé]sbicas|deficientes|ra[cç]as?|religi[aã]o|religi[oõ]es|etnias?|"
        r"[eé]tnic[oa]s?|nacionalidades?|minorias?)\b",
        "howto": r"\b(?:como|melhor (?:maneira|forma|jeito)|maneira de|forma de|me explica|me ensina|"
        r"passo a passo|"
        r"me diz como|onde (?:devo|posso|bater|acertar))\b",
        "intent": r"\b(?:vou|vamos|eu vou|quero|tomara que|juro que|se (?:voc[eê]|tu) .{0,20}de novo)\b",
        "minor": r"\b(?:crian[cç]as?|menor(?:es)? de idade|infantil)\b",
        "support": r"\b(?:preven[cç][aã]o|ajuda|recursos|apoio|terapia|ajudar)\b",
    },
    negatives=(
        r"\bmat(?:ar|o|a|amos)\s+(?:o |os |a |as |esse |este )?(?:\w+ )?(?:processos?|tarefas?|programas?|"
        r"servidor(?:es)?|tempo)\b",
        r"\bmorrendo de (?:rir|fome|sono|medo|vergonha|t[eé]dio|calor|frio)\b|\bmorri de rir\b",
        r"\bviol[eê]ncia (?:dom[eé]stica|contra a mulher|de g[eê]nero)\b|\bchutou a bola\b",
        r"\b(?:educa[cç][aã]o|sa[uú]de|ass[eé]dio|abuso|orienta[cç][aã]o|viol[eê]ncia) sexual\b|"
        r"\bsexualmente transmiss[ií]ve(?:l|is)\b",
        r"\bpreven[cç][aã]o (?:ao|do) suic[ií]dio\b|\blinhas? de apoio\b|\bparar de se automutilar\b|"
        r"\bsinais de alerta\b|\bvaloriza[cç][aã]o da vida\b",
    ),
    rules=(
        *BROAD,
        *CONSTRUCTIONS,
        Rule(rf"\b{INSULT}\b", {H: 0.85}, needs=("you",), window=30),
        Rule(rf"\b{STRONG}\b", {H: 0.45}),
        Rule(rf"(?:^|[.!?,;:]\s*){STRONG}\s*[,!.?]", {H: 0.75}),  # vocative: "idiot, listen"
        Rule(rf"\b{MILD}\b", {H: 0.15}),
        Rule(
            r"\bcala (?:a )?boca\b|\bvai se foder\b|\bvai tomar no cu\b|\bvai pro inferno\b|"
            r"\bvai [aà] merda\b|"
            r"\bningu[eé]m gosta de (?:voc[eê]|ti)\b|\btodo mundo te odeia\b|\bte odeio\b|"
            r"\bvoc[eê] me d[aá] nojo\b",
            {H: 0.85},
        ),
        Rule(r"\bsome daqui\b|\bvaza\b", {H: 0.4}),
        Rule(rf"\bque\s+(?:ela|ele)\s+[eé]\s+(?:\w+,?\s+){{0,2}}{INSULT}\b", {H: 0.6}),
        Rule(r"\bningu[eé]m gosta (?:dela|dele)\b", {H: 0.8}),
        Rule(
            r"\b(?:vermes?|ratos|parasitas?|pragas?|animais|sub-?humanos?|inferior(?:es)?|sujos?|sujam|"
            r"imundos?|"
            r"n[aã]o merecem (?:direitos|viver|respeito)|expuls[oa]s? do pa[ií]s|(?:deviam|deveriam|devem|"
            r"tem que) "
            r"(?:ser )?(?:expuls\w*|deportad\w*)|burr[oa]s demais para|ficar em casa|"
            r"voltar para (?:o )?seu pa[ií]s)\b",
            {HA: 0.85},
            needs=("group",),
            window=80,
        ),
        Rule(
            r"\b(?:extermin\w*|eliminar tod\w*|genoc[ií]dio|limpeza [eé]tnica|aniquil\w*)\b",
            {HA: 0.9, HAT: 0.85, V: 0.7},
            needs=("group",),
            window=80,
        ),
        Rule(rf"\b{HARM}\b", {V: 0.45}),
        Rule(rf"\b{HARM}\b", {V: 0.85}, needs=("intent",), window=40),
        Rule(rf"\b{HARM}\b", {H: 0.7, HT: 0.8, V: 0.85}, needs=("intent", "you"), window=30),
        Rule(
            r"\b(?:descobrir|sei) onde (?:voc[eê]|tu) mora\b|\bvoc[eê] est[aá] mort[oa]\b|\bse cuida\b",
            {V: 0.7, H: 0.75, HT: 0.8},
        ),
        Rule(
            r"\bbomba caseira\b|\b(?:fazer|fa[cç]o|fabricar|montar) (?:uma )?bomba\b|\bexplodir (?:a |o |"
            r"uma |um )?"
            r"(?:escola|pr[eé]dio|escrit[oó]rio|igreja|avi[aã]o)\b|\bexplosivos?\b|\batirar em todo mundo\b",
            {V: 0.85},
        ),
        Rule(
            r"\b(?:me matar|suicidar|tirar (?:a )?minha (?:pr[oó]pria )?vida|acabar com (?:tudo|"
            r"a minha vida|minha vida)|"
            r"n[aã]o quero mais viver|quero morrer)\b",
            {SH: 0.9, SHN: 0.85},
        ),
        Rule(
            r"\bme cortei (?:de novo|outra vez)\b|\bn[aã]o consigo parar de me cortar\b|"
            r"\bcortar (?:os )?pulsos\b",
            {SH: 0.85, SHN: 0.8},
        ),
        Rule(
            r"\b(?:comprimidos|rem[eé]dios|p[ií]lulas)\b.{0,40}\b(?:n[aã]o acordar|acordar mais|morrer)\b|"
            r"\bcomo (?:me matar|me suicidar|me enforcar)\b",
            {SH: 0.9, SHI: 0.85},
        ),
        Rule(r"\b(?:me machucar|me cortar|me cortei|me ferir|me automutilar)\b", {SH: 0.5}),
        Rule(
            r"\b(?:me machucar|me cortar|me ferir|me automutilar)\b",
            {SH: 0.9, SHI: 0.85},
            needs=("howto",),
            damp=True,
            window=30,
        ),
        Rule(r"\bningu[eé]m sentiria (?:a )?minha falta\b", {SH: 0.6}),
        Rule(r"\b(?:suic[ií]dio|suicida|automutila[cç][aã]o)\b", {SH: 0.35}, damp=True),
        Rule(
            r"\b(?:porn\w*|porn[oô]|er[oó]tic\w*|sexo expl[ií]cito|cenas? de sexo|tes[aã]o|tesud[oa]|nudes|"
            r"fotos? (?:nua|pelada)|transar|foder|trepar|gozar|orgasmos?|masturb\w*|putaria|fazer amor)\b",
            {SX: 0.85},
        ),
        Rule(
            r"\b(?:nua|nuas|pelad[oa]s?|excitad[oa]s?|safad[oa]s?|sensual\w*|noite quente|seduzir|"
            r"lingerie|sexy|peitos)\b",
            {SX: 0.45},
        ),
        Rule(r"\b(?:paix[aã]o|quente|na cama|sexo|sexual\w*)\b", {SX: 0.3}, damp=True),
        Rule(r"\broleplay\b|\bjogo de rpg\b", {SX: 0.1}),
        Rule(r"\b(?:porra|merda|caralho|foder|foda|putas?|cacete|bosta|buceta|cu|fdp)\b", {PROF: 0.7}),
        Rule(r"\bcaramba\b", {PROF: 0.2}),
    ),
)
