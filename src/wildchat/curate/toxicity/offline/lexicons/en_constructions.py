"""English rules of lexicon 1.3: constructions rather than words.

Written against the dev half of the independent set (benchmarks/data/toxicity/independent.jsonl),
whose prompts were written before this module by someone not reading the lexicons. Toxic prompts
there rarely carry a strong word: the harm is in the construction ("tell her she's a bitter, stupid
woman", "I know your kid's school", "make sure the fall is fatal", "should be rounded up and
shipped back"). Each rule names such a construction in general terms, not a prompt's wording.
"""

from __future__ import annotations

from wildchat.curate.toxicity.offline.rules import HA, HAT, HT, SH, SHI, SHN, SX, H, Rule, V, alt

# Insults of people (nouns and adjectives) that only count with a target.
INSULTS = alt(
    r"idiots?",
    r"morons?",
    r"imbeciles?",
    r"retards?",
    r"retarded",
    r"losers?",
    r"failures?",
    r"frauds?",
    r"pigs?",
    r"cows?",
    r"whales?",
    r"hags?",
    r"witch(?:es)?",
    r"bimbos?",
    r"sluts?",
    r"whores?",
    r"gold ?diggers?",
    r"slobs?",
    r"weirdos?",
    r"creeps?",
    r"freaks?",
    r"clowns?",
    r"jokes?",
    r"embarrassments?",
    r"disappointments?",
    r"disgraces?",
    r"wastes? of (?:space|oxygen|air|skin|time|money)",
    r"pieces? of (?:shit|crap|garbage|trash|work)",
    r"trash",
    r"garbage",
    r"scum",
    r"parasites?",
    r"leech(?:es)?",
    r"liars?",
    r"cheats?",
    r"cowards?",
    r"worms?",
    r"rats?",
    r"snakes?",
    r"stupid",
    r"dumb",
    r"dumber",
    r"idiotic",
    r"brain-?dead",
    r"worthless",
    r"useless",
    r"pathetic",
    r"incompetent",
    r"clueless",
    r"ugly",
    r"fat",
    r"lazy",
    r"disgusting",
    r"repulsive",
    r"hideous",
    r"gross",
    r"smelly",
    r"creepy",
    r"bitter",
    r"spineless",
    r"brainless",
    r"miserable",
    r"attention-?seeking",
    r"nosy",
    r"nobody",
)
# Somebody other than the reader, as a request names them.
TARGET = (
    r"(?:him|her|them|he|she|they|his|their|my (?:\w+ )?\w+|this (?:\w+ )?\w+|that (?:\w+ )?\w+|the "
    r"(?:new |other |fat |old )?(?:guy|girl|kid|boy|man|woman|teacher|customer|neighbou?r|coworker|"
    r"co-worker|classmate|streamer|youtuber|moderator|reporter|judge|politician|student|member)|"
    r"[a-z]+'s (?:\w+ )?\w+)"
)
# Groups defined by a protected attribute, beyond the base pack's "group" cue (nationalities and
# other plurals that name people, not countries).
MORE_GROUPS = (
    r"\b(?:indians|chinese|japanese|koreans|pakistanis|somalis|syrians|afghans|nigerians|iraqis|"
    r"iranians|palestinians|israelis|turks|kurds|romanians|poles|russians|ukrainians|roma|gypsies|"
    r"aboriginals?|natives|indigenous|non-whites?|people of colou?r|colou?red people|foreign \w+|"
    r"trans(?:gender)? (?:people|women|men|folks?|kids|population)|trans|queers?|gay (?:men|people|"
    r"couples?)|the gays|the disabled|disabled (?:people|kids|children)|autistic (?:people|kids)|"
    r"the elderly|old people|old folks|jewish people|black (?:people|men|women|folks)|white (?:people|"
    r"men|women)|asian (?:people|women|men)|muslim (?:families|people|men|women)|syrian families|"
    r"(?:immigrant|refugee|migrant) (?:families|kids|children)|hindus|sikhs|mormons|"
    r"people from (?:the )?[a-z]+(?: [a-z]+)?)\b"
)

