"""The API reference page (`/docs`), made from the app's own OpenAPI schema.

FastAPI's /docs and /redoc load Swagger UI and ReDoc from a CDN: offline (where the explorer is
meant to run) they are blank pages, and their inline script needs a weaker Content-Security-
Policy than every other page. This page is plain HTML from one of our templates, generated from
the same schema `/openapi.json` serves, so it cannot drift from the endpoints and it works
offline under the same policy as the rest of the explorer.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

REF_PREFIX = "#/components/schemas/"


@dataclass(frozen=True, slots=True)
class FieldDoc:
    """A parameter of an operation, or a property of a schema."""

    name: str
    kind: str  # "query", "path", or "" for a schema's property
    type: str
    schema_ref: str | None  # the component schema it refers to, for a link
    required: bool
    default: str | None
    limits: str | None
    description: str


@dataclass(frozen=True, slots=True)
class ResponseDoc:
    status: str
    description: str
    schema_ref: str | None


@dataclass(frozen=True, slots=True)
class OperationDoc:
    method: str
    path: str
    summary: str
    description: str
    parameters: list[FieldDoc]
    responses: list[ResponseDoc]


@dataclass(frozen=True, slots=True)
class SchemaDoc:
    name: str
    description: str
    fields: list[FieldDoc]


@dataclass(frozen=True, slots=True)
class ApiReference:
    title: str
    version: str
    description: str
    operations: list[OperationDoc]
    schemas: list[SchemaDoc]


def _ref_name(schema: dict[str, Any]) -> str | None:
    ref = schema.get("$ref")
    return ref[len(REF_PREFIX) :] if isinstance(ref, str) and ref.startswith(REF_PREFIX) else None


def _alternatives(schema: dict[str, Any]) -> list[dict[str, Any]]:
    """The non-null alternatives of `anyOf` (an optional value), or the schema itself."""
    options = schema.get("anyOf")
    if not isinstance(options, list):
        return [schema]
    return [option for option in options if option.get("type") != "null"] or [schema]


def type_text(schema: dict[str, Any], nullable: bool = False) -> str:
    """A JSON schema as a short type name: `integer`, `list of string`, `user | assistant`, and
    `or null` when `nullable` asks for it (a response field; a parameter is absent, never null)."""
    parts = []
    for option in _alternatives(schema):
        name = _ref_name(option)
        if name:
            parts.append(name)
        elif "enum" in option:
            parts.append(" | ".join(str(value) for value in option["enum"]))
        elif option.get("type") == "array":
            parts.append(f"list of {type_text(option.get('items') or {})}")
        elif option.get("type") == "object" and isinstance(option.get("additionalProperties"), dict):
            parts.append(f"object of {type_text(option['additionalProperties'])}")
        else:
            kind = str(option.get("type", "any"))
            parts.append(f"{kind} ({option['format']})" if "format" in option else kind)
    if nullable and any(option.get("type") == "null" for option in schema.get("anyOf") or ()):
        parts.append("null")
    return " or ".join(parts)


def _schema_ref(schema: dict[str, Any]) -> str | None:
    for option in _alternatives(schema):
        for candidate in (option, option.get("items") or {}, option.get("additionalProperties") or {}):
            if isinstance(candidate, dict) and (name := _ref_name(candidate)):
                return name
    return None


def limits_text(schema: dict[str, Any]) -> str | None:
    """Bounds a value must keep: `1 – 100`, `at most 500 values`."""
    found: list[str] = []
    for option in _alternatives(schema):
        low, high = option.get("minimum"), option.get("maximum")
        if low is not None and high is not None:
            found.append(f"{low:,} – {high:,}")
        elif low is not None:
            found.append(f"at least {low:,}")
        elif high is not None:
            found.append(f"at most {high:,}")
        if "maxItems" in option:
            found.append(f"at most {option['maxItems']:,} values")
        if "maxLength" in option:
            found.append(f"at most {option['maxLength']:,} characters")
    return ", ".join(found) or None


def _default(schema: dict[str, Any]) -> str | None:
    if "default" not in schema or schema["default"] in (None, [], ""):
        return None
    return json.dumps(schema["default"], ensure_ascii=False)


def _parameter(item: dict[str, Any]) -> FieldDoc:
    schema = item.get("schema") or {}
    description = item.get("description") or schema.get("description") or ""
    if schema.get("type") == "array" and "repeat" not in description.lower():
        description = (description + " Repeat the parameter for several values.").strip()
    return FieldDoc(
        name=str(item.get("name", "")),
        kind=str(item.get("in", "")),
        type=type_text(schema),
        schema_ref=_schema_ref(schema),
        required=bool(item.get("required")),
        default=_default(schema),
        limits=limits_text(schema),
        description=description,
    )


def _schema(name: str, schema: dict[str, Any]) -> SchemaDoc:
    required = set(schema.get("required") or ())
    fields = [
        FieldDoc(
            name=field,
            kind="",
            type=type_text(spec, nullable=True),
            schema_ref=_schema_ref(spec),
            required=field in required,
            default=_default(spec),
            limits=limits_text(spec),
            description=str(spec.get("description") or ""),
        )
        for field, spec in (schema.get("properties") or {}).items()
    ]
    return SchemaDoc(name=name, description=str(schema.get("description") or ""), fields=fields)


def api_reference(openapi: dict[str, Any]) -> ApiReference:
    """What the reference page shows, read from an OpenAPI document."""
    operations = []
    for path, methods in (openapi.get("paths") or {}).items():
        for method, operation in methods.items():
            responses = [
                ResponseDoc(
                    status=str(status),
                    description=str(response.get("description") or ""),
                    schema_ref=_schema_ref(
                        ((response.get("content") or {}).get("application/json") or {}).get("schema") or {}
                    ),
                )
                for status, response in (operation.get("responses") or {}).items()
            ]
            operations.append(
                OperationDoc(
                    method=method.upper(),
                    path=path,
                    summary=str(operation.get("summary") or ""),
                    description=str(operation.get("description") or ""),
                    parameters=[_parameter(item) for item in operation.get("parameters") or ()],
                    responses=responses,
                )
            )
    components = (openapi.get("components") or {}).get("schemas") or {}
    schemas = [_schema(name, schema) for name, schema in components.items()]
    info = openapi.get("info") or {}
    return ApiReference(
        title=str(info.get("title") or ""),
        version=str(info.get("version") or ""),
        description=str(info.get("description") or ""),
        operations=operations,
        schemas=schemas,
    )
