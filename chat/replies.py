"""What a reply to a question says: the FAQ, its answer, how sure we are, or what to do instead.

Platform-neutral: the formatting comes from the adapter's :class:`~chat.markup.Markup`,
and :func:`split_text` cuts at whatever message limit the adapter passes (Discord 2,000
characters; a Slack section 3,000).
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass

from chat import messages
from chat.markup import Markup
from faq.activity import SHOWN_SUGGESTIONS
from faq.types import Answer, Candidate, Status


def percent(share: float) -> str:
    """A rate or a threshold setting, as a whole percent."""
    return f"{round(share * 100)}%"


def confidence_percent(confidence: float) -> str:
    """The chance that an FAQ is the right one, as people see it: 1–99 %, never 100 % or 0 %. Even
    the surest match is an estimate (docs/matching.md: of answers shown at 95 % or more, not all were
    right), and on a club of a handful of FAQs the calibrated chance rounds up to certainty."""
    return f"{min(max(round(confidence * 100), 1), 99)}%"


def split_text(text: str, limit: int) -> list[str]:
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


def confidence_line(faq_id: int, confidence: float | None, *, truncated: bool = False) -> str:
    """``신뢰도 NN% · FAQ #id`` (just ``FAQ #id`` when shown on request, not matched)."""
    line = f"FAQ #{faq_id}" if confidence is None else f"신뢰도 {confidence_percent(confidence)} · FAQ #{faq_id}"
    return line + (f" · {messages.TRUNCATED_NOTE}" if truncated else "")


def answer_text(
    markup: Markup,
    question: str,
    answer: str,
    faq_id: int,
    confidence: float | None,
    *,
    truncated: bool = False,
) -> str:
    """The reply to a matched question: the FAQ's question, its answer, and how sure we are.

    The question may be a member's words (an FAQ made from an unanswered question): escaped.
    The answer is the admins' own text, formatting and links included.
    """
    footer = confidence_line(faq_id, confidence, truncated=truncated)
    return f"{markup.bold(f'Q. {markup.member_text(question)}')}\n{answer}\n{markup.subtext(footer)}"


def suggestion_text(markup: Markup, suggestions: Sequence[Candidate]) -> str:
    lines = [messages.SUGGEST_INTRO]
    lines += [
        f"{i}. {markup.member_text(c.question)} (FAQ #{c.faq_id}, 신뢰도 {confidence_percent(c.confidence)})"
        for i, c in enumerate(suggestions, 1)
    ]
    return "\n".join(lines)


def none_text(markup: Markup, admin_role: str | None) -> str:
    who = markup.role(admin_role) if admin_role else messages.NONE_ADMINS
    return messages.none_text(who, markup.code("/faq list"))


class Buttons(enum.Enum):
    """What goes under a reply: 👍/👎 on the answer, a button per suggestion (+ none fit), or nothing."""

    VOTE = "vote"
    PICK = "pick"
    NONE = "none"


@dataclass(frozen=True, slots=True)
class ReplyContent:
    text: str
    buttons: Buttons
    faq_id: int | None = None  # VOTE: the answered FAQ
    suggestions: tuple[Candidate, ...] = ()  # PICK: the suggestions shown, in order


def reply_content(answer: Answer, query_id: int | None, markup: Markup, *, admin_role: str | None) -> ReplyContent:
    """The reply to ``answer``. Without a ``query_id`` (the query log could not be written) no buttons:
    they would have nothing to record against."""
    if answer.status is Status.ANSWER and answer.best is not None and answer.answer is not None:
        best = answer.best
        text = answer_text(
            markup, best.question, answer.answer, best.faq_id, best.confidence, truncated=answer.truncated
        )
        if query_id is None:
            return ReplyContent(text, Buttons.NONE)
        return ReplyContent(text, Buttons.VOTE, faq_id=best.faq_id)
    if answer.status is Status.SUGGEST and answer.suggestions:
        shown = tuple(answer.suggestions[:SHOWN_SUGGESTIONS])
        text = suggestion_text(markup, shown)
        return (
            ReplyContent(text, Buttons.NONE)
            if query_id is None
            else ReplyContent(text, Buttons.PICK, suggestions=shown)
        )
    return ReplyContent(none_text(markup, admin_role), Buttons.NONE)


def answer_log_text(answer: Answer, *, include_content: bool) -> str:
    """How a question appears in the log: its text only when the operator opted in."""
    return repr(answer.query) if include_content else f"<{len(answer.query)}자>"
