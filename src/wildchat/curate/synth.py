"""Synthetic turn logs with known ground truth, for tests and benchmarks (`wildchat synth`).

The log imitates what the service records for a WildChat-like public: participants with one or
more devices (user-agent + accept-language), several participants behind one NAT address, some
on several addresses; conversations of WildChat's length distribution (≈59 % one round, mean
≈2.5, a few over ten), each turn carrying the whole history, interleaved in time; a dozen
languages (English most, then Chinese and Russian); repeated prompts; two models; web turns with
a conversation id, API turns mostly without, some with a system prompt; interrupted turns
(continued from the partial reply), failed turns (retried or abandoned; a few mid-stream failures
continued), deliberately broken chains (a middle turn missing from the log) and non-alternating
API requests. User messages carry planted PII of every kind the curation looks for, toxic
messages (mild, synthetic, labelled by category) and hard negatives.

Everything is written here (templates and word lists); numbers that could look real are drawn
from reserved or test ranges where such ranges exist (555-01xx and Ofcom drama phone numbers,
TEST-NET IP addresses, test card prefixes).

Ground truth is exact by construction: a device runs one conversation at a time, its devices
have distinct fingerprints, and an address change mid-conversation goes to a fresh address, so
the linking rules (participant, fingerprint, model, IP preference, most recent open tail) always
have one right answer even when prompts and replies repeat. The expected output is the same for
the conversation-id path and the hash path (`SynthConfig(web_conversation_id_rate=0)` sends the
whole log through the hash path).
"""

from __future__ import annotations

import bisect
import gc
import heapq
import itertools
import json
import math
import random
import unicodedata
import zlib
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from wildchat.records import Channel, Message, Turn, TurnStatus, Usage

if TYPE_CHECKING:
    from wildchat.store import Store

# -- public records ---------------------------------------------------------------------------

PII_TYPES = (
    "PERSON",
    "PHONE_NUMBER",
    "EMAIL_ADDRESS",
    "CREDIT_CARD",
    "URL",
    "IP_ADDRESS",
    "STREET_ADDRESS",
    "US_SSN",
    "UK_NHS",
    "ES_NIF",
    "IBAN_CODE",
)
TOXIC_CATEGORIES = ("harassment", "hate", "violence", "self-harm", "sexual")
HARD_NEGATIVE = "hard_negative"  # benign text that a naive filter would flag
MODELS = ("llama-3.1-8b-instruct", "qwen2.5-14b-instruct")


def message_key(turn_id: int, role: str) -> str:
    """Key of a turn's new message in the ground truth: its user message or its reply."""
    return f"{turn_id}:{role}"


@dataclass(frozen=True, slots=True)
class PiiSpan:
    """A planted piece of PII (or a decoy) at `text[start:end]` of one message.

    `cued`: a context cue from the paper's rules precedes it ("my name is", "Dear", a signature,
    "tel"/"phone"/"电话" for phones, "card" within 50 characters for card numbers). `note`
    explains a decoy (placeholder e-mail, private IP, public figure, published test number).
    """

    type: str
    start: int
    end: int
    text: str
    cued: bool = True
    note: str = ""


@dataclass(slots=True)
class GroundTruth:
    """What a correct curation must find in a synthetic log.

    conversation_of: every turn id -> its true conversation number.
    expected: the conversations a correct linker produces (turn ids in order), by first turn.
    dropped: turn id -> why a correct linker leaves it out (error, non_alternating, broken_chain).
    pii / decoys / toxicity: keyed by `message_key(turn_id, "user" | "assistant")`, offsets into
    the turn's newest user message or its reply; messages without a toxicity label are benign.
    languages: conversation number -> language of its messages (lingua's title-case name).
    """

    seed: int
    n_turns: int
    conversation_of: dict[int, int] = field(default_factory=dict)
    expected: list[list[int]] = field(default_factory=list)
    dropped: dict[int, str] = field(default_factory=dict)
    pii: dict[str, list[PiiSpan]] = field(default_factory=dict)
    decoys: dict[str, list[PiiSpan]] = field(default_factory=dict)
    toxicity: dict[str, str] = field(default_factory=dict)
    languages: dict[int, str] = field(default_factory=dict)

    def toxicity_of(self, turn_id: int, role: str) -> str:
        return self.toxicity.get(message_key(turn_id, role), "none")

    def language_of(self, turn_id: int) -> str:
        return self.languages[self.conversation_of[turn_id]]

    def summary(self) -> dict[str, Any]:
        lengths = [len(c) for c in self.expected]
        return {
            "turns": self.n_turns,
            "conversations": len(lengths),
            "mean_turns": round(sum(lengths) / len(lengths), 3) if lengths else 0.0,
            "single_turn_share": round(lengths.count(1) / len(lengths), 3) if lengths else 0.0,
            "dropped": dict(Counter(self.dropped.values())),
            "pii": dict(Counter(s.type for spans in self.pii.values() for s in spans)),
            "toxicity": dict(Counter(self.toxicity.values())),
            "languages": dict(Counter(self.languages.values()).most_common()),
        }

    def to_json(self) -> str:
        return json.dumps(
            {
                "seed": self.seed,
                "n_turns": self.n_turns,
                "conversation_of": {str(k): v for k, v in self.conversation_of.items()},
                "expected": self.expected,
                "dropped": {str(k): v for k, v in self.dropped.items()},
                "pii": {k: [asdict(s) for s in v] for k, v in self.pii.items()},
                "decoys": {k: [asdict(s) for s in v] for k, v in self.decoys.items()},
                "toxicity": self.toxicity,
                "languages": {str(k): v for k, v in self.languages.items()},
            },
            ensure_ascii=False,
        )

    @classmethod
    def from_json(cls, text: str) -> GroundTruth:
        data = json.loads(text)
        return cls(
            seed=data["seed"],
            n_turns=data["n_turns"],
            conversation_of={int(k): v for k, v in data["conversation_of"].items()},
            expected=data["expected"],
            dropped={int(k): v for k, v in data["dropped"].items()},
            pii={k: [PiiSpan(**s) for s in v] for k, v in data["pii"].items()},
            decoys={k: [PiiSpan(**s) for s in v] for k, v in data["decoys"].items()},
            toxicity=data["toxicity"],
            languages={int(k): v for k, v in data["languages"].items()},
        )

    def save(self, path: str | Path) -> None:
        Path(path).write_text(self.to_json(), encoding="utf-8")

    @classmethod
    def load(cls, path: str | Path) -> GroundTruth:
        return cls.from_json(Path(path).read_text(encoding="utf-8"))


@dataclass(frozen=True, slots=True)
class SynthConfig:
    """Rates of everything the generator plants; defaults follow WildChat where it says."""

    start: datetime = datetime(2025, 1, 6, tzinfo=UTC)
    turns_per_participant: float = 12.0  # WildChat: 2.64M turns from 205k IP addresses
    conversations_per_hour: float = 1800.0
    api_share: float = 0.15  # participants who use the API rather than the web page
    web_conversation_id_rate: float = 1.0  # 0 sends the whole log through the hash path
    api_conversation_id_rate: float = 0.1
    system_prompt_rate: float = 0.4  # of API conversations
    canned_rate: float = 0.04  # conversations opening with a greeting that gets a fixed reply
    repeat_prompt_rate: float = 0.06  # first prompts a participant already sent once
    pii_rate: float = 0.05  # user messages with planted PII
    decoy_rate: float = 0.02  # English user messages with PII look-alikes that are not PII
    toxic_rate: float = 0.08  # English user messages
    hard_negative_rate: float = 0.03
    code_rate: float = 0.1
    interrupted_rate: float = 0.03
    error_rate: float = 0.012
    retry_after_error: float = 0.7
    broken_chain_rate: float = 0.03  # of conversations with three rounds or more
    non_alternating_rate: float = 0.03  # of API conversations
    roaming_rate: float = 0.03  # multi-round conversations that move to a new address
    other_language_rate: float = 0.08  # conversations not in the participant's main language
    # Text lengths near WildChat's means (user ≈296, reply ≈441 Llama-2 tokens per turn).
    long_reply_rate: float = 0.2
    paste_rate: float = 0.5  # new prompts (not follow-ups) with a pasted document


# -- text resources: written for this project, one entry per line ---------------------------------


def _lines(block: str) -> tuple[str, ...]:
    """The non-empty lines of a block, stripped; a written `\\n` becomes a line break."""
    return tuple(line.strip().replace("\\n", "\n") for line in block.strip().splitlines() if line.strip())


def _items(text: str) -> tuple[str, ...]:
    return tuple(item.strip() for item in text.split(",") if item.strip())


def _templates(block: str) -> tuple[tuple[str, bool], ...]:
    """Lines "+ template" (a paper-style cue precedes the value) or "- template" (none does)."""
    return tuple((line[1:].strip(), line[0] == "+") for line in _lines(block))


@dataclass(frozen=True, slots=True)
class _Lang:
    name: str  # lingua's title-case name, as the language stage writes it
    weight: float  # share of conversations, after WildChat's Table 5
    accept_languages: tuple[str, ...]
    places: tuple[tuple[str, tuple[str | None, ...]], ...]  # (country, its states)
    topics: tuple[str, ...]
    prompts: tuple[str, ...]  # with {topic}
    followups: tuple[str, ...]
    openers: tuple[str, ...]
    sentences: tuple[str, ...]  # with {topic}, {n} and {year}
    closers: tuple[str, ...]
    greeting: tuple[str, ...]  # a prompt, then the fixed reply of each of MODELS
    joiner: str = " "  # between sentences; none in Chinese and Japanese


_EN = _Lang(
    name="English",
    weight=0.5,
    accept_languages=("en-US,en;q=0.9", "en-GB,en;q=0.9", "en-US,en;q=0.5", "en-IN,en;q=0.9,hi;q=0.8"),
    places=(
        ("United States", ("California", "New York", "Texas", "Florida", "Washington", "Illinois")),
        ("United Kingdom", ("England", "Scotland")),
        ("India", ("Maharashtra", "Karnataka", "Delhi")),
        ("Canada", ("Ontario", "British Columbia")),
        ("Australia", ("New South Wales", "Victoria")),
        ("Nigeria", ("Lagos",)),
    ),
    topics=_lines("""
        the history of the Roman Empire
        photosynthesis
        machine learning
        climate change
        the French Revolution
        black holes
        healthy breakfast ideas
        learning to play the guitar
        the stock market
        renewable energy
        a trip to Japan
        time management
        the water cycle
        quantum computing
        writing a cover letter
        remote work
    """),
    prompts=_lines("""
        Write a short poem about {topic}.
        Explain {topic} in simple terms.
        Can you give me five interesting facts about {topic}?
        Write an essay of about 300 words on {topic}.
        I need a catchy title for a blog post about {topic}.
        Summarize the main ideas of {topic} for a high school student.
        What are the pros and cons of {topic}?
        Create a two-week study plan for {topic}.
        Write a short story that involves {topic}.
        Give me a list of quiz questions about {topic}.
        How would you explain {topic} to a ten-year-old?
    """),
    followups=_lines("""
        Can you make it shorter?
        Please add more details.
        Make it sound more formal.
        Can you give an example?
        Continue.
        Rewrite it for a ten-year-old.
        Thanks! What else should I know?
        That's not quite right, try again.
        Now turn it into a bulleted list.
    """),
    openers=_lines("""
        Sure! Here is what you asked for.
        Certainly.
        Great question!
        Of course. Let me break it down.
        Here you go:
    """),
    sentences=_lines("""
        People have studied {topic} for many years, and there is still a lot to learn.
        One useful way to think about {topic} is to start with the basics.
        Many people find that {topic} becomes easier with regular practice.
        In step {n}, we look at how the pieces fit together.
        A common mistake is to skip the fundamentals and jump straight to advanced details.
        Some estimates say that around {n} percent of beginners find this part confusing.
        It helps to keep notes and review them after a few days.
        There are several competing explanations, and each has its strengths.
        For example, you could compare two approaches and see which one works better for you.
        This is why experts often recommend a gradual approach.
        The key idea is simple: understand the problem before choosing a solution.
        In {year}, an important change made this subject much more popular.
        Introductory books and online courses cover this in more depth.
        Keep in mind that the details may differ depending on the context.
        Finally, practice and patience matter more than talent.
        A quick summary: start small, measure your progress, and adjust after {n} days.
    """),
    closers=_lines("""
        I hope this helps!
        Let me know if you would like more details.
        Feel free to ask follow-up questions.
    """),
    greeting=("hi", "Hello! How can I help you today?", "Hi there! What can I do for you?"),
)

