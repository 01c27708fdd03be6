"""The build's working folder: finished work survives a crash and is reused by the next build.

Layout under `<out>/.work/`:
  pending/<shard>.pkl   conversations waiting for a phase (written before the phase starts)
  detected/<shard>.pkl  after language + PII detection (the corpus-wide PII counts need them all)
  done/<shard>.pkl      fully tagged conversations, each with its PII span keys
  counted/<shard>.pkl   names found where NER was deferred (`CountedNames`), for the counts
  options.json          what shaped the work (policy, scorers and their versions …): work done
                        under other options is never reused (see pipeline.work_fingerprint)
  purged.json           the withdrawn participants whose work is already purged (ids only)
Files appear atomically (temp name, then rename), so a file that exists is complete. A
conversation is known by the hash of its turn ids: extended by a later turn, it is new work.
Pickle is used because these files never leave the build folder and hold our own dataclasses.
"""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import shutil
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
    # Whose each conversation is, so that a withdrawal also purges the work (it holds raw text).
    participants: list[str] = field(default_factory=list)

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

    def remove(self, phase: str, shard: str) -> None:
        """Delete a shard and its key list (the shard first: keys alone are never read)."""
        path = self.path(phase, shard)
        path.unlink(missing_ok=True)
        path.with_suffix(".keys").unlink(missing_ok=True)

    def clear_pending(self) -> None:
        """Drop pending shards and temporary files a killed build left (they can hold raw text)."""
        for path in (self.root / "pending").glob("*"):
            path.unlink()
        for phase in self.PHASES:
            for path in (self.root / phase).glob(".*.tmp"):
                path.unlink(missing_ok=True)
        for path in self.root.glob(".*.tmp"):
            path.unlink(missing_ok=True)

    # -- what shaped the work --------------------------------------------------------------------

    def options_path(self) -> Path:
        return self.root / "options.json"

    def is_empty(self) -> bool:
        return not any(self.shards(phase) for phase in self.PHASES) and not any(self.root.glob("*.pkl"))

    def recorded_options(self) -> dict[str, Any] | None:
        path = self.options_path()
        if not path.exists():
            return None
        try:
            recorded: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        except (ValueError, OSError):
            return None  # unreadable: treated like work of unknown options
        return recorded

    def record_options(self, options: dict[str, Any]) -> None:
        _write_json(self.options_path(), options)

    def reset(self) -> None:
        """Forget all work (made under other options): everything is done again."""
        for child in self.root.iterdir():
            if child.is_dir():
                shutil.rmtree(child)
            else:
                child.unlink()
        for phase in self.PHASES:
            (self.root / phase).mkdir(parents=True, exist_ok=True)

    # -- withdrawals -------------------------------------------------------------------------------

    def purged_path(self) -> Path:
        return self.root / "purged.json"

    def purge_participants(self, withdrawn: set[str]) -> int:
        """Remove the withdrawn participants' conversations from every shard; returns how many.

        Shards are rewritten without them (atomically), so no file of the work folder keeps their
        text, spans or hashed IP; the names found in their conversations go too. Participants
        purged by an earlier build are not looked for again (their turns are gone from what a
        build reads), so a build reads every shard only when someone withdrew since the last.
        """
        record = self.purged_path()
        done: set[str] = set(json.loads(record.read_text(encoding="utf-8"))) if record.exists() else set()
        withdrawn = withdrawn - done
        if not withdrawn:
            return 0
        purged: set[str] = set()
        for phase in ("detected", "done"):
            for shard in self.shards(phase):
                data = read_shard(self.path(phase, shard))
                keep = [i for i, p in enumerate(data.participants) if p not in withdrawn]
                if len(keep) == len(data.conversations):
                    continue
                kept = set(keep)
                purged.update(k for i, k in enumerate(data.keys()) if i not in kept)
                if not keep:
                    self.remove(phase, shard)
                    continue
                write_atomic(self.path(phase, shard), _subset(data, keep))
        if purged:
            for path in sorted((self.root / "counted").glob("*.pkl")):
                counted: CountedNames = load(path)
                if purged & counted.found.keys():
                    found = {k: v for k, v in counted.found.items() if k not in purged}
                    dump_atomic(path, CountedNames(counted.policy, counted.checked, found))
        _write_json(record, sorted(done | withdrawn))
        return len(purged)


def _write_json(path: Path, value: Any) -> None:
    """Atomically, like every file of the work folder (clear_pending removes a leftover temp)."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    temporary.write_text(json.dumps(value, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    os.replace(temporary, path)


def _subset(data: ShardData, keep: list[int]) -> ShardData:
    def pick(values: list[Any]) -> list[Any]:
        return [values[i] for i in keep] if values else values

    return ShardData(
        pick(data.conversations),
        pick(data.detections),
        pick(data.span_keys),
        pick(data.deferred),
        pick(data.participants),
    )
