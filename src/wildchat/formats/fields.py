"""Typed access to the fields of one decoded record, naming the field on failure.

Every getter takes the enclosing object, the key and the path of the enclosing object
("conversations[2]"), and raises `FieldError` with the full path ("conversations[2].value") when
the value is missing or of the wrong type. The path is built only on failure: these run once per
field of every record.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

from wildchat.formats.errors import FieldError

_MISSING: Any = object()


def path(prefix: str, key: str) -> str:
    return f"{prefix}.{key}" if prefix else key


def describe(value: Any) -> str:
    """How a wrong value reads in an error message."""
    if value is _MISSING:
        return "nothing (the field is missing)"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return f"a boolean ({str(value).lower()})"
    if isinstance(value, int | float):
        return f"a number ({value!r})"
    if isinstance(value, str):
        shown = value if len(value) <= 40 else value[:37] + "..."
        return f"a string ({shown!r})"
    if isinstance(value, Mapping):
        return "an object"
    if isinstance(value, list | tuple):
        return "a list"
    return f"a {type(value).__name__}"


def wrong(field: str, expected: str, value: Any) -> FieldError:
    return FieldError(field, f"expected {expected}, got {describe(value)}")


def as_object(value: Any, field: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise wrong(field, "an object", value)
    return value


def as_list(value: Any, field: str) -> list[Any]:
    if not isinstance(value, list | tuple):
        raise wrong(field, "a list", value)
    return list(value) if isinstance(value, tuple) else value


def req(obj: Mapping[str, Any], key: str, prefix: str) -> Any:
    """A value that must be present and not null."""
    value = obj.get(key, _MISSING)
    if value is _MISSING or value is None:
        raise wrong(path(prefix, key), "a value", value)
    return value


def req_str(obj: Mapping[str, Any], key: str, prefix: str = "") -> str:
    value = obj.get(key, _MISSING)
    if not isinstance(value, str):
        raise wrong(path(prefix, key), "a string", value)
    return value


def opt_str(obj: Mapping[str, Any], key: str, prefix: str = "") -> str | None:
    value = obj.get(key)
    if value is None or isinstance(value, str):
        return value
    raise wrong(path(prefix, key), "a string or null", value)


def id_str(obj: Mapping[str, Any], key: str, prefix: str = "") -> str | None:
    """An identifier: a string or an integer (as text), or null."""
    value = obj.get(key)
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    raise wrong(path(prefix, key), "a string, an integer or null", value)


def opt_bool(obj: Mapping[str, Any], key: str, prefix: str = "", default: bool = False) -> bool:
    value = obj.get(key)
    if value is None:
        return default
    if isinstance(value, bool):
        return value
    raise wrong(path(prefix, key), "true, false or null", value)


def opt_int(obj: Mapping[str, Any], key: str, prefix: str = "") -> int | None:
    value = obj.get(key)
    if value is None:
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    raise wrong(path(prefix, key), "an integer or null", value)


def opt_datetime(obj: Mapping[str, Any], key: str, prefix: str = "") -> datetime | None:
    """A datetime (Parquet) or an ISO 8601 string (JSON); naive times are taken to be UTC."""
    value = obj.get(key)
    if value is None:
        return None
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            raise wrong(path(prefix, key), "an ISO 8601 date and time", value) from None
    if not isinstance(value, datetime):
        raise wrong(path(prefix, key), "a date and time or null", value)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _flags(value: Any, field: str) -> dict[str, bool]:
    """A flat object of true/false flags, null members dropped (an absent key and null are one)."""
    out: dict[str, bool] = {}
    for key, item in as_object(value, field).items():
        if item is None:
            continue
        if not isinstance(item, bool):
            raise wrong(path(field, key), "true or false", item)
        out[key] = item
    return out


def _numbers(value: Any, field: str) -> dict[str, float]:
    """A flat object of scores, null members dropped."""
    out: dict[str, float] = {}
    for key, item in as_object(value, field).items():
        if item is None:
            continue
        if isinstance(item, bool) or not isinstance(item, int | float):
            raise wrong(path(field, key), "a number", item)
        out[key] = float(item)
    return out


def openai_moderation_entry(value: Any, field: str) -> dict[str, Any]:
    """One OpenAI moderation result ({categories, category_scores, flagged}); null reads as {}."""
    if value is None:
        return {}
    entry = as_object(value, field)
    out: dict[str, Any] = {}
    if entry.get("categories") is not None:
        out["categories"] = _flags(entry["categories"], path(field, "categories"))
    if entry.get("category_scores") is not None:
        out["category_scores"] = _numbers(entry["category_scores"], path(field, "category_scores"))
    if entry.get("flagged") is not None:
        out["flagged"] = opt_bool(entry, "flagged", field)
    for key, item in entry.items():  # anything else is kept as it is; the export rejects unknown keys
        if key not in out and item is not None and key not in ("categories", "category_scores", "flagged"):
            out[key] = item
    return out


def detoxify_entry(value: Any, field: str) -> dict[str, Any]:
    """One Detoxify result ({toxicity: 0.01, ...}); null reads as {}."""
    if value is None:
        return {}
    return _numbers(value, field)


def moderation_list(
    obj: Mapping[str, Any], key: str, prefix: str, entry: Callable[[Any, str], dict[str, Any]]
) -> list[dict[str, Any]]:
    """A per-message list of moderation results; null or missing reads as []."""
    value = obj.get(key)
    if value is None:
        return []
    field = path(prefix, key)
    items = as_list(value, field)
    return [entry(item, f"{field}[{index}]") for index, item in enumerate(items)]
