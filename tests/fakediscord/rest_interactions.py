"""REST routes an interaction's token unlocks: the callback, ``@original``, followups and webhook messages.

Discord's rules the fake enforces: one callback per interaction (else 400/40060), callback types
allowed for the interaction type, the callback within 3 s of the event (else 404/10062) and the
token's other routes within 15 minutes (else 401/50027), no followup before the callback (404),
and the first followup after a thinking defer edits the loading message and keeps the defer's
ephemerality.  Body limits (content, components, modal, choices, flags) are checked by the
router before a handler runs (``callback_rules`` etc. below, registered in ``server.py``).
"""

from __future__ import annotations

import copy
from typing import Any

from .bot_messages import BotMessagesMixin
from .constants import (
    ALLOWED_CALLBACKS,
    APPLICATION_COMMAND,
    APPLICATION_COMMAND_AUTOCOMPLETE_RESULT,
    CHANNEL_MESSAGE_WITH_SOURCE,
    DEFERRED_CHANNEL_MESSAGE_WITH_SOURCE,
    DEFERRED_UPDATE_MESSAGE,
    EPHEMERAL,
    JSON,
    LOADING,
    MODAL,
    UPDATE_MESSAGE,
    Reply,
)
from .interaction_models import InteractionState
from .limits import (
    DEFER_FLAGS,
    INTERACTION_MESSAGE_FLAGS,
    TOKEN_LIFETIME_S,
    autocomplete_problems,
    check_new_message,
    message_problems,
    modal_problems,
)
from .rest_errors import FormError, Problem, RestError
from .rest_router import RestRequest


def callback_rules(body: Any) -> list[Problem]:
    """Discord's limits on a callback's ``data``, by callback type."""
    if not isinstance(body, dict):
        return []
    ctype, data = body.get("type"), body.get("data")
    if ctype == CHANNEL_MESSAGE_WITH_SOURCE:
        return message_problems(data, allowed_flags=INTERACTION_MESSAGE_FLAGS, path=("data",))
    if ctype == DEFERRED_CHANNEL_MESSAGE_WITH_SOURCE:
        flags = (data or {}).get("flags") if isinstance(data, dict) else None
        return message_problems({"flags": flags}, allowed_flags=DEFER_FLAGS, path=("data",))
    if ctype == UPDATE_MESSAGE:
        return message_problems(data, allowed_flags=None, path=("data",))
    if ctype == APPLICATION_COMMAND_AUTOCOMPLETE_RESULT:
        return autocomplete_problems(data)
    if ctype == MODAL:
        return modal_problems(data)
    return []


def followup_rules(body: Any) -> list[Problem]:
    return message_problems(body, allowed_flags=INTERACTION_MESSAGE_FLAGS) if isinstance(body, dict) else []


def edit_rules(body: Any) -> list[Problem]:
    """Edits: limits as for a new message; unsupported flag changes are ignored, not refused."""
    return message_problems(body, allowed_flags=None) if isinstance(body, dict) else []


def _flagless_body(req: RestRequest) -> dict[str, Any]:
    """The request body without ``flags``: a response's ephemerality is fixed once sent."""
    return {k: v for k, v in (req.json or {}).items() if k != "flags"}


