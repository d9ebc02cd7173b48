"""Message text within Discord's limits, and one way to answer an interaction with an error.

Every message and interaction response the bot sends passes ``allowed_mentions=NO_MENTIONS``
(also the bot-wide default): FAQ text or a member's question containing ``@everyone``,
``<@&role>`` or ``<@user>`` renders but never pings anyone.
"""

from __future__ import annotations

import logging
import re
import secrets
from collections.abc import Sequence

import discord
from discord import app_commands

from faq.embedder import EncodeFailed
from faq.errors import FaqError
from faq.types import Answer, Candidate

log = logging.getLogger(__name__)

NO_MENTIONS = discord.AllowedMentions.none()
CONTENT_LIMIT = 2000  # characters of message content
BUTTON_LABEL_LIMIT = 80
CHOICE_NAME_LIMIT = 100
CHOICE_VALUE_LIMIT = 100  # characters of a string choice's value
ELLIPSIS = "…"


def trim(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters, marking the cut."""
    return text if len(text) <= limit else text[: limit - len(ELLIPSIS)].rstrip() + ELLIPSIS


def split_text(text: str, limit: int = CONTENT_LIMIT) -> list[str]:
    """Split into chunks of at most ``limit`` characters, at line breaks, else spaces, else anywhere."""
    chunks: list[str] = []
    rest = text.strip()
    while len(rest) > limit:
        cut = rest.rfind("\n", 0, limit + 1)
        if cut <= limit // 2:
            cut = rest.rfind(" ", 0, limit + 1)
        if cut <= limit // 2:
            cut = limit
        chunks.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    if rest:
        chunks.append(rest)
    return chunks or [""]


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


def percent(confidence: float) -> str:
    return f"{round(confidence * 100)}%"


def answer_text(question: str, answer: str, faq_id: int, confidence: float | None, *, truncated: bool = False) -> str:
    """The reply to a matched question: the FAQ's question, its answer, and how sure we are.

    The question may be a member's words (an FAQ made from an unanswered question): escaped.
    The answer is the admins' own text, markdown and links included.
    """
    footer = f"FAQ #{faq_id}" if confidence is None else f"신뢰도 {percent(confidence)} · FAQ #{faq_id}"
    if truncated:
        footer += " · 질문이 길어 앞부분만 사용했어요"
    return f"**Q. {member_text(question)}**\n{answer}\n-# {footer}"


def suggestion_text(suggestions: Sequence[Candidate]) -> str:
    lines = ["🤔 혹시 이 질문인가요? 버튼을 누르면 답변을 볼 수 있어요."]
    lines += [
        f"{i}. {member_text(c.question)} (FAQ #{c.faq_id}, 신뢰도 {percent(c.confidence)})"
        for i, c in enumerate(suggestions, 1)
    ]
    return "\n".join(lines)


def none_text(admin_role: int | None) -> str:
    who = f"<@&{admin_role}>" if admin_role else "운영진"
    return (
        "🙇 죄송해요, 잘 모르겠어요. 관련된 FAQ를 찾지 못했어요.\n"
        f"{who}에게 직접 물어봐 주세요. `/faq list`로 전체 FAQ 목록을 볼 수도 있어요."
    )


EMPTY_MENTION_TEXT = "무엇이 궁금하신가요? 저를 멘션하고 질문을 적어 주세요. 예: `@봇 회비 얼마예요?`"


def answer_log_text(answer: Answer, *, include_content: bool) -> str:
    """How a question appears in the log: its text only when the operator opted in."""
    return repr(answer.query) if include_content else f"<{len(answer.query)}자>"


# ---- errors ---------------------------------------------------------------------------------


class AdminRequired(app_commands.CheckFailure):
    """The member is neither a Manage Server holder nor in the configured admin role."""

    def __init__(self) -> None:
        super().__init__("이 기능은 서버 관리(Manage Server) 권한이나 운영진 역할이 있어야 쓸 수 있어요.")


def error_reference() -> str:
    return secrets.token_hex(3)


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
        error = error.__cause__ or error
    if isinstance(error, FaqError | AdminRequired):
        return str(error)
    if isinstance(error, EncodeFailed):  # the model failed or timed out: not the member's fault, not a bug here
        return f"⚠️ 지금은 답할 수 없어요: {error} 잠시 후 다시 시도해 주세요."
    if isinstance(error, app_commands.NoPrivateMessage):
        return "서버 안에서만 쓸 수 있는 명령이에요."
    if isinstance(error, app_commands.CommandOnCooldown):
        return f"잠시 후 다시 시도해 주세요 ({error.retry_after:.0f}초)."
    if isinstance(error, app_commands.CheckFailure):
        return "이 명령을 쓸 권한이 없어요."
    return None


async def report_error(interaction: discord.Interaction, error: BaseException, where: str) -> None:
    """Tell the member what went wrong: the reason when it is theirs, else a reference to quote."""
    message = friendly_message(error)
    if message is None:
        ref = error_reference()
        original = getattr(error, "original", None) or error.__cause__ or error
        log.error("unexpected error in %s (오류 참조: %s)", where, ref, exc_info=original)
        message = f"⚠️ 예상하지 못한 오류가 발생했어요. 운영진에게 알려 주세요 (오류 참조: {ref})"
    try:
        await send_ephemeral(interaction, message)
    except discord.HTTPException:
        log.warning("could not tell the user about an error in %s", where, exc_info=True)
