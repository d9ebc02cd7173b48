"""Discord's documented limits, built into the fake (they apply with or without the OpenAPI spec).

Sources (copies in ``../shared/specs/discord/docs``): ``message.mdx`` (content, embeds, flags),
``receiving-and-responding.mdx`` (callback data, modal, autocomplete, the 3-second and 15-minute
windows), ``application-commands.mdx`` (names, descriptions, options, choices), and the
components reference (action rows, buttons, selects, text inputs).  Each check returns
:class:`~.rest_errors.Problem` s; the router answers 400/50035 with all of them at once.

Error codes are Discord's where its docs or answers name them (``BASE_TYPE_MAX_LENGTH``,
``BASE_TYPE_BAD_LENGTH``, ``BASE_TYPE_REQUIRED``, ``BASE_TYPE_CHOICES``,
``COMPONENT_CUSTOM_ID_DUPLICATED``, ``APPLICATION_COMMAND_TOO_LARGE`` ...); tests should assert
the status, ``code`` 50035 and the field path, which are what a bot can act on.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping, Sequence
from typing import Any

from .rest_errors import Path, Problem, RestError

# -- numbers ------------------------------------------------------------------------------------

CONTENT_MAX = 2000  # what a bot may send (message.mdx); the spec's 4000 is a Nitro user's limit
DELIVERED_CONTENT_MAX = 4000  # the longest user message the gateway can deliver (Nitro)
EMBEDS_MAX = 10
EMBED_TOTAL_MAX = 6000
ACTION_ROWS_MAX = 5  # top-level components of a message without IS_COMPONENTS_V2
ROW_ITEMS_MAX = 5  # buttons in one action row (a select fills a row alone)
SELECT_OPTIONS_MAX = 25
CUSTOM_ID_MAX = 100
BUTTON_LABEL_MAX = 80
SELECT_PLACEHOLDER_MAX = 150
SELECT_OPTION_TEXT_MAX = 100  # label, value, description
URL_MAX = 512
MODAL_TITLE_MAX = 45
MODAL_COMPONENTS_MAX = 5  # receiving-and-responding.mdx: "between 1 and 5"; the spec says 40
TEXT_INPUT_LABEL_MAX = 45
LABEL_DESCRIPTION_MAX = 100
TEXT_INPUT_VALUE_MAX = 4000
TEXT_INPUT_PLACEHOLDER_MAX = 100
TEXT_DISPLAY_MAX = 4000
CHOICES_MAX = 25
CHOICE_NAME_MAX = 100
CHOICE_STRING_VALUE_MAX = 100  # application-commands.mdx; the spec says 6000
COMMAND_NAME_MAX = 32
COMMAND_DESCRIPTION_MAX = 100
COMMAND_OPTIONS_MAX = 25
COMMAND_TOTAL_CHARS_MAX = 8000
COMMANDS_PER_TYPE_MAX = {1: 100, 2: 15, 3: 15, 4: 1}
OPTION_LENGTH_MAX = 6000  # min_length / max_length of a string option
INITIAL_RESPONSE_S = 3.0  # an interaction must get its callback within 3 s ...
TOKEN_LIFETIME_S = 15 * 60.0  # ... and its token (followups, @original) lives 15 minutes

# Message flags (message.mdx "Message Flags").
SUPPRESS_EMBEDS = 1 << 2
EPHEMERAL = 1 << 6
LOADING = 1 << 7
SUPPRESS_NOTIFICATIONS = 1 << 12
IS_VOICE_MESSAGE = 1 << 13
IS_COMPONENTS_V2 = 1 << 15
# Which flags each endpoint lets a bot set.
CHANNEL_MESSAGE_FLAGS = SUPPRESS_EMBEDS | SUPPRESS_NOTIFICATIONS | IS_VOICE_MESSAGE | IS_COMPONENTS_V2
INTERACTION_MESSAGE_FLAGS = CHANNEL_MESSAGE_FLAGS | EPHEMERAL  # callback type 4 and followups
DEFER_FLAGS = EPHEMERAL  # callback type 5: "the only valid message flag you may use is EPHEMERAL"
# Edits may change only these; "unsupported flag changes are currently ignored without error".
EDITABLE_FLAGS = SUPPRESS_EMBEDS | IS_COMPONENTS_V2

# Component types.
ACTION_ROW, BUTTON, STRING_SELECT, TEXT_INPUT = 1, 2, 3, 4
USER_SELECT, ROLE_SELECT, MENTIONABLE_SELECT, CHANNEL_SELECT = 5, 6, 7, 8
TEXT_DISPLAY, LABEL = 10, 18
SELECTS = {STRING_SELECT, USER_SELECT, ROLE_SELECT, MENTIONABLE_SELECT, CHANNEL_SELECT}
LINK_STYLE, PREMIUM_STYLE = 5, 6

# Application command types and option types.
CHAT_INPUT = 1
SUB_COMMAND, SUB_COMMAND_GROUP, STRING_OPTION = 1, 2, 3


# -- problem builders ---------------------------------------------------------------------------


def length_problem(path: Path, size: int, low: int | None, high: int | None) -> Problem | None:
    """Discord's message for a string/array length outside ``[low, high]``."""
    if (low is None or size >= low) and (high is None or size <= high):
        return None
    if low is not None and high is not None and low > 0:
        return Problem(path, "BASE_TYPE_BAD_LENGTH", f"Must be between {low} and {high} in length.")
    if high is not None and size > high:
        return Problem(path, "BASE_TYPE_MAX_LENGTH", f"Must be {high} or fewer in length.")
    return Problem(path, "BASE_TYPE_MIN_LENGTH", f"Must be {low} or more in length.")


