"""The add/edit FAQ modal and what its submission does.

The modal carries the scope it was opened in (``private_metadata``); a submission is acted on
only when it comes from that workspace and from an admin (checked again: a view submission
can be forged). Bad fields are refused inside the modal (``response_action: errors``). A new
question the bot already answers with another FAQ gets the duplicate warning with "add as
alternate", as on Discord; results go to the admin's DM with the app.
"""

from __future__ import annotations

import json
import logging
import secrets
from collections import OrderedDict
from typing import TYPE_CHECKING, Any

from chat import flows, listing, messages
from chat.replies import confidence_percent
from faq.errors import FaqError, InvalidInput
from faq.service import clean_draft
from faq.text import MAX_ANSWER_CHARS, MAX_QUESTION_CHARS, validate_answer, validate_question
from faq.types import Faq, FaqDraft
from slackbot import blocks as bk
from slackbot import texts
from slackbot.markup import SLACK

if TYPE_CHECKING:
    from slackbot.adapter import SlackAdapter

log = logging.getLogger(__name__)

CALLBACK = "faq_form"
PENDING_DRAFTS = 200  # duplicate warnings waiting for a choice


def _input(block_id: str, label: str, *, initial: str = "", multiline: bool = False, max_length: int, optional=False):
    element: dict[str, Any] = {
        "type": "plain_text_input",
        "action_id": "value",
        "multiline": multiline,
        "max_length": max_length,
    }
    if initial:
        element["initial_value"] = initial[:max_length]
    return {
        "type": "input",
        "block_id": block_id,
        "label": bk.plain(label, 2000),
        "element": element,
        "optional": optional,
    }


async def open_faq_modal(adapter: SlackAdapter, trigger_id: str, scope: str, faq: Faq | None = None) -> None:
    alternates = "\n".join(faq.alternates) if faq else ""
    kept = len(alternates) > bk.INPUT_MAX  # too many to edit here: left as they are
    view = {
        "type": "modal",
        "callback_id": CALLBACK,
        "title": bk.plain(messages.edit_title(faq.id) if faq else messages.ADD_TITLE, bk.MODAL_TITLE),
        "submit": bk.plain(messages.CONFIRM_LABEL, bk.MODAL_TITLE),
        "close": bk.plain(messages.CANCEL_LABEL, bk.MODAL_TITLE),
        "private_metadata": json.dumps({"scope": scope, "faq": faq.id if faq else None, "kept": kept}),
        "blocks": [
            _input(
                "question", messages.QUESTION_LABEL, initial=faq.question if faq else "", max_length=MAX_QUESTION_CHARS
            ),
            _input(
                "answer",
                messages.ANSWER_LABEL,
                initial=faq.answer if faq else "",
                multiline=True,
                max_length=MAX_ANSWER_CHARS,
            ),
        ],
    }
    if not kept:
        view["blocks"].append(
            _input(
                "alternates",
                messages.alternates_label(1),
                initial=alternates,
                multiline=True,
                max_length=bk.INPUT_MAX,
                optional=True,
            )
        )
    await adapter.client.views_open(trigger_id=trigger_id, view=view)


def _value(state: dict[str, Any], block: str) -> str:
    return ((state.get(block) or {}).get("value") or {}).get("value") or ""


def field_errors(question: str, answer: str, alternates: list[str]) -> tuple[FaqDraft | None, dict[str, str]]:
    errors: dict[str, str] = {}
    for field, check, text in (("question", validate_question, question), ("answer", validate_answer, answer)):
        try:
            check(text)
        except FaqError as exc:
            errors[field] = str(exc)
    if errors:
        return None, errors
    try:
        return clean_draft(FaqDraft(question, answer, tuple(alternates))), {}
    except FaqError as exc:
        return None, {"alternates": str(exc)}


class PendingDrafts:
    """New FAQs waiting for the admin's answer to the duplicate warning (bounded, in memory)."""

    def __init__(self) -> None:
        self._items: OrderedDict[str, tuple[str, str, FaqDraft]] = OrderedDict()

    def put(self, scope: str, user: str, draft: FaqDraft) -> str:
        token = secrets.token_hex(8)
        self._items[token] = (scope, user, draft)
        while len(self._items) > PENDING_DRAFTS:
            self._items.popitem(last=False)
        return token

    def take(self, token: str, scope: str, user: str) -> FaqDraft:
        found = self._items.get(token)
        if found is None or found[0] != scope or found[1] != user:
            raise InvalidInput(messages.OTHER_SERVER_CONFIRM)
        del self._items[token]
        return found[2]


def register(adapter: SlackAdapter) -> None:
    app = adapter.app
    core = adapter.core
    adapter.pending = PendingDrafts()  # type: ignore[attr-defined]

    @app.view(CALLBACK)
    async def submitted(ack: Any, body: dict[str, Any], context: Any, view: dict[str, Any]) -> None:
        adapter.track()
        scope = adapter.scope(body, context)
        user = body["user"]["id"]
        try:
            meta = json.loads(view.get("private_metadata") or "{}")
            flows.same_scope(str(meta.get("scope")), str(scope))
        except (ValueError, FaqError):
            await ack(response_action="errors", errors={"question": messages.OTHER_SERVER_MODAL})
            return
        if scope is None or not await adapter.is_admin(scope, user):
            log.warning("scope %s: a non-admin submitted the FAQ form; nothing changed", scope)
            await ack(response_action="errors", errors={"question": texts.ADMIN_REQUIRED})
            return
        state = view.get("state", {}).get("values", {})
        alternates = [line.strip() for line in _value(state, "alternates").splitlines() if line.strip()]
        draft, errors = field_errors(_value(state, "question"), _value(state, "answer"), alternates)
        if draft is None:
            await ack(response_action="errors", errors=errors)
            return
        await ack()
        actor = f"slack:{user}"
        try:
            if meta.get("faq") is not None:
                current = await core.service.get(scope, int(meta["faq"]))
                if meta.get("kept"):
                    draft = FaqDraft(draft.question, draft.answer, current.alternates)
                updated = await core.service.update(scope, current.id, draft, actor)
                text = messages.faq_edited(
                    updated.id, SLACK.member_text(updated.question), alternates_kept=bool(meta.get("kept"))
                )
                await adapter.post(user, bk.text_message(text))
                return
            similar = await core.service.similar(scope, draft.question)
            if similar is not None:
                existing = await core.service.get(scope, similar.faq_id)
                token = adapter.pending.put(scope, user, draft)  # type: ignore[attr-defined]
                warning = messages.duplicate_warning(
                    confidence_percent(similar.confidence),
                    listing.faq_reference(existing, SLACK),
                    SLACK.member_text(draft.question),
                )
                await adapter.post(
                    user,
                    [
                        *bk.sections(warning),
                        bk.actions(
                            bk.button(messages.as_alternate_label(existing.id), f"slack:dup:alt:{existing.id}", token),
                            bk.button(messages.ADD_ANYWAY_LABEL, "slack:dup:add", token),
                            bk.button(messages.CANCEL_LABEL, "slack:dup:cancel", token),
                        ),
                    ],
                )
                return
            faq = await core.service.add(scope, draft, actor)
            await adapter.post(
                user, bk.text_message(messages.faq_added_now_live(faq.id, SLACK.member_text(faq.question)))
            )
        except Exception as exc:
            await adapter.report(None, exc, "FAQ form")
            try:
                await adapter.post(user, bk.text_message(bk.escape(str(exc)) if isinstance(exc, FaqError) else "⚠️"))
            except Exception:
                log.warning("could not tell %s about the failed form", user)
