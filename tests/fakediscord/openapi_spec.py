"""Request bodies checked against Discord's own OpenAPI spec, when ``../shared/specs/discord`` exists.

The spec (``openapi.json``, Discord's "preview" of API v10) is read once per process from
``<repo>/../shared/specs/discord``; without it :func:`spec_problems` finds nothing and only the
built-in limits of ``limits.py`` apply.  The project never copies the spec.

The validator covers the JSON Schema the spec uses (``$ref``, ``type``, ``enum``/``const``,
``properties``/``required``/``additionalProperties``, ``items``, lengths, ``minimum``/``maximum``,
``pattern``, ``uniqueItems``, ``allOf``/``oneOf``/``anyOf``) and reports Discord-shaped
:class:`~.rest_errors.Problem` s.  It is as lenient as Discord where discord.py relies on it:
snowflakes and integers may come as numbers or digit strings.

Where the spec disagrees with Discord's docs (``../shared/specs/discord/docs``), the docs win;
:data:`DOC_OVERRIDES` lists each case.
"""

from __future__ import annotations

import asyncio
import copy
import functools
import json
import re
from collections.abc import Mapping
from pathlib import Path as FsPath
from typing import Any

from .limits import CONTENT_MAX, MODAL_COMPONENTS_MAX, length_problem, required
from .rest_errors import Path, Problem

REPO_ROOT = FsPath(__file__).resolve().parents[2]
SPEC_DIR = REPO_ROOT.parent / "shared" / "specs" / "discord"
SPEC_FILE = SPEC_DIR / "openapi.json"

Schema = Mapping[str, Any]

# (schema name, property) -> keywords replacing the spec's, because the docs say otherwise.
DOC_OVERRIDES: dict[tuple[str, str], dict[str, Any]] = {
    # message.mdx: "Message contents (up to 2000 characters)"; 4000 is a Nitro user's limit.
    ("MessageCreateRequest", "content"): {"maxLength": CONTENT_MAX},
    ("MessageEditRequestPartial", "content"): {"maxLength": CONTENT_MAX},
    # receiving-and-responding.mdx: a modal has "between 1 and 5 (inclusive) components".
    ("ModalInteractionCallbackRequestData", "components"): {"maxItems": MODAL_COMPONENTS_MAX},
}
# gateway-events.mdx speaks of ``GUILD_MEDIA`` channels (type 16, which discord.py offers for a
# ForumChannel option's ``channel_types``); the spec's ChannelTypes lacks it.
DOC_EXTRA_CHOICES: dict[str, list[dict[str, Any]]] = {"ChannelTypes": [{"title": "GUILD_MEDIA", "const": 16}]}
# Also differing, and needing no override: application-commands.mdx types
# ``default_member_permissions`` as "?string" (discord.py sends "32") where the spec says
# integer; the validator accepts digit strings for integers anyway.

_REF = "#/components/schemas/"
_PARAM = re.compile(r"\{[^}]+\}")
_INT_STRING = re.compile(r"-?\d+")


def spec_available() -> bool:
    return SPEC_FILE.is_file()


@functools.cache
def _load() -> tuple[dict[str, Any], dict[tuple[str, str], Schema]] | None:
    """(schemas with the doc overrides applied, {(METHOD, path template with {}): body schema})."""
    if not spec_available():
        return None
    spec = json.loads(SPEC_FILE.read_text(encoding="utf-8"))
    schemas: dict[str, Any] = copy.deepcopy(spec["components"]["schemas"])
    for (name, prop), keywords in DOC_OVERRIDES.items():
        schemas[name]["properties"][prop].update(keywords)
    for name, choices in DOC_EXTRA_CHOICES.items():
        schemas[name]["oneOf"] += choices
    bodies: dict[tuple[str, str], Schema] = {}
    for template, item in spec["paths"].items():
        for method, op in item.items():
            if method not in ("post", "put", "patch"):
                continue
            content = (op.get("requestBody") or {}).get("content") or {}
            schema = (content.get("application/json") or {}).get("schema")
            if schema is not None:
                bodies[(method.upper(), _PARAM.sub("{}", template))] = schema
    return schemas, bodies


