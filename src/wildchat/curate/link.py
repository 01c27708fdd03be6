"""Linking logged turns into conversations.

Every logged turn carries the whole history it was asked with, so conversations can be rebuilt
from the log alone. Two paths:

* **conversation id** — when the client sent a `conversation_id` (our web page always does), the
  turns of one `(participant_id, conversation_id)` are one conversation, in time order. The
  histories are still checked by length: a turn whose history is longer than the rounds kept so
  far means a turn is missing from the log (broken chain: it and the rest of the group are
  dropped, as the hash path would); an empty history restarts the conversation (an API client
  reusing its id); a history shorter than the rounds kept drops what follows (`id_mismatch`).
* **hash** — the WildChat paper's algorithm (§2) for everything else. With
  `full = messages + [reply]`, a turn's own hash is `sha256(json.dumps(full, sort_keys=True))`
  and its predecessor's is the same over `full[:-2]`. In time order, a turn with history links
  to the most recent earlier turn that is still a conversation tail, has that hash, the same
  model and the same device fingerprint (user-agent + accept-language), preferring one from the
  same hashed IP and relaxing the IP when there is none. A turn whose predecessor is never found
  starts a broken chain, dropped with every turn continuing it. We also require the same
  participant (`match_participant=True`): a conversation never spans two consenting
  participants, and the paper had no such id. `match_participant=False` is the paper verbatim.

  Equal hashes stand for equal histories, and that is what is tested, without hashing every
  history (JSON-escaping and hashing a whole history per turn caps a core at ~25k turns of
  WildChat-sized text a second): tails are found by their last exchange, then the rest of the
  history is compared along the candidate's already-linked chain. Same links as the hashes,
  minus their collisions; `turn_hashes` computes the paper's values for reference.

Rules for both paths:

* Roles must alternate user/assistant starting and ending with user. A single leading `system`
  or `developer` message is allowed (API clients send one): it is left out of the alternation
  check but kept in the hashes, so turns with different system prompts never link. Anything
  else (two system messages, a system message later on) discards the turn.
* `error` turns are dropped — unless a kept turn carries on from them (its history holds the
  failed turn's partial reply, as our web page sends after a mid-stream failure); then they are
  a normal round. A failed turn does not close its predecessor, because the usual next request
  is a retry of the same message, which must link to that same predecessor.
* `interrupted` turns are normal rounds: the partial reply is what the user saw and continued.
"""

from __future__ import annotations

import gc
import hashlib
import itertools
from array import array
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from json.encoder import encode_basestring_ascii
from operator import attrgetter
from typing import Literal, Protocol

from wildchat.records import Message, Turn, TurnStatus

SYSTEM_ROLES = frozenset({"system", "developer"})
LinkMethod = Literal["conversation_id", "hash"]

# Parent markers of the hash path's nodes (real parents are node indices >= 0).
_ROOT = -1
_BROKEN = -2
# An open tail is found by its context, its rounds and its last exchange; the rest of its
# history is then compared along its chain (see _Linker._is_history_of).
_TailKey = tuple[int, int, str, str]

# json.dumps(..., sort_keys=True) writes each message as {"content": ..., "role": ...}; the role
# is one of a few strings, so its JSON form is looked up rather than encoded every time.
_ROLE_JSON = {role: encode_basestring_ascii(role) for role in ("user", "assistant", *SYSTEM_ROLES)}


class DropReason(StrEnum):
    ERROR = "error"
    NON_ALTERNATING = "non_alternating"
    BROKEN_CHAIN = "broken_chain"
    ID_MISMATCH = "id_mismatch"


class RoleContent(Protocol):
    """Anything with a role and a content: Message, ConversationMessage."""

    @property
    def role(self) -> str: ...

    @property
    def content(self) -> str: ...


@dataclass(slots=True)
class LinkedConversation:
    turns: list[Turn]
    method: LinkMethod


