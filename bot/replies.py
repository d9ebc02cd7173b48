"""Discord's side of replies: its markup, its limits, and one way to answer an interaction with an error.

The wording and the reply content are the chat layer's (:mod:`chat.replies`, :mod:`chat.messages`);
this module renders them as Discord markdown (:data:`DISCORD`) within Discord's limits.
Every message and interaction response the bot sends passes ``allowed_mentions=NO_MENTIONS``
(also the bot-wide default): FAQ text or a member's question containing ``@everyone``,
``<@&role>`` or ``<@user>`` renders but never pings anyone.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence

import discord
from discord import app_commands

from chat import messages
from chat import replies as content
from chat.answering import error_reference
from chat.errors import CORE_ERRORS, ErrorReply, ErrorTable, reply_for
from chat.markup import ELLIPSIS, trim
from faq.types import Candidate

log = logging.getLogger(__name__)

NO_MENTIONS = discord.AllowedMentions.none()
# Discord's limits (docs: message resource, component reference, application commands).
CONTENT_LIMIT = 2000  # characters of message content
BUTTON_LABEL_LIMIT = 80
CHOICE_NAME_LIMIT = 100
CHOICE_VALUE_LIMIT = 100  # characters of a string choice's value
MAX_CHOICES = 25  # autocomplete choices
MODAL_TITLE_LIMIT = 45
MODAL_LABEL_LIMIT = 45
MODAL_TEXT_LIMIT = 4000  # a text input's maximum
PAGE_CHARS = 1800  # one /faq list page: a message with room for the page footer

__all__ = [
    "BUTTON_LABEL_LIMIT",
    "CHOICE_NAME_LIMIT",
    "CHOICE_VALUE_LIMIT",
    "CONTENT_LIMIT",
    "DISCORD",
    "ELLIPSIS",
    "NO_MENTIONS",
    "AdminRequired",
    "answer_text",
    "member_text",
    "report_error",
    "send_ephemeral",
    "split_text",
    "trim",
]

_BRACKET = re.compile(r"(?<!\\)((?:\\\\)*)([\[\]])")  # a bracket after an even run of backslashes
_URL = re.compile(r"https?://[^\s<>()\[\]]+")


def member_text(text: str, limit: int | None = None) -> str:
    """Text a member wrote (their question, an alternate taken from one), safe to show anywhere.

    Markdown is escaped (an unclosed ``` or ** cannot garble the message, a masked link
    ``[공식 인증](https://evil.example)`` shows as text, not as a link), and a bare URL is
    wrapped in ``<…>`` so Discord shows no preview card for it under the bot's name.
    """
    if limit is not None:
        text = trim(text, limit)
    parts: list[str] = []
    last = 0
    for match in _URL.finditer(text):
        parts.append(_escape_plain(text[last : match.start()]))
        parts.append(f"<{match.group()}>")
        last = match.end()
    parts.append(_escape_plain(text[last:]))
    return "".join(parts)


def _escape_plain(text: str) -> str:
    # discord.py escapes a bracket only as part of a whole ``[..](..)``; once the URL is split
    # off (and wrapped) the brackets must be escaped on their own, or ``[x](<url>)`` still links.
    return _BRACKET.sub(r"\1\\\2", discord.utils.escape_markdown(text, as_needed=False))


class DiscordMarkup:
    """Discord markdown for :class:`chat.markup.Markup`."""

    def bold(self, text: str) -> str:
        return f"**{text}**"

    def code(self, text: str) -> str:
        return f"`{text}`"

    def subtext(self, text: str) -> str:
        return f"-# {text}"

    def member_text(self, text: str, limit: int | None = None) -> str:
        return member_text(text, limit)

    def role(self, role_id: str) -> str:
        return f"<@&{role_id}>"

    def channel(self, channel_id: str) -> str:
        return f"<#{channel_id}>"


DISCORD = DiscordMarkup()


def split_text(text: str, limit: int = CONTENT_LIMIT) -> list[str]:
    """:func:`chat.replies.split_text` at Discord's message limit."""
    return content.split_text(text, limit)


def answer_text(question: str, answer: str, faq_id: int, confidence: float | None, *, truncated: bool = False) -> str:
    return content.answer_text(DISCORD, question, answer, faq_id, confidence, truncated=truncated)


def suggestion_text(suggestions: Sequence[Candidate]) -> str:
    return content.suggestion_text(DISCORD, suggestions)


# ---- errors ---------------------------------------------------------------------------------


class AdminRequired(app_commands.CheckFailure):
    """The member is neither a Manage Server holder nor in the configured admin role."""

    def __init__(self) -> None:
        super().__init__(messages.ADMIN_REQUIRED)


#: The core's errors plus discord.py's check failures (most specific class wins).
DISCORD_ERRORS: ErrorTable = {
    **CORE_ERRORS,
    AdminRequired: ErrorReply(str),
    app_commands.NoPrivateMessage: ErrorReply(lambda e: messages.GUILD_ONLY),
    app_commands.CommandOnCooldown: ErrorReply(lambda e: messages.on_cooldown(e.retry_after)),  # type: ignore[attr-defined]
    app_commands.CheckFailure: ErrorReply(lambda e: messages.NOT_ALLOWED),
}


async def send_ephemeral(interaction: discord.Interaction, content: str, **kwargs: object) -> None:
    """Reply only the caller sees: first response, or a followup once responded/deferred."""
    content = trim(content, CONTENT_LIMIT)
    if interaction.response.is_done():
        await interaction.followup.send(content, ephemeral=True, allowed_mentions=NO_MENTIONS, **kwargs)  # type: ignore[arg-type]
    else:
        await interaction.response.send_message(content, ephemeral=True, allowed_mentions=NO_MENTIONS, **kwargs)  # type: ignore[arg-type]


def friendly_message(error: BaseException) -> str | None:
    """The user-safe message for an expected error, or None for a bug."""
    if isinstance(error, app_commands.CommandInvokeError | app_commands.TransformerError):
        error = error.__cause__ or error  # discord.py's wrapper around what the command raised
    found = reply_for(error, DISCORD_ERRORS)
    return None if found is None else found.message(error)


async def report_error(interaction: discord.Interaction, error: BaseException, where: str) -> None:
    """Tell the member what went wrong: the reason when it is theirs, else a reference to quote."""
    message = friendly_message(error)
    if message is None:
        ref = error_reference()
        original = getattr(error, "original", None) or error.__cause__ or error
        log.error("unexpected error in %s (오류 참조: %s)", where, ref, exc_info=original)
        message = messages.unexpected_error(ref)
    try:
        await send_ephemeral(interaction, message)
    except discord.HTTPException:
        log.warning("could not tell the user about an error in %s", where, exc_info=True)
