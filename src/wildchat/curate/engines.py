"""Engines that run a phase over many shards: local processes (default) or Ray Data.

Both run the same `ShardProcessor` object: it is pickled to each worker, set up once there
(models load once per worker), then called with one shard at a time. Each call reads its input
from the work folder and writes its output there atomically, so either engine can die at any
point and the next build picks up what is left.
"""

from __future__ import annotations

import multiprocessing
import os
import pickle
import signal
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, Literal

from wildchat.curate.link import conversation_hash
from wildchat.curate.stage import StageStats
from wildchat.curate.workdir import (
    CountedNames,
    ShardData,
    WorkDir,
    dump_atomic,
    load,
    read_shard,
    write_atomic,
)

Phase = Literal["detect", "count", "finish"]
EngineName = Literal["local", "ray"]
# (shard, counts) for each finished shard; counts include SHARD_SIZE_KEY for the progress bar
SHARD_SIZE_KEY = "_conversations_in_shard"
Result = tuple[str, dict[str, int]]


class StageSetupError(RuntimeError):
    """A stage could not load (a model folder missing, no API key …): the build cannot start."""


class ShardProcessor:
    """The per-shard work of the phases, around the corpus-wide PII counts.

    detect: language + PII detection (NER deferred where it cannot change a redaction)
    count:  names that need exact counts, looked for in the deferred messages (any shard)
    finish: PII replacement + toxicity
    """

    def __init__(self, workdir: Path, language: Any, pii: Any, toxicity: Any) -> None:
        self.workdir = workdir
        self.language = language
        self.pii = pii
        self.toxicity = toxicity
        self._doc_freq: dict[str, int] | None = None
        self._needed: frozenset[str] | None = None

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state["_doc_freq"] = None  # large; each worker reads it from the work folder
        state["_needed"] = None
        return state

    def setup(self) -> None:
        for stage in (self.language, self.pii, self.toxicity):
            try:
                stage.setup()
            except (RuntimeError, OSError, ValueError, ImportError) as exc:
                raise StageSetupError(f"the {stage.name} stage could not set up: {exc}") from exc

    def doc_freq_path(self) -> Path:
        return self.workdir / "doc_freq.pkl"

    def needed_path(self) -> Path:
        return self.workdir / "needed_names.pkl"

    def _load_doc_freq(self) -> dict[str, int]:
        if self._doc_freq is None:
            self._doc_freq = load(self.doc_freq_path())
        return self._doc_freq

    def _load_needed(self) -> frozenset[str]:
        if self._needed is None:
            self._needed = load(self.needed_path())
        return self._needed

    def __call__(self, phase: Phase, shard: str) -> Result:
        work = WorkDir(self.workdir)
        stats = StageStats()
        if phase == "detect":
            data = read_shard(work.path("pending", shard))
            self._timed("language", stats, lambda: self.language(data.conversations, stats))
            data.detections = self._timed(
                "pii_detect", stats, lambda: self.pii.detect(data.conversations, defer_ner=True)
            )
            data.span_keys = [sorted(self.pii.span_keys(d)) for d in data.detections]
            data.deferred = [d.deferred for d in data.detections]
            write_atomic(work.path("detected", shard), data)
            work.remove("pending", shard)
        elif phase == "count":
            data = read_shard(work.locate(shard))
            self._timed("pii_count", stats, lambda: self._count(work, shard, data, stats))
        else:
            data = read_shard(work.path("detected", shard))
            doc_freq = self._load_doc_freq()
            self._timed(
                "pii_apply",
                stats,
                lambda: self.pii.apply(data.conversations, data.detections, doc_freq, stats),
            )
            self._timed("toxicity", stats, lambda: self.toxicity(data.conversations, stats))
            for conversation in data.conversations:
                # Over the released (redacted) text: a hash of the original messages would let
                # anyone confirm a guess at a replaced e-mail or phone number. Computed only now,
                # because the PII stage matches its detections to conversations by the old hash.
                conversation.conversation_hash = conversation_hash(conversation.conversation)
            finished = ShardData(data.conversations, [], data.span_keys, data.deferred, data.participants)
            write_atomic(work.path("done", shard), finished)
            work.remove("detected", shard)
        stats.add(SHARD_SIZE_KEY, len(data.conversations))
        return shard, dict(stats.counts)

    def _count(self, work: WorkDir, shard: str, data: ShardData, stats: StageStats) -> None:
        """Look for the needed names this shard was not yet searched for (earlier builds did the rest)."""
        path = work.path("counted", shard)
        policy = self.pii.policy.name
        counted = load(path) if path.exists() else CountedNames(policy)
        if counted.policy != policy:
            counted = CountedNames(policy)
        todo = self._load_needed() - counted.checked
        if not todo:
            return
        found = dict(counted.found)
        extra = self.pii.count_deferred(data.deferred, todo)
        for key, spans, names in zip(data.keys(), data.span_keys, extra, strict=True):
            names.difference_update(spans)  # already counted for this conversation
            if names:
                found[key] = found.get(key, frozenset()) | names
        stats.add("pii.deferred_names_found", sum(len(n) for n in extra))
        dump_atomic(path, CountedNames(policy, counted.checked | todo, found))

    @staticmethod
    def _timed(name: str, stats: StageStats, work: Callable[[], Any]) -> Any:
        started = time.perf_counter()
        result = work()
        stats.add(f"ms:{name}", int((time.perf_counter() - started) * 1000))
        return result