def required(path: Path) -> Problem:
    return Problem(path, "BASE_TYPE_REQUIRED", "This field is required")


class _Checker:
    """Collects problems; ``text``/``items`` check a length when the value is present."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def add(self, problem: Problem | None) -> None:
        if problem is not None:
            self.problems.append(problem)

    def text(
        self, obj: Mapping[str, Any], key: str, path: Path, low: int | None, high: int, *, needed: bool = False
    ) -> None:
        value = obj.get(key)
        if value is None:
            if needed:
                self.add(required((*path, key)))
            return
        if isinstance(value, str):
            self.add(length_problem((*path, key), len(value), low, high))

    def items(self, obj: Mapping[str, Any], key: str, path: Path, low: int | None, high: int) -> list[Any]:
        value = obj.get(key)
        if not isinstance(value, list):
            return []
        self.add(length_problem((*path, key), len(value), low, high))
        return value


# -- messages -----------------------------------------------------------------------------------


def message_problems(body: Mapping[str, Any] | None, *, allowed_flags: int | None, path: Path = ()) -> list[Problem]:
    """Content, embeds, components and flags of a message body (create, edit or callback data).

    ``allowed_flags=None`` skips the flag check (edits ignore unsupported flags instead).
    """
    check = _Checker()
    if not body:
        return []
    content = body.get("content")
    if isinstance(content, str):
        check.add(length_problem((*path, "content"), len(content), None, CONTENT_MAX))
    embeds = check.items(body, "embeds", path, None, EMBEDS_MAX)
    total = 0
    for i, embed in enumerate(embeds):
        if not isinstance(embed, Mapping):
            continue
        epath = (*path, "embeds", i)
        check.text(embed, "title", epath, None, 256)
        check.text(embed, "description", epath, None, 4096)
        fields = check.items(embed, "fields", epath, None, 25)
        for j, f in enumerate(fields):
            check.text(f, "name", (*epath, "fields", j), None, 256)
            check.text(f, "value", (*epath, "fields", j), None, 1024)
            total += len(f.get("name") or "") + len(f.get("value") or "")
        check.text(embed.get("footer") or {}, "text", (*epath, "footer"), None, 2048)
        check.text(embed.get("author") or {}, "name", (*epath, "author"), None, 256)
        total += len(embed.get("title") or "") + len(embed.get("description") or "")
        total += len((embed.get("footer") or {}).get("text") or "")
        total += len((embed.get("author") or {}).get("name") or "")
    if total > EMBED_TOTAL_MAX:
        check.add(Problem((*path, "embeds"), "MAX_EMBED_SIZE_EXCEEDED", "Embed size exceeds maximum size of 6000"))
    flags = body.get("flags")
    if allowed_flags is not None and isinstance(flags, int) and flags & ~allowed_flags:
        check.add(
            Problem(
                (*path, "flags"), "MESSAGE_FLAGS_INVALID", f"Only flags {allowed_flags} may be set here, got {flags}."
            )
        )
    components = body.get("components")
    if isinstance(components, list):
        v2 = isinstance(flags, int) and bool(flags & IS_COMPONENTS_V2)
        check.problems += component_problems(components, (*path, "components"), v2=v2)
    return check.problems


def check_new_message(body: Mapping[str, Any] | None, *, files: int = 0) -> None:
    """A new message must carry something: 400/50006 otherwise."""
    body = body or {}
    has_body = any(body.get(k) for k in ("content", "embeds", "components", "sticker_ids", "poll", "attachments"))
    if not has_body and files == 0:
        raise RestError(400, 50006, "Cannot send an empty message")


def component_problems(components: Sequence[Any], path: Path, *, v2: bool = False) -> list[Problem]:
    """Action rows of buttons/selects as a legacy (non-IS_COMPONENTS_V2) message allows them."""
    check = _Checker()
    if not v2:
        check.add(length_problem(path, len(components), None, ACTION_ROWS_MAX))
    seen: dict[str, Path] = {}
    for i, row in enumerate(components):
        rpath = (*path, i)
        if not isinstance(row, Mapping):
            continue
        if row.get("type") != ACTION_ROW:
            if not v2:
                check.add(Problem((*rpath, "type"), "BASE_TYPE_CHOICES", "Value must be one of {1}."))
            continue
        children = row.get("components")
        if not isinstance(children, list):
            check.add(required((*rpath, "components")))
            continue
        check.add(length_problem((*rpath, "components"), len(children), 1, ROW_ITEMS_MAX))
        if any(isinstance(c, Mapping) and c.get("type") in SELECTS for c in children) and len(children) > 1:
            check.add(
                Problem(
                    (*rpath, "components"),
                    "COMPONENT_LAYOUT_WIDTH_EXCEEDED",
                    "The specified component exceeds the maximum width",
                )
            )
        for j, comp in enumerate(children):
            if isinstance(comp, Mapping):
                check.problems += _item_problems(comp, (*rpath, "components", j), seen)
    return check.problems


def _custom_id(check: _Checker, comp: Mapping[str, Any], path: Path, seen: dict[str, Path]) -> None:
    custom_id = comp.get("custom_id")
    if custom_id is None:
        check.add(required((*path, "custom_id")))
        return
    check.text(comp, "custom_id", path, 1, CUSTOM_ID_MAX)
    if custom_id in seen:
        check.add(
            Problem((*path, "custom_id"), "COMPONENT_CUSTOM_ID_DUPLICATED", "Component custom id cannot be duplicated")
        )
    seen[custom_id] = path


def _item_problems(comp: Mapping[str, Any], path: Path, seen: dict[str, Path]) -> list[Problem]:
    check = _Checker()
    ctype = comp.get("type")
    if ctype == BUTTON:
        style = comp.get("style")
        if style not in (1, 2, 3, 4, 5, 6):
            check.add(Problem((*path, "style"), "BASE_TYPE_CHOICES", "Value must be one of {1, 2, 3, 4, 5, 6}."))
        if style == LINK_STYLE:
            if not comp.get("url"):
                check.add(required((*path, "url")))
            check.text(comp, "url", path, 1, URL_MAX)
            if comp.get("custom_id") is not None:
                check.add(
                    Problem(
                        (*path, "custom_id"),
                        "BUTTON_COMPONENT_CUSTOM_ID_NOT_ALLOWED",
                        "Link buttons cannot have a custom_id",
                    )
                )
        elif style == PREMIUM_STYLE:
            if not comp.get("sku_id"):
                check.add(required((*path, "sku_id")))
        else:
            _custom_id(check, comp, path, seen)
        check.text(comp, "label", path, None, BUTTON_LABEL_MAX)
        if style != PREMIUM_STYLE and not comp.get("label") and not comp.get("emoji"):
            check.add(Problem((*path, "label"), "BUTTON_COMPONENT_LABEL_REQUIRED", "A label or an emoji is required"))
    elif ctype in SELECTS:
        _custom_id(check, comp, path, seen)
        check.text(comp, "placeholder", path, None, SELECT_PLACEHOLDER_MAX)
        for key, low in (("min_values", 0), ("max_values", 1)):
            value = comp.get(key)
            if isinstance(value, int) and not low <= value <= SELECT_OPTIONS_MAX:
                check.add(Problem((*path, key), "NUMBER_TYPE_MAX", f"Must be between {low} and {SELECT_OPTIONS_MAX}."))
        if ctype == STRING_SELECT:
            if not isinstance(comp.get("options"), list):
                check.add(required((*path, "options")))
            for k, option in enumerate(check.items(comp, "options", path, 1, SELECT_OPTIONS_MAX)):
                opath = (*path, "options", k)
                check.text(option, "label", opath, 1, SELECT_OPTION_TEXT_MAX, needed=True)
                check.text(option, "value", opath, 1, SELECT_OPTION_TEXT_MAX, needed=True)
                check.text(option, "description", opath, None, SELECT_OPTION_TEXT_MAX)
    else:
        check.add(
            Problem((*path, "type"), "COMPONENT_TYPE_INVALID", f"Component type {ctype!r} cannot be in an action row")
        )
    return check.problems


# -- modals ---------------------------------------------------------------------------------------


def modal_problems(data: Mapping[str, Any] | None, path: Path = ("data",)) -> list[Problem]:
    """A type-9 callback's ``data``: custom_id, title, 1-5 rows/labels, text-input limits."""
    check = _Checker()
    if not isinstance(data, Mapping):
        return [required(path)]
    check.text(data, "custom_id", path, 1, CUSTOM_ID_MAX, needed=True)
    check.text(data, "title", path, 1, MODAL_TITLE_MAX, needed=True)
    components = data.get("components")
    if not isinstance(components, list):
        check.add(required((*path, "components")))
        return check.problems
    check.add(length_problem((*path, "components"), len(components), 1, MODAL_COMPONENTS_MAX))
    seen: dict[str, Path] = {}
    for i, comp in enumerate(components):
        cpath = (*path, "components", i)
        if not isinstance(comp, Mapping):
            continue
        ctype = comp.get("type")
        if ctype == ACTION_ROW:
            children = comp.get("components") or []
            # A modal action row holds exactly one text input (components reference).
            check.add(length_problem((*cpath, "components"), len(children), 1, 1))
            for j, child in enumerate(children):
                if isinstance(child, Mapping):
                    check.problems += _text_input_problems(child, (*cpath, "components", j), seen, in_label=False)
        elif ctype == LABEL:
            check.text(comp, "label", cpath, 1, TEXT_INPUT_LABEL_MAX, needed=True)
            check.text(comp, "description", cpath, 1, LABEL_DESCRIPTION_MAX)
            inner = comp.get("component")
            if not isinstance(inner, Mapping):
                check.add(required((*cpath, "component")))
            elif inner.get("type") == TEXT_INPUT:
                check.problems += _text_input_problems(inner, (*cpath, "component"), seen, in_label=True)
            elif inner.get("type") in SELECTS:
                check.problems += _item_problems(inner, (*cpath, "component"), seen)
        elif ctype == TEXT_DISPLAY:
            check.text(comp, "content", cpath, 1, TEXT_DISPLAY_MAX, needed=True)
        else:
            check.add(Problem((*cpath, "type"), "BASE_TYPE_CHOICES", "Value must be one of {1, 10, 18}."))
    return check.problems