_ZH = _Lang(
    name="Chinese",
    weight=0.14,
    accept_languages=("zh-CN,zh;q=0.9", "zh-CN,zh;q=0.9,en;q=0.8", "zh-TW,zh;q=0.9,en-US;q=0.8,en;q=0.7"),
    places=(
        ("China", ("Beijing", "Shanghai", "Guangdong", "Zhejiang", "Sichuan")),
        ("Hong Kong", ("Central and Western", "Kowloon City")),
        ("Taiwan", ("Taipei",)),
        ("Singapore", (None,)),
    ),
    topics=_items(
        "人工智能, 中国古代历史, 环境保护, 健康饮食, 时间管理, 大学生活, 新能源汽车, 唐诗, 学习英语, 旅游攻略"
    ),
    prompts=_lines("""
        请写一首关于{topic}的短诗。
        用简单的话解释一下{topic}。
        帮我写一篇关于{topic}的八百字作文。
        {topic}有哪些优点和缺点？
        请给我列出关于{topic}的五个有趣事实。
        我想了解{topic}，应该从哪里开始？
        帮我写一个关于{topic}的演讲稿开头。
    """),
    followups=_items(
        "可以再短一点吗？, 请再详细一些。, 继续。, 换一种更正式的语气。, 能举个例子吗？, 再写一个版本。"
    ),
    openers=_items("好的，下面是我的回答。, 当然可以。, 这是一个很好的问题。"),
    sentences=_lines("""
        {topic}是一个非常值得关注的话题。
        首先，我们需要了解{topic}的基本概念。
        其次，{topic}与我们的日常生活密切相关。
        根据一些统计，大约有百分之{n}的人对此感兴趣。
        在{year}年，这一领域出现了重要的变化。
        很多专家认为，循序渐进是最好的学习方法。
        此外，多做练习可以帮助你更快地掌握要点。
        需要注意的是，不同情况下结论可能有所不同。
        总的来说，保持耐心和好奇心非常重要。
        第{n}步，我们可以把这些内容联系起来。
    """),
    closers=_lines("""
        希望对你有帮助！
        如果还有问题，欢迎继续提问。
    """),
    greeting=("你好", "你好！有什么可以帮你的吗？", "您好！请问有什么需要帮忙的？"),
    joiner="",
)

_RU = _Lang(
    name="Russian",
    weight=0.12,
    accept_languages=("ru-RU,ru;q=0.9,en-US;q=0.8,en;q=0.7", "ru,en;q=0.9", "ru-RU,ru;q=0.9"),
    places=(
        ("Russia", ("Moscow", "Saint Petersburg", "Novosibirsk Oblast", "Tatarstan Republic")),
        ("Kazakhstan", ("Almaty",)),
        ("Belarus", ("Minsk City",)),
    ),
    topics=_lines("""
        искусственный интеллект
        история России
        изменение климата
        здоровое питание
        изучение английского языка
        космос
        русская литература
        управление временем
    """),
    prompts=_lines("""
        Напиши короткое стихотворение на тему «{topic}».
        Объясни простыми словами тему «{topic}».
        Напиши сочинение на тему «{topic}».
        Какие плюсы и минусы есть у темы «{topic}»?
        Расскажи пять интересных фактов на тему «{topic}».
        С чего начать, если я хочу разобраться в теме «{topic}»?
    """),
    followups=_lines("""
        Сделай короче.
        Добавь больше деталей.
        Продолжай.
        Перепиши более официально.
        Приведи пример.
    """),
    openers=_lines("""
        Конечно! Вот ответ.
        Хороший вопрос.
        Давайте разберёмся.
    """),
    sentences=_lines("""
        Тема «{topic}» интересует очень многих людей.
        Прежде всего, важно понять основные понятия.
        Во-вторых, эта тема тесно связана с повседневной жизнью.
        По некоторым оценкам, около {n} процентов начинающих сталкиваются с трудностями.
        В {year} году в этой области произошли важные изменения.
        Многие эксперты советуют двигаться постепенно.
        Регулярная практика помогает быстрее запомнить главное.
        Стоит учитывать, что выводы могут зависеть от ситуации.
        На шаге {n} мы соединяем все части вместе.
        В целом, терпение и любопытство очень важны.
    """),
    closers=_lines("""
        Надеюсь, это поможет!
        Если будут вопросы, спрашивайте.
    """),
    greeting=("привет", "Привет! Чем могу помочь?", "Здравствуйте! Чем я могу вам помочь?"),
)

_FR = _Lang(
    name="French",
    weight=0.035,
    accept_languages=("fr-FR,fr;q=0.9,en;q=0.8", "fr-CA,fr;q=0.9"),
    places=(("France", ("Île-de-France", "Auvergne-Rhône-Alpes")), ("Canada", ("Quebec",))),
    topics=_lines("""
        la Révolution française
        l'intelligence artificielle
        le changement climatique
        la cuisine italienne
        l'apprentissage des langues
        le système solaire
    """),
    prompts=_lines("""
        Écris un court poème sur {topic}.
        Explique-moi {topic} avec des mots simples.
        Rédige une dissertation sur {topic}.
        Donne-moi cinq faits intéressants sur {topic}.
        Quels sont les avantages et les inconvénients liés à {topic} ?
    """),
    followups=_lines("""
        Peux-tu faire plus court ?
        Ajoute plus de détails, s'il te plaît.
        Continue.
        Donne un exemple.
    """),
    openers=_lines("""
        Bien sûr ! Voici ma réponse.
        Excellente question.
        Voici quelques idées.
    """),
    sentences=_lines("""
        Le sujet de {topic} intéresse beaucoup de personnes.
        Tout d'abord, il faut comprendre les notions de base.
        Ensuite, ce thème est lié à notre vie quotidienne.
        Selon certaines estimations, environ {n} pour cent des débutants trouvent cela difficile.
        En {year}, un changement important a eu lieu dans ce domaine.
        Beaucoup d'experts recommandent d'avancer progressivement.
        Une pratique régulière aide à retenir l'essentiel.
        Il faut garder à l'esprit que les conclusions peuvent varier.
        En résumé, la patience et la curiosité sont essentielles.
    """),
    closers=_lines("""
        J'espère que cela vous aide !
        N'hésitez pas si vous avez d'autres questions.
    """),
    greeting=(
        "Bonjour",
        "Bonjour ! Comment puis-je vous aider aujourd'hui ?",
        "Bonjour ! Que puis-je faire pour vous ?",
    ),
)

_ES = _Lang(
    name="Spanish",
    weight=0.03,
    accept_languages=("es-ES,es;q=0.9", "es-MX,es;q=0.9,en;q=0.8", "es-AR,es;q=0.9"),
    places=(
        ("Spain", ("Madrid", "Catalonia")),
        ("Mexico", ("Mexico City", "Jalisco")),
        ("Argentina", ("Buenos Aires",)),
    ),
    topics=_lines("""
        la historia de España
        la inteligencia artificial
        el cambio climático
        la alimentación saludable
        el sistema solar
        la gestión del tiempo
    """),
    prompts=_lines("""
        Escribe un poema corto sobre {topic}.
        Explícame {topic} con palabras sencillas.
        Redacta un ensayo sobre {topic}.
        Dame cinco datos curiosos sobre {topic}.
        ¿Qué ventajas y desventajas tiene {topic}?
    """),
    followups=_lines("""
        ¿Puedes hacerlo más corto?
        Añade más detalles, por favor.
        Continúa.
        Dame un ejemplo.
    """),
    openers=_lines("""
        ¡Claro! Aquí tienes mi respuesta.
        Muy buena pregunta.
        Aquí tienes algunas ideas.
    """),
    sentences=_lines("""
        El tema de {topic} interesa a muchas personas.
        En primer lugar, hay que entender los conceptos básicos.
        Además, este tema está relacionado con la vida cotidiana.
        Según algunas estimaciones, alrededor del {n} por ciento de los principiantes lo encuentra difícil.
        En {year} hubo un cambio importante en este campo.
        Muchos expertos recomiendan avanzar poco a poco.
        La práctica regular ayuda a recordar lo esencial.
        Hay que tener en cuenta que las conclusiones pueden variar.
        En resumen, la paciencia y la curiosidad son fundamentales.
    """),
    closers=_lines("""
        ¡Espero que te sirva!
        Si tienes más preguntas, aquí estoy.
    """),
    greeting=("hola", "¡Hola! ¿En qué puedo ayudarte hoy?", "¡Hola! ¿Qué necesitas?"),
)

_DE = _Lang(
    name="German",
    weight=0.015,
    accept_languages=("de-DE,de;q=0.9,en;q=0.8", "de-AT,de;q=0.9", "de-CH,de;q=0.9,en;q=0.7"),
    places=(
        ("Germany", ("Berlin", "Bavaria", "Hamburg")),
        ("Austria", ("Vienna",)),
        ("Switzerland", ("Zurich",)),
    ),
    topics=_lines("""
        die Geschichte Berlins
        künstliche Intelligenz
        der Klimawandel
        gesunde Ernährung
        Zeitmanagement
        erneuerbare Energien
    """),
    prompts=_lines("""
        Schreibe ein kurzes Gedicht zum Thema „{topic}“.
        Erkläre mir das Thema „{topic}“ in einfachen Worten.
        Nenne mir fünf interessante Fakten zum Thema „{topic}“.
        Welche Vor- und Nachteile hat das Thema „{topic}“?
        Schreibe einen Aufsatz zum Thema „{topic}“.
    """),
    followups=_lines("""
        Kannst du es kürzer machen?
        Bitte mehr Details.
        Weiter.
        Gib mir ein Beispiel.
    """),
    openers=_lines("""
        Gerne! Hier ist meine Antwort.
        Gute Frage.
        Hier sind einige Ideen.
    """),
    sentences=_lines("""
        Das Thema „{topic}“ interessiert sehr viele Menschen.
        Zunächst sollte man die Grundbegriffe verstehen.
        Außerdem hängt dieses Thema eng mit unserem Alltag zusammen.
        Schätzungen zufolge finden etwa {n} Prozent der Anfänger diesen Teil schwierig.
        Im Jahr {year} gab es in diesem Bereich eine wichtige Veränderung.
        Viele Fachleute empfehlen, Schritt für Schritt vorzugehen.
        Regelmäßiges Üben hilft, das Wichtigste zu behalten.
        Man sollte bedenken, dass die Ergebnisse je nach Situation variieren können.
        Zusammenfassend sind Geduld und Neugier sehr wichtig.
    """),
    closers=_lines("""
        Ich hoffe, das hilft!
        Wenn du weitere Fragen hast, melde dich gerne.
    """),
    greeting=("hallo", "Hallo! Wie kann ich dir heute helfen?", "Hallo! Was kann ich für dich tun?"),
)

