"""What the buttons and forms under answers and admin listings do, whatever the platform.

Each function takes the :class:`~chat.core.ChatCore`, the scope the click came from (never
one taken from the button's id) and the ids the button carried, and either changes what it
should and returns what to tell the member, or raises a :class:`~faq.errors.FaqError` whose
message is safe to show. The adapter parses its ids (:mod:`chat.custom_ids`), checks admin
rights for admin flows (:mod:`chat.admin`), acknowledges the click in time, and renders.
"""

from __future__ import annotations

from dataclasses import dataclass

from chat import messages
from chat.core import ChatCore
from faq.activity import FeedbackPair, NotOffered, QueryRecord
from faq.errors import InvalidInput
from faq.types import Faq, FaqDraft

# ---- members: answers and suggestions --------------------------------------------------------


async def vote(core: ChatCore, scope: str, query_id: int, faq_id: int, *, user_id: int, up: bool) -> str:
    """👍/👎 on an answer: counted only for an FAQ offered for that query, and only the asker's vote."""
    record = await core.activity_log.get_query(scope, query_id)  # another scope's id: not found
    if not record.was_offered(faq_id):
        raise NotOffered  # a made-up id: nothing recorded
    await core.service.get(scope, faq_id)  # deleted since: not found
    if await core.activity_log.is_asker(record, user_id):
        await core.limits.check_feedback(user_id, already_voted=record.vote is not None)
    await core.activity_log.vote(scope, query_id, faq_id, user_id=user_id, up=up)
    return messages.VOTE_UP_THANKS if up else messages.VOTE_DOWN_THANKS


@dataclass(frozen=True, slots=True)
class Picked:
    faq: Faq
    query_id: int
    asker: bool  # only the asker gets 👍/👎 under the shown answer


async def pick(core: ChatCore, scope: str, query_id: int, faq_id: int, *, user_id: int) -> Picked:
    """A suggestion was chosen: the FAQ to show (to the clicker only); the asker's pick is recorded."""
    record = await core.activity_log.get_query(scope, query_id)
    if not record.was_offered(faq_id):
        raise NotOffered  # a made-up id: no answer shown, nothing recorded
    faq = await core.service.get(scope, faq_id)
    asker = await core.activity_log.is_asker(record, user_id)
    if asker:
        await core.activity_log.mark_picked(scope, record.id, faq.id, user_id=user_id)
    return Picked(faq, record.id, asker)


async def no_match(core: ChatCore, scope: str, query_id: int, *, user_id: int) -> str:
    await core.activity_log.mark_unanswered(scope, query_id, user_id=user_id)
    return messages.NO_MATCH_NOTED


# ---- admins: unanswered questions ------------------------------------------------------------


async def unanswered_question(core: ChatCore, scope: str, query_id: int) -> QueryRecord:
    return await core.activity_log.get_query(scope, query_id)  # another scope's id: not found


async def skip(core: ChatCore, scope: str, record: QueryRecord) -> str:
    await core.activity_log.mark_handled(scope, record.id)
    return messages.TRIAGE_SKIPPED


async def question_as_alternate(core: ChatCore, scope: str, query_id: int, text: str, faq_id: int, actor: str) -> Faq:
    """The unanswered question (``text``) becomes an alternate of FAQ ``faq_id`` and leaves the list."""
    faq = await core.service.add_alternate(scope, faq_id, text, actor)
    await core.activity_log.mark_handled(scope, query_id)
    return faq


async def question_as_new_faq(core: ChatCore, scope: str, query_id: int, draft: FaqDraft, actor: str) -> Faq:
    faq = await core.service.add(scope, draft, actor)
    await core.activity_log.mark_handled(scope, query_id)
    return faq


def faq_number(raw: str) -> int:
    """An FAQ number as an admin types it ("12", "#12")."""
    text = raw.strip().lstrip("#")
    if not text.isdigit():
        raise InvalidInput(messages.FAQ_NUMBER_DIGITS)
    return int(text)


def same_scope(opened_in: str, used_in: str, message: str = messages.OTHER_SERVER_MODAL) -> None:
    """A form or confirmation opened in one scope must not act in another."""
    if opened_in != used_in:
        raise InvalidInput(message)


# ---- admins: the 👍 review queue ---------------------------------------------------------------


async def review(core: ChatCore, scope: str, feedback_id: int, *, accept: bool, reviewer: str) -> FeedbackPair:
    (pair,) = await core.activity_log.review(scope, [feedback_id], accept=accept, reviewer=reviewer)
    return pair


# ---- admins: a new FAQ that means the same as an old one --------------------------------------


async def merge_as_alternate(core: ChatCore, scope: str, faq_id: int, draft: FaqDraft, actor: str) -> Faq:
    """Add the new FAQ's question (and alternates) to FAQ ``faq_id`` instead; its answer stays."""
    current = await core.service.get(scope, faq_id)
    texts = (*current.alternates, draft.question, *draft.alternates)
    return await core.service.update(scope, current.id, FaqDraft(current.question, current.answer, texts), actor)
