"""Slack's Web API spec (``../shared/specs/slack/slack_web_openapi_v2.json``) as checks on calls.

For each method the spec covers: the scope the token needs (``Requires scope: `x```), the
parameters it requires, and the types of boolean and integer parameters. The spec is from
2021; where Slack's current method docs differ, :data:`DOCS` wins (each entry says why).
Without the shared folder only :data:`DOCS` applies.
"""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

SPEC_PATH = Path(__file__).resolve().parents[2] / ".." / "shared" / "specs" / "slack" / "slack_web_openapi_v2.json"

_SCOPE = re.compile(r"Requires scope: `([^`]+)`")


@dataclass(frozen=True)
class MethodRule:
    scope: str | None = None  # None: any token of the right type
    required: tuple[str, ...] = ()
    booleans: frozenset[str] = frozenset()
    integers: frozenset[str] = frozenset()
    token: str = "bot"  # bot (xoxb-) or app (xapp-)
    known: frozenset[str] = field(default_factory=frozenset)


# Current docs (api.slack.com/methods, 2025) where the 2021 spec is missing a method or differs.
DOCS: dict[str, dict[str, Any]] = {
    # Not in the 2021 spec: Socket Mode needs an app-level token with connections:write.
    "apps.connections.open": {"scope": "connections:write", "token": "app"},
    # The spec marks `user` optional; the docs (and Slack: user_not_found) require it.
    "users.info": {"required": ("user",)},
    # The spec marks `file` optional; the docs require it.
    "files.info": {"required": ("file",)},
    # files.upload was retired (2025); its replacement pair is not in the 2021 spec.
    "files.getUploadURLExternal": {"scope": "files:write", "required": ("filename", "length"), "integers": {"length"}},
    "files.completeUploadExternal": {"scope": "files:write", "required": ("files",)},
    "files.upload": {"scope": "files:write"},
    # The spec's chat:write:bot / files:write:user are the retired workspace-app scopes.
    "chat.postMessage": {"scope": "chat:write"},
    "chat.postEphemeral": {"scope": "chat:write"},
    "chat.update": {"scope": "chat:write"},
}


@functools.cache
def _spec() -> dict[str, Any] | None:
    try:
        return json.loads(SPEC_PATH.read_text(encoding="utf-8"))
    except OSError:
        return None


def spec_available() -> bool:
    return _spec() is not None


@functools.cache
def rule(method: str) -> MethodRule | None:
    """The checks for ``method``, or None when neither the spec nor the docs table knows it."""
    spec = _spec()
    ops = (spec or {}).get("paths", {}).get(f"/{method}")
    override = DOCS.get(method, {})
    if ops is None and not override:
        return None
    scope: str | None = None
    required: list[str] = []
    booleans: set[str] = set()
    integers: set[str] = set()
    known: set[str] = set()
    for op in (ops or {}).values():
        for p in op.get("parameters", []):
            name = p["name"]
            if name == "token":
                found = _SCOPE.search(p.get("description", ""))
                if found and found.group(1) != "none":
                    scope = found.group(1)
                continue
            known.add(name)
            if p.get("required"):
                required.append(name)
            if p.get("type") == "boolean":
                booleans.add(name)
            elif p.get("type") == "integer":
                integers.add(name)
    scope = override.get("scope", scope)
    required = list(dict.fromkeys([*required, *override.get("required", ())]))
    integers |= set(override.get("integers", ()))
    return MethodRule(
        scope=scope,
        required=tuple(required),
        booleans=frozenset(booleans),
        integers=frozenset(integers),
        token=override.get("token", "bot"),
        known=frozenset(known | set(override.get("required", ()))),
    )


_BOOL_TEXT = {"true", "false", "1", "0"}


def param_problems(method: str, args: dict[str, Any]) -> list[str]:
    """What Slack would refuse in ``args`` (``invalid_arguments`` details), e.g. ``missing required field: channel``."""
    r = rule(method)
    if r is None:
        return []
    problems = [f"missing required field: {name}" for name in r.required if args.get(name) in (None, "")]
    for name in r.booleans & args.keys():
        value = args[name]
        if not isinstance(value, bool) and str(value).lower() not in _BOOL_TEXT:
            problems.append(f"invalid boolean for field: {name}")
    for name in r.integers & args.keys():
        value = args[name]
        if isinstance(value, bool) or not re.fullmatch(r"-?\d+", str(value)):
            problems.append(f"invalid integer for field: {name}")
    return problems


def is_true(value: Any) -> bool:
    return value is True or str(value).lower() in ("true", "1")