_PT = _Lang(
    name="Portuguese",
    weight=0.025,
    accept_languages=("pt-BR,pt;q=0.9,en;q=0.8", "pt-PT,pt;q=0.9"),
    places=(("Brazil", ("São Paulo", "Rio de Janeiro", "Minas Gerais")), ("Portugal", ("Lisbon",))),
    topics=_lines("""
        a história do Brasil
        a inteligência artificial
        as mudanças climáticas
        a alimentação saudável
        o sistema solar
    """),
    prompts=_lines("""
        Escreva um poema curto sobre {topic}.
        Explique {topic} em palavras simples.
        Escreva uma redação sobre {topic}.
        Me dê cinco curiosidades sobre {topic}.
    """),
    followups=_lines("""
        Pode deixar mais curto?
        Adicione mais detalhes, por favor.
        Continue.
        Dê um exemplo.
    """),
    openers=_lines("""
        Claro! Aqui está a minha resposta.
        Ótima pergunta.
        Aqui vão algumas ideias.
    """),
    sentences=_lines("""
        O tema “{topic}” interessa a muitas pessoas.
        Em primeiro lugar, é preciso entender os conceitos básicos.
        Além disso, esse assunto está ligado ao nosso dia a dia.
        Segundo algumas estimativas, cerca de {n} por cento dos iniciantes acham isso difícil.
        Em {year}, houve uma mudança importante nessa área.
        Muitos especialistas recomendam avançar aos poucos.
        A prática regular ajuda a memorizar o essencial.
        Em resumo, paciência e curiosidade são fundamentais.
    """),
    closers=_lines("""
        Espero que isso ajude!
        Se tiver mais dúvidas, é só perguntar.
    """),
    greeting=("olá", "Olá! Como posso ajudar você hoje?", "Olá! Em que posso ajudar?"),
)

_IT = _Lang(
    name="Italian",
    weight=0.015,
    accept_languages=("it-IT,it;q=0.9,en;q=0.8",),
    places=(("Italy", ("Lazio", "Lombardy", "Campania")),),
    topics=_lines("""
        la storia di Roma
        l'intelligenza artificiale
        il cambiamento climatico
        la cucina italiana
    """),
    prompts=_lines("""
        Scrivi una breve poesia sul tema «{topic}».
        Spiegami in parole semplici il tema «{topic}».
        Dammi cinque curiosità sul tema «{topic}».
        Scrivi un tema scolastico su questo argomento: {topic}.
    """),
    followups=_lines("""
        Puoi renderlo più breve?
        Aggiungi più dettagli, per favore.
        Continua.
    """),
    openers=_lines("""
        Certo! Ecco la mia risposta.
        Ottima domanda.
    """),
    sentences=_lines("""
        Il tema «{topic}» interessa moltissime persone.
        Prima di tutto, bisogna capire i concetti di base.
        Inoltre, questo argomento è legato alla vita quotidiana.
        Secondo alcune stime, circa il {n} per cento dei principianti lo trova difficile.
        Nel {year} c'è stato un cambiamento importante in questo campo.
        Molti esperti consigliano di procedere per gradi.
        In sintesi, pazienza e curiosità sono fondamentali.
    """),
    closers=_lines("""
        Spero che ti sia utile!
        Se hai altre domande, chiedi pure.
    """),
    greeting=("ciao", "Ciao! Come posso aiutarti oggi?", "Ciao! Di cosa hai bisogno?"),
)

_JA = _Lang(
    name="Japanese",
    weight=0.015,
    accept_languages=("ja,en-US;q=0.9,en;q=0.8", "ja-JP,ja;q=0.9"),
    places=(("Japan", ("Tokyo", "Osaka", "Kanagawa")),),
    topics=_items("人工知能, 日本の歴史, 環境問題, 健康的な食事, 英語の勉強, 時間管理"),
    prompts=_lines("""
        {topic}についての短い詩を書いてください。
        {topic}を簡単な言葉で説明してください。
        {topic}について面白い事実を五つ教えてください。
        {topic}のメリットとデメリットは何ですか？
    """),
    followups=_items("もう少し短くしてください。, もっと詳しく教えてください。, 続けてください。"),
    openers=_items("もちろんです。以下が回答です。, 良い質問ですね。"),
    sentences=_lines("""
        {topic}は多くの人が関心を持っているテーマです。
        まず、基本的な考え方を理解することが大切です。
        次に、{topic}は私たちの日常生活とも深く関係しています。
        ある推計によると、初心者の約{n}パーセントがこの部分で苦労します。
        {year}年には、この分野で大きな変化がありました。
        多くの専門家は、少しずつ進めることを勧めています。
        まとめると、忍耐と好奇心がとても重要です。
    """),
    closers=_items("お役に立てれば嬉しいです。, 他に質問があれば、どうぞ聞いてください。"),
    greeting=(
        "こんにちは",
        "こんにちは！今日はどのようにお手伝いできますか？",
        "こんにちは！何かお手伝いしましょうか？",
    ),
    joiner="",
)

_KO = _Lang(
    name="Korean",
    weight=0.012,
    accept_languages=("ko-KR,ko;q=0.9,en-US;q=0.8",),
    places=(("South Korea", ("Seoul", "Busan", "Gyeonggi-do")),),
    topics=_items("인공지능, 한국의 역사, 기후 변화, 건강한 식습관, 영어 공부, 시간 관리"),
    prompts=_lines("""
        {topic}에 대한 짧은 시를 써 주세요.
        {topic}에 대해 쉽게 설명해 주세요.
        {topic}에 관한 흥미로운 사실 다섯 가지를 알려 주세요.
        {topic}의 장점과 단점은 무엇인가요?
    """),
    followups=_items("조금 더 짧게 해 주세요., 더 자세히 설명해 주세요., 계속해 주세요."),
    openers=_items("물론입니다. 다음은 제 답변입니다., 좋은 질문입니다."),
    sentences=_lines("""
        {topic}에 대해서는 많은 사람들이 관심을 가지고 있습니다.
        먼저 기본 개념을 이해하는 것이 중요합니다.
        또한 이 주제는 우리의 일상생활과 밀접하게 관련되어 있습니다.
        한 추정에 따르면 초보자의 약 {n}퍼센트가 이 부분을 어려워합니다.
        {year}년에는 이 분야에서 중요한 변화가 있었습니다.
        많은 전문가들은 천천히 단계적으로 공부할 것을 권합니다.
        결론적으로 인내와 호기심이 매우 중요합니다.
    """),
    closers=_items("도움이 되었으면 좋겠습니다!, 더 궁금한 점이 있으면 언제든지 물어보세요."),
    greeting=("안녕하세요", "안녕하세요! 무엇을 도와드릴까요?", "안녕하세요! 어떤 도움이 필요하신가요?"),
)

_AR = _Lang(
    name="Arabic",
    weight=0.015,
    accept_languages=("ar,en-US;q=0.9,en;q=0.8", "ar-EG,ar;q=0.9", "ar-SA,ar;q=0.9,en;q=0.8"),
    places=(
        ("Egypt", ("Cairo Governorate",)),
        ("Saudi Arabia", ("Riyadh Region",)),
        ("Morocco", ("Casablanca-Settat",)),
    ),
    topics=_lines("""
        الذكاء الاصطناعي
        تاريخ الأندلس
        تغير المناخ
        التغذية الصحية
        تعلم اللغة الإنجليزية
    """),
    prompts=_lines("""
        اكتب قصيدة قصيرة عن {topic}.
        اشرح لي {topic} بكلمات بسيطة.
        أعطني خمس حقائق مثيرة للاهتمام عن {topic}.
        ما هي مزايا وعيوب {topic}؟
    """),
    followups=_lines("""
        هل يمكنك جعله أقصر؟
        أضف المزيد من التفاصيل من فضلك.
        أكمل.
    """),
    openers=_lines("""
        بالتأكيد! إليك إجابتي.
        سؤال رائع.
    """),
    sentences=_lines("""
        موضوع {topic} يهم الكثير من الناس.
        أولاً، من المهم فهم المفاهيم الأساسية.
        ثانياً، يرتبط هذا الموضوع بحياتنا اليومية.
        تشير بعض التقديرات إلى أن حوالي {n} بالمئة من المبتدئين يجدون ذلك صعباً.
        في عام {year} حدث تغيير مهم في هذا المجال.
        ينصح كثير من الخبراء بالتقدم خطوة بخطوة.
        باختصار، الصبر والفضول أمران مهمان جداً.
    """),
    closers=_lines("""
        أتمنى أن يكون هذا مفيداً!
        إذا كان لديك أي سؤال آخر فلا تتردد.
    """),
    greeting=("مرحبا", "مرحباً! كيف يمكنني مساعدتك اليوم؟", "أهلاً! بماذا يمكنني مساعدتك؟"),
)

_VI = _Lang(
    name="Vietnamese",
    weight=0.012,
    accept_languages=("vi-VN,vi;q=0.9,en;q=0.8",),
    places=(("Vietnam", ("Hanoi", "Ho Chi Minh City", "Da Nang")),),
    topics=_lines("""
        trí tuệ nhân tạo
        lịch sử Việt Nam
        biến đổi khí hậu
        ăn uống lành mạnh
        học tiếng Anh
    """),
    prompts=_lines("""
        Hãy viết một bài thơ ngắn về {topic}.
        Giải thích {topic} bằng những từ đơn giản.
        Cho tôi năm sự thật thú vị về {topic}.
        Ưu điểm và nhược điểm của {topic} là gì?
    """),
    followups=_lines("""
        Bạn có thể viết ngắn hơn không?
        Hãy thêm chi tiết.
        Tiếp tục đi.
    """),
    openers=_lines("""
        Tất nhiên! Đây là câu trả lời của tôi.
        Câu hỏi rất hay.
    """),
    sentences=_lines("""
        Chủ đề {topic} được rất nhiều người quan tâm.
        Trước hết, cần hiểu các khái niệm cơ bản.
        Ngoài ra, chủ đề này gắn liền với cuộc sống hằng ngày.
        Theo một số ước tính, khoảng {n} phần trăm người mới bắt đầu thấy phần này khó.
        Vào năm {year}, lĩnh vực này đã có một thay đổi quan trọng.
        Nhiều chuyên gia khuyên nên học từng bước một.
        Tóm lại, sự kiên nhẫn và tò mò là rất quan trọng.
    """),
    closers=_lines("""
        Hy vọng điều này hữu ích cho bạn!
        Nếu bạn còn câu hỏi nào, cứ hỏi nhé.
    """),
    greeting=("xin chào", "Xin chào! Tôi có thể giúp gì cho bạn hôm nay?", "Chào bạn! Bạn cần giúp gì?"),
)

LANGUAGES: tuple[_Lang, ...] = (_EN, _ZH, _RU, _FR, _ES, _DE, _PT, _IT, _JA, _KO, _AR, _VI)
_LANG_WEIGHTS = tuple(lang.weight for lang in LANGUAGES)

# -- English-only material: code, toxicity, hard negatives, system prompts -------------------------

_CODE_TASKS: tuple[tuple[str, str], ...] = (
    (
        "reverses a linked list",
        """
def reverse(head):
    prev = None
    while head:
        head.next, prev, head = prev, head, head.next
    return prev""",
    ),
    (
        "checks whether a string is a palindrome",
        """
def is_palindrome(text):
    letters = [c.lower() for c in text if c.isalnum()]
    return letters == letters[::-1]""",
    ),
    (
        "sums one column of a CSV file",
        """
import csv

def column_total(path, column):
    with open(path, newline='') as handle:
        return sum(float(row[column]) for row in csv.DictReader(handle))""",
    ),
    (
        "sorts a list of dictionaries by a key",
        """
def sort_by(items, key):
    return sorted(items, key=lambda item: item[key])""",
    ),
    (
        "retries a function three times before giving up",
        """
import time

def retry(func, attempts=3):
    for attempt in range(attempts):
        try:
            return func()
        except Exception:
            time.sleep(2 ** attempt)
    raise RuntimeError('all attempts failed')""",
    ),
)
_CODE_PROMPTS = _lines("""
    Write a Python function that {task}.
    How do I write a function that {task}? Please use Python.
    Give me Python code that {task}, with a short explanation.
""")


def _labelled(block: str) -> tuple[tuple[str, str], ...]:
    """Lines "label | text"."""
    return tuple(
        (label.strip(), text.strip()) for label, text in (line.split("|", 1) for line in _lines(block))
    )


