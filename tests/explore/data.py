"""Small datasets written by us for the explorer's tests: WildChat-format JSON Lines (what
`wildchat build` exports and the importers read) and a ShareGPT file, with hostile text in them."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

# Text that must stay text: markup, script, SQL and FTS5 syntax, our own private-use markers.
XSS_PROMPT = (
    "<script>window.__pwned = 1; alert('xss')</script> please <b>bold</b> <img src=x onerror=alert(2)>"
)
XSS_REPLY = (
    'Sure: <iframe src="javascript:alert(3)"></iframe> [click](javascript:alert(4)) '
    '"; DROP TABLE conversations; --'
)
FTS_SYNTAX = 'NEAR(alpha beta) OR "unclosed AND col: ^start * {user_text} : x \ue001fake\ue002 mark'
EPOCH = datetime(2023, 4, 9, 12, 0, tzinfo=UTC)
# WildChat's hashed_ip is 64 hex digits, with no place to break a line: pages must wrap it.
LONG_HASH = "9f3c" * 16


def message(role: str, content: str, turn: int, **extra: Any) -> dict[str, Any]:
    return {
        "role": role,
        "content": content,
        "turn_identifier": turn,
        "language": extra.get("language", "English"),
        "toxic": extra.get("toxic", False),
        "redacted": extra.get("redacted", False),
        "hashed_ip": extra.get("hashed_ip") if role == "user" else None,
        "country": extra.get("country") if role == "user" else None,
        "state": extra.get("state") if role == "user" else None,
        "timestamp": None,
        "header": {"accept-language": "en-US", "user-agent": "Mozilla/5.0"} if role == "user" else None,
    }


def conversation(
    number: int,
    turns: list[tuple[str, str]],
    *,
    model: str = "gpt-4-0314",
    language: str = "English",
    country: str | None = "United States",
    state: str | None = "California",
    hashed_ip: str = "ip-alpha",
    toxic: bool = False,
    redacted: bool = False,
    days: int | None = None,
) -> dict[str, Any]:
    """A WildChat-1M record; `turns` are (user, assistant) pairs; time grows with `number`."""
    extra = {
        "language": language,
        "toxic": toxic,
        "redacted": redacted,
        "hashed_ip": hashed_ip,
        "country": country,
        "state": state,
    }
    messages = []
    for index, (user, assistant) in enumerate(turns):
        turn_id = number * 100 + index
        messages.append(message("user", user, turn_id, **extra))
        messages.append(message("assistant", assistant, turn_id, **extra))
    stamp = EPOCH + timedelta(days=number if days is None else days)
    score = 0.91 if toxic else 0.002
    return {
        "conversation_hash": f"{number:032x}",
        "model": model,
        "timestamp": stamp.isoformat(),
        "conversation": messages,
        "turn": len(turns),
        "language": language,
        "openai_moderation": [
            {"categories": {"harassment": toxic}, "category_scores": {"harassment": score}, "flagged": toxic}
            for _ in messages
        ],
        "detoxify_moderation": [{"toxicity": score, "insult": score / 2} for _ in messages],
        "toxic": toxic,
        "redacted": redacted,
        "state": state,
        "country": country,
        "hashed_ip": hashed_ip,
        "header": {"accept-language": "en-US", "user-agent": "Mozilla/5.0"},
    }


def wildchat_records() -> list[dict[str, Any]]:
    """Twelve conversations; the tests count on these exact texts and attributes."""
    return [
        conversation(1, [("How do I sort a list in Python?", "Use sorted(items) or items.sort().")]),
        conversation(
            2,
            [("Write a haiku about autumn rain", "Leaves drift on the wind")],
            model="gpt-3.5-turbo-0613",
            hashed_ip="ip-beta",
        ),
        conversation(3, [(XSS_PROMPT, XSS_REPLY)], hashed_ip="ip-beta", toxic=True),
        conversation(
            4,
            [("我喜欢猫。你好世界", "猫很可爱，我也喜欢。")],
            language="Chinese",
            country="China",
            state=None,
            hashed_ip="ip-gamma",
        ),
        conversation(
            5,
            [("Écris un poème sur le café", "Le café noir du matin…"), ("merci beaucoup", "de rien")],
            language="French",
            country="France",
            state="Île-de-France",
            redacted=True,
        ),
        conversation(6, [(FTS_SYNTAX, "That query syntax is just text here.")], hashed_ip=LONG_HASH),
        conversation(
            7,
            [("Explain quantum entanglement simply", "Two particles share one state.")],
            model="gpt-3.5-turbo-0613",
        ),
        conversation(
            8,
            [
                ("Tell me about New York pizza", "New York pizza has a thin crust."),
                ("and Chicago?", "Deep dish."),
            ],
            hashed_ip="ip-beta",
        ),
        conversation(
            9,
            [("Как приготовить борщ?", "Свекла, капуста и картофель.")],
            language="Russian",
            country="Russia",
        ),
        conversation(
            10, [("python list comprehension example", "[x * 2 for x in items]")], model="gpt-4-0314"
        ),
        conversation(
            11, [("Summarise the plot of Hamlet", "A prince avenges his father.")], hashed_ip="ip-beta"
        ),
        conversation(
            12,
            [
                (
                    "How do I sort a dictionary by value in Python?",
                    "Use sorted(d.items(), key=lambda kv: kv[1]).",
                )
            ],
            model="gpt-3.5-turbo-0613",
        ),
    ]


def sharegpt_records() -> list[dict[str, Any]]:
    return [
        {
            "id": "sg-1",
            "conversations": [
                {"from": "human", "value": "What is the capital of France?"},
                {"from": "gpt", "value": "Paris is the capital of France."},
            ],
        },
        {
            "id": "sg-2",
            "conversations": [
                {"from": "human", "value": "Recommend a python web framework"},
                {"from": "gpt", "value": "FastAPI or Django."},
            ],
        },
    ]


def write_jsonl(path: Path, records: list[dict[str, Any]]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    return path


def write_json(path: Path, records: list[dict[str, Any]]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(records, ensure_ascii=False), encoding="utf-8")
    return path


def write_datasets(folder: Path) -> tuple[Path, Path]:
    """(WildChat JSONL, ShareGPT JSON) in `folder`."""
    return (
        write_jsonl(folder / "wildchat-sample.jsonl", wildchat_records()),
        write_json(folder / "sharegpt-sample.json", sharegpt_records()),
    )