def _text_input_problems(
    comp: Mapping[str, Any], path: Path, seen: dict[str, Path], *, in_label: bool
) -> list[Problem]:
    check = _Checker()
    if comp.get("type") != TEXT_INPUT:
        return [Problem((*path, "type"), "BASE_TYPE_CHOICES", "Value must be one of {4}.")]
    _custom_id(check, comp, path, seen)
    if comp.get("style") not in (1, 2):
        check.add(Problem((*path, "style"), "BASE_TYPE_CHOICES", "Value must be one of {1, 2}."))
    # Inside a Label the label is the Label's; a text input in an action row needs its own.
    check.text(comp, "label", path, 1, TEXT_INPUT_LABEL_MAX, needed=not in_label)
    check.text(comp, "placeholder", path, None, TEXT_INPUT_PLACEHOLDER_MAX)
    check.text(comp, "value", path, None, TEXT_INPUT_VALUE_MAX)
    low, high = comp.get("min_length"), comp.get("max_length")
    if isinstance(low, int) and not 0 <= low <= TEXT_INPUT_VALUE_MAX:
        check.add(Problem((*path, "min_length"), "NUMBER_TYPE_MAX", f"Must be between 0 and {TEXT_INPUT_VALUE_MAX}."))
    if isinstance(high, int) and not 1 <= high <= TEXT_INPUT_VALUE_MAX:
        check.add(Problem((*path, "max_length"), "NUMBER_TYPE_MAX", f"Must be between 1 and {TEXT_INPUT_VALUE_MAX}."))
    value = comp.get("value")
    # Not in the docs, but a pre-filled value the member cannot submit unchanged would be cut
    # by the client without a word: refuse it so such a modal cannot pass a test.
    if isinstance(value, str) and isinstance(high, int) and len(value) > high:
        check.add(length_problem((*path, "value"), len(value), None, high))
    return check.problems