async def preload() -> None:
    """Read the spec off the event loop (it is 1.2 MB): a first request must not stall the bot."""
    await asyncio.to_thread(_load)


def body_schema(method: str, template: str) -> Schema | None:
    """The spec's JSON request-body schema for a fake route template, if the spec is present."""
    loaded = _load()
    return None if loaded is None else loaded[1].get((method.upper(), _PARAM.sub("{}", template)))


def spec_problems(method: str, template: str, body: Any) -> list[Problem]:
    """What the spec says is wrong with ``body`` for this route (nothing without the spec)."""
    loaded = _load()
    schema = body_schema(method, template)
    if loaded is None or schema is None or body is None:
        return []
    return _Validator(loaded[0]).check(schema, body, ())


_TYPE_ERRORS = {
    "string": ("BASE_TYPE_STRING", "Could not interpret {value!r} as string."),
    "integer": ("NUMBER_TYPE_COERCE", "Value {value!r} is not int."),
    "number": ("NUMBER_TYPE_COERCE", "Value {value!r} is not a number."),
    "boolean": ("BASE_TYPE_BOOLEAN", "Must be either true or false."),
    "object": ("MODEL_TYPE_CONVERT", "Only dictionaries may be used in a ModelType"),
    "array": ("LIST_TYPE_CONVERT", "Only iterables may be used in a ListType"),
    "null": ("BASE_TYPE_NULL", "Must be null."),
}