class InteractionRoutesMixin(BotMessagesMixin):
    def _interaction(self, req: RestRequest) -> InteractionState:
        """The interaction of a callback (by id + token) or webhook (by application + token) route."""
        state = self.interactions.get(req.params["interaction_token"])
        if "interaction_id" in req.params:
            if state is None or state.id != req.params["interaction_id"]:
                raise RestError(404, 10062, "Unknown interaction")
        elif state is None or req.params["application_id"] != self.application_id:
            raise RestError(404, 10015, "Unknown Webhook")
        if self.clock() - state.sent_at > TOKEN_LIFETIME_S:
            raise RestError(401, 50027, "Invalid Webhook Token")
        return state

    def _original(self, req: RestRequest) -> tuple[InteractionState, JSON]:
        """The interaction and its original response message (``@original``)."""
        state = self._interaction(req)
        if state.original_id is None or state.original_id not in self.messages:
            raise RestError(404, 10008, "Unknown Message")
        return state, self.messages[state.original_id]

    def _webhook_message(self, req: RestRequest) -> JSON:
        """The original or a followup of this interaction, by ``{message_id}``."""
        state = self._interaction(req)
        message_id = req.params["message_id"]
        msg = self.messages.get(message_id)
        if (message_id != state.original_id and message_id not in state.followup_ids) or msg is None:
            raise RestError(404, 10008, "Unknown Message")
        return msg

    # -- callback ----------------------------------------------------------------------------

    def _callback_body(self, state: InteractionState, ctype: int, message: JSON | None) -> JSON:
        interaction: JSON = {"id": state.id, "type": state.type}
        if message is not None:
            interaction["response_message_id"] = message["id"]
            interaction["response_message_loading"] = bool(message["flags"] & LOADING)
            interaction["response_message_ephemeral"] = bool(message["flags"] & EPHEMERAL)
        out: JSON = {"interaction": interaction}
        if ctype in (CHANNEL_MESSAGE_WITH_SOURCE, DEFERRED_CHANNEL_MESSAGE_WITH_SOURCE, UPDATE_MESSAGE):
            out["resource"] = {"type": ctype}
            # receiving-and-responding.mdx: resource.message "only present if type is either
            # CHANNEL_MESSAGE_WITH_SOURCE or UPDATE_MESSAGE".
            if ctype != DEFERRED_CHANNEL_MESSAGE_WITH_SOURCE:
                out["resource"]["message"] = message
        return out

    async def _interaction_callback(self, req: RestRequest) -> Reply:
        state = self._interaction(req)
        if state.callback_type is None and self.clock() - state.sent_at > self.initial_response_s:
            # Past the 3-second window Discord has invalidated the token.
            raise RestError(404, 10062, "Unknown interaction")
        if state.callback_type is not None:
            raise RestError(400, 40060, "Interaction has already been acknowledged.")
        body = req.json or {}
        ctype = body.get("type")
        if ctype not in ALLOWED_CALLBACKS.get(state.type, set()):
            raise FormError.at(
                "type", "BASE_TYPE_CHOICES", f"Value must be one of {sorted(ALLOWED_CALLBACKS[state.type])}."
            )
        data = body.get("data") or {}
        channel_id = state.payload["channel_id"]
        message_type = 20 if state.type == APPLICATION_COMMAND else 0
        message: JSON | None = None
        src_message = state.payload.get("message")
        if ctype == CHANNEL_MESSAGE_WITH_SOURCE:
            check_new_message(data, files=len(req.files))
            message = self._new_message(channel_id, data, req.files, message_type=message_type, interaction=state)
            state.original_id = message["id"]
        elif ctype == DEFERRED_CHANNEL_MESSAGE_WITH_SOURCE:
            flags = LOADING | ((data.get("flags") or 0) & EPHEMERAL)
            message = self._new_message(
                channel_id, {"content": ""}, (), message_type=message_type, interaction=state, flags=flags
            )
            state.original_id = message["id"]
            state.original_loading = True
        elif ctype in (DEFERRED_UPDATE_MESSAGE, UPDATE_MESSAGE):
            if src_message is None:
                raise RestError(400, 40061, "Interaction has no message to update")
            target = self.messages.setdefault(src_message["id"], copy.deepcopy(src_message))
            state.original_id = target["id"]
            if ctype == UPDATE_MESSAGE:
                message = self._apply_edit(target, data, req.files)
        elif ctype == APPLICATION_COMMAND_AUTOCOMPLETE_RESULT:
            state.choices = data.get("choices") or []
        elif ctype == MODAL:
            state.modal = copy.deepcopy(data)
            self._assign_component_ids(state.modal["components"])
        state.callback_type = ctype
        if message is not None:
            await self._echo("MESSAGE_UPDATE" if ctype == UPDATE_MESSAGE else "MESSAGE_CREATE", message)
        if req.query_flag("with_response"):
            return 200, self._callback_body(state, ctype, message)
        return 204, None

    # -- @original ---------------------------------------------------------------------------

    async def _get_original(self, req: RestRequest) -> Reply:
        _, msg = self._original(req)
        return 200, msg

    async def _edit_original(self, req: RestRequest) -> Reply:
        state, msg = self._original(req)
        body = _flagless_body(req)
        if state.original_loading:
            msg["flags"] &= ~LOADING
            state.original_loading = False
        return await self._edit_and_echo(msg, body, req.files)

    async def _delete_original(self, req: RestRequest) -> Reply:
        _, msg = self._original(req)
        return await self._delete_and_echo(msg)

    # -- followups and other webhook messages ------------------------------------------------

    async def _create_followup(self, req: RestRequest) -> Reply:
        state = self._interaction(req)
        if state.callback_type is None:
            raise RestError(404, 10015, "Unknown Webhook")
        body = req.json or {}
        check_new_message(body, files=len(req.files))
        if state.original_loading and state.original_id in self.messages:
            # Discord: the first followup after a thinking defer edits the loading message and
            # keeps the defer's ephemerality.
            msg = self.messages[state.original_id]
            msg["flags"] &= ~LOADING
            state.original_loading = False
            msg = self._apply_edit(msg, _flagless_body(req), req.files)
            msg["edited_timestamp"] = None
            await self._echo("MESSAGE_UPDATE", msg)
        else:
            flags = (body.get("flags") or 0) & EPHEMERAL
            msg = self._new_message(state.payload["channel_id"], body, req.files, interaction=state, flags=flags)
            await self._echo("MESSAGE_CREATE", msg)
        state.followup_ids.append(msg["id"])
        # receiving-and-responding.mdx: for interaction followups "wait is always true".
        return 200, msg

    async def _get_webhook_message(self, req: RestRequest) -> Reply:
        return 200, self._webhook_message(req)

    async def _edit_webhook_message(self, req: RestRequest) -> Reply:
        msg = self._webhook_message(req)
        return await self._edit_and_echo(msg, _flagless_body(req), req.files)

    async def _delete_webhook_message(self, req: RestRequest) -> Reply:
        return await self._delete_and_echo(self._webhook_message(req))
