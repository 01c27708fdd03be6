"""Names introduced by a cue: "my name is …", "Dear …", "Regards,\\n…", "Dr. …", "me llamo …".

A small NER model misses many names that are not Anglo-Saxon ("Nguyễn Văn An", "Oluwaseun
Adeyemi"); the sentence around them still says a name follows. The capitalised words right
after such a cue are reported as PERSON, unless the first is an ordinary word ("I am Sorry",
"Dear Sir", "Hello World").
"""

from __future__ import annotations

from spacy.lang.en.stop_words import STOP_WORDS

from wildchat.curate.pii.recognizers.base import GroupPatternRecognizer

_LOWER = r"[\p{Ll}\p{M}]"
_TOKEN = (
    r"(?:\p{Lu}['’]\p{Lu}" + _LOWER + r"+"  # O'Brien
    r"|(?:al|el|Al|El)-\p{Lu}" + _LOWER + r"+"  # al-Rashid
    r"|\p{Lu}" + _LOWER + r"+(?:\p{Lu}" + _LOWER + r"+)?(?:-\p{Lu}" + _LOWER + r"+)*)"  # McDonald, Jean-Luc
)
_PARTICLE = r"(?:van|von|der|den|de|del|della|di|da|dos|das|du|la|le|bin|binti|ibn|ter|ten|y)"
_NAME_BODY = _TOKEN + r"(?:[ \t](?:" + _PARTICLE + r"[ \t]){0,2}" + _TOKEN + r"){0,3}"
# Japanese and Chinese names as written in a Latin sentence: "山田 陽子", "春香 鈴木" (a whole
# run of at most four characters, or two such runs).
_CJK_NAME = r"[\p{Han}\p{Hiragana}\p{Katakana}]{1,4}(?:[ \u3000][\p{Han}\p{Hiragana}\p{Katakana}]{1,4})?"
_NAME = r"(?P<value>" + _NAME_BODY + r"|" + _CJK_NAME + r")(?![\p{L}\d])"

_STRONG_CUES = (
    r"(?i:my\s(?:full\s)?name\sis|my\sname's|name\s?:|name\s?=|call\sme|i\sam\scalled|named|signed,?|"
    r"me\sllamo|mi\snombre\ses|je\sm'appelle|mon\snom\sest|ich\shei(?:ß|ss)e|mein\sname\sist|"
    r"meu\snome\sé|me\schamo|mi\schiamo|меня\sзовут)"
)
_SIGN_OFFS = (
    r"(?i:regards|best\sregards|kind\sregards|warm\sregards|sincerely|yours\s(?:truly|sincerely|faithfully)|"
    r"best|cheers|thanks|many\sthanks|thank\syou|take\scare|cordialement|saludos|atentamente|grüße|gruß)"
)
_TITLES = (
    r"(?:Mr|Mrs|Ms|Mx|Dr|Prof|Mme|Mlle|Sr|Sra|Srta)\.?"
    r"|(?:Miss|Mister|Sir|Herr|Frau|Señor|Señora|Doctor|Professor)"
)
_WEAK_CUES = r"(?i:i\sam|i'm|i’m|this\sis|dear|hi|hello|hey|greetings|hola|bonjour|hallo|ciao|olá)"
# "my landlord Amani Kamau", "our new CTO, Emre Kaya", "the groom is Tunde Nwosu".
_RELATIONS = (
    r"(?i:(?:my|our|your|his|her|their|the)\s(?:\w+\s)?"
    r"(?:manager|boss|colleague|co-?worker|landlord|landlady|tenant|wife|husband|partner|fianc[ée]e?|"
    r"girlfriend|boyfriend|friend|neighbou?r|teacher|professor|tutor|student|patient|client|doctor|"
    r"lawyer|son|daughter|mother|father|mom|mum|dad|brother|sister|uncle|aunt|cousin|nephew|niece|"
    r"grandmother|grandfather|grandma|grandpa|ceo|cto|cfo|director|supervisor|employee|roommate|"
    r"flatmate|groom|bride|classmate|coach|therapist|nanny|babysitter)(?:\s(?:is|was|named|called))?)"
)
# Whom a message is for or about: "a thank-you note to …", "reply to …", "belongs to …".
_ADDRESSEE = (
    r"(?i:(?:note|letter|message|text|e-?mail|reply|replies|respond|apology|invitation|toast|poem|card|"
    r"wishes|belongs|belonging|addressed|introduce\sme)\sto)"
)
# Form and label fields: "Tenant: …", "Attn: …", "Ship to …", "Name …".
_LABELS = (
    r"(?:(?i:attn|to|from|recipient|customer|client|patient|tenant|employee|guest|passenger|applicant|"
    r"candidate|contact|full\sname|ship\sto|bill\sto)\s?:"
    r"|(?i:ship\sto|bill\sto|deliver\sto)|Name)"
)