class _Validator:
    def __init__(self, schemas: Mapping[str, Any]) -> None:
        self.schemas = schemas

    def resolve(self, schema: Schema) -> Schema:
        while "$ref" in schema and len(schema) == 1:
            schema = self.schemas[schema["$ref"].removeprefix(_REF)]
        return schema

    def _is(self, kind: str, value: Any, schema: Schema) -> bool:
        if kind == "null":
            return value is None
        if kind == "boolean":
            return isinstance(value, bool)
        if kind == "integer":
            if isinstance(value, str):
                return bool(_INT_STRING.fullmatch(value))
            return isinstance(value, int) and not isinstance(value, bool)
        if kind == "number":
            if isinstance(value, str):
                try:
                    float(value)
                except ValueError:
                    return False
                return True
            return isinstance(value, int | float) and not isinstance(value, bool)
        if kind == "string":
            # discord.py sends some snowflakes as numbers; Discord accepts both.
            snowflake = schema.get("format") == "snowflake"
            return isinstance(value, str) or (snowflake and isinstance(value, int) and not isinstance(value, bool))
        if kind == "object":
            return isinstance(value, dict)
        if kind == "array":
            return isinstance(value, list)
        return True

    def check(self, schema: Schema, value: Any, path: Path) -> list[Problem]:
        if "$ref" in schema:
            target = self.schemas[schema["$ref"].removeprefix(_REF)]
            rest = {k: v for k, v in schema.items() if k != "$ref"}
            return self.check(target, value, path) + (self.check(rest, value, path) if rest else [])
        kinds = schema.get("type")
        if kinds is not None:
            kinds = [kinds] if isinstance(kinds, str) else kinds
            if not any(self._is(k, value, schema) for k in kinds):
                code, message = _TYPE_ERRORS.get(kinds[0], ("BASE_TYPE_INVALID", "Invalid value"))
                return [Problem(path, code, message.format(value=_short(value)))]
        problems: list[Problem] = []
        for key in ("enum", "const"):
            if key in schema:
                choices = schema[key] if key == "enum" else [schema[key]]
                if not any(_same(value, c) for c in choices):
                    shown = ", ".join(repr(c) for c in choices)
                    problems.append(Problem(path, "BASE_TYPE_CHOICES", f"Value must be one of ({shown})."))
        for sub in schema.get("allOf") or []:
            problems += self.check(sub, value, path)
        for key in ("oneOf", "anyOf"):
            if key in schema:
                problems += self._union(schema[key], value, path)
        if isinstance(value, str):
            problems += self._string(schema, value, path)
        elif isinstance(value, int | float) and not isinstance(value, bool):
            problems += self._number(schema, value, path)
        elif isinstance(value, list):
            problems += self._array(schema, value, path)
        elif isinstance(value, dict):
            problems += self._object(schema, value, path)
        return problems

    def _string(self, schema: Schema, value: str, path: Path) -> list[Problem]:
        problems: list[Problem] = []
        problem = length_problem(path, len(value), schema.get("minLength"), schema.get("maxLength"))
        if problem is not None:
            problems.append(problem)
        pattern = schema.get("pattern")
        if pattern and not re.search(pattern, value):
            problems.append(Problem(path, "STRING_TYPE_REGEX", "String value did not match validation regex."))
        return problems

    def _number(self, schema: Schema, value: float, path: Path) -> list[Problem]:
        problems: list[Problem] = []
        if "minimum" in schema and value < schema["minimum"]:
            message = f"int value should be greater than or equal to {schema['minimum']}."
            problems.append(Problem(path, "NUMBER_TYPE_MIN", message))
        if "maximum" in schema and value > schema["maximum"]:
            message = f"int value should be less than or equal to {schema['maximum']}."
            problems.append(Problem(path, "NUMBER_TYPE_MAX", message))
        return problems

    def _array(self, schema: Schema, value: list[Any], path: Path) -> list[Problem]:
        problems: list[Problem] = []
        problem = length_problem(path, len(value), schema.get("minItems"), schema.get("maxItems"))
        if problem is not None:
            problems.append(problem)
        if schema.get("uniqueItems"):
            keys = [json.dumps(v, sort_keys=True) for v in value]
            if len(set(keys)) != len(keys):
                problems.append(Problem(path, "BASE_TYPE_UNIQUE", "Values must be unique."))
        items = schema.get("items")
        if isinstance(items, Mapping):
            for i, item in enumerate(value):
                problems += self.check(items, item, (*path, i))
        return problems

    def _object(self, schema: Schema, value: dict[str, Any], path: Path) -> list[Problem]:
        problems: list[Problem] = [required((*path, k)) for k in schema.get("required") or [] if k not in value]
        props: Mapping[str, Schema] = schema.get("properties") or {}
        extra = schema.get("additionalProperties")
        for key, item in value.items():
            if key in props:
                problems += self.check(props[key], item, (*path, key))
            elif isinstance(extra, Mapping):
                problems += self.check(extra, item, (*path, key))
        if "maxProperties" in schema and len(value) > schema["maxProperties"]:
            problems.append(length_problem(path, len(value), None, schema["maxProperties"]))  # type: ignore[arg-type]
        return problems

    def _union(self, branches: list[Schema], value: Any, path: Path) -> list[Problem]:
        """Valid under one branch, else the errors of the branch the value was meant for.

        The intended branch is the one whose ``type`` property (the component / callback /
        option type) matches the value's, else the first branch of a matching JSON type.
        """
        resolved = [self.resolve(b) for b in branches]
        if all("const" in b for b in resolved):  # an enum spelled as titled consts
            if any(_same(value, b["const"]) for b in resolved):
                return []
            shown = ", ".join(repr(b["const"]) for b in resolved)
            return [Problem(path, "BASE_TYPE_CHOICES", f"Value must be one of ({shown}).")]
        results = []
        for branch in branches:
            problems = self.check(branch, value, path)
            if not problems:
                return []
            results.append((branch, problems))
        if isinstance(value, dict) and "type" in value:
            for branch, problems in results:
                discriminator = (self.resolve(branch).get("properties") or {}).get("type") or {}
                choices = discriminator.get("enum") or ([discriminator["const"]] if "const" in discriminator else [])
                if any(_same(value["type"], c) for c in choices):
                    return problems
        for _, problems in results:
            if not any(p.path == path and p.code in _TYPE_CODES for p in problems):
                return problems
        return [Problem(path, "UNION_TYPE_CHOICES", f"Value of type {type(value).__name__} is not allowed here.")]


_TYPE_CODES = {code for code, _ in _TYPE_ERRORS.values()}


def _same(value: Any, choice: Any) -> bool:
    if isinstance(choice, int) and isinstance(value, str) and _INT_STRING.fullmatch(value):
        return int(value) == choice
    return value == choice and isinstance(value, bool) == isinstance(choice, bool)


def _short(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False) if not isinstance(value, str) else value
    return text if len(text) <= 40 else text[:37] + "..."