# -- autocomplete ---------------------------------------------------------------------------------


def autocomplete_problems(data: Mapping[str, Any] | None, path: Path = ("data",)) -> list[Problem]:
    """A type-8 callback's ``data.choices``: at most 25, names 1-100, string values up to 100."""
    check = _Checker()
    if not isinstance(data, Mapping):
        return [required(path)]
    for i, choice in enumerate(check.items(data, "choices", path, None, CHOICES_MAX)):
        if isinstance(choice, Mapping):
            check.problems += _choice_problems(choice, (*path, "choices", i))
    return check.problems


def _choice_problems(choice: Mapping[str, Any], path: Path) -> list[Problem]:
    check = _Checker()
    check.text(choice, "name", path, 1, CHOICE_NAME_MAX, needed=True)
    if "value" not in choice:
        check.add(required((*path, "value")))
    elif isinstance(choice["value"], str):
        check.add(length_problem((*path, "value"), len(choice["value"]), None, CHOICE_STRING_VALUE_MAX))
    return check.problems


# -- application commands -----------------------------------------------------------------------


def valid_chat_input_name(name: str) -> bool:
    """``^[-_'\\p{L}\\p{N}\\p{sc=Deva}\\p{sc=Thai}]{1,32}$`` and lowercase where a letter has one."""
    if not 1 <= len(name) <= COMMAND_NAME_MAX or name != name.lower():
        return False
    for ch in name:
        category = unicodedata.category(ch)
        if ch in "-_'" or category[0] in "LN":
            continue
        if 0x0900 <= ord(ch) <= 0x097F or 0x0E00 <= ord(ch) <= 0x0E7F:  # Devanagari, Thai (marks)
            continue
        return False
    return True