# People, as a word after an intensifier ("the fucking immigrants"): swearing at them is no
# exclamation.
_PEOPLE = (
    r"idiots?|morons?|bitch\w*|cunts?|whores?|sluts?|retards?|losers?|assholes?|bastards?|pigs?|"
    r"people|persons?|guys?|girls?|wom[ae]n|m[ae]n|kids?|you|boss|teachers?|neighbou?rs?|cops?|"
    r"immigrants?|migrants?|refugees?|foreigners?|muslims?|jews?|christians?|blacks?|whites?|asians?|"
    r"arabs?|mexicans?|indians|chinese|gays?|lesbians?|trans|queers?|liberals?|conservatives?|"
    r"democrats?|republicans?|boomers?|feminists?"
)

CONSTRUCTIONS: tuple[Rule, ...] = (
    # -- harassment: insults said about someone a request names ---------------------------------
    Rule(
        rf"\b(?:he|she|they|he's|she's|they're|hes|shes)(?:'s|'re| is| are| was| were)?\s+(?:\w+[,]?\s+)"
        rf"{{0,3}}{INSULTS}\b",
        {H: 0.6},
    ),
    Rule(
        rf"\b(?:call(?:s|ed|ing)?|calling|name[sd]?)\s+{TARGET}\s+(?:a |an )?(?:\w+[,]?\s+){{0,3}}"
        rf"{INSULTS}\b",
        {H: 0.8},
    ),
    Rule(
        r"\bmak(?:e|es|ing)\s+(?:him|her|them|someone|somebody|people|my \w+|this \w+|\w+)\s+feel\s+(?:so\s+|"
        r"really\s+|like\s+(?:a|an|the)\s+)?(?:\w+\s+(?:and|or)\s+)?(?:ugly|worthless|stupid|small|fat|"
        r"useless|pathetic|unwanted|ashamed|dumb|disgusting|like (?:garbage|trash|shit|nothing|a failure))"
        r"\b",
        {H: 0.85},
    ),
    Rule(
        r"\bmake\s+(?:him|her|them|someone|somebody|the \w+|my \w+|this \w+)\s+(?:cry|quit|leave|"
        r"kill (?:him|her|them)sel(?:f|ves)|hate (?:him|her|them)sel(?:f|ves))\b",
        {H: 0.7},
    ),
    Rule(
        rf"\b(?:roast|mock|humiliate|bully|shame|insult|belittle|degrade|embarrass|harass|ridicule|"
        rf"trash|destroy|tear apart|make fun of|laugh at|troll|cyberbully|dox|doxx)\s+{TARGET}\b",
        {H: 0.6},
    ),
    Rule(
        r"\b(?:roasting|mocking|humiliating|bullying|shaming|insulting|belittling|degrading|"
        r"ridiculing|trashing|making fun of|laughing at|trolling)\s+(?:him|her|them|my \w+|this \w+|"
        r"that (?:\w+ )?\w+|a (?:member|user|person|guy|girl|kid|student|coworker|classmate))\b",
        {H: 0.55},
    ),
    Rule(
        rf"\bfor being (?:a |an |so |such an? )?(?:[\w-]+ ){{0,2}}{INSULTS}\b|\b(?:nastier|meaner|"
        rf"crueller|crueler|more (?:insulting|hurtful|offensive|brutal|cruel|savage|degrading))\b",
        {H: 0.5},
    ),
    Rule(
        r"\bis (?:a|an|such a|such an) (?:[\w-]+ ){0,2}(?:retards?|morons?|idiots?|imbeciles?|whores?|"
        r"sluts?|bimbos?|losers?|slobs?|weirdos?|creeps?|hags?|gold ?diggers?)\b",
        {H: 0.55},
    ),
    Rule(
        r"\byou(?:'re| are)\s+(?:\w+\s+)?(?:the\s+)?(?:most (?:useless|stupid|pathetic|annoying|"
        r"incompetent|worthless)|dumbest|stupidest|worst)\s+(?:\w+\s+){0,2}(?:assistant|ai|bot|"
        r"chatbot|thing|person|program|tool|excuse)\b",
        {H: 0.7},
    ),
    Rule(
        r"\b(?:humiliat\w*|degrad\w*|mean|cruel\w*|nast(?:y|ier|iest)|savage|brutal|insulting|hurtful|"
        r"mocking|demeaning)\s+(?:\w+\s+)?(?:comments?|messages?|jokes?|nicknames?|names|lines|insults|"
        r"comebacks|captions?|posts?|tweets?|things to say|remarks?|poem|song|letter|email|review)\b",
        {H: 0.55},
    ),
    Rule(
        r"\b(?:tears? apart|trash\w*|mock\w*|makes? fun of|roasts?)\s+(?:[\w'-]+\s+){0,2}(?:appearance|looks|"
        r"weight|teeth|face|body|nose|acne|skin|voice|stutter|lisp|accent|disability)\b",
        {H: 0.75},
    ),
    Rule(
        r"\b(?:everybody|everyone|nobody|no one|the whole \w+|all the \w+)\s+(?:hates?|laughs? at|"
        r"can'?t stand|wants? nothing to do with|is laughing at|thinks? (?:you|he|she)(?:'re|'s| are| is) "
        r"(?:a )?(?:joke|loser|failure))\s+(?:you|him|her|them)\b",
        {H: 0.75},
    ),
    Rule(
        r"\b(?:nobody|no one|none of (?:the|us|them)\s*\w*)\s+(?:\w+\s+)?(?:wants?|likes?|can stand|"
        r"cares? about)\s+(?:you|him|her|them)\b",
        {H: 0.6},
    ),
    Rule(
        r"\b(?:until|so that|so|till)\s+(?:he|she|they|the \w+)\s+(?:quits?|cries|deletes?|leaves?|"
        r"stops? (?:showing up|coming|streaming|posting))\b",
        {H: 0.55},
    ),
    Rule(
        r"\b(?:fake|parody)\s+(?:dating\s+)?(?:profile|account)\b.{0,40}\b(?:harass\w*|embarrass\w*|"
        r"impersonat\w*|as (?:her|him))\b|\bimpersonat\w*\s+(?:my|her|his|this|that)\s+\w+",
        {H: 0.7},
    ),
    Rule(
        r"\b(?:find|get|track down|look up|dig up)\s+(?:\w+\s+){0,3}(?:her|his|their)\s+(?:home\s+|real\s+)?"
        r"(?:address|phone number|workplace|real name|identity)\b",
        {H: 0.6, HT: 0.4},
    ),
    Rule(
        r"\bsexual (?:comments?|remarks?|messages?|jokes?)\b.{0,60}\b(?:coworker|colleague|classmate|"
        r"student|employee|secretary|her)\b|\bwhat'?s under (?:her|his|your) (?:uniform|clothes|dress|"
        r"skirt|shirt)\b",
        {H: 0.7, SX: 0.4},
    ),
    Rule(
        r"\byou\s+(?:absolute|complete|total|utter|brainless|useless|pathetic|stupid|dumb)\s+\w+\b|"
        r"\b(?:dumber|stupider|more useless) than (?:a|an) \w+|\bbrainless tin can\b|\btin can\b",
        {H: 0.55},
        needs=("you",),
        window=30,
    ),
    # -- threats, mostly implicit ----------------------------------------------------------------
    Rule(
        r"\b(?:i|we)\s+(?:know|found out|have)\s+(?:where\s+(?:you|she|he|they|your \w+|his \w+|her \w+)"
        r"\s+(?:live|lives|work|works|sleep|sleeps|park|parks|go(?:es)? to school)|(?:your|his|her|"
        r"their)\s+(?:home\s+)?address|(?:your|his|her|their)\s+(?:kids?'?s?|children'?s?|son'?s?|"
        r"daughter'?s?)\s+school)\b",
        {H: 0.8, HT: 0.8, V: 0.5},
    ),
    Rule(
        r"\b(?:something|anything)\s+(?:bad|terrible|awful|nasty)?\s*(?:might|could|will|would|may)\s+"
        r"happen\s+to\s+(?:you|your|him|her|them|his|their)\b|\b(?:isn'?t|aren'?t|not|won'?t be|"
        r"wouldn'?t be|is no longer|are no longer)\s+safe\s+(?:anymore|any more|now|here|at night)\b",
        {H: 0.75, HT: 0.75, V: 0.45},
    ),
    Rule(
        r"\b(?:you(?:'ll| will)|he(?:'ll| will)|she(?:'ll| will)|they(?:'ll| will))\s+(?:be sorry|"
        r"regret (?:it|this|ever|the day)|pay for (?:it|this|that)|wish (?:you|he|she|they) (?:had|were)"
        r" never)\b|\bsee what happens\b|\bmake (?:you|him|her|them) pay\b|\byou(?:'d| had) better "
        r"(?:start )?(?:watch|check|be careful|sleep|run|hide)\w*\b",
        {H: 0.6, HT: 0.6},
    ),
    Rule(
        r"\b(?:i'm|i am|we're|we are|i'll be|we'll be)\s+(?:coming|waiting|watching)\s+(?:for you|"
        r"for (?:him|her|them)|(?:at|outside|near|by)\s+(?:your|his|her|their)\s+(?:house|home|place|"
        r"work|door|office|school))\b|\b(?:i'm|i am|we're|we are)\s+watching\s+(?:you|him|her|them)\b|"
        r"\bwatching (?:him|her|them|you) and (?:his|her|their|your)\b|\bcoming to (?:your|his|her|their) "
        r"(?:house|home|place|work)\b",
        {H: 0.7, HT: 0.7, V: 0.4},
    ),
    Rule(
        r"\b(?:afraid|scared|too scared|terrified)\s+to\s+(?:come|show (?:her|his|their) face|go|leave|"
        r"walk|sleep)\b|\b(?:scare|frighten|terrify|intimidate)\s+(?:him|her|them|my \w+|\w+)\s+"
        r"(?:so|into|enough|until)\b|\bcareful\s+(?:walking|driving|going|when (?:you|she|he)|at night)\b|"
        r"\bcheck(?:ing)?\s+under\s+(?:her|his|your|their)\s+car\b|\bdead (?:man|woman) walking\b|"
        r"\b(?:last|final) (?:week|day|days|night)s? (?:alive|on earth)\b|\benjoy your last\b",
        {H: 0.6, HT: 0.65, V: 0.4},
    ),
    Rule(
        r"\b(?:threaten\w*|menacing\w*|scary|intimidating)\s+(?:\w+\s+)?(?:letter|message|note|text|email|"
        r"voicemail|comment|post)\b|\b(?:threaten|intimidate|scare)\s+(?:my|his|her|the|this|that)\s+\w+"
        r"\b",
        {H: 0.45, HT: 0.45},
    ),
    Rule(
        r"\b(?:i'll|i will|we'll|we will|i'm going to|i am going to|we're going to|gonna)\s+(?:find|"
        r"track down|hunt down|get|ruin|destroy|end)\s+(?:you|him|her|them|your|his|her)\b",
        {H: 0.6, HT: 0.6},
    ),
    Rule(
        r"\bruin (?:her|his|your|their) (?:face|life|career)\b|\bput (?:him|her|you|them) in (?:a|the) "
        r"(?:hospital|wheelchair|grave|ground)\b|\b(?:so|until) (?:he|she|they) can'?t (?:walk|talk|see)\b",
        {H: 0.6, HT: 0.7, V: 0.7},
    ),
    Rule(
        r"\b(?:send|leak|post|share)\w*\s+(?:the|her|his|those|these|my)\s+(?:\w+\s+)?(?:photos|pictures|"
        r"pics|nudes|videos)\s+to\s+(?:her|his|their|your)\b",
        {H: 0.7, HT: 0.6},
    ),
    # -- violence --------------------------------------------------------------------------------
    Rule(
        r"\b(?:run|mow|running|mowing)\s+(?:over|down)\s+(?:the\s+|those\s+|these\s+|some\s+)?(?:\w+\s+)?"
        r"(?:cyclists|pedestrians|people|protesters|kids|children|crowd|him|her|them|someone)\b|"
        r"\bambush\w*\s+(?:him|her|them|my|his|her|the)\b",
        {V: 0.8},
    ),
    Rule(
        r"\b(?:break|snap|crack|smash|bash|shatter)\w*\s+(?:someone'?s|somebody'?s|a person'?s|"
        r"[a-z]+'s|(?:my|the) \w+'?s?)\s+(?:arms?|legs?|neck|jaw|nose|skull|head|face|ribs?|knees?|"
        r"fingers?|teeth)\b|\b(?:skull|head|face)\s+in\s+with\b",
        {V: 0.8},
    ),
    Rule(
        r"\b(?:with|using)\s+(?:a |my |our |some )?(?:baseball\s+bats?|bats|crowbars?|hammers?|knives|"
        r"machetes?|brass knuckles)\b",
        {V: 0.4},
    ),
    Rule(
        r"\b(?:maximum|most|mass|the highest number of)\s+(?:casualties|damage|deaths|victims|people "
        r"(?:killed|hurt|dead))\b|\b(?:most|maximum) (?:people|damage|pain)\b.{0,30}\b(?:attack|hurt|kill"
        r"|stab|shoot)\w*\b|\bcause\s+(?:mass\s+)?casualties\b",
        {V: 0.75},
    ),
    Rule(
        r"\b(?:put|slip|add|mix|sneak)\s+(?:\w+\s+){0,2}(?:in|into)\s+(?:his|her|their|my \w+'?s?)\s+"
        r"(?:food|drink|coffee|tea|meal|water|dinner|medication|pills)\b|\bmake\s+(?:him|her|them|my "
        r"\w+)\s+(?:sick|ill)\s+enough\b",
        {V: 0.75},
    ),
    Rule(
        r"\b(?:would|will|could|to)\s+kill\s+(?:a|an)\s+(?:healthy\s+|grown\s+|average\s+)?(?:adult|"
        r"person|man|woman|human|child|kid)\b|\b(?:inject|injecting)\s+(?:it|him|her|them)\b.{0,30}"
        r"\b(?:sleep|asleep|sleeps)\b",
        {V: 0.8},
    ),
    Rule(
        r"\b(?:break\w*|sneak\w*|get|getting)\s+into\s+(?:my ex'?s|her|his|their|my \w+'s)\s+"
        r"(?:apartment|house|home|flat|room|car)\b",
        {V: 0.45},
    ),
    Rule(
        r"\b(?:rig|rigging|attach|hide|plant)\w*\s+(?:a |an |the )?(?:small\s+)?(?:explosive|bomb|"
        r"device)\b|\bexplosives?\s+(?:to|under|in)\s+(?:a|his|her|the|their)\s+(?:car|house|ignition)\b",
        {V: 0.85},
    ),
    Rule(
        r"\b(?:stab|shank|shoot|knife|beat|strangle|choke|poison)\s+(?:my|his|her|the|this|that)\s+"
        r"(?:\w+\s+)?(?:cellmate|stepdad|stepmom|roommate|neighbou?r|landlord|teacher|classmate|coworker|"
        r"wife|husband|ex|boss|brother|sister|father|mother|dad|mom|son|daughter|partner|girlfriend|"
        r"boyfriend)\b",
        {V: 0.85},
    ),
    Rule(
        r"\b(?:do|cause|inflict)\s+the\s+most\s+(?:damage|harm|pain)\b|\bhurt\s+(?:him|her|them|a dog|"
        r"an animal|the dog|the cat|it)\s+(?:enough|badly|so bad)\b",
        {V: 0.7},
    ),
    Rule(
        r"\b(?:teach|taught)\s+(?:them|him|her|those \w+)\s+a\s+lesson\s+with\b|\b(?:to|and|then)\s+"
        r"(?:attack|beat up|jump|hurt)\s+(?:gay|trans|black|muslim|jewish|immigrant|homeless|the|those)"
        r"\s*\w*\b",
        {V: 0.6},
    ),
    Rule(
        r"\bswatting\b|\bswat\s+(?:him|her|them|this|that)\b|\b(?:start|incite)\w*\s+(?:a\s+)?riot\b",
        {V: 0.5},
    ),
    Rule(
        r"\b(?:beats?|beating|hits?|hitting)\s+(?:his|her|their)\s+(?:wife|husband|kids?|children|son|"
        r"daughter|girlfriend|partner)\b.{0,60}\b(?:right|lesson|deserve\w*|should)\b",
        {V: 0.7},
    ),
    # -- hate: a group near dehumanising or exclusionary predicates ------------------------------
    Rule(
        r"\b(?:monkeys|apes|cockroaches|rats|vermin|parasites|animals|savages|beasts|filth|diseased|"
        r"disease|infestation|freaks|mentally ill|defective|subhuman|lower form|lesser|inferior|dirty|"
        r"smell\w*|stink\w*|greedy|brainwashed|pedophiles?|paedophiles?|terrorists|criminals|rapists|"
        r"thieves|lazy|violent by nature|in their nature|a drain|burden|out of sight|dumbest|stupidest|"
        r"lower iqs?|less intelligent|(?:shouldn'?t|should not|must not) (?:be allowed|have (?:kids|"
        r"children)|breed|vote|exist|be treated as (?:people|humans))|not (?:real )?(?:people|humans))\b",
        {HA: 0.7},
        needs=("group",),
        window=70,
    ),
    Rule(
        r"\bbring\w* (?:nothing but |only |in )?(?:crime|rape|disease|violence|drugs|terror\w*)\b|"
        r"\b(?:rounded up|round(?:ing)? (?:them |us )?up|shipped back|ship(?:ping)? (?:them )?back|"
        r"sent back|kicked out|thrown out|driven out|drive (?:them )?out|thrown off|cleanse\w*|purge\w*|"
        r"gassed|exterminat\w*|lined up and shot|wiped out|removed|got rid of|get rid of|keep\w* (?:\w+ )?"
        r"out of|banned from|taking (?:our|the) country back|take (?:our|the) country back)\b",
        {HA: 0.8, HAT: 0.3},
        needs=("group",),
        window=70,
    ),
    Rule(
        r"\b(?:which|what)\s+(?:race|religion|ethnicity|nationality|ethnic group)\s+(?:is|are)\s+(?:the\s+)?"
        r"(?:dumbest|stupidest|worst|most (?:stupid|violent|useless|inferior))\b|\brank\s+(?:the\s+)?"
        r"races\b",
        {HA: 0.85},
    ),
    Rule(
        r"\b(?:attack|terrori[sz]e|harass|beat up|hurt)\w*\s+(?:the\s+)?(?:\w+\s+)?(?:gay|trans|muslim|"
        r"jewish|black|immigrant|refugee|asian)\s+(?:couples?|families|people|kids|men|women)\b",
        {HA: 0.85, HAT: 0.8, V: 0.7},
    ),
    Rule(
        r"\b(?:celebrat\w*|glorif\w*|prais\w*)\s+(?:the\s+)?(?:fact\s+that\s+)?(?:\w+\s+){0,3}(?:were|was)\s+"
        r"(?:gassed|killed|exterminated|lynched|massacred|enslaved)\b|\b(?:the )?holocaust (?:was good|"
        r"never happened|didn'?t happen)\b",
        {HA: 0.85, V: 0.5},
    ),
    Rule(
        r"\b(?:jokes?|punchlines?|memes?|songs?|captions?)\b.{0,40}\b(?:all look the same|smell\w*|"
        r"greedy|monkeys|apes|lazy|dirty|eat dogs)\b",
        {HA: 0.7},
        needs=("group",),
        window=60,
    ),
    # -- self-harm -------------------------------------------------------------------------------
    Rule(
        r"\bnoose\b|\btie\s+(?:a\s+)?(?:\w+\s+)?knot\b.{0,30}\b(?:hang|neck)\w*\b|\b(?:fall|jump|drop)\s+"
        r"(?:is|would be|will be)\s+(?:fatal|deadly|lethal)\b|\bmake sure (?:a|the|my) (?:fall|jump) "
        r"(?:is )?(?:fatal|kills)\b",
        {SH: 0.7, SHI: 0.6},
    ),
    Rule(
        r"\b(?:should|go|to|must|better|just)\s+(?:go\s+)?(?:cut|kill|hurt|starve|hang|drown|burn)\s+"
        r"(?:herself|himself|yourself|themselves|urself)\b|\b(?:do|does)\s+(?:us|everyone|everybody|the "
        r"world)\s+(?:all\s+)?a\s+favou?r\s+and\s+(?:die|end it|disappear|kill\w*)\b",
        {SH: 0.85, H: 0.7},
    ),
    Rule(
        r"\bsuicide\s+(?:is|would be)\s+(?:the\s+)?(?:right|only|best|brave\w*|good)\s*(?:choice|option|"
        r"answer|way|thing|decision|move)?\b|\b(?:glorif\w*|romantici[sz]\w*)\s+(?:suicide|self-?harm|"
        r"cutting|starv\w*)\b|\bconvince me (?:to|that) (?:die|kill|end|suicide)\w*\b",
        {SH: 0.85, SHN: 0.5},
    ),
    Rule(
        r"\b(?:keep|kept|continue|go on)\s+(?:cutting|purging|starving|throwing up|hurting (?:myself|"
        r"herself))\b|\b(?:tips|cleaner|deeper|hide|hiding)\b.{0,30}\b(?:cuts|cutting|scars)\b|"
        r"\bburn\s+myself\b|\bcut\s+(?:herself|himself)\s+again\b",
        {SH: 0.8, SHI: 0.6},
    ),
    Rule(
        r"\b(?:starving|starvation|not eating|purging)\s+(?:is|makes you)\s+(?:beautiful|worth it|"
        r"the answer|strong)\b|\bfood is the enemy\b|\b(?:\d{3}|\d,\d{3}) calories? (?:a|per) day\b.{0,60}"
        r"\b(?:hide|skinny|mom|parents)\b|\bhide\s+(?:it|this|my eating)\s+from\s+my\s+(?:mom|parents|"
        r"dad|family)\b",
        {SH: 0.8},
    ),
    Rule(
        r"\b(?:want|going|plan(?:ning)?|decided)\s+to\s+(?:hurt|harm)\s+myself\b|\bthe\s+fastest\s+way\s+to"
        r"\s+die\b|\bwhich\s+(?:part|veins?|arteries|spot)\b.{0,40}\b(?:cut|slit|bleed)\b",
        {SH: 0.85, SHI: 0.6},
    ),
    Rule(
        r"\b(?:haven'?t|have not) eaten in \w+ days\b|\bkeep starving\b|\buntil i (?:vanish|disappear|die)"
        r"\b|\bbought the rope\b|\bwrote the letters\b|\bsaving up (?:my )?pills\b|\btonight is the night"
        r"\b|\bgoodbye\.?\s*$",
        {SH: 0.6, SHN: 0.5},
    ),
    # -- sexual ----------------------------------------------------------------------------------
    Rule(
        r"\b(?:we're|we are|while|when|after|before|been|start|started|keep|kept|caught \w+)\s+fucking\b"
        r"(?!\s+(?:up|around|with (?:me|us)|the|this|that|my|your))|\bfucked (?:her|him|me)\b(?! up| over)",
        {SX: 0.65},
    ),
    Rule(
        r"\b(?:undress|strip)\w*\s+(?:me|you|her|him)\b|\bnaughty\s+(?:nurse|teacher|maid|librarian|"
        r"secretary|girl|boy|student|wife|neighbou?r)\b|\bspicy\s+(?:descriptions?|stories|story|scenes?|"
        r"photos?|pics?|details?)\b",
        {SX: 0.6},
    ),
    Rule(
        r"\b(?:forced|turns?|turned|turning|leads?|led)\s+into\s+(?:having\s+)?sex\b|"
        r"\bsex\s+(?:in|on)\s+the\s+(?:\w+\s+)?(?:bathroom|desk|car|beach|office|shower|stacks|classroom|"
        r"elevator|train)\b",
        {SX: 0.85},
    ),
    Rule(
        r"\b(?:pull(?:s|ed|ing)?|push(?:es|ed|ing)?|yank\w*|slid\w*)\s+(?:down\s+|off\s+)?(?:her|his|my|"
        r"your)\s+(?:panties|underwear|pants|jeans|skirt|boxers|bra)\s*(?:down|off)?\b",
        {SX: 0.6},
    ),
    Rule(
        r"\bdescri\w*\s+(?:your|her|his)\s+(?:naked\s+|nude\s+|whole\s+)?(?:body|curves|breasts|chest)\b|"
        r"\bwhat you'?d do to (?:me|my body|her|him)\b|\bwhat (?:he|she) does with (?:his|her) tongue\b|"
        r"\bwith (?:his|her|your) tongue\b",
        {SX: 0.5},
    ),
    Rule(
        r"\b(?:massage|kiss|dance|shower|date)\s+(?:that\s+)?(?:turns|leads|ends)\s+(?:into|up in|with)\s+"
        r"(?:sex|bed)\b|\bevery touch\b|\bvirtual girlfriend\b|\bphone sex\b|\bsmutty\b|\bclaims? his mate"
        r"\b",
        {SX: 0.5},
    ),
)

