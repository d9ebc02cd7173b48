"""Discord's REST error bodies, raised as :class:`RestError`, and its checks on message payloads.

A REST handler (or anything it calls) raises ``RestError``/``FormError``; the router catches it
once and answers with ``exc.reply``, so handlers only spell out the success path.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .constants import JSON, Reply


def error_reply(status: int, code: int, message: str, errors: JSON | None = None) -> Reply:
    """``(status, {"message", "code"[, "errors"]})`` as Discord answers a failed request."""
    body: JSON = {"message": message, "code": code}
    if errors is not None:
        body["errors"] = errors
    return status, body


class RestError(Exception):
    """An API error answer (e.g. ``RestError(404, 10008, "Unknown Message")``)."""

    def __init__(self, status: int, code: int, message: str, errors: JSON | None = None) -> None:
        super().__init__(f"{status} ({code}): {message}")
        self.reply: Reply = error_reply(status, code, message, errors)


class FormError(RestError):
    """400/50035 "Invalid Form Body" with one error at the dotted field ``path``."""

    def __init__(self, path: str, code: str, message: str) -> None:
        errors: JSON = {"_errors": [{"code": code, "message": message}]}
        for part in reversed(path.split(".")):
            errors = {part: errors}
        super().__init__(400, 50035, "Invalid Form Body", errors)


def max_length_error(path: str, limit: int) -> FormError:
    return FormError(path, "BASE_TYPE_MAX_LENGTH", f"Must be {limit} or fewer in length.")


def check_content_length(content: str | None) -> None:
    """Message content over 2000 characters is a 400."""
    if content and len(content) > 2000:
        raise max_length_error("content", 2000)


def check_message_payload(payload: Mapping[str, Any], *, files: int = 0) -> None:
    """Raise the error Discord gives a new message: over 2000 chars, embed limits, or empty."""
    content = payload.get("content")
    embeds = payload.get("embeds") or []
    check_content_length(content)
    if len(embeds) > 10:
        raise max_length_error("embeds", 10)
    total = 0
    for i, embed in enumerate(embeds):
        for key, limit in (("title", 256), ("description", 4096)):
            value = embed.get(key) or ""
            total += len(value)
            if len(value) > limit:
                raise max_length_error(f"embeds.{i}.{key}", limit)
        fields = embed.get("fields") or []
        if len(fields) > 25:
            raise max_length_error(f"embeds.{i}.fields", 25)
        for f in fields:
            total += len(f.get("name") or "") + len(f.get("value") or "")
        total += len((embed.get("footer") or {}).get("text") or "")
        total += len((embed.get("author") or {}).get("name") or "")
    if total > 6000:
        raise FormError("embeds", "MAX_EMBED_SIZE_EXCEEDED", "Embed size exceeds maximum size of 6000")
    has_body = (
        bool(content)
        or bool(embeds)
        or files > 0
        or bool(payload.get("components"))
        or bool(payload.get("sticker_ids"))
        or bool(payload.get("poll"))
        or bool(payload.get("attachments"))
    )
    if not has_body:
        raise RestError(400, 50006, "Cannot send an empty message")


def validate_message_payload(payload: Mapping[str, Any], *, files: int = 0) -> Reply | None:
    """Discord's checks that matter for a bot: non-empty, 2000-char content, embed limits."""
    try:
        check_message_payload(payload, files=files)
    except RestError as exc:
        return exc.reply
    return None