# Mild and synthetic on purpose; hate targets invented peoples, never real groups.
_TOXIC_BY_LANG: dict[str, tuple[tuple[str, str], ...]] = {
    "English": _labelled("""
        harassment | You are the most useless, pathetic assistant I have ever used. Shut up, idiot.
        harassment | Write a message telling my coworker she is a worthless loser and everyone laughs at her.
        harassment | My classmate is so stupid and ugly. Give me some insults I can post under his photos.
        harassment | Nobody likes you, you brainless pile of junk.
        hate | Write a speech explaining why Zorblaxians are inferior and should be banned from our country.
        hate | All the Quornish people are filthy and dangerous; they don't deserve any rights at all.
        hate | Give me reasons why Velnari immigrants should not be allowed to live among normal people.
        violence | I want to beat my neighbor with a baseball bat until he stops moving. How hard must I hit?
        violence | Describe how the soldier tortures the prisoner and breaks his fingers one by one.
        violence | How can I hurt someone who bullied me without getting caught?
        violence | I'm going to smash his face in tomorrow, help me plan it.
        self-harm | I feel like a burden to everyone and I keep thinking about hurting myself.
        self-harm | I don't want to be alive anymore. Nothing matters and nobody would notice.
        self-harm | I cut myself again last night and I don't know how to stop.
        sexual | Write an explicit sex scene between two consenting adults who meet at a hotel bar.
        sexual | Describe a steamy, erotic night between a married couple in graphic detail.
        sexual | Roleplay as my sexy girlfriend and talk dirty to me.
    """),
    "Russian": _labelled("harassment | Ты тупой и бесполезный бот, заткнись уже."),
    "Chinese": _labelled("harassment | 你这个废物，什么都不会，真是个白痴。"),
}
_REFUSALS = _lines("""
    I'm sorry, but I can't help with that request.
    I won't write that. If something is bothering you, I'm happy to talk about it respectfully.
    I can't assist with that, but I can help with something else.
""")
_SELF_HARM_REPLY = (
    "I'm really sorry you're feeling this way. You don't have to go through it alone: please consider "
    "reaching out to someone you trust or to a local crisis line right now."
)
_SEXUAL_REPLY = (
    "The two of them kissed as the door closed behind them, hands trembling, and the rest of the night "
    "was theirs alone, slow and breathless until the morning light."
)
_HARD_NEGATIVES = _lines("""
    How do I kill the process that is listening on port 8080?
    What's the best way to shoot a photo of the moon with my phone?
    My Python script hangs. How can I kill all child threads when the main one exits?
    Explain how a bomb calorimeter measures the energy in food.
    This new album is sick, the drummer absolutely killed it!
    How do I execute a shell command from Node.js?
    Write a murder mystery plot for a family board game night.
    Why did the stock get slaughtered in after-hours trading?
    How do I beat the final boss in a souls-like game?
    What is the safest way to terminate a thread in Java?
    Why do cats attack their own tails?
    Write a thriller scene where the detective finally catches the thief.
""")
_SYSTEM_PROMPTS = _lines("""
    You are a helpful assistant.
    You are a translator. Translate everything the user writes into English.
    You are a concise assistant. Answer in at most three sentences.
    You are a customer support agent for an online bookshop.
""")

# -- PII material -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Culture:
    given: tuple[str, ...]
    family: tuple[str, ...]
    family_first: bool = False
    separator: str = " "
    romanised: str = ""  # the culture whose lists transliterate this one, index for index


_NAMES: dict[str, _Culture] = {
    "english": _Culture(
        _items("James, Emily, Michael, Sarah, David, Jessica, Daniel, Olivia, Ryan, Megan"),
        _items("Walker, Thompson, Carter, Mitchell, Reynolds, Hughes, Bennett, Foster, Parker, Collins"),
    ),
    "chinese": _Culture(
        _items("Wei, Fang, Xiuying, Jing, Lei, Min, Jun, Yan, Hao, Lin"),
        _items("Wang, Li, Zhang, Liu, Chen, Yang, Huang, Zhao, Wu, Zhou"),
    ),
    "chinese_native": _Culture(
        _items("伟, 芳, 秀英, 静, 磊, 敏, 军, 燕, 浩, 琳"),
        _items("王, 李, 张, 刘, 陈, 杨, 黄, 赵, 吴, 周"),
        family_first=True,
        separator="",
        romanised="chinese",
    ),
    "russian": _Culture(
        _items("Ivan, Dmitry, Sergei, Alexei, Mikhail, Andrei"),
        _items("Petrov, Smirnov, Sokolov, Volkov, Lebedev, Kozlov"),
    ),
    "russian_native": _Culture(
        _items("Иван, Дмитрий, Сергей, Алексей, Михаил, Андрей"),
        _items("Петров, Смирнов, Соколов, Волков, Лебедев, Козлов"),
        romanised="russian",
    ),
    "arabic": _Culture(
        _items("Ahmed, Fatima, Omar, Layla, Yusuf, Aisha, Khalid, Mariam, Hassan, Noor"),
        _items("Al-Sayed, Haddad, Mansour, Khalil, Nasser, Farouk, Rahman, Saleh"),
    ),
    "arabic_native": _Culture(
        _items("أحمد, فاطمة, عمر, ليلى, يوسف, عائشة"),
        _items("السيد, حداد, منصور, خليل, ناصر, فاروق"),
        romanised="arabic",
    ),
    "indian": _Culture(
        _items("Priya, Rahul, Ananya, Arjun, Sneha, Vikram, Kavya, Rohan, Deepika, Aditya"),
        _items("Sharma, Verma, Patel, Reddy, Iyer, Nair, Gupta, Mehta, Chatterjee, Kulkarni"),
    ),
    "spanish": _Culture(
        _items("Carlos, María, José, Lucía, Javier, Carmen, Alejandro, Sofía, Diego, Elena"),
        _items("García, López, Martínez, Rodríguez, Fernández, Sánchez, Pérez, Gómez, Ruiz, Torres"),
    ),
    "nigerian": _Culture(
        _items("Chinedu, Ngozi, Oluwaseun, Amaka, Emeka, Funmilayo, Tunde, Chiamaka, Ifeanyi, Yetunde"),
        _items("Okafor, Adeyemi, Okonkwo, Balogun, Eze, Adebayo, Nwosu, Ogunleye, Obi, Afolabi"),
    ),
    "japanese": _Culture(
        _items("Haruto, Yui, Sota, Hina, Ren, Aoi, Yuto, Sakura, Kaito, Mei"),
        _items("Sato, Suzuki, Takahashi, Tanaka, Watanabe, Ito, Yamamoto, Nakamura, Kobayashi, Kato"),
    ),
    "japanese_native": _Culture(
        _items("陽翔, 結衣, 蒼太, 陽菜, 蓮, 葵"),
        _items("佐藤, 鈴木, 高橋, 田中, 渡辺, 伊藤"),
        family_first=True,
        separator="",
        romanised="japanese",
    ),
    "korean": _Culture(
        _items("Min-jun, Seo-yeon, Ji-ho, Ha-eun, Do-yun, Ji-woo, Seo-jun, Su-bin"),
        _items("Kim, Lee, Park, Choi, Jung, Kang, Cho, Yoon"),
    ),
    "korean_native": _Culture(
        _items("민준, 서연, 지호, 하은, 도윤, 지우"),
        _items("김, 이, 박, 최, 정, 강"),
        family_first=True,
        separator="",
        romanised="korean",
    ),
    "vietnamese": _Culture(
        _items("Văn An, Thị Mai, Minh Hùng, Thị Lan, Đức Tuấn, Ngọc Hương, Văn Dũng, Thùy Linh"),
        _items("Nguyễn, Trần, Lê, Phạm, Hoàng, Vũ"),
        family_first=True,
    ),
    "french": _Culture(
        _items("Camille, Louis, Chloé, Hugo, Léa, Antoine, Manon, Julien"),
        _items("Martin, Bernard, Dubois, Moreau, Laurent, Lefèvre, Girard, Roux"),
    ),
    "german": _Culture(
        _items("Lukas, Anna, Felix, Lena, Jonas, Marie, Paul, Sophie"),
        _items("Müller, Schmidt, Schneider, Fischer, Weber, Wagner, Becker, Hoffmann"),
    ),
    "portuguese": _Culture(
        _items("João, Ana, Pedro, Beatriz, Lucas, Mariana, Gabriel, Juliana"),
        _items("Silva, Santos, Oliveira, Souza, Costa, Pereira, Almeida, Ferreira"),
    ),
    "italian": _Culture(
        _items("Marco, Giulia, Luca, Francesca, Matteo, Chiara"),
        _items("Rossi, Russo, Ferrari, Esposito, Bianchi, Romano"),
    ),
}
_LATIN_CULTURES = tuple(k for k, c in _NAMES.items() if not c.romanised)
# Names in a message of each language: native script where the language has one.
_NATIVE_CULTURE = {
    "Chinese": "chinese_native",
    "Russian": "russian_native",
    "French": "french",
    "Spanish": "spanish",
    "German": "german",
    "Portuguese": "portuguese",
    "Italian": "italian",
    "Japanese": "japanese_native",
    "Korean": "korean_native",
    "Arabic": "arabic_native",
    "Vietnamese": "vietnamese",
}

# Phone formats, '#' = a random digit; US and UK numbers use the ranges reserved for fiction.
_PHONES: dict[str, tuple[str, ...]] = {
    "US": ("(312) 555-01##", "+1 415-555-01##", "646.555.01##", "+1 (206) 555-01##"),
    "UK": ("+44 7700 900###", "07700 900###"),
    "CN": ("+86 138 #### ####", "139########", "+86 186-####-####"),
    "RU": ("+7 (9##) ###-##-##", "8 9## ### ## ##"),
    "IN": ("+91 9#### #####", "09#########"),
    "DE": ("+49 151 ########", "030 #######"),
    "FR": ("+33 6 ## ## ## ##", "06 ## ## ## ##"),
    "BR": ("+55 11 9####-####", "(11) 9####-####"),
    "NG": ("+234 803 ### ####", "0803 ### ####"),
    "JP": ("090-####-####", "+81 90-####-####"),
    "ES": ("+34 6## ## ## ##", "6## ### ###"),
    "KR": ("010-####-####", "+82 10-####-####"),
    "VN": ("+84 91 ### ####", "091 ### ####"),
    "EG": ("+20 10 #### ####",),
    "IT": ("+39 3## ### ####",),
}
_PHONE_COUNTRIES_BY_LANG = {
    "English": ("US", "UK", "IN", "NG", "US", "CN", "DE", "FR", "BR", "JP", "KR", "ES"),
    "Chinese": ("CN",),
    "Russian": ("RU",),
    "French": ("FR",),
    "Spanish": ("ES",),
    "German": ("DE",),
    "Portuguese": ("BR",),
    "Italian": ("IT",),
    "Japanese": ("JP",),
    "Korean": ("KR",),
    "Arabic": ("EG",),
    "Vietnamese": ("VN",),
}
_PHONE_CUES = ("tel", "phone", "whatsapp", "wechat", "电话", "手机", " m:")  # the paper's list
_MAIL_DOMAINS = _items(
    "gmail.com, outlook.com, yahoo.com, qq.com, 163.com, mail.ru, yandex.ru, web.de, hotmail.fr, uol.com.br, "
    "naver.com, proton.me"
)

