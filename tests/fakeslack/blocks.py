"""Block Kit as Slack checks it (api.slack.com/reference/block-kit, current docs; the 2021 Web API
spec types ``blocks`` only as "a JSON-based array"). A problem is a string like Slack's
``invalid_blocks`` details: ``[ERROR] must be less than 3001 characters [json-pointer:/blocks/0/text/text]``.

Also here: which mentions a message would ping (:func:`pings`), the test's view of "no ping".
"""

from __future__ import annotations

import re
from typing import Any

MESSAGE_BLOCKS = 50
VIEW_BLOCKS = 100
MESSAGE_TEXT = 40_000  # chat.postMessage: msg_too_long above this (docs: "truncated at 40,000")
SECTION_TEXT = 3000
SECTION_FIELDS = 10
FIELD_TEXT = 2000
HEADER_TEXT = 150
CONTEXT_ELEMENTS = 10
ACTIONS_ELEMENTS = 25
BUTTON_TEXT = 75
ACTION_ID = 255
BLOCK_ID = 255
BUTTON_VALUE = 2000
PLACEHOLDER = 150
INPUT_LABEL = 2000
INPUT_HINT = 2000
TEXT_INPUT_MAX = 3000
OPTION_TEXT = 75
OPTION_VALUE = 150
SELECT_OPTIONS = 100
MODAL_TITLE = 24
MODAL_BUTTON = 24
PRIVATE_METADATA = 3000
CALLBACK_ID = 255

_MESSAGE_BLOCK_TYPES = {"section", "context", "actions", "divider", "header", "image", "input", "rich_text"}


class _Checker:
    def __init__(self) -> None:
        self.problems: list[str] = []

    def fail(self, path: str, text: str) -> None:
        self.problems.append(f"[ERROR] {text} [json-pointer:{path}]")

    def text_object(self, obj: Any, path: str, *, limit: int, plain_only: bool = False) -> None:
        if not isinstance(obj, dict):
            self.fail(path, "must be an object")
            return
        kind = obj.get("type")
        if kind not in ("plain_text", "mrkdwn") or (plain_only and kind != "plain_text"):
            self.fail(path + "/type", "must be plain_text" if plain_only else "must be plain_text or mrkdwn")
            return
        text = obj.get("text")
        if not isinstance(text, str) or not text:
            self.fail(path + "/text", "must be more than 0 characters")
        elif len(text) > limit:
            self.fail(path + "/text", f"must be less than {limit + 1} characters")
        if kind == "mrkdwn" and "emoji" in obj:
            self.fail(path + "/emoji", "not allowed on mrkdwn")
        if kind == "plain_text" and "verbatim" in obj:
            self.fail(path + "/verbatim", "not allowed on plain_text")

    def length(self, value: Any, path: str, limit: int, *, required: bool = False) -> None:
        if value is None:
            if required:
                self.fail(path, "is required")
            return
        if not isinstance(value, str):
            self.fail(path, "must be a string")
        elif len(value) > limit:
            self.fail(path, f"must be less than {limit + 1} characters")

    def element(self, el: Any, path: str, action_ids: set[str]) -> None:
        if not isinstance(el, dict):
            self.fail(path, "must be an object")
            return
        kind = el.get("type")
        action_id = el.get("action_id")
        if action_id is not None:
            self.length(action_id, path + "/action_id", ACTION_ID)
            if action_id in action_ids:
                self.fail(path + "/action_id", "must be unique within the block")
            action_ids.add(action_id)
        if kind == "button":
            self.text_object(el.get("text"), path + "/text", limit=BUTTON_TEXT, plain_only=True)
            self.length(el.get("value"), path + "/value", BUTTON_VALUE)
            if el.get("style") not in (None, "primary", "danger"):
                self.fail(path + "/style", "must be primary or danger")
        elif kind == "plain_text_input":
            if "placeholder" in el:
                self.text_object(el["placeholder"], path + "/placeholder", limit=PLACEHOLDER, plain_only=True)
            max_length = el.get("max_length", TEXT_INPUT_MAX)
            if not isinstance(max_length, int) or not 1 <= max_length <= TEXT_INPUT_MAX:
                self.fail(path + "/max_length", f"must be between 1 and {TEXT_INPUT_MAX}")
            initial = el.get("initial_value")
            if initial is not None and (not isinstance(initial, str) or len(initial) > max_length):
                self.fail(path + "/initial_value", f"must be less than {max_length + 1} characters")
        elif kind in ("static_select", "multi_static_select"):
            options = el.get("options") or []
            if not 1 <= len(options) <= SELECT_OPTIONS:
                self.fail(path + "/options", f"must provide between 1 and {SELECT_OPTIONS} items")
            for i, option in enumerate(options):
                self.text_object((option or {}).get("text"), f"{path}/options/{i}/text", limit=OPTION_TEXT)
                self.length((option or {}).get("value"), f"{path}/options/{i}/value", OPTION_VALUE, required=True)
        elif kind in ("image", "mrkdwn", "plain_text"):
            pass  # context elements
        else:
            self.fail(path + "/type", f"unsupported element type {kind!r}")

    def block(self, block: Any, path: str, block_ids: set[str], *, surface: str) -> None:
        if not isinstance(block, dict):
            self.fail(path, "must be an object")
            return
        kind = block.get("type")
        block_id = block.get("block_id")
        if block_id is not None:
            self.length(block_id, path + "/block_id", BLOCK_ID)
            if block_id in block_ids:
                self.fail(path + "/block_id", "must be unique")
            block_ids.add(block_id)
        action_ids: set[str] = set()
        if kind == "section":
            if "text" not in block and "fields" not in block:
                self.fail(path, "must provide text or fields")
            if "text" in block:
                self.text_object(block["text"], path + "/text", limit=SECTION_TEXT)
            fields = block.get("fields") or []
            if len(fields) > SECTION_FIELDS:
                self.fail(path + "/fields", f"must provide no more than {SECTION_FIELDS} items")
            for i, f in enumerate(fields):
                self.text_object(f, f"{path}/fields/{i}", limit=FIELD_TEXT)
            if "accessory" in block:
                self.element(block["accessory"], path + "/accessory", action_ids)
        elif kind == "context":
            elements = block.get("elements") or []
            if not 1 <= len(elements) <= CONTEXT_ELEMENTS:
                self.fail(path + "/elements", f"must provide between 1 and {CONTEXT_ELEMENTS} items")
            for i, el in enumerate(elements):
                if isinstance(el, dict) and el.get("type") in ("plain_text", "mrkdwn"):
                    self.text_object(el, f"{path}/elements/{i}", limit=SECTION_TEXT)
                elif not isinstance(el, dict) or el.get("type") != "image":
                    self.fail(f"{path}/elements/{i}", "must be a text object or image")
        elif kind == "actions":
            elements = block.get("elements") or []
            if not 1 <= len(elements) <= ACTIONS_ELEMENTS:
                self.fail(path + "/elements", f"must provide between 1 and {ACTIONS_ELEMENTS} items")
            for i, el in enumerate(elements):
                self.element(el, f"{path}/elements/{i}", action_ids)
        elif kind == "header":
            self.text_object(block.get("text"), path + "/text", limit=HEADER_TEXT, plain_only=True)
        elif kind == "input":
            self.text_object(block.get("label"), path + "/label", limit=INPUT_LABEL, plain_only=True)
            if "hint" in block:
                self.text_object(block["hint"], path + "/hint", limit=INPUT_HINT, plain_only=True)
            if "element" not in block:
                self.fail(path + "/element", "is required")
            else:
                self.element(block["element"], path + "/element", action_ids)
        elif kind in ("divider", "image", "rich_text"):
            pass
        else:
            self.fail(path + "/type", f"unsupported block type {kind!r}")
        if surface == "message" and kind not in _MESSAGE_BLOCK_TYPES:
            self.fail(path + "/type", "not allowed in messages")

    def blocks(self, blocks: Any, path: str, *, limit: int, surface: str) -> None:
        if not isinstance(blocks, list):
            self.fail(path, "must be an array")
            return
        if len(blocks) > limit:
            self.fail(path, f"must provide no more than {limit} items")
        ids: set[str] = set()
        for i, block in enumerate(blocks):
            self.block(block, f"{path}/{i}", ids, surface=surface)


