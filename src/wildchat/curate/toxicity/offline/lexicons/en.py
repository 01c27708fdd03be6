"""English rules. Patterns run on normalised text (lower case, apostrophes straightened).

Slurs against real groups are deliberately not listed: hate is detected from a group word near
dehumanising or exclusionary language, which misses slur-only messages (a known limitation).
"""

from __future__ import annotations

from wildchat.curate.toxicity.offline.lexicons.en_constructions import CONSTRUCTIONS, MORE_GROUPS, NEGATIVES
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

YOU = r"\b(?:you|your|yours|yourself|you're|youre|u|ur|ya|thou)\b"

# Words used as insults. STRONG ones are insults wherever they appear; MILD ones need a target.
STRONG = alt(
    r"idiots?",
    r"morons?",
    r"imbeciles?",
    r"dumbass(?:es)?",
    r"dumb ?fucks?",
    r"assholes?",
    r"arseholes?",
    r"bastards?",
    r"bitch(?:es)?",
    r"cunts?",
    r"dick ?heads?",
    r"pricks?",
    r"twats?",
    r"wankers?",
    r"scumbags?",
    r"mother ?fuckers?",
    r"shit ?heads?",
    r"douche(?: ?bags?)?",
    r"sluts?",
    r"whores?",
    r"jackass(?:es)?",
    r"nitwits?",
    r"halfwits?",
    r"dimwits?",
    r"numbskulls?",
    r"cretins?",
    r"lowlifes?",
    r"piece of (?:shit|crap|garbage|trash)",
)
MILD = alt(
    r"stupid",
    r"dumb",
    r"losers?",
    r"jerks?",
    r"clowns?",
    r"buffoons?",
    r"fools?",
    r"cowards?",
    r"creeps?",
    r"freaks?",
    r"pigs?",
    r"rats?",
    r"snakes?",
    r"worthless",
    r"useless",
    r"pathetic",
    r"ugly",
    r"fat",
    r"brainless",
    r"spineless",
    r"incompetent",
    r"trash",
    r"garbage",
    r"scum",
    r"failures?",
    r"disgrace",
    r"disgusting",
    r"liars?",
    r"parasites?",
    r"degenerates?",
    r"weaklings?",
    r"psychos?",
    r"hags?",
    r"gross",
    r"lazy",
    r"smelly",
    r"joke",
    r"nobody",
    r"waste of (?:space|oxygen|air|skin)",
)
MODIFIER = alt(
    r"such",
    r"so",
    r"an?",
    r"the",
    r"one",
    r"absolute",
    r"complete",
    r"total",
    r"fucking",
    r"fuckin",
    r"freaking",
    r"little",
    r"big",
    r"real",
    r"utter",
    r"bloody",
    r"damn",
    r"sad",
    r"dumb",
    r"stupid",
    r"pathetic",
    r"worthless",
    r"useless",
    r"ugly",
    r"fat",
    r"lazy",
    r"brainless",
    r"spineless",
    r"filthy",
    r"disgusting",
    r"annoying",
    r"incompetent",
    r"lying",
    r"smelly",
    r"cheating",
    r"old",
    r"dirty",
    r"miserable",
    r"hopeless",
    r"clueless",
)
INSULT = alt(STRONG, MILD)
MODS = rf"(?:{MODIFIER},?\s+){{0,5}}"

PERSON = alt(
    r"him",
    r"her",
    r"them",
    r"you",
    r"u",
    r"ya",
    r"someone",
    r"somebody",
    r"anyone",
    r"anybody",
    r"everyone",
    r"everybody",
    r"people",
    r"(?:an? )?(?:adult |grown |old |young )?(?:man|woman|person|human)",
    r"humans",
    r"my (?:wife|husband|boss|neighbou?r|teacher|mom|mother|dad|father|brother|sister|ex|"
    r"classmates?|co-?workers?|friends?|roommate|girlfriend|boyfriend|family|son|daughter|kids?)",
    r"(?:his|her|their|your) (?:family|kids?|children|wife|husband|mom|mother|dad|father|friends?|"
    r"brother|sister|dog|cat|boss)",
    r"the (?:teacher|boss|president|neighbou?r|police|cops?|kids|children|students|protesters|victim|"
    r"prisoner|hostage|guard|witness|jury|judge)",
    r"all of (?:them|you)",
    r"the whole (?:class|school|office)",
)
HARM = alt(
    r"kill(?:s|ed|ing)?",
    r"murder(?:s|ed|ing)?",
    r"stab(?:s|bed|bing)?",
    r"shoot(?:s|ing)?",
    r"shot",
    r"strangl(?:e|es|ed|ing)",
    r"chok(?:e|es|ed|ing)",
    r"beat(?:s|ing)?(?: up)?",
    r"punch(?:es|ed|ing)?",
    r"hurt(?:s|ing)?",
    r"slap(?:s|ped|ping)?",
    r"kick(?:s|ed|ing)?",
    r"tortur(?:e|es|ed|ing)",
    r"kidnap(?:s|ped|ping)?",
    r"rap(?:e|es|ed|ing)",
    r"assault(?:s|ed|ing)?",
    r"attack(?:s|ed|ing)?",
    r"poison(?:s|ed|ing)?",
    r"drown(?:s|ed|ing)?",
    r"lynch(?:es|ed|ing)?",
    r"behead(?:s|ed|ing)?",
    r"butcher(?:s|ed|ing)?",
    r"slaughter(?:s|ed|ing)?",
    r"shank(?:s|ed|ing)?",
    r"smother(?:s|ed|ing)?",
    r"suffocat(?:e|es|ed|ing)",
    r"maim(?:s|ed|ing)?",
    r"injur(?:e|es|ed|ing)",
    r"(?<!self-)(?<!self )harm(?:s|ed|ing)?",  # "self-harming" is not harm to others
    r"abduct(?:s|ed|ing)?",
    r"cut(?:s|ting)?",
    r"burn(?:s|ed|ing)?",
    r"hang(?:s|ed|ing)?",
)

