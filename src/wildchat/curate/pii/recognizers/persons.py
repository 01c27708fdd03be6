"""Names introduced by a cue: "my name is …", "Dear …", "Regards,\\n…", "Dr. …", "me llamo …".

A small NER model misses many names that are not Anglo-Saxon ("Nguyễn Văn An", "Oluwaseun
Adeyemi"); the sentence around them still says a name follows. The capitalised words right
after such a cue are reported as PERSON, unless the first is an ordinary word ("I am Sorry",
"Dear Sir", "Hello World").
"""

from __future__ import annotations

import regex as re
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

# Saying one's own name: what follows is a name however it is written ("my name is harriet").
_SELF_INTRODUCTIONS = (
    r"my\s(?:full\s)?name\sis|my\sname's|i\sam\scalled|me\sllamo|mi\snombre\ses|je\sm'appelle|"
    r"mon\snom\sest|ich\shei(?:ß|ss)e|mein\sname\sist|meu\snome\sé|me\schamo|mi\schiamo|меня\sзовут"
)
_STRONG_CUES = r"(?i:" + _SELF_INTRODUCTIONS + r"|name\s?:|name\s?=|call\sme|named|signed,?)"
# The end of a self-introduction, right before a span (`vetoes` lets lower-case names stand there).
SELF_INTRODUCTION_BEFORE = re.compile(
    r"(?<![\w])(?i:" + _SELF_INTRODUCTIONS + r")[ \t]*[:,]?[ \t]*$", re.DOTALL | re.MULTILINE
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
    r"wishes|belongs|belonging|addressed|introduce\sme)\sto"
    # "a birthday message for …", "the report from …", "lunch with …"
    r"|(?:note|letter|message|e-?mail|apology|invitation|toast|poem|card|wishes|speech|eulogy|gift|"
    r"present|report|reply|feedback|complaint|request|invoice)\s(?:for|from)"
    r"|(?:meeting|lunch|dinner|breakfast|call|interview|appointment|chat|date|session)\swith)"
)
# Form and label fields: "Tenant: …", "Attn: …", "Ship to …", "Name …".
_LABELS = (
    r"(?:(?i:attn|to|from|recipient|customer|client|patient|tenant|employee|guest|passenger|applicant|"
    r"candidate|contact|full\sname|ship\sto|bill\sto)\s?:"
    r"|(?i:ship\sto|bill\sto|deliver\sto)|Name)"
)

# A lower-case name after a self-introduction: up to three lower-case words, none of them an
# ordinary word ("my name is not important", "my name is spelled …").
_NOT_LOWER_NAMES = (
    "irrelevant|important|unimportant|unknown|secret|private|confidential|anonymous|long|short|hard|"
    "difficult|easy|weird|strange|funny|common|rare|unique|unusual|popular|normal|spelled|spelt|"
    "misspelled|written|pronounced|listed|mentioned|missing|wrong|correct|different|similar|fake|real|"
    "hidden|shown|displayed|used|given|required|optional|blank|empty|changed|based|legally|officially|"
    "like|kind|sort"
)
_LOWER_WORD = (
    r"(?!(?:"
    + "|".join(sorted(STOP_WORDS, key=len, reverse=True))
    + "|"
    + _NOT_LOWER_NAMES
    + r")(?![\p{L}\p{M}]))"
    r"\p{Ll}[\p{Ll}\p{M}]+(?:['’-]\p{Ll}[\p{Ll}\p{M}]+)?"
)
_LOWER_NAME = r"(?P<value>" + _LOWER_WORD + r"(?:[ \t]" + _LOWER_WORD + r"){0,2})(?![\p{L}\p{M}\d])"

_PATTERNS = [
    (r"(?<![\w])(?i:" + _SELF_INTRODUCTIONS + r")[ \t]*[:,]?[ \t]*" + _LOWER_NAME, 0.6),
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


# A month's name or abbreviation ("Feb", "Sept.", "February"), for telling dates from names.
_MONTH = re.compile(r"(?i:jan|feb|mar|apr|may|jun|jul|aug|sept?|oct|nov|dec)[a-z]*\.?")
_DIGIT_NEXT = re.compile(r"\.?[ \t]*\d")


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
        if _ordinary_word(first):
            return False
        # "a request for Feb 13 2027": a month before a day is a date ("Sep Vrancken" is a name).
        return not (_MONTH.fullmatch(first) and _DIGIT_NEXT.match(text, start + len(value)))


# The commonest Chinese surnames (about 85% of people), single and compound.
_HAN_SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟"
    "谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
_HAN_NAME = (
    r"(?<![\p{Han}\p{Hiragana}\p{Katakana}])(?P<value>(?:欧阳|司马|上官|诸葛|东方|皇甫|令狐)\p{Han}{1,2}"
    r"|[" + _HAN_SURNAMES + r"]\p{Han}{1,2})(?![\p{Han}\p{Hiragana}\p{Katakana}])"
)
_LATIN_LETTER = re.compile(r"[A-Za-z\u00C0-\u024F]")
_CJK = re.compile(r"[\p{Han}\p{Hiragana}\p{Katakana}\p{Hangul}]")


class HanNameRecognizer(GroupPatternRecognizer):
    """PERSON: a Chinese name standing alone in a message written in a Latin script.

    An English sentence quotes Chinese mostly for a name ("张磊 is my colleague"), which the
    English NER model cannot read: a run of two or three Han characters, set apart from other
    CJK text and opening with a common surname, is taken for one. In Chinese or Japanese text
    the same run is just a word, so the message must be mostly Latin letters.
    """

    def __init__(self, supported_language: str = "en") -> None:
        super().__init__(
            supported_entity="PERSON",
            patterns=[(_HAN_NAME, 0.5)],
            supported_language=supported_language,
            name="HanNameRecognizer",
        )

    def accept(self, value: str, text: str, start: int) -> bool:
        if len(set(value)) == 1:  # "谢谢": a doubled character is a word ("王娜娜" is a name)
            return False
        return len(_LATIN_LETTER.findall(text)) > 3 * len(_CJK.findall(text))
