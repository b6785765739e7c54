"""JSON Schema (draft 2020-12) validation with messages a person can act on."""

from __future__ import annotations

import datetime
import json
import re
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError
from referencing import Registry, Resource

from config.errors import ConfigError
from config.yaml_source import YamlDocument, display_path, format_path

SCHEMA_DIR = Path(__file__).resolve().parent.parent / "policies" / "schemas"
SCHEMA_FILES = ("platform.schema.json", "team.schema.json", "model-card.schema.json")


@cache
def _registry() -> Registry:
    resources = []
    for name in SCHEMA_FILES:
        path = SCHEMA_DIR / name
        if path.exists():
            schema = json.loads(path.read_text())
            resources.append((schema["$id"], Resource.from_contents(schema)))
    return Registry().with_resources(resources)


@cache
def validator(name: str) -> Draft202012Validator:
    schema = json.loads((SCHEMA_DIR / name).read_text())
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema, registry=_registry())


def validate(doc: YamlDocument, schema_name: str) -> list[ConfigError]:
    """Every schema violation in ``doc``, each located at the deepest line the YAML gives."""
    where = display_path(doc.file)
    errors = []
    for error in _leaf_errors(validator(schema_name).iter_errors(doc.data)):
        path, message = describe(error)
        errors.append(ConfigError(where, doc.line(path), format_path(path), message))
    return errors


def _leaf_errors(errors: Iterator[ValidationError]) -> Iterator[ValidationError]:
    """Replace ``oneOf``/``anyOf``/``if-then`` wrappers by the most relevant inner error."""
    for error in errors:
        if error.validator in ("oneOf", "anyOf") and error.context:
            yield from _leaf_errors(iter([_best_branch(error)]))
        else:
            yield error


def _best_branch(error: ValidationError) -> ValidationError:
    # Prefer the branch whose type matched (it went deepest), like jsonschema.best_match.
    return max(error.context, key=lambda e: (len(e.absolute_path), e.validator != "type"))


def describe(error: ValidationError) -> tuple[tuple[Any, ...], str]:
    """The (path, message) pair for one error; the path points at the offending field."""
    path = tuple(error.absolute_path)
    v, expected = error.validator, error.validator_value
    if v == "required":
        # jsonschema yields one error per missing property; its message names that property.
        missing = re.match(r"^'(.+)' is a required property$", error.message)
        return path, f"missing required field '{missing.group(1) if missing else expected}'"
    if v == "additionalProperties":
        allowed = sorted(error.schema.get("properties", {}))
        extra = sorted(set(error.instance) - set(allowed)) if isinstance(error.instance, dict) else []
        name = extra[0] if extra else "?"
        hint = f"; expected one of: {', '.join(allowed)}" if allowed else ""
        return path + (name,), f"unknown field '{name}'{hint}"
    if v == "propertyNames":
        return path, f"invalid key {error.instance!r}: {_pattern_hint(error.schema.get('propertyNames', {}))}"
    if v == "type":
        return path, f"must be {_article(expected)}, got {_type_name(error.instance)}"
    if v == "enum":
        return path, f"must be one of: {', '.join(map(str, expected))} (got {error.instance!r})"
    if v == "const":
        return path, f"must be {expected!r}"
    if v == "exclusiveMinimum":
        return path, f"must be greater than {expected}"
    if v == "minimum":
        return path, f"must be at least {expected}"
    if v == "maximum":
        return path, f"must be at most {expected}"
    if v == "exclusiveMaximum":
        return path, f"must be less than {expected}"
    if v == "minLength":
        return path, f"must be at least {expected} characters long"
    if v == "maxLength":
        return path, f"must be at most {expected} characters long"
    if v == "minItems":
        return path, f"must have at least {expected} item(s)"
    if v == "maxItems":
        return path, f"must have at most {expected} item(s)"
    if v == "minProperties":
        return path, f"must have at least {expected} entr{'y' if expected == 1 else 'ies'}"
    if v == "pattern":
        return path, f"{error.instance!r} is not valid: {_pattern_hint(error.schema)}"
    if v == "not" and isinstance(expected, dict) and "enum" in expected:
        return path, (
            f"{error.instance!r} is a reserved name (taken: {', '.join(map(str, expected['enum']))}); "
            f"{error.schema.get('description', 'choose another')}"
        )
    return path, error.message


def _pattern_hint(schema: dict[str, Any]) -> str:
    return f"must match {schema.get('pattern')}"


def _article(expected: Any) -> str:
    names = expected if isinstance(expected, list) else [expected]
    words = {
        "object": "a mapping",
        "array": "a list",
        "string": "a string",
        "integer": "an integer",
        "number": "a number",
        "boolean": "true or false",
        "null": "null",
    }
    return " or ".join(words.get(str(n), str(n)) for n in names)


def _type_name(value: Any) -> str:
    if value is None:
        return "nothing (null)"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, (int, float)):
        return f"the number {value}"
    if isinstance(value, (datetime.date, datetime.datetime)):  # YAML reads an unquoted 2024-01-01 as a date
        return f"the date {value.isoformat()} (quote it to make it a string)"
    return f"{type(value).__name__} {value!r}"