@dataclass(slots=True)
class LinkResult:
    conversations: list[LinkedConversation]
    stats: Counter[str]
    dropped: dict[int, DropReason] = field(default_factory=dict)  # turn id -> why it was left out


# -- hashes and shapes -------------------------------------------------------------------------


def history_rounds(messages: Sequence[RoleContent]) -> int | None:
    """Rounds before the newest user message, or None when the roles do not alternate."""
    roles = [m.role for m in messages]
    start = 1 if roles and roles[0] in SYSTEM_ROLES else 0
    body = len(roles) - start
    if body % 2 == 0:  # also catches an empty request: it must end with a user message
        return None
    expected = _ALTERNATING.get(body)
    if expected is None:
        expected = _ALTERNATING[body] = ["user", "assistant"] * (body // 2) + ["user"]
    return body // 2 if (roles[1:] if start else roles) == expected else None


# The roles a valid request of each length must have, built once per length.
_ALTERNATING: dict[int, list[str]] = {}


def _message_json(role: str, content: str) -> str:
    role_json = _ROLE_JSON.get(role) or encode_basestring_ascii(role)
    return f'{{"content": {encode_basestring_ascii(content)}, "role": {role_json}}}'


def turn_hashes(messages: Sequence[RoleContent], response: str) -> tuple[bytes, bytes]:
    """The paper's (predecessor hash, own hash) of a turn, as raw sha256 digests.

    Equal to sha256(json.dumps(full[:-2], sort_keys=True)) and sha256(json.dumps(full, ...)) with
    full = messages + [reply], but each message is encoded once and the shared prefix is hashed
    once (hashlib's copy()). The hot loop is inlined: this runs for every turn of the log.
    """
    encode, role_json = encode_basestring_ascii, _ROLE_JSON
    try:
        parts = [f'{{"content": {encode(m.content)}, "role": {role_json[m.role]}}}' for m in messages]
    except KeyError:  # a role outside the usual four (never after history_rounds accepted it)
        parts = [_message_json(m.role, m.content) for m in messages]
    newest = parts.pop() if parts else None
    hasher = hashlib.sha256(("[" + ", ".join(parts)).encode())
    prev = hasher.copy()
    prev.update(b"]")
    reply = f'{{"content": {encode(response)}, "role": "assistant"}}]'
    if newest is None:
        hasher.update(reply.encode())
    else:
        hasher.update(f"{', ' if parts else ''}{newest}, {reply}".encode())
    return prev.digest(), hasher.digest()


def conversation_hash(messages: Iterable[RoleContent]) -> str:
    """WildChat-1M's `conversation_hash`: 32 hex chars of sha256 over the released messages.

    Not a unique key: identical conversations share it.
    """
    text = "[" + ", ".join(_message_json(m.role, m.content) for m in messages) + "]"
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def device_fingerprint(user_agent: str | None, accept_language: str | None) -> str:
    """The paper's device fingerprint: sha256(user-agent + accept-language); IP not included."""
    return hashlib.sha256(((user_agent or "") + (accept_language or "")).encode()).hexdigest()


# -- linking -----------------------------------------------------------------------------------


def link_turns(
    turns: Iterable[Turn], *, match_participant: bool = True, keep_history: bool = True
) -> LinkResult:
    """Link a turn log into conversations (see the module docstring for the rules).

    Turns are processed in order of arrival (`received_at`, then id). A list or other sequence
    is sorted first if needed; any other iterable (a store cursor) is consumed in one streaming
    pass and must already be in that order (ValueError otherwise). Conversations come out
    ordered by their first turn.

    keep_history=False trims each turn's `messages`, once hashed, to what assembling needs (a
    leading system prompt and the newest user message): the log is then never held in memory
    with every history repeated. It changes the caller's Turn objects.
    """
    with gc_paused():
        return _Linker(match_participant, keep_history).run(turns)


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector (process-wide) for a bulk build of acyclic objects.

    Linking and assembling allocate millions of small objects and create no reference cycles;
    left on, the collector rescans every live turn again and again (it halves throughput).
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _in_time_order(turns: list[Turn]) -> tuple[list[Turn], bool]:
    """The turns in order of arrival, and whether they had to be sorted."""
    # Usually already in order (the store streams them so): checking costs one pass.
    times = [t.received_at for t in turns]
    if all(a <= b for a, b in itertools.pairwise(times)):
        return turns, False
    return sorted(turns, key=attrgetter("received_at", "id")), True


@dataclass(slots=True)
class _Segment:
    """Consecutive turns of one conversation id that agree with each other."""

    base: int  # history rounds of its first turn: 0 unless it starts after a break
    reason: DropReason | None  # None: a conversation; otherwise why all of it is dropped
    rounds: list[Turn] = field(default_factory=list)
    pending: list[Turn] = field(default_factory=list)  # failed turns not yet carried on from

    @property
    def depth(self) -> int:
        """The history rounds the next turn has when it carries on from everything here."""
        return self.base + len(self.rounds) + len(self.pending)


class _Linker:
    def __init__(self, match_participant: bool, keep_history: bool) -> None:
        self.match_participant = match_participant
        self.keep_history = keep_history
        self.stats: Counter[str] = Counter()
        self.dropped: dict[int, DropReason] = {}
        self.conversations: list[LinkedConversation] = []
        # id path: (participant_id, conversation_id) -> its turns and their history rounds
        self.groups: dict[tuple[str, str], list[tuple[Turn, int]]] = {}
        # hash path: one node per turn in parallel arrays, no per-node objects (2.7M turns)
        self.node_turn: list[Turn] = []
        self.node_parent = array("q")
        # (context, rounds, newest user message, reply) -> the open tail(s) ending so, oldest
        # first; almost every key has one, so a bare index saves a list per turn
        self.open_tails: dict[_TailKey, int | list[int]] = {}
        # (participant, fingerprint, model) -> a small id that scopes keys to that context
        self.contexts: dict[tuple[str, str, str], int] = {}
        # failed node -> the key its parent is open under (closing them later needs no lookup)
        self.parent_key: dict[int, _TailKey] = {}

    def run(self, turns: Iterable[Turn]) -> LinkResult:
        if isinstance(turns, Sequence):
            turns, resorted = _in_time_order(list(turns))
            self.stats["input_resorted"] = int(resorted)
        previous: datetime | None = None
        count = 0
        for turn in turns:
            if previous is not None and turn.received_at < previous:
                raise ValueError(
                    f"turn {turn.id} arrives out of order: stream turns by received_at "
                    "(Store.iter_turns does), or pass a list, which is sorted first"
                )
            previous = turn.received_at
            count += 1
            self._route(turn)
        self.stats["turns_in"] = count
        self._finish_groups()
        self._finish_chains()
        return self._result()

    def _route(self, turn: Turn) -> None:
        messages = turn.messages
        rounds = history_rounds(messages)
        if rounds is None:
            self.dropped[turn.id] = DropReason.NON_ALTERNATING
            return
        if messages[0].role != "user":
            self.stats["with_system_prompt"] += 1
        parent = _ROOT
        if turn.conversation_id is None:
            parent = self._add_hashed(turn, rounds)
        else:
            key = (turn.participant_id, turn.conversation_id)
            group = self.groups.get(key)
            if group is None:
                self.groups[key] = [(turn, rounds)]
            else:
                group.append((turn, rounds))
        if not self.keep_history and len(messages) > 2 and parent != _BROKEN:
            # Linked: keep what assembling and later matches need (system prompt, newest user
            # message), so a long log is not held in memory with every history repeated. The
            # first turn of a broken chain keeps its history: it is all that describes it.
            system = messages[0].role != "user"
            turn.messages = [messages[0], messages[-1]] if system else [messages[-1]]

    # -- the conversation-id path ----------------------------------------------------------------

    def _finish_groups(self) -> None:
        for group in self.groups.values():
            self._split_group(group)

    def _split_group(self, group: list[tuple[Turn, int]]) -> None:
        """Walk one id's turns, checking each history length against the rounds seen so far.

        Failed turns wait in `pending` until a turn that did not fail carries on from them (then
        they are rounds) or a retry replaces them (then they are dropped), exactly as the hash
        path treats them.
        """
        segment = _Segment(0, None)
        for turn, rounds in group:
            kept = segment.base + len(segment.rounds)
            if kept <= rounds <= segment.depth:
                while segment.depth > rounds:  # a retry replaces the failed turns after `rounds`
                    self.dropped[segment.pending.pop().id] = DropReason.ERROR
            else:
                self._close(segment)
                if rounds == 0:
                    self.stats["id_restarts"] += 1  # a client reusing its id for a new conversation
                    segment = _Segment(0, None)
                elif rounds > segment.depth:  # a turn is missing from the log
                    segment = _Segment(rounds, DropReason.BROKEN_CHAIN)
                else:  # the history contradicts rounds already kept
                    segment = _Segment(rounds, DropReason.ID_MISMATCH)
            if turn.status is TurnStatus.ERROR:
                segment.pending.append(turn)
            else:
                segment.rounds.extend(segment.pending)
                segment.pending.clear()
                segment.rounds.append(turn)
        self._close(segment)

    def _close(self, segment: _Segment) -> None:
        for turn in segment.pending:
            self.dropped[turn.id] = DropReason.ERROR
        if segment.reason is not None:
            for turn in segment.rounds:
                self.dropped[turn.id] = segment.reason
        elif segment.rounds:
            self.conversations.append(LinkedConversation(segment.rounds, "conversation_id"))
            self.stats["conversations_by_id"] += 1
            self.stats["linked_by_id"] += len(segment.rounds)
            self.stats["errors_continued"] += sum(t.status is TurnStatus.ERROR for t in segment.rounds)

    # -- the hash path ---------------------------------------------------------------------------

    def _context(self, turn: Turn) -> int:
        key = (
            turn.participant_id if self.match_participant else "",
            (turn.user_agent or "") + (turn.accept_language or ""),
            turn.model,
        )
        context = self.contexts.get(key)
        if context is None:
            context = self.contexts[key] = len(self.contexts)
        return context

    def _add_hashed(self, turn: Turn, rounds: int) -> int:
        """Link the turn to its predecessor and open it as a tail; returns its parent."""
        messages = turn.messages
        context = self._context(turn)
        index = len(self.node_turn)
        parent = _ROOT
        if rounds:
            prev_key = (context, rounds - 1, messages[-3].content, messages[-2].content)
            parent = self._take_predecessor(prev_key, turn)
            if parent >= 0 and turn.status is TurnStatus.ERROR:
                self.parent_key[index] = prev_key
        self.node_turn.append(turn)
        self.node_parent.append(parent)
        own_key = (context, rounds, messages[-1].content, turn.response)
        entry = self.open_tails.get(own_key)
        if entry is None:
            self.open_tails[own_key] = index
        elif isinstance(entry, int):
            self.open_tails[own_key] = [entry, index]
        else:
            entry.append(index)
        return parent

    def _take_predecessor(self, key: _TailKey, turn: Turn) -> int:
        """The open tail this turn continues (closed unless the turn failed), or _BROKEN."""
        entry = self.open_tails.get(key)
        if entry is None:
            return _BROKEN
        candidate = self._pick(entry, turn)
        if candidate < 0:
            return _BROKEN
        if turn.status is TurnStatus.ERROR:
            return candidate  # left open: the retry that usually follows must find it too
        if not self._close_error_ancestors(candidate):
            self.stats["fork_conflicts"] += 1
            return _BROKEN
        self._remove_tail(key, candidate)
        return candidate

    def _pick(self, entry: int | list[int], turn: Turn) -> int:
        """The paper's choice among tails whose whole conversation is this turn's history: the
        most recent from the same IP, else (IP relaxed) the most recent; -1 when none is."""
        tails = (entry,) if isinstance(entry, int) else entry
        ip = turn.hashed_ip
        for tail in reversed(tails):
            if self.node_turn[tail].hashed_ip == ip and self._is_history_of(turn.messages, tail):
                return tail
        for tail in reversed(tails):
            if self.node_turn[tail].hashed_ip != ip and self._is_history_of(turn.messages, tail):
                self.stats["ip_relaxed"] += 1
                return tail
        return -1

    def _is_history_of(self, messages: list[Message], node: int) -> bool:
        """Whether `messages[:-1]` is exactly the node's conversation: its request plus reply.

        The same test as the paper's hash equality, without hashing: walk the node's chain back
        to its root, comparing each round's user message and reply. Every node's own history was
        checked the same way when it linked, so the chain spells it out; only a root (system
        prompt) or a broken chain's first turn (its full history, kept untrimmed) ends the walk.
        """
        i = len(messages) - 2  # the newest reply of the history
        while True:
            turn = self.node_turn[node]
            if (
                i < 1
                or messages[i].content != turn.response
                or messages[i - 1].content != turn.messages[-1].content
            ):
                return False
            i -= 2
            node = self.node_parent[node]
            if node == _ROOT:
                first = turn.messages[0]
                return i == -1 if first.role == "user" else i == 0 and messages[0] == first
            if node == _BROKEN:
                return messages[: i + 1] == turn.messages[:-1]

    def _is_open(self, key: _TailKey, node: int) -> bool:
        entry = self.open_tails.get(key)
        return entry == node if isinstance(entry, int) else entry is not None and node in entry

    def _remove_tail(self, key: _TailKey, node: int) -> None:
        entry = self.open_tails[key]
        if isinstance(entry, int):
            del self.open_tails[key]
            return
        entry.remove(node)
        if len(entry) == 1:
            self.open_tails[key] = entry[0]

    def _close_error_ancestors(self, candidate: int) -> bool:
        """Carrying on from a failed turn also closes what it left open: its ancestors up to a
        round that did not fail. False when one of them was meanwhile continued by another turn:
        linking would fork.
        """
        path: list[tuple[int, _TailKey]] = []
        node = candidate
        while self.node_turn[node].status is TurnStatus.ERROR and self.node_parent[node] >= 0:
            path.append((self.node_parent[node], self.parent_key[node]))
            node = self.node_parent[node]
        if not all(self._is_open(key, n) for n, key in path):
            return False
        for n, key in path:
            self._remove_tail(key, n)
        return True

    def _finish_chains(self) -> None:
        node_turn, node_parent = self.node_turn, self.node_parent
        for entry in self.open_tails.values():
            for tail in (entry,) if isinstance(entry, int) else entry:
                if node_turn[tail].status is TurnStatus.ERROR:
                    self.dropped[node_turn[tail].id] = DropReason.ERROR
                    continue
                chain = []
                node = tail
                while node >= 0:
                    chain.append(node_turn[node])
                    node = node_parent[node]
                if node == _BROKEN:
                    for turn in chain:
                        self.dropped[turn.id] = DropReason.BROKEN_CHAIN
                    continue
                chain.reverse()
                if len(chain) > 1:  # only a later round can have carried on from a failed turn
                    self.stats["errors_continued"] += sum(t.status is TurnStatus.ERROR for t in chain[:-1])
                self.conversations.append(LinkedConversation(chain, "hash"))
                self.stats["conversations_by_hash"] += 1
                self.stats["linked_by_hash"] += len(chain)

    def _result(self) -> LinkResult:
        self.conversations.sort(key=lambda c: (c.turns[0].received_at, c.turns[0].id))
        stats = self.stats
        stats["conversations"] = len(self.conversations)
        stats["turns_linked"] = stats["linked_by_id"] + stats["linked_by_hash"]
        for reason in DropReason:
            stats[f"dropped_{reason.value}"] += 0  # present even when zero, for stable manifests
        stats.update(f"dropped_{reason.value}" for reason in self.dropped.values())
        return LinkResult(self.conversations, stats, self.dropped)