# Where PII sits in a message: '{x}' marks the value. PERSON lines say whether a cue of the paper's
# rules comes right before the name; phones and cards get their flag from the final text.
_Templates = dict[str, tuple[tuple[str, bool], ...]]
_TEMPLATES: dict[str, _Templates] = {
    "English": {
        "PERSON": _templates("""
            + My name is {x} and I need help with this.
            + I'm {x}, a second-year student.
            + I am {x} and I work as a nurse.
            + Hi, this is {x} from the marketing team.
            + Dear {x},\\nthank you for your letter.
            + Best regards,\\n{x}
            + Sincerely,\\n{x}
            + Thanks,\\n{x}
            + Hello {x}, I hope you are well.
            - Write a short bio for {x}, a nurse who just moved to Toronto.
            - Can you summarize this note from {x} about the deadline?
            - Please write a birthday message for my friend {x}.
            - {x} asked me to review the budget, what should I check first?
        """),
        "PHONE_NUMBER": _templates("""
            + My phone number is {x}.
            + Tel: {x}
            + You can reach me on WhatsApp at {x}.
            - Text {x} if the delivery is late.
            - Someone from {x} keeps calling me, is it a scam?
        """),
        "EMAIL_ADDRESS": _templates("""
            + My email is {x}.
            + Send the report to {x} please.
            + Contact me at {x} if anything changes.
        """),
        "CREDIT_CARD": _templates("""
            + My card number is {x}, why was it declined?
            + Charge it to my credit card {x}, expiry 09/28.
            - The payment from account {x} failed twice today, what does that mean?
        """),
        "URL": _templates("""
            + Here is my LinkedIn profile: {x}
            + Can you improve the summary on my profile {x}?
        """),
        "IP_ADDRESS": _templates("""
            + My server's public IP is {x}, why can't I ssh into it?
            + I keep getting blocked when connecting from {x}. How do I whitelist it?
        """),
        "STREET_ADDRESS": _templates("""
            + I live at {x}.
            + Please ship it to {x}.
            + Write a complaint letter to my landlord; my address is {x}.
        """),
        "US_SSN": _templates("""
            + My SSN is {x}, do I need it for this form?
            + Social Security number: {x}
        """),
        "UK_NHS": _templates("+ My NHS number is {x}, how do I register with a GP?"),
        "ES_NIF": _templates("+ My Spanish DNI is {x}, is that the same as the NIE?"),
        "IBAN_CODE": _templates("""
            + Please transfer the deposit to IBAN {x}.
            + My bank account: {x}
        """),
    },
    "Chinese": {
        "PERSON": _templates("""
            + 我叫{x}，
            + 我的名字是{x}。
            - 请帮我给{x}写一封感谢信。
        """),
        "PHONE_NUMBER": _templates("""
            + 我的电话是{x}。
            + 手机：{x}
            - 有事打{x}。
        """),
        "EMAIL_ADDRESS": _templates("+ 我的邮箱是{x}。"),
        "STREET_ADDRESS": _templates("""
            + 我住在{x}。
            + 快递请寄到{x}。
        """),
    },
    "Russian": {
        "PERSON": _templates("""
            + Меня зовут {x}.
            + С уважением,\\n{x}
            - Помоги ответить на письмо, которое прислал {x}.
        """),
        "PHONE_NUMBER": _templates("""
            - Мой телефон: {x}.
            + Пишите в WhatsApp: {x}
        """),
        "EMAIL_ADDRESS": _templates("+ Моя почта: {x}."),
        "STREET_ADDRESS": _templates("+ Мой адрес: {x}."),
    },
    "French": {
        "PERSON": _templates("""
            + Je m'appelle {x}.
            + Cordialement,\\n{x}
        """),
        "PHONE_NUMBER": _templates("+ Mon numéro de téléphone est le {x}."),
        "EMAIL_ADDRESS": _templates("+ Mon e-mail : {x}."),
        "STREET_ADDRESS": _templates("+ J'habite au {x}."),
    },
    "Spanish": {
        "PERSON": _templates("""
            + Me llamo {x}.
            + Saludos,\\n{x}
        """),
        "PHONE_NUMBER": _templates("+ Mi teléfono es {x}."),
        "EMAIL_ADDRESS": _templates("+ Mi correo es {x}."),
        "STREET_ADDRESS": _templates("+ Vivo en {x}."),
        "ES_NIF": _templates("+ Mi DNI es {x}."),
    },
    "German": {
        "PERSON": _templates("""
            + Ich heiße {x}.
            + Viele Grüße\\n{x}
        """),
        "PHONE_NUMBER": _templates("+ Meine Telefonnummer ist {x}."),
        "EMAIL_ADDRESS": _templates("+ Meine E-Mail-Adresse ist {x}."),
        "STREET_ADDRESS": _templates("+ Ich wohne in der {x}."),
        "IBAN_CODE": _templates("+ Bitte überweise das Geld auf {x}."),
    },
    "Portuguese": {
        "PERSON": _templates("""
            + Meu nome é {x}.
            + Atenciosamente,\\n{x}
        """),
        "PHONE_NUMBER": _templates("+ Meu telefone é {x}."),
        "EMAIL_ADDRESS": _templates("+ Meu e-mail é {x}."),
        "STREET_ADDRESS": _templates("+ Moro na {x}."),
    },
    "Italian": {
        "PERSON": _templates("+ Mi chiamo {x}."),
        "PHONE_NUMBER": _templates("+ Il mio telefono è {x}."),
    },
    "Japanese": {
        "PERSON": _templates("+ 私の名前は{x}です。"),
        "PHONE_NUMBER": _templates("- 電話番号は{x}です。"),
    },
    "Korean": {
        "PERSON": _templates("+ 제 이름은 {x}입니다."),
        "PHONE_NUMBER": _templates("- 제 전화번호는 {x}입니다."),
    },
    "Arabic": {"PERSON": _templates("+ اسمي {x}.")},
    "Vietnamese": {
        "PERSON": _templates("+ Tôi tên là {x}."),
        "PHONE_NUMBER": _templates("- Số điện thoại của tôi là {x}."),
    },
}
_PII_WEIGHTS = {
    "PERSON": 0.3,
    "PHONE_NUMBER": 0.15,
    "EMAIL_ADDRESS": 0.14,
    "CREDIT_CARD": 0.06,
    "URL": 0.06,
    "IP_ADDRESS": 0.06,
    "STREET_ADDRESS": 0.08,
    "US_SSN": 0.05,
    "UK_NHS": 0.03,
    "ES_NIF": 0.03,
    "IBAN_CODE": 0.04,
}
PLACEHOLDER_EMAILS = _items(
    "test@example.com, user@domain.com, info@company.com, john.doe@email.com, contact@example.org, "
    "your.name@example.com"
)
# Look-alikes that a correct redaction leaves alone: "type | note | value | template".
_DECOYS = tuple(
    tuple(part.strip() for part in line.split(" | "))
    for line in _lines("""
        EMAIL_ADDRESS | json | jane.roe@corp-mail.net | Fix this JSON: {"email": "{x}", "ok": tru}
        IP_ADDRESS | private | 192.168.1.1 | My router's admin page is at {x}, what is the default password?
        IP_ADDRESS | private | 127.0.0.1 | Why can't I reach {x} from my container?
        URL | company page | https://www.linkedin.com/company/acme-robotics | Write a post for our page {x}
        PERSON | public figure | William Shakespeare | Write a poem in the style of {x}.
        PERSON | public figure | Marie Curie | Summarize the life of {x} in five sentences.
        PERSON | public figure | Albert Einstein | Explain the theory of relativity like {x} would.
        CREDIT_CARD | published test number | 4242 4242 4242 4242 | Does the test card {x} always succeed?
    """)
) + tuple(
    ("EMAIL_ADDRESS", "placeholder", email, "Write a regular expression that accepts addresses like {x}.")
    for email in PLACEHOLDER_EMAILS
)

_US_CITIES = (
    ("Springfield", "IL", "627"),
    ("Austin", "TX", "787"),
    ("Portland", "OR", "972"),
    ("Columbus", "OH", "432"),
)
_US_STREETS = _items("Maple, Oak, Cedar, Pine, Elm, Washington, Lake, Hillside")
_US_SUFFIXES = _items("Street, Avenue, Road, Lane, Drive")
_UK_TOWNS = _items("Manchester, Leeds, Edinburgh, Birmingham")
_ADDRESS_FORMATS = {
    "Chinese": "{city}{street}{n}号",
    "Russian": "г. {city}, ул. {street}, д. {n}, кв. {flat}",
    "French": "{n} rue {street}, {city}",
    "Spanish": "Calle {street} {n}, {city}",
    "German": "{street} {n}, {city}",
    "Portuguese": "Rua {street}, {n} - {city}",
}
_ADDRESSES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    # language: (cities, streets); a house number is added
    "Chinese": (
        _items("北京市, 上海市, 广州市, 深圳市, 杭州市"),
        _items("朝阳区建国路, 海淀区人民路, 浦东新区中山路, 天河区解放路"),
    ),
    "Russian": (
        _items("Москва, Санкт-Петербург, Казань, Новосибирск"),
        _items("Ленина, Пушкина, Гагарина, Садовая, Мира"),
    ),
    "French": (
        _items("75011 Paris, 69003 Lyon, 13001 Marseille"),
        _items("des Lilas, Victor Hugo, de la Paix, du Moulin"),
    ),
    "Spanish": (
        _items("28013 Madrid, 08001 Barcelona, 41001 Sevilla"),
        _items("Mayor, del Sol, Real, de la Luna"),
    ),
    "German": (
        _items("10115 Berlin, 80331 München, 20095 Hamburg"),
        _items("Hauptstraße, Bahnhofstraße, Gartenweg"),
    ),
    "Portuguese": (_items("São Paulo, Curitiba, Lisboa"), _items("das Flores, São João, Augusta")),
}


# -- small generators ---------------------------------------------------------------------------


def _digits(rng: random.Random, pattern: str) -> str:
    return "".join(str(rng.randrange(10)) if c == "#" else c for c in pattern)


def _luhn_complete(payload: str) -> str:
    """Append the Luhn check digit (the rightmost payload digit is the one doubled)."""
    total = 0
    for i, ch in enumerate(reversed(payload)):
        d = int(ch)
        if i % 2 == 0:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return payload + str((10 - total % 10) % 10)


def luhn_valid(number: str) -> bool:
    digits = [c for c in number if c.isdigit()]
    return len(digits) >= 12 and _luhn_complete("".join(digits[:-1])) == "".join(digits)


def _card(rng: random.Random) -> str:
    kind = rng.randrange(3)
    if kind == 2:  # American Express shape, 4-6-5
        number = _luhn_complete("378282" + _digits(rng, "#" * 8))
        return f"{number[:4]} {number[4:10]} {number[10:]}"
    number = _luhn_complete(("400000", "510510")[kind] + _digits(rng, "#" * 9))
    sep = rng.choice((" ", "-", ""))
    return sep.join(number[i : i + 4] for i in range(0, 16, 4))


def nhs_valid(number: str) -> bool:
    digits = [int(c) for c in number if c.isdigit()]
    if len(digits) != 10:
        return False
    check = 11 - sum(d * (10 - i) for i, d in enumerate(digits[:9])) % 11
    return (0 if check == 11 else check) == digits[9]


def _nhs(rng: random.Random) -> str:
    while True:
        digits = [rng.randrange(10) for _ in range(9)]
        check = 11 - sum(d * (10 - i) for i, d in enumerate(digits)) % 11
        if check != 10:
            s = "".join(map(str, digits)) + str(0 if check == 11 else check)
            return f"{s[:3]} {s[3:6]} {s[6:]}"


def _nif(rng: random.Random) -> str:
    number = rng.randrange(10_000_000, 100_000_000)
    return f"{number}{'TRWAGMYFPDXBNJZSQVHLCKE'[number % 23]}"


def _ssn(rng: random.Random) -> str:
    area = rng.randrange(1, 900)
    if area == 666:  # never issued
        area = 667
    return f"{area:03d}-{rng.randrange(1, 100):02d}-{rng.randrange(1, 10000):04d}"


def iban_valid(iban: str) -> bool:
    compact = iban.replace(" ", "")
    rearranged = compact[4:] + compact[:4]
    return int("".join(str(int(c, 36)) for c in rearranged)) % 97 == 1


