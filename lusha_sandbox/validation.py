"""Request validation: a small subset of JSON Schema, written out here so that the sandbox needs
nothing beyond Werkzeug at run time, and phrased the way Lusha's (NestJS) API phrases it
("ids must contain no more than 100 elements").

A schema is a dict with the JSON Schema keywords the V3 request bodies use: type, properties,
required, items, minItems, maxItems, enum, minimum, maximum, minLength, maxLength, format
("date", "uuid", "email"), additionalProperties (False only), minProperties, nullable.
"""

import datetime as dt
import re
import uuid

from .responses import ApiError

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_TYPES = {
    "object": (dict,),
    "array": (list,),
    "string": (str,),
    "boolean": (bool,),
    "integer": (int,),
    "number": (int, float),
}
_ARTICLE = {"object": "an object", "array": "an array", "integer": "an integer number"}


def validate(value, schema: dict, name: str = "body") -> None:
    """Raise a 400 listing every problem in `value`, or return."""
    errors: list[str] = []
    _check(value, schema, name, errors)
    if errors:
        raise ApiError(400, errors=errors)


def _type_ok(value, expected: str) -> bool:
    if isinstance(value, bool) and expected in ("integer", "number"):
        return False
    return isinstance(value, _TYPES[expected])


def _check(value, schema: dict, name: str, errors: list[str], each: bool = False) -> None:
    prefix = f"each value in {name}" if each else name
    if value is None:
        if not schema.get("nullable"):
            errors.append(f"{prefix} should not be null")
        return
    expected = schema.get("type")
    if expected and not _type_ok(value, expected):
        errors.append(f"{prefix} must be {_ARTICLE.get(expected, 'a ' + expected)}")
        return
    if "enum" in schema and value not in schema["enum"]:
        allowed = ", ".join(str(v) for v in schema["enum"])
        errors.append(f"{prefix} must be one of the following values: {allowed}")
    if expected in ("integer", "number"):
        if "minimum" in schema and value < schema["minimum"]:
            errors.append(f"{prefix} must not be less than {schema['minimum']}")
        if "maximum" in schema and value > schema["maximum"]:
            errors.append(f"{prefix} must not be greater than {schema['maximum']}")
    if expected == "string":
        _check_string(value, schema, prefix, errors)
    if expected == "array":
        if "minItems" in schema and len(value) < schema["minItems"]:
            errors.append(f"{name} must contain at least {schema['minItems']} elements")
        if "maxItems" in schema and len(value) > schema["maxItems"]:
            errors.append(f"{name} must contain no more than {schema['maxItems']} elements")
        if "items" in schema:
            item_schema = schema["items"]
            nested = item_schema.get("type") in ("object", "array")
            for i, item in enumerate(value):
                if nested:
                    _check(item, item_schema, f"{name}[{i}]", errors)
                else:
                    _check(item, item_schema, name, errors, each=True)
    if expected == "object":
        _check_object(value, schema, name, errors)


def _check_string(value: str, schema: dict, prefix: str, errors: list[str]) -> None:
    if "minLength" in schema and len(value) < schema["minLength"]:
        errors.append(f"{prefix} must be longer than or equal to {schema['minLength']} characters")
    if "maxLength" in schema and len(value) > schema["maxLength"]:
        errors.append(f"{prefix} must be shorter than or equal to {schema['maxLength']} characters")
    fmt = schema.get("format")
    if fmt == "date":
        try:
            dt.date.fromisoformat(value)
            ok = len(value) == 10
        except ValueError:
            ok = False
        if not ok:
            errors.append(f"{prefix} must be a valid ISO 8601 date string (YYYY-MM-DD)")
    elif fmt == "uuid":
        try:
            uuid.UUID(value)
        except ValueError:
            errors.append(f"{prefix} must be a UUID")
    elif fmt == "email" and not _EMAIL.match(value):
        errors.append(f"{prefix} must be an email")


def _check_object(value: dict, schema: dict, name: str, errors: list[str]) -> None:
    properties = schema.get("properties", {})
    for key in schema.get("required", []):
        if key not in value:
            errors.append(f"{_join(name, key)} should not be empty")
    if schema.get("additionalProperties") is False:
        errors.extend(
            f"property {_join(name, key)} should not exist"
            for key in value
            if key not in properties
        )
    if "minProperties" in schema and len(value) < schema["minProperties"]:
        errors.append(f"{name} must have at least {schema['minProperties']} properties")
    for key, sub_schema in properties.items():
        if key in value:
            _check(value[key], sub_schema, _join(name, key), errors)


def _join(name: str, key: str) -> str:
    return key if name == "body" else f"{name}.{key}"


# Building blocks --------------------------------------------------------------------------


def obj(properties: dict | None = None, **keywords) -> dict:
    return {"type": "object", "properties": properties or {}, **keywords}


def arr(items: dict, **keywords) -> dict:
    return {"type": "array", "items": items, **keywords}


STR = {"type": "string"}
INT = {"type": "integer"}
BOOL = {"type": "boolean"}
DATE = {"type": "string", "format": "date"}
STRINGS = arr(STR)
INTS = arr(INT)


def enum_list(values: list[str], **keywords) -> dict:
    return arr({"type": "string", "enum": list(values)}, **keywords)