_PATTERNS = [
    (r"(?<![\w])" + _STRONG_CUES + r"[ \t]*[:,]?[ \t]*\r?\n?[ \t]*" + _NAME, 0.7),
    (r"(?<![\w])" + _RELATIONS + r"[ \t]*,?[ \t]+" + _NAME, 0.5),
    (r"(?<![\w])" + _LABELS + r"[ \t]+" + _NAME, 0.5),
    # Sign-offs only count when the name starts the next line: "Regards,\nAmina Yusuf".
    (r"(?<![\w])" + _SIGN_OFFS + r"[ \t]*,?[ \t]*\r?\n[ \t]*" + _NAME, 0.6),
    (r"(?<![\w])(?:" + _TITLES + r")[ \t]+" + _NAME, 0.6),
    (r"(?<![\w])" + _WEAK_CUES + r"[ \t]*,?[ \t]+" + _NAME, 0.5),
    (r"(?<![\w])" + _ADDRESSEE + r"[ \t]+" + _NAME, 0.5),
    # A sign-off and the name closing the same line: "Regards, Amina Yusuf".
    (r"(?<![\w])" + _SIGN_OFFS + r",[ \t]+" + _NAME + r"(?=[ \t.]*$)", 0.6),
    # "dinner at Amina Yusuf's place", "Amina Yusuf (amina@…)": a name before its home or address.
    (
        r"(?<![\w])(?P<value>" + _NAME_BODY + r")['’]s[ \t](?i:place|house|home|flat|apartment|party|"
        r"birthday|wedding|office|room)\b",
        0.5,
    ),
    (r"(?<![\w])" + _NAME + r"[ \t]\((?=[^)\n]{0,60}@)", 0.5),
    # Chinese: 我叫 / 我的名字是 / 名字叫 followed by two to four Han characters or a Latin name.
    (r"(?:我叫|我的名字是|名字叫|我名叫)\s?(?P<value>\p{Han}{2,4}|" + _NAME_BODY + r"(?![\p{L}\d]))", 0.6),
]

# Capitalised words that follow cues without being names.
_NOT_NAMES = frozenset(
    {
        "sir",
        "madam",
        "madame",
        "team",
        "all",
        "everyone",
        "everybody",
        "there",
        "world",
        "friend",
        "friends",
        "guys",
        "folks",
        "customer",
        "customers",
        "client",
        "colleague",
        "colleagues",
        "hiring",
        "manager",
        "recruiter",
        "committee",
        "board",
        "user",
        "users",
        "reader",
        "readers",
        "chatgpt",
        "gpt",
        "assistant",
        "bot",
        "ai",
        "sorry",
        "glad",
        "happy",
        "sure",
        "ready",
        "new",
        "good",
        "fine",
        "great",
        "going",
        "trying",
        "looking",
        "writing",
        "working",
        "interested",
        "confused",
        "curious",
        "back",
        "here",
        "just",
        "still",
        "really",
        "actually",
        "also",
        "currently",
        "now",
        "today",
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
        "january",
        "february",
        "march",
        "april",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
        "english",
        "american",
        "british",
        "canadian",
        "australian",
        "indian",
        "chinese",
        "japanese",
        "korean",
        "german",
        "french",
        "spanish",
        "italian",
        "russian",
        "brazilian",
        "mexican",
        "african",
        "european",
        "asian",
        "muslim",
        "christian",
        "jewish",
        "hindu",
        "buddhist",
        "catholic",
        "python",
        "java",
        "javascript",
        "part",
        "chapter",
        "section",
        "step",
        "example",
        "question",
        "answer",
        "note",
        "version",
        "update",
        "problem",
        "error",
        "task",
        "what",
        "how",
        "why",
        "please",
        "thanks",
        "thank",
        "regards",
    }
)


def _ordinary_word(token: str) -> bool:
    lowered = token.lower()
    return lowered in _NOT_NAMES or lowered in STOP_WORDS


class CuedNameRecognizer(GroupPatternRecognizer):
    """PERSON: capitalised words right after a self-introduction, greeting, sign-off or title."""

    def __init__(self, supported_language: str = "en") -> None:
        super().__init__(
            supported_entity="PERSON",
            patterns=_PATTERNS,
            supported_language=supported_language,
            name="CuedNameRecognizer",
        )

    def accept(self, value: str, text: str, start: int) -> bool:
        first = value.split()[0]
        return not _ordinary_word(first)