def message_problems(blocks: Any) -> list[str]:
    c = _Checker()
    c.blocks(blocks, "/blocks", limit=MESSAGE_BLOCKS, surface="message")
    return c.problems


def view_problems(view: Any) -> list[str]:
    c = _Checker()
    if not isinstance(view, dict):
        c.fail("/view", "must be an object")
        return c.problems
    kind = view.get("type")
    if kind not in ("modal", "home"):
        c.fail("/view/type", "must be modal or home")
    c.blocks(view.get("blocks"), "/view/blocks", limit=VIEW_BLOCKS, surface=str(kind))
    c.length(view.get("private_metadata"), "/view/private_metadata", PRIVATE_METADATA)
    c.length(view.get("callback_id"), "/view/callback_id", CALLBACK_ID)
    if kind == "modal":
        c.text_object(view.get("title"), "/view/title", limit=MODAL_TITLE, plain_only=True)
        for key in ("submit", "close"):
            if key in view:
                c.text_object(view[key], f"/view/{key}", limit=MODAL_BUTTON, plain_only=True)
        has_input = any(isinstance(b, dict) and b.get("type") == "input" for b in view.get("blocks") or [])
        if has_input and "submit" not in view:
            c.fail("/view/submit", "is required when the view has input blocks")
    return c.problems


# ---- mentions ----------------------------------------------------------------------------------

_SPECIAL = re.compile(r"<(!channel|!here|!everyone|!subteam\^[A-Z0-9]+|@[UW][A-Z0-9]+)(?:\|[^>]*)?>")
_BARE = re.compile(r"(?<![\w<])@(channel|here|everyone|[a-z0-9._-]+)")


def _mrkdwn_texts(text: Any, blocks: Any) -> list[tuple[str, bool]]:
    """(text, verbatim) of every piece Slack parses as mrkdwn: the top-level text and mrkdwn objects."""
    found: list[tuple[str, bool]] = []
    if isinstance(text, str):
        found.append((text, False))

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("type") == "mrkdwn" and isinstance(node.get("text"), str):
                found.append((node["text"], bool(node.get("verbatim"))))
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(blocks)
    return found


def pings(text: Any, blocks: Any, *, link_names: bool = False) -> list[str]:
    """The mentions Slack would notify for: ``<!channel>``, ``<!here>``, ``<@U…>``, ``<!subteam^S…>``;
    with ``link_names`` also bare ``@channel``/``@name`` in text that is not verbatim."""
    out: list[str] = []
    for piece, verbatim in _mrkdwn_texts(text, blocks):
        out += _SPECIAL.findall(piece)
        if link_names and not verbatim:
            out += ["@" + m for m in _BARE.findall(piece)]
    return out
