"""The shape of every request body, checked in one place (JSON Schema, draft 2020-12).

``check_body`` turns the first violation into a 400 that names the field and what it must
be, in our own words: jsonschema's messages quote the offending value, and a hostile value
has no business in an error message. The handlers' own checks (paths, image references)
come after, on a body whose shape is already right.
"""

from __future__ import annotations

from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

from .errors import BadRequest

_TEXT = {"type": "string"}
_OPTIONAL_TEXT = {"type": ["string", "null"]}

_INCLUDE = {
    "type": "array",
    "items": {
        "type": "object",
        "properties": {"workspacePath": _TEXT, "bundlePath": _TEXT},
        "required": ["workspacePath", "bundlePath"],
        "additionalProperties": False,
    },
}

_WHEELHOUSE = {
    "type": ["object", "null", "boolean"],
    "properties": {
        "python": _TEXT,
        "platform": _TEXT,
        "requirements": _TEXT,
        "extra": {"type": "array", "items": _TEXT},
    },
    "additionalProperties": False,
}

_BUNDLE_PROPERTIES = {
    "name": _OPTIONAL_TEXT,
    "files": {"type": "object", "additionalProperties": _TEXT},
    "include": {"type": ["array", "null"], "items": _INCLUDE["items"]},
    "wheelhouse": _WHEELHOUSE,
}

BUNDLE = {
    "type": "object",
    "properties": _BUNDLE_PROPERTIES,
    "required": ["files"],
    "additionalProperties": False,
}

BUILD = {
    "type": "object",
    "properties": {
        **_BUNDLE_PROPERTIES,
        "image": _TEXT,
        "notebook": _OPTIONAL_TEXT,
        "platform": _OPTIONAL_TEXT,
        "platforms": {"type": ["array", "null"], "items": _TEXT},
    },
    "required": ["files", "image"],
    "additionalProperties": False,
}

PUSH = {
    "type": "object",
    "properties": {
        "target": _TEXT,
        "auth": {
            "type": ["object", "null"],
            "properties": {"username": _TEXT, "token": _TEXT},
            "required": ["username", "token"],
            "additionalProperties": False,
        },
    },
    "required": ["target"],
    "additionalProperties": False,
}

RUN = {
    "type": "object",
    "properties": {"notebooksDir": _OPTIONAL_TEXT, "dataDir": _OPTIONAL_TEXT},
    "additionalProperties": False,
}

_OPTIONAL_SECONDS = {"type": ["number", "null"]}

VERIFY = {
    "type": "object",
    "properties": {
        "notebooks": {"type": "boolean"},
        "cellTimeout": _OPTIONAL_SECONDS,
        "notebookTimeout": _OPTIONAL_SECONDS,
        "dataDir": _OPTIONAL_TEXT,
    },
    "additionalProperties": False,
}

PREFLIGHT = {
    "type": "object",
    "properties": {
        "python": _TEXT,
        "platform": _TEXT,
        "binaryOnly": {"type": "boolean"},
        "requirements": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "name": _TEXT,
                    "line": _TEXT,
                    "workspacePath": _OPTIONAL_TEXT,
                },
                "required": ["name", "line"],
                "additionalProperties": False,
            },
        },
    },
    "required": ["python", "requirements"],
    "additionalProperties": False,
}

EMPTY = {"type": "object", "additionalProperties": False}

#: Each body's schema by its route's name (routes.ROUTES). The shared fixture
#: src/core/__tests__/fixtures/request-schemas.json holds the same (test_contract.py), and
#: the TypeScript request types are checked against it.
BY_ROUTE = {
    "bundle": BUNDLE,
    "preflight": PREFLIGHT,
    "builds": BUILD,
    "push": PUSH,
    "verify": VERIFY,
    "run": RUN,
}

_VALIDATORS = {
    id(schema): Draft202012Validator(schema)
    for schema in (BUNDLE, BUILD, PUSH, VERIFY, RUN, PREFLIGHT, EMPTY)
}

_TYPE_WORDS = {
    "string": "a string",
    "object": "an object",
    "array": "a list",
    "null": "null",
    "boolean": "true or false",
    "number": "a number",
}


def check_body(data: Any, schema: dict[str, Any], example: str) -> None:
    """Raises BadRequest for the first place where ``data`` does not fit ``schema``."""
    validator = _VALIDATORS[id(schema)]
    error = next(iter(sorted(validator.iter_errors(data), key=_depth)), None)
    if error is not None:
        raise BadRequest(_describe(error), f"Send {example}.", code="bad_request_body")


def _depth(error: ValidationError) -> tuple[int, str]:
    return (len(error.absolute_path), str(list(error.absolute_path)))


def _where(error: ValidationError) -> str:
    where = "the body"
    for part in error.absolute_path:
        if isinstance(part, int):
            where += f"[{part}]"
        else:
            shown = part if part.isidentifier() and len(part) <= 40 else "…"
            where = shown if where == "the body" else f"{where}.{shown}"
    return where


def _describe(error: ValidationError) -> str:
    where = _where(error)
    if error.validator == "type":
        expected = error.validator_value
        kinds = [expected] if isinstance(expected, str) else list(expected)
        return f"{where} must be {' or '.join(_TYPE_WORDS.get(k, k) for k in kinds)}."
    if error.validator == "required":
        missing = [name for name in error.validator_value if name not in (error.instance or {})]
        return f"{where} lacks {', '.join(repr(name) for name in missing)}."
    if error.validator == "additionalProperties":
        known = sorted((error.schema.get("properties") or {}).keys())
        return f"{where} has a field this route does not take" + (
            f" (it takes {', '.join(known)})." if known else " (it takes none)."
        )
    return f"{where} is not valid here."