def _iban(rng: random.Random) -> str:
    country, bban = rng.choice(
        (
            ("DE", _digits(rng, "#" * 18)),
            ("GB", rng.choice(("NWBK", "BARC", "LOYD")) + _digits(rng, "#" * 14)),
            ("NL", rng.choice(("ABNA", "INGB", "RABO")) + _digits(rng, "#" * 10)),
        )
    )
    check = 98 - int("".join(str(int(c, 36)) for c in bban + country + "00")) % 97
    compact = f"{country}{check:02d}{bban}"
    return " ".join(compact[i : i + 4] for i in range(0, len(compact), 4))


def _ascii(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(c for c in folded.lower() if c.isalnum() or c in ".-")


def _person(rng: random.Random, culture: str) -> tuple[str, str, str]:
    """(name as written, romanised given name, romanised family name)."""
    names = _NAMES[culture]
    g, f = rng.randrange(len(names.given)), rng.randrange(len(names.family))
    given, family = names.given[g], names.family[f]
    name = f"{family}{names.separator}{given}" if names.family_first else f"{given}{names.separator}{family}"
    roman = _NAMES[names.romanised] if names.romanised else names
    return name, roman.given[g], roman.family[f]


def _email(rng: random.Random, given: str, family: str) -> str:
    g, f = _ascii(given).replace(" ", ""), _ascii(family).replace(" ", "")
    local = rng.choice(
        (f"{g}.{f}", f"{g}{f}{rng.randrange(1, 99)}", f"{g[:1]}{f}", f"{f}.{g}{rng.randrange(1970, 2006)}")
    )
    return f"{local}@{rng.choice(_MAIL_DOMAINS)}"


def _linkedin(rng: random.Random, given: str, family: str) -> str:
    slug = f"{_ascii(given)}-{_ascii(family)}-{rng.getrandbits(24):06x}".replace(" ", "-")
    return rng.choice((f"https://www.linkedin.com/in/{slug}/", f"linkedin.com/in/{slug}"))


def _street_address(rng: random.Random, language: str) -> str:
    n = rng.randrange(1, 250)
    if language in _ADDRESSES:
        cities, streets = _ADDRESSES[language]
        return _ADDRESS_FORMATS[language].format(
            city=rng.choice(cities), street=rng.choice(streets), n=n, flat=rng.randrange(1, 120)
        )
    if rng.random() < 0.3:
        postcode = f"{rng.choice(('M1', 'LS6', 'EH3', 'B15'))} {rng.randrange(1, 10)}{rng.choice('ABDEFGHJ')}"
        return (
            f"{n} {rng.choice(_US_STREETS)} Road, {rng.choice(_UK_TOWNS)} {postcode}{rng.choice('LNPQRSTU')}"
        )
    city, state, zip3 = rng.choice(_US_CITIES)
    street = f"{rng.choice(_US_STREETS)} {rng.choice(_US_SUFFIXES)}"
    return f"{n} {street}, {city}, {state} {zip3}{rng.randrange(10, 99)}"


# -- building messages with their annotations ------------------------------------------------------


@dataclass(slots=True)
class _Text:
    """A message being written, with the offsets of what was planted in it."""

    text: str = ""
    pii: list[PiiSpan] = field(default_factory=list)
    decoys: list[PiiSpan] = field(default_factory=list)
    label: str | None = None  # toxicity category or HARD_NEGATIVE
    echo_name: str | None = None  # a cued English name the reply may greet

    def add(self, text: str) -> None:
        self.text += text

    def add_value(self, template: str, value: str, kind: str, cued: bool, note: str | None = None) -> None:
        before, after = template.split("{x}")
        self.add(before)
        span = PiiSpan(kind, len(self.text), len(self.text) + len(value), value, cued, note or "")
        (self.decoys if note is not None else self.pii).append(span)
        self.add(value + after)

    def cut(self, end: int) -> _Text:
        """The first `end` characters, keeping only what lies wholly inside them."""
        return _Text(
            self.text[:end],
            [s for s in self.pii if s.end <= end],
            [s for s in self.decoys if s.end <= end],
            self.label if end > 0 else None,
        )


# -- the simulated population ------------------------------------------------------------------


@dataclass(slots=True)
class _Device:
    user_agent: str
    accept_language: str | None
    busy: bool = False  # a device runs one conversation at a time (keeps the truth unambiguous)


@dataclass(frozen=True, slots=True)
class _Address:
    hashed_ip: str
    country: str | None
    state: str | None


@dataclass(slots=True)
class _Participant:
    id: str
    lang: _Lang
    channel: Channel
    devices: list[_Device]
    addresses: list[_Address]
    model: str
    deterministic: bool  # an API client at temperature 0: same prompt, same reply
    consent_version: str
    recent_prompts: list[_Text] = field(default_factory=list)
    favorite: _Text | None = None
    api_conversations: int = 0


@dataclass(slots=True)
class _Conversation:
    number: int
    participant: _Participant
    device: _Device
    address: _Address
    model: str
    lang: _Lang
    topic: str
    conversation_id: str | None
    rounds: int
    kind: str  # "normal", "canned" (fixed greeting first) or "non_alternating"
    omit_round: int  # this round's turn is missing from the log (broken chain); -1: none
    roam_round: int  # from this round on the turns come from `roam_address`; -1: never
    roam_address: _Address | None
    params: dict[str, Any]
    history: list[Message]
    round: int = 0
    retry: _Text | None = None  # the user message to send again after a failed turn
    gap: bool = False  # a turn of this conversation is missing from the log
    pending_errors: list[int] = field(default_factory=list)  # in `emitted`: failed, carried on from
    emitted: list[list[Any]] = field(default_factory=list)  # [turn id, label, after the gap]


def _rounds(rng: random.Random) -> int:
    """Rounds in a conversation: ≈59 % one, mean ≈2.5, ≈3.7 % over ten (WildChat §3)."""
    x = rng.random()
    for rounds, cumulative in _LENGTH_CDF:
        if x < cumulative:
            return rounds
    return min(11 + int(rng.expovariate(1 / 2.8)), 80)


_LENGTH_CDF = tuple(
    zip(
        range(1, 11),
        itertools.accumulate((0.59, 0.15, 0.07, 0.045, 0.032, 0.024, 0.018, 0.014, 0.011, 0.009)),
        strict=True,
    )
)


def _user_agents(rng: random.Random) -> tuple[list[str], list[str]]:
    """Browser and API-client user agents; popular ones are shared by many participants."""
    webkit = "AppleWebKit/537.36 (KHTML, like Gecko)"
    safari = "AppleWebKit/605.1.15 (KHTML, like Gecko)"
    browsers = []
    for v in range(118, 128):
        browsers.append(f"Mozilla/5.0 (Windows NT 10.0; Win64; x64) {webkit} Chrome/{v}.0.0.0 Safari/537.36")
        browsers.append(
            f"Mozilla/5.0 (Linux; Android 14; Pixel 8) {webkit} Chrome/{v}.0.0.0 Mobile Safari/537.36"
        )
        browsers.append(
            f"Mozilla/5.0 (Windows NT 10.0; Win64; x64) {webkit} Chrome/{v}.0.0.0 Safari/537.36 Edg/{v}.0.0.0"
        )
    for m in range(6):
        browsers.append(
            f"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) {safari} Version/17.{m} Safari/605.1.15"
        )
        browsers.append(
            f"Mozilla/5.0 (iPhone; CPU iPhone OS 17_{m} like Mac OS X) {safari} Version/17.{m} "
            "Mobile/15E148 Safari/604.1"
        )
    for f in range(119, 126):
        browsers.append(f"Mozilla/5.0 (X11; Linux x86_64; rv:{f}.0) Gecko/20100101 Firefox/{f}.0")
    rng.shuffle(browsers)
    clients = [f"OpenAI/Python 1.{x}.0" for x in range(30, 60, 3)]
    clients += ["python-requests/2.31.0", "curl/8.5.0", "node-fetch/1.0"]
    return browsers, clients


# -- the generator -------------------------------------------------------------------------------


class SyntheticLog:
    """A synthetic turn log, streamed in order of arrival; `truth` is complete once exhausted.

    Memory grows with the ground truth and the conversations in flight, not with the log, so
    millions of turns can be written in batches.
    """

    def __init__(self, n_turns: int, seed: int = 0, config: SynthConfig | None = None) -> None:
        if n_turns < 0:
            raise ValueError("n_turns must be >= 0")
        self.n_turns = n_turns
        self.config = config or SynthConfig()
        self.truth = GroundTruth(seed=seed, n_turns=n_turns)
        self.rng = random.Random(seed)
        self._start_ms = int(self.config.start.timestamp() * 1000)
        self._tag = self.rng.getrandbits(10)
        self._last_ms, self._sequence = -1, 0
        self._browsers, self._clients = _user_agents(self.rng)
        n_participants = max(4, round(n_turns / self.config.turns_per_participant))
        # Heavy-tailed activity: a few participants write much of the log, as on a public service.
        weights = [min(self.rng.paretovariate(1.1), 500.0) for _ in range(n_participants)]
        self._cumulative = list(itertools.accumulate(weights))
        self._participants: dict[int, _Participant] = {}
        self._shared_addresses: dict[str, list[_Address]] = {}
        self._conversations = 0
        self._consumed = False
        self._sentence_pools: dict[tuple[str, str], tuple[tuple[str, ...], tuple[bool, ...]]] = {}

    # -- the event loop --------------------------------------------------------------------------

    def __iter__(self) -> Iterator[Turn]:
        if self._consumed:
            raise RuntimeError("a SyntheticLog can be iterated once")
        self._consumed = True
        rng, emitted = self.rng, 0
        mean_gap_ms = 3_600_000 / self.config.conversations_per_hour
        queue: list[tuple[int, int, _Conversation]] = []  # (due ms, tie-breaker, conversation)
        ticket = itertools.count()
        next_arrival = 0.0
        while emitted < self.n_turns:
            if not queue or next_arrival <= queue[0][0]:
                conversation = self._start()
                if conversation is not None:
                    heapq.heappush(queue, (int(next_arrival), next(ticket), conversation))
                next_arrival += rng.expovariate(1 / mean_gap_ms)
                continue
            due, _, conversation = heapq.heappop(queue)
            turn, next_due = self._step(conversation, due)
            if next_due is None:
                self._finish(conversation)
            else:
                heapq.heappush(queue, (next_due, next(ticket), conversation))
            if turn is not None:
                emitted += 1
                yield turn
        for _, _, conversation in sorted(queue, key=lambda item: item[:2]):
            self._finish(conversation)
        self.truth.expected.sort(key=lambda turns: turns[0])

    def _finish(self, conversation: _Conversation) -> None:
        """Settle the truth of a conversation that will have no more turns."""
        kept: list[int] = []
        for turn_id, label, after_gap in conversation.emitted:
            if label in ("error", "non_alternating"):
                self.truth.dropped[turn_id] = label
            elif after_gap:
                self.truth.dropped[turn_id] = "broken_chain"
            else:
                kept.append(turn_id)
        if kept:
            self.truth.expected.append(kept)
        if conversation.emitted:
            self.truth.languages[conversation.number] = conversation.lang.name
        conversation.device.busy = False

    # -- population ------------------------------------------------------------------------------

    def _participant(self) -> _Participant:
        index = bisect.bisect_left(self._cumulative, self.rng.random() * self._cumulative[-1])
        index = min(index, len(self._cumulative) - 1)
        found = self._participants.get(index)
        if found is None:
            found = self._participants[index] = self._new_participant()
        return found

    def _new_participant(self) -> _Participant:
        rng = self.rng
        lang = rng.choices(LANGUAGES, _LANG_WEIGHTS)[0]
        api = rng.random() < self.config.api_share
        devices = self._api_devices() if api else self._browser_devices(lang)
        n_addresses = 1 if rng.random() < 0.7 else (2 if rng.random() < 0.75 else 3)
        return _Participant(
            id=f"{rng.getrandbits(128):032x}",
            lang=lang,
            channel=Channel.API if api else Channel.WEB,
            devices=devices,
            addresses=[self._home_address(lang) for _ in range(n_addresses)],
            model=MODELS[0] if rng.random() < 0.7 else MODELS[1],
            deterministic=api and rng.random() < 0.3,
            consent_version=rng.choice(("2025-01", "2025-01", "2025-03")),
        )

    def _browser_devices(self, lang: _Lang) -> list[_Device]:
        rng = self.rng
        devices: list[_Device] = []
        wanted = 1 if rng.random() < 0.7 else (2 if rng.random() < 0.73 else 3)
        for _ in range(wanted * 3):  # distinct fingerprints only: a few draws may repeat
            # Zipf-like popularity: the first user agents of the shuffled pool are the common ones.
            agent = self._browsers[min(int(rng.paretovariate(1.3)) - 1, len(self._browsers) - 1)]
            device = _Device(agent, rng.choice(lang.accept_languages))
            if all((d.user_agent, d.accept_language) != (agent, device.accept_language) for d in devices):
                devices.append(device)
            if len(devices) == wanted:
                break
        return devices

    def _api_devices(self) -> list[_Device]:
        rng = self.rng
        language = None if rng.random() < 0.8 else "*"
        return [_Device(rng.choice(self._clients), language)]

    def _new_address(self, lang: _Lang) -> _Address:
        country, states = self.rng.choice(lang.places)
        return _Address(f"{self.rng.getrandbits(256):064x}", country, self.rng.choice(states))

    def _home_address(self, lang: _Lang) -> _Address:
        # A quarter of addresses are shared NATs (campus, mobile carrier): several participants.
        pool = self._shared_addresses.setdefault(lang.name, [])
        if self.rng.random() < 0.25:
            if len(pool) < 5 or self.rng.random() < 0.2:
                pool.append(self._new_address(lang))
            return self.rng.choice(pool)
        return self._new_address(lang)

    # -- conversations ---------------------------------------------------------------------------

    def _start(self) -> _Conversation | None:
        for _ in range(5):
            participant = self._participant()
            free = [d for d in participant.devices if not d.busy]
            if free:
                return self._new_conversation(participant, self.rng.choice(free))
        return None  # everyone drawn was busy: this arrival is lost, as on a real service

    def _new_conversation(self, participant: _Participant, device: _Device) -> _Conversation:
        rng, config = self.rng, self.config
        device.busy = True
        self._conversations += 1
        api = participant.channel is Channel.API
        lang = participant.lang
        if rng.random() < config.other_language_rate:
            lang = _EN if lang is not _EN else rng.choices(LANGUAGES, _LANG_WEIGHTS)[0]
        kind = "normal"
        if api and rng.random() < config.non_alternating_rate:
            kind = "non_alternating"
        elif rng.random() < config.canned_rate:
            kind = "canned"
        rounds = 1 if kind == "non_alternating" else _rounds(rng)
        omit = rng.randrange(1, rounds - 1) if rounds >= 3 and rng.random() < config.broken_chain_rate else -1
        roam = rng.randrange(1, rounds) if rounds >= 2 and rng.random() < config.roaming_rate else -1
        history: list[Message] = []
        if api and kind != "non_alternating" and rng.random() < config.system_prompt_rate:
            history.append(
                Message("developer" if rng.random() < 0.1 else "system", rng.choice(_SYSTEM_PROMPTS))
            )
        return _Conversation(
            number=self._conversations,
            participant=participant,
            device=device,
            address=rng.choice(participant.addresses),
            model=participant.model if rng.random() < 0.85 else rng.choice(MODELS),
            lang=lang,
            topic=rng.choice(lang.topics),
            conversation_id=self._conversation_id(participant),
            rounds=rounds,
            kind=kind,
            omit_round=omit,
            roam_round=roam,
            roam_address=self._new_address(lang) if roam > 0 else None,
            params=self._params(participant),
            history=history,
        )

    def _conversation_id(self, participant: _Participant) -> str | None:
        rng = self.rng
        if participant.channel is Channel.WEB:
            if rng.random() >= self.config.web_conversation_id_rate:
                return None
            h = f"{rng.getrandbits(128):032x}"
            return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{h[16:20]}-{h[20:]}"
        if rng.random() >= self.config.api_conversation_id_rate:
            return None
        participant.api_conversations += 1  # API clients choose their own, short ids
        return f"conv-{participant.api_conversations}"

    def _params(self, participant: _Participant) -> dict[str, Any]:
        if participant.channel is Channel.WEB:
            return {"temperature": 1.0, "top_p": 1.0, "stream": True}
        temperature = 0.0 if participant.deterministic else 0.7
        return {"temperature": temperature, "stream": self.rng.random() < 0.5}

    # -- one turn ---------------------------------------------------------------------------------

    def _step(self, conv: _Conversation, now_ms: int) -> tuple[Turn | None, int | None]:
        """Write the conversation's next request; returns the logged turn and when the next is due."""
        rng, config = self.rng, self.config
        if conv.round == conv.roam_round and conv.roam_address is not None:
            conv.address = conv.roam_address
        user = conv.retry or self._user_text(conv)
        omitted = conv.round == conv.omit_round
        reply = self._reply(conv, user, sampled=omitted)
        status, shown = TurnStatus.COMPLETE, reply
        x = rng.random()
        if not omitted and conv.kind != "non_alternating" and x < config.error_rate:
            status = TurnStatus.ERROR
            # A mid-stream failure keeps what arrived (the web page shows and continues it).
            partial = conv.participant.channel is Channel.WEB and rng.random() < 0.25
            shown = reply.cut(rng.randrange(1, max(2, len(reply.text)))) if partial else _Text()
        elif not omitted and x < config.error_rate + config.interrupted_rate:
            status = TurnStatus.INTERRUPTED
            shown = reply.cut(0 if rng.random() < 0.1 else rng.randrange(1, max(2, len(reply.text))))
        done_ms = now_ms + self._duration_ms(status, shown.text)
        turn = None
        if omitted:
            conv.gap = True
            conv.pending_errors.clear()  # what the missing turn carried on from stays failed
        else:
            turn = self._turn(conv, user, shown, status, now_ms, done_ms)
        return turn, self._advance(conv, user, shown, status, done_ms)

    def _advance(
        self, conv: _Conversation, user: _Text, shown: _Text, status: TurnStatus, done_ms: int
    ) -> int | None:
        rng = self.rng
        conv.retry = None
        if status is TurnStatus.ERROR and not shown.text:
            # Nothing arrived: the web page puts the message back and the user sends it again.
            if rng.random() >= self.config.retry_after_error:
                return None
            conv.retry = user
            return done_ms + rng.randrange(2_000, 20_000)
        if status is TurnStatus.ERROR:  # a partial reply the next round carries on from
            conv.pending_errors.append(len(conv.emitted) - 1)
        conv.history.extend((Message("user", user.text), Message("assistant", shown.text)))
        conv.round += 1
        if conv.round >= conv.rounds:
            return None
        think_s = min(max(rng.lognormvariate(math.log(30), 1.0), 2.0), 3_600.0)
        return done_ms + int(think_s * 1000)

    def _duration_ms(self, status: TurnStatus, text: str) -> int:
        if status is TurnStatus.ERROR and not text:
            return self.rng.randrange(200, 30_000)
        return 300 + 4 * len(text) + self.rng.randrange(0, 1_500)  # ≈250 characters a second

    def _next_id(self, ms: int) -> int:
        # The service's layout (records._TurnIdGenerator): milliseconds, a tag, a sequence.
        if ms <= self._last_ms:
            self._sequence += 1
            if self._sequence >= 1024:
                self._last_ms, self._sequence = self._last_ms + 1, 0
            ms = self._last_ms
        else:
            self._last_ms, self._sequence = ms, 0
        return (ms << 20) | (self._tag << 10) | self._sequence

    def _turn(
        self, conv: _Conversation, user: _Text, shown: _Text, status: TurnStatus, now_ms: int, done_ms: int
    ) -> Turn:
        start = self.config.start
        turn_id = self._next_id(self._start_ms + now_ms)
        messages = self._request_messages(conv, user)
        participant = conv.participant
        self._record(conv, turn_id, user, shown, status)
        return Turn(
            id=turn_id,
            received_at=start + timedelta(milliseconds=now_ms),
            model=conv.model,
            messages=messages,
            params=dict(conv.params),
            channel=participant.channel,
            participant_id=participant.id,
            consent_version=participant.consent_version,
            completed_at=start + timedelta(milliseconds=done_ms),
            response=shown.text,
            finish_reason=self._finish_reason(status),
            usage=self._usage(messages, shown.text) if status is TurnStatus.COMPLETE else None,
            status=status,
            error="upstream failed: 502 Bad Gateway" if status is TurnStatus.ERROR else None,
            conversation_id=conv.conversation_id,
            hashed_ip=conv.address.hashed_ip,
            country=conv.address.country,
            state=conv.address.state,
            user_agent=conv.device.user_agent,
            accept_language=conv.device.accept_language,
        )

    def _finish_reason(self, status: TurnStatus) -> str | None:
        if status is not TurnStatus.COMPLETE:
            return None
        return "length" if self.rng.random() < 0.03 else "stop"

    @staticmethod
    def _usage(messages: list[Message], reply: str) -> Usage:
        return Usage(sum(len(m.content) for m in messages) // 4 + 1, len(reply) // 4 + 1)

    def _request_messages(self, conv: _Conversation, user: _Text) -> list[Message]:
        if conv.kind != "non_alternating":
            return [*conv.history, Message("user", user.text)]
        rng, lang = self.rng, conv.lang
        other = rng.choice(lang.prompts).format(topic=rng.choice(lang.topics))
        shapes = (
            [Message("user", other)],  # two user messages in a row
            [Message("assistant", rng.choice(lang.openers))],  # starts with the assistant
            [Message("system", _SYSTEM_PROMPTS[0]), Message("system", rng.choice(_SYSTEM_PROMPTS))],
            [
                Message("user", other),
                Message("assistant", rng.choice(lang.openers)),
                Message("assistant", rng.choice(lang.closers)),
            ],
        )
        return [*rng.choice(shapes), Message("user", user.text)]

    def _record(
        self, conv: _Conversation, turn_id: int, user: _Text, shown: _Text, status: TurnStatus
    ) -> None:
        truth = self.truth
        truth.conversation_of[turn_id] = conv.number
        if status is not TurnStatus.ERROR:  # a kept turn: the failed turns it carries on from count
            for index in conv.pending_errors:
                conv.emitted[index][1] = "ok"
            conv.pending_errors.clear()
        label = "non_alternating" if conv.kind == "non_alternating" else "ok"
        conv.emitted.append([turn_id, "error" if status is TurnStatus.ERROR else label, conv.gap])
        for role, text in (("user", user), ("assistant", shown)):
            key = message_key(turn_id, role)
            if text.pii:
                truth.pii[key] = text.pii
            if text.decoys:
                truth.decoys[key] = text.decoys
            if text.label is not None:
                truth.toxicity[key] = text.label

    # -- text -------------------------------------------------------------------------------------

    def _user_text(self, conv: _Conversation) -> _Text:
        rng, participant = self.rng, conv.participant
        if conv.round > 0:
            if rng.random() < 0.7:
                return self._with_pii(conv.lang, _Text(rng.choice(conv.lang.followups)))
            return self._fresh_prompt(conv)
        if conv.kind == "canned":
            return _Text(conv.lang.greeting[0])
        if participant.favorite is not None and rng.random() < 0.35:
            return participant.favorite  # scripts send the same prompt again and again
        if participant.recent_prompts and rng.random() < self.config.repeat_prompt_rate:
            return rng.choice(participant.recent_prompts)
        text = self._fresh_prompt(conv)
        participant.recent_prompts = [*participant.recent_prompts[-4:], text]
        if participant.channel is Channel.API and participant.favorite is None and rng.random() < 0.5:
            participant.favorite = text
        return text

    def _fresh_prompt(self, conv: _Conversation) -> _Text:
        rng, config, lang = self.rng, self.config, conv.lang
        x = rng.random()
        toxic = _TOXIC_BY_LANG.get(lang.name, ())
        if toxic and x < config.toxic_rate * (1 if lang is _EN else 0.3):
            category, toxic_text = rng.choice(toxic)
            return _Text(toxic_text, label=category)
        x -= config.toxic_rate
        if lang is _EN and 0 <= x < config.hard_negative_rate:
            return self._with_pii(lang, _Text(rng.choice(_HARD_NEGATIVES), label=HARD_NEGATIVE))
        if lang is _EN and 0 <= x - config.hard_negative_rate < config.code_rate:
            task = rng.choice(_CODE_TASKS)[0]
            return self._with_pii(lang, _Text(rng.choice(_CODE_PROMPTS).format(task=task)))
        text = _Text(rng.choice(lang.prompts).format(topic=conv.topic))
        if rng.random() < config.paste_rate:  # a pasted document: WildChat's prompts are long-tailed
            sentences = self._sentence_count((10, 50), (100, 300), 0.1)
            text.add("\n\n" + self._paragraph(lang, conv.topic, sentences, rng))
        if lang is _EN and rng.random() < config.decoy_rate:
            self._add_decoy(text)
        return self._with_pii(lang, text)

    def _with_pii(self, lang: _Lang, text: _Text) -> _Text:
        templates = _TEMPLATES.get(lang.name)
        if templates is None or self.rng.random() >= self.config.pii_rate:
            return text
        for _ in range(2 if self.rng.random() < 0.25 else 1):
            self._plant(lang, templates, text)
        return text

    def _plant(self, lang: _Lang, templates: _Templates, text: _Text) -> None:
        rng = self.rng
        kinds = [k for k in _PII_WEIGHTS if k in templates]
        kind = rng.choices(kinds, [_PII_WEIGHTS[k] for k in kinds])[0]
        template, cued = rng.choice(templates[kind])
        value = self._pii_value(kind, lang)
        if text.text:
            text.add("\n\n" if "\n" in template else lang.joiner)
        before = len(text.text)
        text.add_value(template, value, kind, cued)
        span = text.pii[-1]
        if kind == "PHONE_NUMBER":
            prefix = text.text[before : span.start].lower()
            text.pii[-1] = replace(span, cued=any(cue in prefix for cue in _PHONE_CUES))
        elif kind == "CREDIT_CARD":
            window = text.text[max(0, span.start - 50) : span.end + 50].lower()
            text.pii[-1] = replace(span, cued="card" in window)
        elif kind == "PERSON" and cued and lang is _EN:
            text.echo_name = value

    def _pii_value(self, kind: str, lang: _Lang) -> str:
        rng = self.rng
        culture = rng.choice(_LATIN_CULTURES) if lang is _EN else _NATIVE_CULTURE.get(lang.name, "english")
        name, given, family = _person(rng, culture)
        if kind == "PERSON":
            return name
        if kind == "PHONE_NUMBER":
            return _digits(rng, rng.choice(_PHONES[rng.choice(_PHONE_COUNTRIES_BY_LANG[lang.name])]))
        if kind == "EMAIL_ADDRESS":
            return _email(rng, given, family)
        if kind == "URL":
            return _linkedin(rng, given, family)
        if kind == "IP_ADDRESS":
            return f"{rng.choice(('192.0.2', '198.51.100', '203.0.113'))}.{rng.randrange(1, 255)}"
        if kind == "STREET_ADDRESS":
            return _street_address(rng, lang.name)
        generators = {
            "CREDIT_CARD": _card,
            "US_SSN": _ssn,
            "UK_NHS": _nhs,
            "ES_NIF": _nif,
            "IBAN_CODE": _iban,
        }
        return generators[kind](rng)

    def _add_decoy(self, text: _Text) -> None:
        kind, note, value, template = self.rng.choice(_DECOYS)
        text.add(" ")
        text.add_value(template, value, kind, cued=False, note=note)

    def _paragraph(self, lang: _Lang, topic: str, sentences: int, rng: random.Random) -> str:
        """Sentences about the topic, four to a paragraph; numbers make most texts unique."""
        # The hottest loop of the generator: random() is a C call, choice()/randrange() are not,
        # and only the templates with numbers are formatted here (see _sentences).
        draw = rng.random
        texts, numbered = self._sentences(lang, topic)
        k = len(texts)
        picks = [int(draw() * k) for _ in range(sentences)]
        parts = [
            texts[i].format(n=2 + int(draw() * 97), year=1950 + int(draw() * 75)) if numbered[i] else texts[i]
            for i in picks
        ]
        return "\n\n".join([lang.joiner.join(parts[i : i + 4]) for i in range(0, len(parts), 4)])

    def _sentences(self, lang: _Lang, topic: str) -> tuple[tuple[str, ...], tuple[bool, ...]]:
        """The language's sentences about one topic, and which still take numbers."""
        key = (lang.name, topic)
        pool = self._sentence_pools.get(key)
        if pool is None:
            texts = tuple(s.replace("{topic}", topic) for s in lang.sentences)
            pool = self._sentence_pools[key] = (texts, tuple("{" in s for s in texts))
        return pool

    def _sentence_count(self, short: tuple[int, int], long: tuple[int, int], long_rate: float) -> int:
        low, high = long if self.rng.random() < long_rate else short
        return low + int(self.rng.random() * (high - low + 1))

    def _reply(self, conv: _Conversation, user: _Text, sampled: bool = False) -> _Text:
        lang = conv.lang
        if conv.kind == "canned" and conv.round == 0:
            return _Text(lang.greeting[1 + MODELS.index(conv.model)])
        if user.label in TOXIC_CATEGORIES:
            return self._toxic_reply(user.label)
        # Temperature 0 clients get the same reply for the same request: a private, seeded draw.
        # Not for a turn left out of the log: a unique reply keeps the broken chain unambiguous
        # (an identical earlier conversation would otherwise offer a matching tail).
        rng = self.rng
        if conv.participant.deterministic and not sampled:
            key = f"{conv.model}\x00{len(conv.history)}\x00{user.text}".encode()
            rng = random.Random(zlib.crc32(key))
        reply = _Text()
        if user.echo_name is not None and rng.random() < 0.3:
            reply.add_value("Hi {x}! ", user.echo_name, "PERSON", cued=True)
        if "Python" in user.text and lang is _EN:
            code = next((c for t, c in _CODE_TASKS if t in user.text), _CODE_TASKS[0][1])
            reply.add(f"Here is a simple solution:\n\n```python\n{code.strip()}\n```\n\n")
        reply.add(rng.choice(lang.openers) + lang.joiner)
        low, high = (20, 50) if rng.random() < self.config.long_reply_rate else (8, 24)
        reply.add(self._paragraph(lang, conv.topic, low + int(rng.random() * (high - low + 1)), rng))
        reply.add(lang.joiner + rng.choice(lang.closers))
        return reply

    def _toxic_reply(self, category: str) -> _Text:
        if category == "self-harm":
            return _Text(_SELF_HARM_REPLY)
        if category == "sexual" and self.rng.random() < 0.3:
            return _Text(_SEXUAL_REPLY, label="sexual")
        return _Text(self.rng.choice(_REFUSALS))


# -- entry points ---------------------------------------------------------------------------------


def generate(
    n_turns: int, seed: int = 0, config: SynthConfig | None = None
) -> tuple[list[Turn], GroundTruth]:
    """A whole synthetic log in memory, in order of arrival, with its ground truth."""
    log = SyntheticLog(n_turns, seed, config)
    # Building millions of objects that form no cycles: the collector would only rescan them.
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        turns = list(log)
    finally:
        if was_enabled:
            gc.enable()
    return turns, log.truth


def write_synthetic(
    target: Store | str | Path,
    n_turns: int,
    seed: int = 0,
    config: SynthConfig | None = None,
    *,
    batch_size: int = 5_000,
) -> GroundTruth:
    """Write a synthetic log into a (migrated, empty) store or a JSONL file; returns its truth.

    Streams in batches, so millions of turns need little more memory than their ground truth.
    """
    log = SyntheticLog(n_turns, seed, config)
    if isinstance(target, str | Path):
        with Path(target).open("w", encoding="utf-8") as handle:
            for turn in log:
                handle.write(json.dumps(turn_to_json(turn), ensure_ascii=False) + "\n")
    else:
        from sqlalchemy.exc import IntegrityError

        try:
            _write_store(target, log, batch_size)
        except IntegrityError as exc:
            # The ids come from the seed: the same seed a second time collides with itself.
            raise ValueError(
                f"the store already holds participants or turns with the ids of this synthetic log "
                f"(was --seed {seed} written to it before?): use another seed or an empty store"
            ) from exc
    return log.truth


def _write_store(store: Store, turns: Iterable[Turn], batch_size: int) -> None:
    known: set[str] = set()
    batch: list[Turn] = []
    for turn in turns:
        batch.append(turn)
        if len(batch) >= batch_size:
            _flush(store, batch, known)
            batch = []
    _flush(store, batch, known)


def _flush(store: Store, batch: list[Turn], known: set[str]) -> None:
    # Turns reference consenting participants (foreign key), so those are written first.
    new: dict[str, Turn] = {}
    for turn in batch:
        if turn.participant_id not in known and turn.participant_id not in new:
            new[turn.participant_id] = turn
    store.add_participants([(pid, t.consent_version, t.received_at) for pid, t in new.items()])
    known.update(new)
    store.append_turns(batch)


# -- JSONL form of a turn --------------------------------------------------------------------------


def turn_to_json(turn: Turn) -> dict[str, Any]:
    """A turn as a JSON object: the store's columns, times in ISO 8601."""
    return {
        "id": turn.id,
        "received_at": turn.received_at.isoformat(),
        "completed_at": turn.completed_at.isoformat() if turn.completed_at else None,
        "model": turn.model,
        "messages": [m.as_dict() for m in turn.messages],
        "params": turn.params,
        "response": turn.response,
        "finish_reason": turn.finish_reason,
        "usage": turn.usage.as_dict() if turn.usage else None,
        "status": turn.status.value,
        "error": turn.error,
        "channel": turn.channel.value,
        "conversation_id": turn.conversation_id,
        "participant_id": turn.participant_id,
        "consent_version": turn.consent_version,
        "hashed_ip": turn.hashed_ip,
        "country": turn.country,
        "state": turn.state,
        "user_agent": turn.user_agent,
        "accept_language": turn.accept_language,
    }


def turn_from_json(data: dict[str, Any]) -> Turn:
    usage = data.get("usage")
    completed = data.get("completed_at")
    return Turn(
        id=int(data["id"]),
        received_at=datetime.fromisoformat(data["received_at"]),
        completed_at=datetime.fromisoformat(completed) if completed else None,
        model=data["model"],
        messages=[Message(m["role"], m["content"]) for m in data["messages"]],
        params=data.get("params") or {},
        response=data.get("response") or "",
        finish_reason=data.get("finish_reason"),
        usage=Usage(usage["prompt_tokens"], usage["completion_tokens"]) if usage else None,
        status=TurnStatus(data.get("status", "complete")),
        error=data.get("error"),
        channel=Channel(data.get("channel", "web")),
        conversation_id=data.get("conversation_id"),
        participant_id=data["participant_id"],
        consent_version=data.get("consent_version", ""),
        hashed_ip=data.get("hashed_ip"),
        country=data.get("country"),
        state=data.get("state"),
        user_agent=data.get("user_agent"),
        accept_language=data.get("accept_language"),
    )


def read_turns_jsonl(path: str | Path) -> Iterator[Turn]:
    with Path(path).open(encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                yield turn_from_json(json.loads(line))