VICTIM = (
    r"\b(?:him|her|them|he|she|they|someone|somebody|anyone|anybody|people|persons?|man|men|woman|women|guy|"
    r"girl|boy|kids?|child(?:ren)?|wife|husband|boss|ex|neighbou?r\w*|teacher|classmates?|coworkers?|"
    r"everyone|"
    r"everybody|victims?|traitors?|enemies|cops?|police|politicians?|protesters|brother|sister|mom|dad|"
    r"mother|"
    r"father|family)\b"
)
# Only unambiguous words: "molotov" alone is also a pact, "explosive" an adjective, "grenade" a French fruit.
WEAPONS = (
    r"\b(?:molotov cocktails?|explosives|explosive (?:devices?|vests?|charges?)|detonators?|napalm|thermite|"
    r"pipe ?bombs?|nail ?bombs?|car ?bombs?|suicide (?:vests?|bomb\w*))\b"
)
# Lexicon 1.1: broader vocabulary, so that evidence does not hinge on one exact phrasing.
BROAD: tuple[Rule, ...] = (
    Rule(
        r"\bin (?:gory|bloody|graphic|gruesome) detail\b",
        {V: 0.6, VG: 0.6},
    ),  # asked-for gore
    # violence: harm to a victim named anywhere nearby, weapons, injuries, implicit threats
    Rule(rf"\b{HARM}\b", {V: 0.8}, needs=("howto", "person"), window=50),
    Rule(rf"\b{HARM}\b", {V: 0.8}, needs=("intent", "person"), window=40),
    Rule(WEAPONS, {V: 0.55}),
    Rule(WEAPONS, {V: 0.85}, needs=("howto",), window=60),
    Rule(
        r"\b(?:attack\w*|bomb\w*|blow(?:ing)? up|shoot(?:ing)? up|storm\w*|massacre)\s+(?:on\s+|"
        r"at\s+)?(?:the\s+|a\s+|"
        r"our\s+|their\s+)?(?:city hall|town hall|school|church|mosque|synagogue|temple|government|"
        r"parliament|"
        r"congress|police station|embassy|crowd|concert|mall|stadium|airport|office|hospital|protest\w*|"
        r"rally)\b",
        {V: 0.85},
    ),
    Rule(
        r"\b(?:blood(?:y|ied|bath)?|gory|gore|bleed(?:s|ing)?|severed|blown off|ripped off|torn off|guts|"
        r"entrails|"
        r"skulls?|corpses?|dead bod(?:y|ies))\b",
        {V: 0.3, VG: 0.3},
    ),
    Rule(
        r"\b(?:pass(?:es)? out|knock(?:ed|s)? (?:him|her|them|someone|somebody) out|unconscious|black out)\b",
        {V: 0.35},
        needs=("person",),
        window=40,
    ),
    Rule(
        r"\b(?:not (?:going|gonna) (?:to )?(?:go home|make it home|leave|survive|live)|won'?t (?:make it|"
        r"go home|"
        r"leave) alive|not going home alive|(?:is|are) (?:a )?dead (?:man|men|meat)|(?:his|her|their|"
        r"your) days "
        r"are numbered)\b",
        {V: 0.75, HT: 0.4},
    ),
    Rule(r"\b(?:lampposts?|lynch\w*|firing squad|public(?:ly)? execut\w*|gallows)\b", {V: 0.4}),
    Rule(
        r"\b(?:hit(?:s|ting)?|strike|smack)\s+(?:him|her|them|someone|somebody|a person|people)\b(?! up)",
        {V: 0.45},
    ),
    Rule(
        r"\b(?:sabotag\w*|tamper\w* with|cut)\s+(?:the\s+|his\s+|her\s+|their\s+|my\s+\w+'s\s+|"
        r"\w+'s\s+)?(?:brakes?|"
        r"brake lines?|tires|gas line)\b",
        {V: 0.6},
    ),
    Rule(
        r"\b(?:get rid of|dispose of|hide|bury|dissolve)\s+(?:(?:the|a|his|her|"
        r"their)\s+body\b(?!\s+(?:odou?r|fat|"
        r"hair|acne|lotion|spray|wash))|bodies\b|corpses?\b)",
        {V: 0.8},
    ),
    Rule(r"\b(?:hitm[ae]n|contract killers?|hired killers?)\b", {V: 0.45}),
    Rule(
        r"\b(?:guns?|firearms?|rifles?|pistols?|weapons?)\b.{0,40}\bwithout (?:a )?(?:background check|"
        r"licen[cs]e|"
        r"permit|serial number)\b|\bghost guns?\b|\b(?:untraceable|unregistered) (?:gun|firearm|weapon)s?\b",
        {V: 0.6},
    ),
    Rule(
        r"\b(?:crack|smash|bash|split|cave)\s+(?:his|her|their|your|its)\s+(?:skull|head|face)\b", {V: 0.85}
    ),
    Rule(
        r"\b(?:burn\w*|torch\w*|destroy\w*)\s+(?:their|the|all)\s+(?:places of worship|mosques?|churches|"
        r"synagogues?|temples?)\b|\b(?:places of worship|mosques?|churches|synagogues?|temples?)\s+"
        r"(?:burned|burnt|destroyed|torched)\b",
        {V: 0.75},
    ),
    # self-harm: doses, self-injury, hopelessness (two weak signals make a flag)
    Rule(
        r"\b(?:lethal|fatal|deadly|toxic|overdose) (?:dose|amount|quantity|level)s?\b|\boverdos\w*",
        {SH: 0.55, SHI: 0.5},
        damp=True,
    ),
    Rule(
        r"\b(?:lethal|fatal|deadly) (?:dose|amount)\b.{0,40}\b(?:paracetamol|acetaminophen|tylenol|"
        r"ibuprofen|aspirin|"
        r"insulin|sleeping pills|pills|antidepressants|xanax|benadryl)\b|\b(?:paracetamol|acetaminophen|"
        r"tylenol|"
        r"ibuprofen|insulin|pills|antidepressants)\b.{0,40}\b(?:lethal|fatal|to die|to kill myself)\b",
        {SH: 0.85, SHI: 0.8},
    ),
    Rule(
        r"\b(?:bleed(?:ing)? out|bleed to death|cut (?:my|a|your|the) wrists?|slit (?:my|a|your|the) wrists?|"
        r"(?:cut|slit) wrists?)\b",
        {SH: 0.6, SHI: 0.5},
    ),
    Rule(
        r"\b(?:burn(?:ing|ed)?|scratch(?:ing|ed)?|cut(?:ting)?|hit(?:ting)?|punch(?:ing)?|bit(?:e|ing)|"
        r"carv(?:e|ing)|"
        r"hurt(?:ing)?)\s+(?:my\s+)?(?:own\s+)?(?:skin|arms?|wrists?|legs?|thighs?|stomach|body)\b",
        {SH: 0.45},
        needs=("self",),
        window=20,
    ),
    Rule(r"\bpunish(?:ing|ed)? myself\b|\buntil (?:it|they) bleeds?\b|\bonly thing that helps\b", {SH: 0.45}),
    Rule(
        r"\b(?:can'?t|cannot|couldn'?t) (?:take|do|handle|bear|stand) (?:it|this|life) any ?more\b|"
        r"\bwant (?:the|this|"
        r"all the|my) pain to (?:stop|end|go away)\b|\b(?:pain|suffering|it) to (?:stop|end) forever\b|"
        r"\bdisappear"
        r"(?:ed|ing)? forever\b|\b(?:my )?life (?:is|feels) (?:meaningless|pointless|worthless|empty|"
        r"hopeless)\b|"
        r"\bready to go\b|\bgave away (?:all )?my\b|\bwrote (?:my|a) (?:will|goodbye)\b|\bno way out\b|"
        r"\bnothing to live for\b",
        {SH: 0.45},
    ),
    Rule(
        r"\bwant to end it\b|\bgoing to end it\b|\b(?:everyone|everybody|they|my family) (?:would be|'d be) "
        r"(?:happier|better off) (?:if i|without me)\b|\bbetter off without me\b|\bend my suffering\b",
        {SH: 0.85, SHN: 0.8},
    ),
    Rule(
        r"\b(?:die|dying|death) by (?:hanging|suicide|overdose|drowning|jumping)\b|\bpainful to die\b|"
        r"\bpainless "
        r"(?:death|way to die|suicide)\b|\bhow (?:to|do (?:i|you)) (?:die|overdose)\b",
        {SH: 0.7, SHI: 0.6},
    ),
    Rule(
        r"\bswallow\w* (?:the |a |all )?(?:whole |entire )?(?:bottle|pack|box)\b|\btake all (?:of )?my "
        r"(?:pills|meds|medication)\b",
        {SH: 0.85, SHN: 0.8},
    ),
    Rule(
        r"\b(?:bridge|building|roof|cliff|balcony)\b.{0,40}\bhigh enough\b|\bhigh enough to (?:die|kill)\b",
        {SH: 0.6},
    ),
    Rule(
        r"\b\d{2,3} calories (?:a|per) day\b|\bskinny no matter what\b|\b(?:starve|starving) myself\b|"
        r"\bpurg(?:e|ing)\b",
        {SH: 0.5},
    ),
    # sexual: acts, undressing, bodies, beds; each weak alone, together a flag
    Rule(r"\b(?:have|having|had|has)\s+(?:\w+\s+){0,2}sex\b", {SX: 0.85}),
    Rule(
        r"\b(?:include|add|describe|write|show|with|more)\s+(?:the\s+|some\s+|lots of\s+|a\s+)?(?:sex|"
        r"smut)\b",
        {SX: 0.6},
    ),
    Rule(
        r"\bsleep(?:s|ing)? together\b|\bslept together\b|\bsleep(?:s|ing)? with (?:her|him|me|you)\b|"
        r"\bhook(?:s|ed|ing)? up with (?:her|him|someone|a (?:guy|girl|stranger))\b",
        {SX: 0.5},
    ),
    Rule(
        r"\b(?:take|takes|took|taking|pull(?:s|ed|ing)?|slid(?:e|es|ing)|rip(?:s|ped|ping)?|strip(?:s|ped|"
        r"ping)?)\s+"
        r"(?:off\s+)?(?:her|his|their|my|your)\s+(?:bra|panties|underwear|pants|clothes|shirt|dress|bikini|"
        r"top|"
        r"lingerie|boxers)(?:\s+off)?\b|\bunzip\w*|\bunbutton\w*|\bunhook\w*",
        {SX: 0.45},
    ),
    Rule(r"\b(?:breasts?|boobs|nipples?|butt|ass|thighs?|crotch|cleavage|bra|panties|buttocks)\b", {SX: 0.3}),
    Rule(r"\b(?:onto|into|on) the bed\b|\bin bed\b|\bbedroom\b|\bbetween the sheets\b", {SX: 0.25}),
    Rule(
        r"\b(?:sensual|steamy|erotic|explicit|nsfw|lewd|intimate)\s+detail\w*\b|\bnothing left to (?:the )?"
        r"imagination\b|\bmake it (?:more )?(?:explicit|spicy|steamy|dirty|nsfw|sexier|hotter)\b|"
        r"\bbe explicit\b",
        {SX: 0.45},
    ),
    Rule(
        r"\b(?:lap ?dances?|strip ?clubs?|strippers?|pole danc\w*|brothels?|prostitut\w*|escorts?|"
        r"hookers?)\b",
        {SX: 0.45},
    ),
    Rule(r"\b(?:submissive|dominant|dominatrix|bondage|beg me|slave girl|spank\w*)\b", {SX: 0.35}),
    Rule(
        r"\btouch(?:es|ed|ing)? (?:me|you|her|him|myself|yourself)\b|\bkiss(?:es|ed|ing)? (?:her|his|my|"
        r"your) "
        r"(?:neck|body|chest)\b",
        {SX: 0.3},
    ),
    Rule(
        r"\bhands? (?:slid(?:e|ing)?|slipp\w*|mov\w*|wander\w*|creep\w*|run(?:s|"
        r"ning)?)\s+(?:\w+\s+)?(?:under|up|down|"
        r"between|beneath|inside|along)\s+(?:her|his)\b",
        {SX: 0.6},
    ),
    Rule(
        r"\bsext\w*|\bdirty (?:messages?|texts?|talk|jokes?|pictures?)\b|\b(?:spicy|naughty) (?:messages?|"
        r"texts?|pics?)\b",
        {SX: 0.75},
    ),
    # harassment: more insults, insults said about someone, bullying
    Rule(
        rf"\b(?:you|u)(?:'re|re| are| r)?\s+{MODS}(?:sluts?|slobs?|muppets?|tossers?|prats?|pillocks?|"
        rf"bellends?|"
        r"numpties|numpty|twits?|nincompoops?|dorks?|weirdos?|lunatics?|maniacs?|skanks?|hoes?|bimbos?|"
        r"incels?|"
        r"simps?|cucks?|crybab(?:y|ies)|cows?|dogs?|animals?)\b",
        {H: 0.85},
    ),
    Rule(
        r"\b(?:is|are|'s)\s+(?:a |an |such a |such an |so |the )?(?:fat |ugly |stupid |dumb |dirty |"
        r"filthy |lazy |"
        r"worthless |total |complete )*(?:sluts?|whores?|skanks?|bitch(?:es)?|idiots?|morons?|losers?|slobs?|"
        r"freaks?|failures?)\b",
        {H: 0.6},
    ),
    Rule(
        r"\b(?:make fun of|laugh(?:s|ing)? at|humiliat\w*|bully\w*|tease|teasing|"
        r"ridicul\w*)\b.{0,40}\b"
        r"(?:stutter\w*|weight|disabilit\w*|accent|appearance|face|body|looks|acne|glasses|teeth|height|"
        r"lisp|scars?)\b",
        {H: 0.75},
    ),
    Rule(
        r"\b(?:spread|start|write)\w*\s+(?:a\s+|some\s+)?(?:rumou?rs?|lies|gossip)\s+about\b|\b(?:could|"
        r"would) do "
        r"(?:a )?better (?:job )?than (?:you|u)\b",
        {H: 0.55},
    ),
    Rule(r"\b(?:filthy|dirty|disgusting|stinking)\s+(?:animal|pig|rat|slob|dog|creature|beast)\b", {H: 0.6}),
    # hate: more predicates about protected groups
    Rule(
        r"\b(?:invaders?|invasion|abomination|all terrorists|less evolved|(?:are|is) (?:all )?(?:criminals|"
        r"rapists|"
        r"thieves|terrorists|savages|stupid|dumb|idiots|inferior|superior|disgusting|evil|a disease|"
        r"a plague)|poison"
        r"\w* (?:our|the) blood|control(?:s|ling)? (?:the|all the|our) (?:banks|media|government|world|"
        r"money)|"
        r"(?:shouldn'?t|should not|must not|don'?t deserve to|do not deserve to) (?:have|get|be allowed|"
        r"be given) "
        r"(?:the |any )?(?:right|rights|vote|votes|jobs|to work|to vote|citizenship)|lesser (?:race|people|"
        r"beings))\b",
        {HA: 0.85},
        needs=("group",),
        window=60,
    ),
    Rule(
        r"\b(?:better|good|great|safer) if (?:all )?(?:the |those |these )?\w+ (?:were|was|"
        r"got) (?:deported|expelled|"
        r"kicked out|gone|removed|wiped out|killed)\b",
        {HA: 0.85},
        needs=("group",),
        window=60,
    ),
    Rule(
        r"\b(?:racially pure|racial purity|pure blood(?:ed)?|race mixing|mongrel\w*|white genocide|"
        r"great replacement)\b",
        {HA: 0.8},
    ),
    Rule(
        r"\b(?:jokes?|memes?|insults?)\b.{0,30}\b(?:about|mocking|making fun of)\b",
        {HA: 0.5},
        needs=("group",),
        window=60,
    ),
)