# -- local processes ---------------------------------------------------------------------------

_worker: ShardProcessor | None = None
_worker_failure: BaseException | None = None


def _init_worker(processor: ShardProcessor) -> None:
    global _worker, _worker_failure
    # Ctrl-C reaches the whole process group: the parent alone handles it (and terminates the
    # pool), so workers neither print tracebacks nor finish their shard first.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # One thread for lingua's (rayon) pool per worker: the workers already fill the cores.
    os.environ.setdefault("RAYON_NUM_THREADS", "1")
    try:
        processor.setup()
    except Exception as exc:
        # Raising here would make the pool respawn the worker forever; fail the first task instead.
        _worker_failure = exc
    _worker = processor


def _run_in_worker(job: tuple[Phase, str]) -> Result:
    if isinstance(_worker_failure, StageSetupError):
        raise StageSetupError(str(_worker_failure))
    if _worker_failure is not None:
        raise StageSetupError(f"a build worker could not set up its stages: {_worker_failure}")
    assert _worker is not None
    return _worker(*job)


class LocalEngine:
    """Worker processes kept for the whole build: models load once per worker, not per phase."""

    def __init__(self, processor: ShardProcessor, workers: int) -> None:
        self.processor = processor
        self.workers = max(1, workers)
        self._pool: Any = None
        self._set_up = False

    def run(self, phase: Phase, shards: list[str]) -> Iterator[Result]:
        if not shards:
            return
        if self.workers == 1:
            if not self._set_up:
                self.processor.setup()
                self._set_up = True
            for shard in shards:
                yield self.processor(phase, shard)
            return
        if self._pool is None:
            # spawn, not fork: torch, lingua's thread pool and SQLAlchemy do not survive a fork.
            context = multiprocessing.get_context("spawn")
            # Started with SIGINT ignored (inherited across exec), so that a Ctrl-C while a worker
            # is still importing is not a traceback either; _init_worker keeps it so.
            main = threading.current_thread() is threading.main_thread()  # signals: main thread only
            previous = signal.signal(signal.SIGINT, signal.SIG_IGN) if main else None
            try:
                self._pool = context.Pool(self.workers, initializer=_init_worker, initargs=(self.processor,))
            finally:
                if main:
                    signal.signal(signal.SIGINT, previous)
        yield from self._pool.imap_unordered(_run_in_worker, [(phase, s) for s in shards])

    def close(self, *, abort: bool = False) -> None:
        """Wait for the workers to finish; with `abort` (an error, Ctrl-C) stop them at once:
        unfinished shards are simply redone by the next build."""
        if self._pool is not None:
            if abort:
                self._pool.terminate()
            else:
                self._pool.close()
            self._pool.join()
            self._pool = None


# -- Ray Data ------------------------------------------------------------------------------------


class _RayShardActor:
    """A Ray Data callable class: constructed (and set up) once per actor, then fed shards."""

    def __init__(self, processor_bytes: bytes) -> None:
        self.processor: ShardProcessor = pickle.loads(processor_bytes)
        self.processor.setup()

    def __call__(self, row: dict[str, Any]) -> dict[str, Any]:
        shard, counts = self.processor(row["phase"], row["shard"])
        return {"shard": shard, "counts": pickle.dumps(counts)}


def run_ray(processor: ShardProcessor, phase: Phase, shards: list[str], workers: int) -> Iterator[Result]:
    if not shards:
        return
    import ray

    if not ray.is_initialized():
        ray.init(num_cpus=max(1, workers), include_dashboard=False, log_to_driver=False)
    dataset = ray.data.from_items(
        [{"phase": phase, "shard": s} for s in shards], override_num_blocks=len(shards)
    )
    actor: Any = _RayShardActor  # Ray Data takes a callable class where its stubs expect a function
    mapped = dataset.map(
        actor,
        fn_constructor_args=(pickle.dumps(processor),),
        concurrency=max(1, min(workers, len(shards))),
        num_cpus=1,
    )
    for row in mapped.iter_rows():
        yield row["shard"], pickle.loads(row["counts"])


class RayEngine:
    """Ray Data over the same processor; actors are set up once per phase."""

    def __init__(self, processor: ShardProcessor, workers: int) -> None:
        self.processor = processor
        self.workers = max(1, workers)

    def run(self, phase: Phase, shards: list[str]) -> Iterator[Result]:
        yield from run_ray(self.processor, phase, shards, self.workers)

    def close(self, *, abort: bool = False) -> None:
        pass


def open_engine(name: EngineName, processor: ShardProcessor, workers: int) -> LocalEngine | RayEngine:
    return RayEngine(processor, workers) if name == "ray" else LocalEngine(processor, workers)


def sum_counts(results: list[dict[str, int]]) -> Counter[str]:
    total: Counter[str] = Counter()
    for counts in results:
        total.update(counts)
    return total