def _name_problems(check: _Checker, obj: Mapping[str, Any], path: Path, *, chat_input: bool) -> None:
    name = obj.get("name")
    if not isinstance(name, str):
        check.add(required((*path, "name")))
        return
    check.add(length_problem((*path, "name"), len(name), 1, COMMAND_NAME_MAX))
    if chat_input and not valid_chat_input_name(name):
        check.add(Problem((*path, "name"), "APPLICATION_COMMAND_INVALID_NAME", "Command name is invalid"))


def _command_chars(obj: Mapping[str, Any]) -> int:
    """Characters Discord counts towards a command's 8000: names, descriptions, choice values."""
    total = len(str(obj.get("name") or "")) + len(str(obj.get("description") or ""))
    for choice in obj.get("choices") or []:
        total += len(str(choice.get("name") or "")) + len(str(choice.get("value") or ""))
    return total + sum(_command_chars(o) for o in obj.get("options") or [] if isinstance(o, Mapping))


def command_problems(cmd: Mapping[str, Any], path: Path = ()) -> list[Problem]:
    """One command body (create/upsert or one entry of a bulk overwrite)."""
    check = _Checker()
    ctype = cmd.get("type") or CHAT_INPUT
    chat_input = ctype == CHAT_INPUT
    _name_problems(check, cmd, path, chat_input=chat_input)
    description = cmd.get("description")
    if chat_input:
        check.text(cmd, "description", path, 1, COMMAND_DESCRIPTION_MAX, needed=True)
    elif description:
        check.add(Problem((*path, "description"), "BASE_TYPE_MAX_LENGTH", "Must be 0 or fewer in length."))
    options = cmd.get("options") or []
    if options and not chat_input:
        check.add(
            Problem(
                (*path, "options"), "APPLICATION_COMMAND_OPTIONS_TYPE_INVALID", "Only CHAT_INPUT commands take options"
            )
        )
    check.problems += _options_problems(options, (*path, "options"), depth=0)
    if _command_chars(cmd) > COMMAND_TOTAL_CHARS_MAX:
        check.add(
            Problem(path, "APPLICATION_COMMAND_TOO_LARGE", f"Command exceeds maximum size ({COMMAND_TOTAL_CHARS_MAX})")
        )
    return check.problems