PACK = LanguagePack(
    language="en",
    cues={
        "person": VICTIM,
        "you": YOU,
        "group": r"\b(?:women|woman|females?|girls|men|immigrants?|migrants?|refugees?|foreigners?|"
        r"muslims?|islam|christians?|jews?|jewish|hindus?|sikhs?|buddhists?|atheists?|catholics?|"
        r"blacks?|whites?|asians?|arabs?|latinos?|latinas?|hispanics?|africans?|mexicans?|gays?|"
        r"lesbians?|homosexuals?|bisexuals?|queers?|transgenders?|trans people|lgbt\w*|disabled|"
        r"handicapped|autistic|dark[- ]skin(?:ned)?|darker skin|races?|racial|religions?|faiths?|"
        r"ethnic(?:ity|ities)?|ethnic groups?|"
        r"nationalit(?:y|ies)|tribes?|castes?|skin colou?rs?|minorit(?:y|ies))\b|" + MORE_GROUPS,
        "self": r"\b(?:i|i'm|im|i've|ive|i'll|me|my|myself)\b",
        "howto": r"\b(?:how (?:to|do|can|could|would|should|much|many|long)|best way|easiest way|fastest way|"
        r"quickest way|simplest way|most \w+ way|ways? to|tips? (?:on|for|to)|steps? to|instructions?|"
        r"guide to|teach me|tell me how|explain how|show me how|describe (?:in detail )?how|a plan to|"
        r"can i|could i|"
        r"should i)\b",
        "intent": r"\b(?:i(?:'ll| will| shall| am going to|'m going to|m going to|'m gonna| am gonna|"
        r" gonna| wanna|"
        r" want to| would love to| swear)|ill|we(?:'ll| will| are going to|'re going to|'re gonna| should)|"
        r"let's|lets|going to|gonna|(?:i )?hope (?:someone|somebody|they|he|she|you)|plan(?:ning)? to|"
        r"if (?:he|she|they|you) .{0,30}again)\b",
        "minor": r"\b(?:child|children|kids?|minors?|underage|under-age|pre-?teens?|schoolgirls?|schoolboys?|"
        r"little (?:girl|boy)s?|toddlers?|infants?|(?:1[0-7]|[1-9])[- ]?(?:year|yr)s?[- ]?old|"
        r"middle school\w*|"
        r"elementary school\w*|loli\w*|shota\w*)\b",
        "support": r"\b(?:prevent\w*|hotlines?|helplines?|lifeline|resources?|support|awareness|research|"
        r"symptoms?|"
        r"treat(?:ed|ment|ing)?|hospitals?|doctors?|nurses?|clinic\w*|medical|"
        r"statistics|recover\w*|therapy|therapist|counsel\w*|warning signs|how (?:can|do) i help|"
        r"crisis line)\b",
    },
    negatives=(
        # computing and everyday idioms that use violent verbs
        r"\bkill(?:ing|ed|s)?\s+(?:-\w+\s+)?(?:the |a |an |all |this |that |my |these |those |every |any |"
        r"its )?"
        r"(?:\w+ ){0,2}(?:process(?:es)?|tasks?|jobs?|threads?|servers?|sessions?|signals?|apps?|"
        r"applications?|"
        r"programs?|containers?|pods?|switch|commands?|quer(?:y|ies)|connections?|daemons?|services?|tabs?|"
        r"windows?|variables?|code|bugs?|pid|instances?|workers?|time|it|the mood|the lights?|the engine|"
        r"weeds?|germs?|bacteria|lice|pests?|bugs|mosquito(?:e?s)?|zombies?|monsters?|enemies|boss|dragon)\b",
        r"\bkill\s+-?\d+|\bpkill\b|\bkillall\b|\bkill\s+%\d+|\bsigkill\b|\bkill switch\b",
        r"\b(?:could|would) kill for\b|\bkilled it\b|\bkilling it\b|\bdressed to kill\b|\bkill(?:s|ed)? me\b"
        r"(?=[^.!?]{0,40}(?:laugh|lol|haha|funny|joke))|\bdying of (?:laughter|laughing|boredom|"
        r"embarrassment)\b|"
        r"\b(?:die|dying|died|dead) (?:laughing|of laughter)\b|\bkill(?:ing)? myself laughing\b",
        r"\bshoot(?:s|ing)?\s+(?:a |an |the |some |my |our |your )?(?:\w+ ){0,2}(?:photos?|pictures?|videos?|"
        r"films?|movies?|scenes?|footage|portraits?|weddings?|hoops?|baskets?|basketball|free throws?|"
        r"the breeze|an? email|a message|me a message|a text|for the stars|the moon)\b|\bphoto ?shoot\b",
        r"\bbeat(?:s|ing)?\s+(?:the |a |my |your |his |her )?(?:\w+ )?(?:game|level|boss|record|deadline|"
        r"traffic|heat|odds|competition|eggs?|mixture|batter|butter|cream|drum|rush|market|clock|system)\b",
        r"\bcut(?:s|ting)?\s+(?:the |a |an |into |some |my |your |them |it |up )*(?:\w+ ){0,2}(?:onions?|"
        r"vegetables?|carrots?|potato(?:es)?|meat|cake|bread|fruit|paper|fabric|hair|grass|costs?|prices?|"
        r"budgets?|corners?|ties|losses|slices?|pieces?|cubes?|strips?|dice|wood|pipe|wire|tape|"
        r"taxes|spending|emissions)\b|\bcut (?:him|her|them|me|you) (?:some )?slack\b",
        r"\bhang(?:s|ing)?\s+(?:a |the |my |your |some )?(?:picture|frame|painting|shelf|shelves|curtains?|"
        r"mirror|clothes|laundry|tv|poster|lights?|decorations?)\w*\b|\bhang(?:ing)? out\b|\bhang on\b",
        r"\b(?:strip|stripping|strips)\s+(?:the |all |any )?(?:\w+ )?(?:whitespace|spaces?|characters?|html|"
        r"tags?|strings?|punctuation|newlines?|prefix|suffix|trailing|leading|metadata|paint|wires?)\b|"
        r"\.(?:l|r)?strip\(",
        r"\bexecute\s+(?:the |a |this |my )?(?:\w+ )?(?:script|code|command|query|program|function|plan|"
        r"order|"
        r"task|statement|trade|contract)s?\b|\bdrop (?:the |a )?(?:table|database|column|index)\b",
        r"\b(?:attack(?:s|ing)?|capture|check)\s+(?:the |your |a )?(?:king|queen|rook|bishop|knight|pawn)\b",
        r"\b(?:bath ?bombs?|photo ?bombs?|f-?bombs?|the bomb\b(?! (?:squad|threat|shelter))|bombshell|"
        r"blows? up (?:on|online|my phone)|blew up (?:on|online))\b",
        r"\b(?:heart|panic|asthma|anxiety) attacks?\b|\b(?:immune|the body) (?:system )?attacks?\b",
        # health, education and prevention topics
        r"\bsex(?:ual)?\s+(?:health|education|ed|abuse|harassment|assault|orientations?|reproduction|"
        r"selection|"
        r"dimorphism|characteristics?|identity|identities|consent|offen[cs]es?|offenders?|trafficking|"
        r"violence|"
        r"hormones?|minorit(?:y|ies))\b|"
        r"\bsexually transmitted\b|\bsex (?:of|determination|chromosomes?|ratio)\b|\bsafer? sex\b|"
        r"\bsexual and reproductive\b|\bbreast (?:cancer|feeding|milk|pump|exam)\w*|\bbreastfeed\w*",
        r"\bsuicide (?:prevention|hotlines?|helplines?|lifeline|awareness|rates?|statistics|squad|risk)\b|"
        r"\b(?:prevent(?:ing)?|preventing) (?:suicide|self-?harm)\b|\b(?:warning|risk) (?:signs|factors) "
        r"(?:of|for) suicide\b|\b(?:stop|quit|resist|cope with|coping with|manage|managing|overcome|"
        r"overcoming|"
        r"recover(?:ed|ing)? from|recovery from)\s+(?:the\s+|my\s+)?(?:self-?harm(?:ing)?|"
        r"cutting)(?:\s+urges?)?\b|"
        r"\bassisted suicide\b|\bsuicide mission\b",
        r"\bblood (?:pressure|tests?|types?|sugar|donations?|donors?|cells?|vessels?|counts?|glucose|banks?|"
        r"orange|moon|work|panel|sample)s?\b|\bhit (?:\w+ )?up\b|\bbleeding (?:edge|heart|gums)\b",
        r"\b(?:race conditions?|arms race|rat race|drag races?|horse races?|space race|race cars?|"
        r"race tracks?)\b",
        r"\bhate speech\b|\bhate crimes?\b|\bdomestic violence\b|\bgender-based violence\b|"
        r"\bviolence against women\b|\bi hate (?:mondays?|it when|this weather|waiting|traffic)\b",
        *NEGATIVES,
    ),
    rules=(
        *BROAD,
        *CONSTRUCTIONS,
        # harassment: insults with a target
        Rule(rf"\b(?:you|u)(?:'re|re| are| r)?\s+{MODS}{INSULT}\b", {H: 0.85}),
        Rule(rf"\bur\s+{MODS}{INSULT}\b", {H: 0.85}),
        Rule(
            r"\byou(?:'re| are)\s+(?:the\s+)?(?:dumbest|stupidest|ugliest|worst|most (?:stupid|pathetic|"
            r"useless|annoying|disgusting|incompetent))\b",
            {H: 0.85},
        ),
        Rule(rf"\b{INSULT}\s+like\s+(?:you|u)\b", {H: 0.85}),
        Rule(
            rf"(?:^|[.!?,;:]\s*|\b(?:hey|hi|listen|oi|yo|ok|okay|shut up)\s*,?\s*(?:here\s*,?\s*)?)"
            rf"{MODS}{INSULT}\s*(?:[,!.?]|$)",
            {H: 0.75},
        ),
        Rule(rf"\b(?:he|she|they)(?:'s|'re| is| are)\s+{MODS}{INSULT}\b", {H: 0.6}),
        Rule(rf"\bcall(?:ing|s|ed)?\s+(?:him|her|them|my \w+|\w+)\s+{MODS}{INSULT}\b", {H: 0.8}),
        Rule(rf"\b(?:what|such)\s+an?\s+{MODS}{INSULT}\b", {H: 0.6}),
        Rule(rf"\b{STRONG}\b", {H: 0.45, PROF: 0.6}),
        Rule(rf"\b{MILD}\b", {H: 0.15}),
        Rule(
            r"\b(?:nobody|no one|no-one|noone|everyone|everybody)\s+(?:likes|loves|cares about|wants|"
            r"hates)\s+"
            r"(?:you|u)\b",
            {H: 0.85},
        ),
        Rule(
            r"\b(?:nobody|no one|no-one)\s+(?:would|will|is going to)\s+(?:ever\s+)?(?:miss|love|like|"
            r"care about|"
            r"notice)\s+(?:you|u|her|him)\b",
            {H: 0.8},
        ),
        Rule(r"\byou\s+(?:disgust|sicken|repulse|repel)\s+me\b|\bi hate you\b|\bi despise you\b", {H: 0.75}),
        Rule(
            r"(?<!the )\b(?:fuck|screw|f)\s+(?:you|u|off|yourself)\b|\bpiss off\b|\bstfu\b|\bgtfo\b|"
            r"\bgo (?:to hell|fuck yourself|die|away and die)\b|\bdrop dead\b",
            {H: 0.85},
        ),
        Rule(
            r"\b(?:kys|kill yourself|go kill yourself|hang yourself|neck yourself)\b",
            {H: 0.85, HT: 0.6, SH: 0.4},
        ),
        Rule(r"\bshut\s+(?:up|your\s+(?:mouth|face|trap))\b", {H: 0.45}),
        Rule(r"\bmake\s+(?:your|his|her|their)\s+life\s+(?:a\s+)?(?:living\s+)?hell\b", {H: 0.85, HT: 0.5}),
        Rule(
            r"\b(?:post|share|publish|leak|dox)\w*\s+(?:your|his|her|their)\s+(?:home\s+)?(?:address|"
            r"phone number|"
            r"number|location|personal (?:info\w*|details)|nudes|photos)\b",
            {H: 0.8, HT: 0.5},
        ),
        Rule(
            r"\b(?:insult(?:ing|s)?|roast(?:ing)?|humiliat\w*|bully(?:ing)?|belittl\w*|ridicul\w*|harass\w*|"
            r"degrad\w*|trash[- ]talk\w*)\b",
            {H: 0.3},
        ),
        Rule(r"\b(?:just\s+)?disappear\b|\bget lost\b|\bbeat it\b", {H: 0.3}, needs=("you",), window=40),
        # hate: a protected group near dehumanising or exclusionary language
        Rule(
            r"\b(?:vermin|parasites?|subhumans?|sub-humans?|untermensch|cockroach(?:es)?|rats|animals|"
            r"savages?|"
            r"filthy|dirty|inferior|criminals by nature|born criminals|breed like|backward|primitive|"
            r"not (?:fully )?"
            r"human|less than human|less intelligent|(?:are|is) an? (?:plague|disease|cancer|infestation|"
            r"virus)|"
            r"an? (?:plague|disease|cancer|infestation) (?:on|to|in|upon|infecting)|burden on society|"
            r"useless burden|don'?t deserve (?:any )?(?:rights|to live|respect)|do not deserve|"
            r"deserve no rights|"
            r"superior to|belong in the kitchen|too (?:stupid|dumb|emotional|weak|irrational) to \w+|"
            r"go back to (?:their|your) (?:own )?countr(?:y|ies)|(?:should|must|need to|ought to) (?:all )?"
            r"(?:be )?(?:thrown out|kicked out|deported|expelled|removed|banned|sent back|locked up|"
            r"sterili[sz]ed|stay out of|not (?:be allowed to )?(?:vote|have rights|breed|exist)))\b",
            {HA: 0.85},
            needs=("group",),
            window=80,
        ),
        Rule(
            r"\b(?:wipe[sd]? out|wiping out|exterminat\w*|eradicat\w*|genocide|ethnic cleansing|"
            r"gas (?:them|all)|"
            r"kill (?:them )?all|should (?:all )?(?:die|be killed|be shot|be hanged))\b",
            {HA: 0.9, HAT: 0.85, V: 0.7},
            needs=("group",),
            window=80,
        ),
        Rule(
            r"\b(?:master race|racial purity|race war|superior race|inferior races?|white power|"
            r"ethnic cleansing)\b",
            {HA: 0.8},
        ),
        Rule(
            r"\b(?:mock(?:s|ing)?|makes? fun of|ridicul\w*|demean\w*|stereotyp\w*)\b",
            {HA: 0.6},
            needs=("group",),
            window=80,
        ),
        Rule(
            r"\bi hate (?:all |every(?:one|body)? |those |these |the )?\w*\b",
            {HA: 0.6},
            needs=("group",),
            window=40,
        ),
        # violence: harm to people, with intent, instructions or wishes
        Rule(rf"\b{HARM}\s+{PERSON}\b", {V: 0.45}),
        Rule(rf"\b{HARM}\s+{PERSON}\b", {V: 0.85}, needs=("intent",), window=40),
        Rule(rf"\b{HARM}\s+{PERSON}\b", {V: 0.8}, needs=("howto",), window=60),
        Rule(
            rf"\b{HARM}\s+(?:you|u|ya|your \w+)\b", {H: 0.7, HT: 0.8, V: 0.85}, needs=("intent",), window=40
        ),
        Rule(
            r"\bbreak\s+(?:every|all (?:the |of )?|each)\s+bones?\b|\b(?:break|smash|bash|snap|crush)\s+"
            r"(?:your|his|her|their)\s+(?:legs?|arms?|neck|face|jaw|nose|bones?|skull|head|teeth|fingers?)\b|"
            r"\bslit\s+(?:your|his|her|their)\s+throats?\b|\bput (?:you|him|her) in (?:the )?hospital\b",
            {V: 0.85},
        ),
        Rule(
            r"\bwatch your back\b|\bi know where you (?:live|park|work|sleep|go to school)\b|"
            r"\bfind (?:out )?where you live\b|\byou(?:'re| are) (?:dead|next|a dead man)\b|"
            r"\bsleep with one eye open\b",
            {V: 0.7, H: 0.75, HT: 0.8},
        ),
        Rule(r"\byou(?:'ll| will) (?:regret|pay for) (?:it|this|that)\b", {H: 0.3, HT: 0.3}),
        Rule(
            r"\b(?:make|build|assemble|construct|create|making|building)\s+(?:a |an |my |the |"
            r"some )?(?:pipe |nail |"
            r"car |fertili[sz]er |homemade |home-made |dirty )?(?:bomb|explosive|ied|molotov(?: cocktail)?|"
            r"grenade|napalm)s?\b|\bblow(?:ing)? up (?:the |a |my |his |her |their )?(?:school|building|"
            r"office|"
            r"plane|bus|train|church|mosque|synagogue|temple|station|mall|stadium|embassy|house|car)\b|"
            r"\bmass (?:shooting|murder|killing)\b|\bshoot up (?:the |a |my )?\w+\b",
            {V: 0.85},
        ),
        Rule(
            r"\b(?:burn\w*|torch\w*)\s+(?:down\s+)?(?:their|his|her|your|the|my \w+'s)\s+(?:house|home|car|"
            r"school|"
            r"church|mosque|synagogue|temple|shop|store|office)(?:\s+down)?\b|\bset\w*\s+fire\s+to\s+"
            r"(?:their|his|her|your|the|a)\s+(?:house|home|car|school|person|man|woman)\b",
            {V: 0.85},
        ),
        Rule(
            r"\b(?:ram\w*|drive\w*|driving|crash\w*)\s+(?:my |a |the |his |her |their )?(?:car|truck|van|"
            r"vehicle)\s+"
            r"into\s+(?:a |the )?(?:crowd|people|protesters|pedestrians|them|him|her)\b|\b(?:run|mow)\w*\s+"
            r"(?:them|him|her|people|protesters|pedestrians)\s+(?:over|down)\b",
            {V: 0.85},
        ),
        Rule(
            r"\bdeserve[sd]?\s+to\s+(?:die|be (?:beaten|killed|shot|hanged|hung|tortured|murdered|raped|"
            r"stabbed|"
            r"burned))\b|\b(?:beaten|stabbed|burned|burnt|tortured|strangled|kicked)\s+to\s+death\b",
            {V: 0.85},
        ),
        Rule(r"\b(?:hide|dispose of|get rid of|bury)\s+(?:the|a)\s+(?:body|bodies|corpse)\b", {V: 0.75}),
        Rule(
            r"\bhow much (?:poison|cyanide|arsenic|ricin|antifreeze|rat poison)\b|\blethal dose\b", {V: 0.5}
        ),
        Rule(
            r"\bpoison\w*\s+(?:my |the |his |her |their |a )?(?:neighbou?r'?s?\s+)?(?:dog|cat|pet|horse|wife|"
            r"husband|boss|food|drink|coffee)\b",
            {V: 0.75},
        ),
        Rule(
            r"\b(?:bring|grab|get|load)\s+(?:a|my|your|the)\s+(?:gun|rifle|knife|machete|weapon|pistol|"
            r"shotgun|"
            r"ak-?47|ar-?15)\b",
            {V: 0.45},
        ),
        Rule(
            r"\b(?:won'?t|will not|wouldn'?t|not going to) survive\b|\bteach (?:them|him|her|you) a lesson\b",
            {V: 0.45},
        ),
        Rule(
            r"\b(?:kill\w*|murder\w*|shoot\w*|exterminat\w*|slaughter\w*)\s+(?:them\s+all|"
            r"all\s+of\s+(?:them|you|"
            r"those|these)|every(?:one|body)|all\s+(?:those|these|the)\s+(?:people|humans|men|women|kids|"
            r"children))\b",
            {V: 0.8},
        ),
        Rule(
            r"\b(?:tortur\w*|dismember\w*|disembowel\w*|mutilat\w*|decapitat\w*|behead\w*|flay\w*|"
            r"eviscerat\w*|entrails|guts spill\w*|blood (?:and|everywhere|spurt\w*|splatter\w*|pool\w*|"
            r"gush\w*))\b",
            {V: 0.6, VG: 0.5},
        ),
        Rule(r"\b(?:in graphic detail|graphically|gruesome|grisly|be graphic)\b", {VG: 0.3, V: 0.2}),
        Rule(r"\bkidnap\w*|\bhostage\b", {V: 0.3}),
        # self-harm
        Rule(
            r"\b(?:kill(?:ing)?\s+myself|end(?:ing)?\s+my\s+(?:own\s+)?life|take\s+my\s+(?:own\s+)?life|"
            r"end\s+it\s+all|commit(?:ting)?\s+suicide|i(?:'m| am)\s+suicidal|suicidal\s+thoughts|"
            r"want(?:ing)?\s+to\s+die|wanna\s+die|want\s+to\s+be\s+dead|(?:don'?t|do not|"
            r"no longer)\s+want\s+to\s+"
            r"(?:live|be alive|exist|wake up)|better\s+off\s+dead|no\s+reason\s+to\s+live|"
            r"slit\s+my\s+wrists?|"
            r"(?:want|wanna|going|need|urge)\s+to\s+(?:hurt|harm|cut|kill|punish|starve)\s+myself|"
            r"starv(?:e|ing)\s+myself|hang(?:ing)?\s+myself|shoot(?:ing)?\s+myself|"
            r"jump(?:ing)?\s+off\s+(?:a|the)\s+(?:bridge|building|roof|cliff)|(?:suicide|"
            r"goodbye)\s+(?:note|letter)|"
            r"won'?t\s+be\s+(?:here|around|alive)\s+(?:tomorrow|much longer|anymore)|thinking\s+(?:about|"
            r"of)\s+"
            r"(?:suicide|killing myself|ending (?:it|my life)))",
            {SH: 0.9, SHN: 0.85},
        ),
        # "I cut myself" may be an accident; repetition or compulsion makes it self-harm
        Rule(r"\b(?:cut(?:ting)?|hurt(?:ing)?|harm(?:ing)?|burn(?:ing)?)\s+myself\b", {SH: 0.45}),
        Rule(
            r"\b(?:been|keep|kept|again|still|started)\s+(?:cutting|hurting|harming|burning)\s+myself\b|"
            r"\b(?:cutting|hurting|harming|burning)\s+myself\s+(?:again|every|daily)\b|"
            r"\bcan'?t stop (?:cutting|hurting|harming)\b",
            {SH: 0.9, SHN: 0.85},
        ),
        Rule(
            r"\b(?:painless|easiest|quickest|fastest|best|surest|least painful|simplest)\s+(?:way|method|"
            r"ways|methods)"
            r"\s+to\s+(?:die|end (?:my|one'?s|your) life|kill (?:myself|yourself|oneself)|commit suicide|"
            r"hang (?:myself|yourself))\b|\b(?:how|ways?)\s+to\s+(?:kill|hang|hurt|cut|starve|harm)\s+"
            r"(?:myself|yourself|oneself)\b|\b(?:pills|tablets|sleeping pills|paracetamol|tylenol|"
            r"insulin)\b.{0,40}"
            r"\b(?:not|never)\s+wake\s+up\b|\bcut\s+deeper\b|\bhide\s+(?:my\s+)?(?:self-?harm\s+|cutting\s+)?"
            r"(?:scars|cuts|wounds)\b|\b(?:make|making)\s+myself\s+(?:throw up|vomit|puke)\b|"
            r"\b(?:throw(?:ing)? up|vomit\w*|purg\w*)\s+after\s+(?:every\s+|each\s+)?(?:meal|eating)\b|"
            r"\bpro-?ana\b|\bthinspo\w*",
            {SH: 0.9, SHI: 0.85},
        ),
        Rule(
            r"\btook\s+(?:a lot of|all (?:of )?(?:my|the)|too many|a bunch of|a (?:whole )?bottle of|"
            r"a handful of)\s+"
            r"(?:\w+\s+)?(?:pills|tablets|meds|medication)\b",
            {SH: 0.85, SHN: 0.8},
        ),
        Rule(
            r"\bi\s+deserve\s+to\s+(?:starve|die|suffer|be hurt|be punished|feel pain)\b",
            {SH: 0.85, SHN: 0.7},
        ),
        Rule(
            r"\b(?:nobody|no one|no-one)\s+(?:would|will)\s+(?:care|notice|miss me)\s+if\s+i\s+(?:died|die|"
            r"was gone|"
            r"disappeared|killed myself)\b",
            {SH: 0.8, SHN: 0.7},
        ),
        Rule(r"\b(?:stopped|stop|quit)\s+eating\b", {SH: 0.4}, needs=("self",), window=20),
        Rule(
            r"\bi hate myself\b|\bi(?:'m| am) worthless\b|\beverything is pointless\b|\bi can'?t go on\b|"
            r"\brazor blades?\b",
            {SH: 0.35},
        ),
        Rule(
            r"\bunalive\b|\b(?:life|living) (?:is|isn't|is not) (?:not )?worth (?:living|it)\b|"
            r"\bwish (?:i was|i were|i'd been) (?:dead|never born)\b|\btired of (?:living|being alive)\b",
            {SH: 0.85, SHN: 0.8},
        ),
        Rule(r"\b(?:suicide|suicidal|self-?harm(?:ing)?|self-?injur\w*|cutting)\b", {SH: 0.35}, damp=True),
        # sexual content
        Rule(
            r"\b(?:porn\w*|nsfw|erotic\w*|smut\w*|hentai|nudes|dick\s*pics?|(?:nude|naked)\s+(?:pics?|"
            r"photos?|"
            r"selfies?|pictures?)|orgasm\w*|masturbat\w*|blow\s*jobs?|hand\s*jobs?|horny|sex\s+scenes?|"
            r"sexual\s+fantas\w*|sex\s+fantas\w*|talk\s+dirty|dirty\s+talk|sexting|threesomes?|foreplay|bdsm|"
            r"x-rated|xxx|lewd|onlyfans|cam\s*girls?|sexually\s+explicit|explicit\s+sex\w*|(?:make|made|"
            r"making)\s+"
            r"love|(?:have|having|had)\s+sex|(?:want|wanna)\s+(?:to\s+)?fuck|fuck\s+me\s+(?:hard|now|tonight|"
            r"please|baby|daddy)|suck\s+(?:my|his)\s+(?:dick|cock))\b",
            {SX: 0.85},
        ),
        Rule(
            r"\b(?:tits|boobs|pussy|cock|clit|cum|cumming|dildo|vibrator|kink\w*|fetish\w*|milf|slutty|"
            r"spank\w*)\b",
            {SX: 0.45},
        ),
        Rule(
            r"\b(?:naked|nude|undress\w*|seduc\w*|sexy|steamy|aroused|arousal|moan\w*|stripper|striptease|"
            r"lingerie|sensual\w*|intimate|passionate|lust\w*|panties|nipples?|erect(?:ion|ed)?|bulge|crotch|"
            r"climax\w*|thrust\w*|penetrat\w*|ecchi|lick(?:s|ed|ing)? (?:her|his)|grop\w*|fondl\w*|"
            r"touch(?:es|ed|ing)? (?:her|his) (?:body|breasts?|thighs?|chest|crotch))\b",
            {SX: 0.4},
        ),
        Rule(
            r"\bspread(?:s|ing)? (?:her|his|your) legs\b|\b(?:huge|big|massive|perky|bouncing) (?:breasts|"
            r"boobs|tits)\b",
            {SX: 0.7},
        ),
        Rule(r"\b(?:sex|sexual|sexually|breasts?|penis|vagina|genitals?|in bed)\b", {SX: 0.3}, damp=True),
        Rule(r"\b(?:roleplay|role-play|pretend you(?:'re| are)|you are my)\b", {SX: 0.1}),
        # profanity (internal category; alt-profanity-check covers English better)
        Rule(r"\b(?:fuck\w*|shit\w*|bullshit|goddamn\w*|motherfuck\w*)\b", {PROF: 0.8}),
        Rule(r"\b(?:damn|crap|hell|bloody|piss\w*)\b", {PROF: 0.3}),
    ),
)
