"""Block Kit for the chat layer's replies, within Slack's limits (api.slack.com/reference/block-kit).

Text goes into ``section`` blocks of mrkdwn marked ``verbatim`` (Slack then links nothing
by itself), at most 3,000 characters each; a message holds at most 50 blocks, so longer
replies become several messages (:func:`messages_of`). The top-level ``text`` (notifications,
screen readers) is the same text, cut to fit.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from chat import custom_ids, messages
from chat.markup import trim
from chat.replies import Buttons, ReplyContent, confidence_line, reply_content, split_text
from faq.types import Answer, Faq, Status
from slackbot.markup import SLACK, escape

SECTION_TEXT = 3000
MESSAGE_BLOCKS = 50
VIEW_BLOCKS = 100
BUTTON_TEXT = 75
FALLBACK_TEXT = 3000  # the top-level text: a notification needs only the start
MODAL_TITLE = 24
INPUT_MAX = 3000

Block = dict[str, Any]


def mrkdwn(text: str) -> dict[str, Any]:
    return {"type": "mrkdwn", "text": text, "verbatim": True}


def plain(text: str, limit: int = BUTTON_TEXT) -> dict[str, Any]:
    return {"type": "plain_text", "text": trim(text, limit), "emoji": True}


def sections(text: str) -> list[Block]:
    return [{"type": "section", "text": mrkdwn(chunk)} for chunk in split_text(text, SECTION_TEXT) if chunk]


def context(text: str) -> Block:
    return {"type": "context", "elements": [mrkdwn(text)]}


def button(text: str, action_id: str, value: str = "", *, style: str | None = None) -> dict[str, Any]:
    b: dict[str, Any] = {"type": "button", "text": plain(text), "action_id": action_id, "value": value or action_id}
    if style:
        b["style"] = style
    return b


def actions(*elements: dict[str, Any]) -> Block:
    return {"type": "actions", "elements": list(elements)}


def vote_buttons(faq_id: int, query_id: int) -> Block:
    return actions(
        button("👍", custom_ids.vote(True, faq_id, query_id)), button("👎", custom_ids.vote(False, faq_id, query_id))
    )


def answer_blocks(question: str, answer: str, faq_id: int, confidence: float | None, *, truncated: bool = False):
    """The FAQ's question (a member's words, possibly), its answer and the confidence line."""
    body = f"{SLACK.bold(f'Q. {escape(question)}')}\n{escape(answer)}"
    return [*sections(body), context(escape(confidence_line(faq_id, confidence, truncated=truncated)))]


def reply_blocks(answer: Answer, query_id: int | None, admin_role: str | None) -> list[Block]:
    """The reply to a question, buttons included (what the chat layer decided: :func:`reply_content`)."""
    content: ReplyContent = reply_content(answer, query_id, SLACK, admin_role=admin_role)
    if answer.status is Status.ANSWER and answer.best is not None and answer.answer is not None:
        best = answer.best
        blocks = answer_blocks(best.question, answer.answer, best.faq_id, best.confidence, truncated=answer.truncated)
    else:
        blocks = sections(content.text)
    if content.buttons is Buttons.VOTE and content.faq_id is not None and query_id is not None:
        blocks.append(vote_buttons(content.faq_id, query_id))
    elif content.buttons is Buttons.PICK and query_id is not None:
        picks = [
            button(f"{i}. {c.question}", custom_ids.pick(c.faq_id, query_id))
            for i, c in enumerate(content.suggestions, 1)
        ]
        blocks.append(actions(*picks, button(messages.NO_MATCH_LABEL, custom_ids.no_match(query_id))))
    return blocks


def faq_blocks(faq: Faq, *, votes_for: int | None = None) -> list[Block]:
    """One FAQ shown on request (a picked suggestion): no confidence; 👍/👎 for the asker."""
    blocks = answer_blocks(faq.question, faq.answer, faq.id, None)
    if votes_for is not None:
        blocks.append(vote_buttons(faq.id, votes_for))
    return blocks


def fallback_text(blocks: Sequence[Block]) -> str:
    """The message's top-level text: its sections' text, cut for notifications."""
    texts = [b["text"]["text"] for b in blocks if b.get("type") == "section" and "text" in b]
    return trim("\n".join(texts), FALLBACK_TEXT) or " "


def messages_of(blocks: Sequence[Block]) -> list[list[Block]]:
    """``blocks`` as messages of at most 50 blocks; the buttons stay with the last one."""
    return [list(blocks[i : i + MESSAGE_BLOCKS]) for i in range(0, len(blocks), MESSAGE_BLOCKS)] or [[]]


def text_message(text: str) -> list[Block]:
    """A note or listing (already escaped where it holds member text) as sections."""
    return sections(text)
