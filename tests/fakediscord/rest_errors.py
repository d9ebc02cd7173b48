"""Discord's REST error bodies, raised as :class:`RestError`.

A REST handler (or anything it calls) raises ``RestError``/``FormError``; the router catches it
once and answers with ``exc.reply``, so handlers only spell out the success path.

Form errors have Discord's shape (``reference.mdx`` "Error Messages")::

    {"code": 50035, "message": "Invalid Form Body",
     "errors": {"components": {"0": {"components": {"_errors": [{"code": ..., "message": ...}]}}}}}

The checks that produce them live in ``limits.py`` (Discord's documented limits, always on) and
``openapi_spec.py`` (Discord's OpenAPI spec, when ``../shared/specs/discord`` is present).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from .constants import JSON, Reply

Path = tuple[str | int, ...]


@dataclass(frozen=True)
class Problem:
    """One field error: where (``("components", 0, "custom_id")``), Discord's code, its message."""

    path: Path
    code: str
    message: str

    def dotted(self) -> str:
        return ".".join(str(p) for p in self.path)


def error_reply(status: int, code: int, message: str, errors: JSON | None = None) -> Reply:
    """``(status, {"code", "message"[, "errors"]})`` as Discord answers a failed request."""
    body: JSON = {"code": code, "message": message}
    if errors is not None:
        body["errors"] = errors
    return status, body


def errors_tree(problems: Iterable[Problem]) -> JSON:
    """Discord's nested ``errors`` object: one key per path step, ``_errors`` lists at the leaves."""
    tree: JSON = {}
    for problem in problems:
        node = tree
        for part in problem.path:
            node = node.setdefault(str(part), {})
        node.setdefault("_errors", []).append({"code": problem.code, "message": problem.message})
    return tree


class RestError(Exception):
    """An API error answer (e.g. ``RestError(404, 10008, "Unknown Message")``)."""

    def __init__(self, status: int, code: int, message: str, errors: JSON | None = None) -> None:
        super().__init__(f"{status} ({code}): {message}")
        self.reply: Reply = error_reply(status, code, message, errors)


class FormError(RestError):
    """400/50035 "Invalid Form Body" listing every :class:`Problem` under its field path."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems = list(problems)
        super().__init__(400, 50035, "Invalid Form Body", errors_tree(self.problems))

    @classmethod
    def at(cls, path: str, code: str, message: str) -> FormError:
        """One error at a dotted ``path`` (``"data.choices"``)."""
        parts = tuple(int(p) if p.isdigit() else p for p in path.split(".")) if path else ()
        return cls([Problem(parts, code, message)])


def raise_if(problems: list[Problem]) -> None:
    if problems:
        raise FormError(problems)


def validate_message_payload(payload: Mapping[str, Any], *, files: int = 0) -> Reply | None:
    """The error Discord gives a new channel message with this body, or ``None`` if it is accepted."""
    from .limits import check_new_message, message_problems  # limits imports this module

    try:
        raise_if(message_problems(payload, allowed_flags=None))
        check_new_message(payload, files=files)
    except RestError as exc:
        return exc.reply
    return None