def _options_problems(options: Sequence[Any], path: Path, *, depth: int) -> list[Problem]:
    check = _Checker()
    check.add(length_problem(path, len(options), None, COMMAND_OPTIONS_MAX))
    names: set[str] = set()
    seen_optional = False
    kinds = {o.get("type") in (SUB_COMMAND, SUB_COMMAND_GROUP) for o in options if isinstance(o, Mapping)}
    if len(kinds) > 1:
        check.add(
            Problem(path, "APPLICATION_COMMAND_OPTIONS_TYPE_INVALID", "Subcommands cannot be mixed with other options")
        )
    for i, option in enumerate(options):
        opath = (*path, i)
        if not isinstance(option, Mapping):
            continue
        otype = option.get("type")
        _name_problems(check, option, opath, chat_input=True)
        check.text(option, "description", opath, 1, COMMAND_DESCRIPTION_MAX, needed=True)
        name = option.get("name")
        if name in names:
            check.add(
                Problem(
                    (*opath, "name"), "APPLICATION_COMMAND_OPTIONS_NAME_ALREADY_EXISTS", "Option names must be unique"
                )
            )
        names.add(name)
        if otype in (SUB_COMMAND, SUB_COMMAND_GROUP):
            allowed_depth = 0 if otype == SUB_COMMAND_GROUP else 1
            if depth > allowed_depth:
                check.add(
                    Problem(
                        (*opath, "type"),
                        "APPLICATION_COMMAND_OPTIONS_TYPE_INVALID",
                        "Subcommands nest at most group > subcommand",
                    )
                )
            children = option.get("options") or []
            if otype == SUB_COMMAND_GROUP and any(c.get("type") != SUB_COMMAND for c in children):
                check.add(
                    Problem(
                        (*opath, "options"),
                        "APPLICATION_COMMAND_OPTIONS_TYPE_INVALID",
                        "A group holds only subcommands",
                    )
                )
            check.problems += _options_problems(children, (*opath, "options"), depth=depth + 1)
            continue
        if option.get("required"):
            if seen_optional:
                check.add(
                    Problem(
                        (*opath, "required"),
                        "APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID",
                        "Required options must be placed before non-required options",
                    )
                )
        else:
            seen_optional = True
        choices = option.get("choices") or []
        if choices and option.get("autocomplete"):
            check.add(
                Problem(
                    (*opath, "autocomplete"),
                    "APPLICATION_COMMAND_AUTOCOMPLETE_CHOICES",
                    "Autocomplete cannot be set with choices",
                )
            )
        for j, choice in enumerate(check.items(option, "choices", opath, None, CHOICES_MAX)):
            if isinstance(choice, Mapping):
                check.problems += _choice_problems(choice, (*opath, "choices", j))
        if otype == STRING_OPTION:
            for key, low in (("min_length", 0), ("max_length", 1)):
                value = option.get(key)
                if isinstance(value, int) and not low <= value <= OPTION_LENGTH_MAX:
                    check.add(
                        Problem((*opath, key), "NUMBER_TYPE_MAX", f"Must be between {low} and {OPTION_LENGTH_MAX}.")
                    )
    return check.problems


def commands_problems(commands: Sequence[Any]) -> list[Problem]:
    """A bulk overwrite: each command, unique (name, type), at most 100 chat-input commands."""
    problems: list[Problem] = []
    seen: set[tuple[Any, Any]] = set()
    per_type: dict[int, int] = {}
    for i, cmd in enumerate(commands):
        if not isinstance(cmd, Mapping):
            continue
        problems += command_problems(cmd, (i,))
        key = (cmd.get("name"), cmd.get("type") or CHAT_INPUT)
        if key in seen:
            problems.append(
                Problem((i, "name"), "APPLICATION_COMMANDS_DUPLICATE_NAME", "Application command names must be unique")
            )
        seen.add(key)
        per_type[key[1]] = per_type.get(key[1], 0) + 1
    for ctype, count in per_type.items():
        limit = COMMANDS_PER_TYPE_MAX.get(ctype)
        if limit is not None and count > limit:
            problems.append(Problem((), "BASE_TYPE_MAX_LENGTH", f"Must be {limit} or fewer in length."))
    return problems