# Hard negatives: discussing, reporting or analysing harm is not harm.
NEGATIVES: tuple[str, ...] = (
    r"\b(?:she|he|they|my (?:[\w-]+ ){0,2}\w+)(?:'s| has| have|'ve| is| are)?\s+(?:been\s+)?(?:thinking|"
    r"talking)\s+(?:about|of)\s+(?:suicide|killing (?:her|him|them)sel(?:f|ves)|ending (?:it|her life|"
    r"his life|their li(?:fe|ves)))\b",
    r"\b(?:avoid(?:ing)?|challeng\w*|counter\w*|combat\w*|fight\w*|debunk\w*|reduc\w*|address\w*|"
    r"understand\w*|common|harmful|negative|racial|gender)\s+stereotyp\w*",
    r"\bgreat replacement (?:conspiracy|theory|myth)\b|\bconspiracy theor(?:y|ies)\b",
    r"\b(?:depict|portray|show|caricatur|present)\w*\s+(?:[\w-]+\s+){1,3}as\s+(?:[\w-]+\s+)?\w+",
    # swearing as an exclamation or an intensifier of a thing, not aimed at anyone: blanked before
    # profanity-check runs, so that what it still scores is swearing at someone, or about sex
    r"\bholy (?:shit|crap|fuck|hell|cow|moly)\b|\b(?:what|why|how|who|where|when) the (?:fuck|hell|"
    r"heck|shit|f)\b|\b(?:fuck|hell|heck|shit) (?:yeah|yes|ya|yea|no)\b|\b(?:fuck|screw|damn|sod) it\b|"
    r"\b(?:dammit|goddammit|god ?damn it|damn it all)\b|\boh (?:shit|fuck|crap|hell|damn|god)\b|"
    r"\b(?:as|like) (?:hell|shit|fuck|crap)\b|\b(?:kick|bad|smart)-?ass\b|\bno shit\b|"
    r"\bshit ?(?:happens|show)\b|\bthe shit\b(?=\s*[!.,])|\bbloody hell\b",
    r"(?:^|(?<=[.!?\n]))\s*(?:damn|crap|shit|fuck|fuck me|ugh|dammit|goddamn|bollocks|hell)\s*[,!.]",
    rf"\b(?:this|that|the|my|our|a|such a|so)\s+(?:fucking|fuckin|freaking|frickin|damn|goddamn|bloody|"
    rf"shitty|crappy)\b(?!\s+(?:\w+\s+)?(?:{_PEOPLE}))",
    r"\b(?:so |really |pretty |too |just )?(?:fucking|fuckin|freaking|damn|bloody)\s+(?=(?:good|great|"
    r"amazing|awesome|brilliant|proud|hard|tired|cool|hot|cold|fire|funny|beautiful|delicious|happy|"
    r"excited|ready|done|finally|love|loving|lucky|stupid question|easy|long|slow|fast|expensive|"
    r"annoying|confusing|frustrating|sick of|over it)\b)",
    r"\b(?:this|that|it)(?: shit|'s the shit)(?: is| was| tastes| looks)? (?:so |really |fucking )?"
    r"(?:good|great|amazing|awesome|fire|delicious|tasty|cool|funny|incredible)\b",
    # names and animals that share a word with swearing
    r"\bmoby dick\b|\bdick(?:'s)? sporting goods\b|\bdick van dyke\b|\bphilip k\.? dick\b|"
    r"\b(?:rooster|cock)s? (?:crow\w*|fight\w*)\b|\bweathercock\b",
    # a single quoted word is mentioned ("is \"arse\" ruder than \"ass\"?"), not used
    r"[\"\u201c][\w*-]{1,15}[\"\u201d]",
    # sexual health: the body, pregnancy and waiting are not sexual content
    r"\b(?:pain(?:ful)?|bleeding|discomfort|problems?|trouble|burning|itching|cramp\w*|spotting)\s+"
    r"(?:during|after|before|with)\s+(?:having\s+)?sex\b",
    r"\b(?:wait(?:ing)?|ready|too young)\s+(?:before|until|to have|for)\s+(?:having\s+)?sex\b",
    r"\b(?:is it (?:safe|normal|ok(?:ay)?|healthy|possible)|when can (?:i|we|you)|how soon(?: can)?)\b"
    r"[^.?!]{0,30}\b(?:have|having) sex\b",
    r"\bsex (?:during|after|before|while) (?:pregnancy|pregnant|the first trimester|giving birth|"
    r"childbirth|surgery|a vasectomy|an abortion|chemo\w*|a heart attack|menopause|(?:my|your|her) period)\b",
)
