"""The build's working folder: finished work survives a crash and is reused by the next build.

Layout under `<out>/.work/`:
  pending/<shard>.pkl   conversations waiting for a phase (written before the phase starts)
  detected/<shard>.pkl  after language + PII detection (the corpus-wide PII counts need them all)
  done/<shard>.pkl      fully tagged conversations, each with its PII span keys
  counted/<shard>.pkl   names found where NER was deferred (`CountedNames`), for the counts
Files appear atomically (temp name, then rename), so a file that exists is complete. A
conversation is known by the hash of its turn ids: extended by a later turn, it is new work.
Pickle is used because these files never leave the build folder and hold our own dataclasses.
"""

from __future__ import annotations

import hashlib
import os
import pickle
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from wildchat.records import Conversation


def conversation_key(conversation: Conversation) -> str:
    ids = ",".join(str(m.turn_identifier) for m in conversation.conversation if m.role == "user")
    return hashlib.sha256(ids.encode()).hexdigest()[:32]


def shard_id(keys: Iterable[str]) -> str:
    return hashlib.sha256("\n".join(sorted(keys)).encode()).hexdigest()[:20]


@dataclass(slots=True)
class ShardData:
    """One unit of work: conversations, and what the PII stage found in them."""

    conversations: list[Conversation]
    detections: list[Any] = field(default_factory=list)  # the PII stage's per-conversation findings
    span_keys: list[list[str]] = field(default_factory=list)  # lower-cased PII spans per conversation
    deferred: list[Any] = field(default_factory=list)  # the PII stage's DeferredNer per conversation

    def keys(self) -> list[str]:
        return [conversation_key(c) for c in self.conversations]


@dataclass(slots=True)
class CountedNames:
    """What `count_deferred` found in one shard: the names it looked for, and where it found them."""

    policy: str
    checked: frozenset[str] = frozenset()
    found: dict[str, frozenset[str]] = field(default_factory=dict)  # conversation key -> span keys


def dump_atomic(path: Path, value: Any) -> None:
    """Pickle to a temporary name, then rename: a file that exists is complete."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(temporary, "wb") as handle:
        pickle.dump(value, handle, protocol=pickle.HIGHEST_PROTOCOL)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)


def load(path: Path) -> Any:
    with open(path, "rb") as handle:
        return pickle.load(handle)


def write_atomic(path: Path, data: ShardData) -> None:
    """Write the shard and, first, its list of conversation keys (read without unpickling)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.with_suffix(".keys").write_text("\n".join(data.keys()))
    dump_atomic(path, data)


def read_shard(path: Path) -> ShardData:
    data: ShardData = load(path)
    return data


class WorkDir:
    PHASES = ("pending", "detected", "done", "counted")

    def __init__(self, root: Path) -> None:
        self.root = root
        for phase in self.PHASES:
            (root / phase).mkdir(parents=True, exist_ok=True)

    def path(self, phase: str, shard: str) -> Path:
        return self.root / phase / f"{shard}.pkl"

    def shards(self, phase: str) -> list[str]:
        return sorted(p.stem for p in (self.root / phase).glob("*.pkl"))

    def iter_shards(self, phase: str) -> Iterator[tuple[str, ShardData]]:
        for shard in self.shards(phase):
            yield shard, read_shard(self.path(phase, shard))

    @staticmethod
    def keys_at(path: Path) -> list[str]:
        """A shard file's conversation keys, read without unpickling the shard."""
        return path.with_suffix(".keys").read_text().split()

    def shard_keys(self, phase: str, shard: str) -> list[str]:
        return self.keys_at(self.path(phase, shard))

    def keys_in(self, phase: str) -> set[str]:
        keys: set[str] = set()
        for shard in self.shards(phase):
            keys.update(self.shard_keys(phase, shard))
        return keys

    def counted_names(self) -> Iterator[tuple[str, frozenset[str]]]:
        """(conversation key, names) for what the count phase found in deferred messages."""
        for path in sorted((self.root / "counted").glob("*.pkl")):
            counted: CountedNames = load(path)
            yield from counted.found.items()

    def locate(self, shard: str) -> Path:
        """A detected or finished shard's file (a shard moves from detected/ to done/)."""
        detected = self.path("detected", shard)
        return detected if detected.exists() else self.path("done", shard)

    def clear_pending(self) -> None:
        for path in (self.root / "pending").glob("*"):
            path.unlink()
