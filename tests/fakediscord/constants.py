"""Discord v10 numbers the fake needs (interaction, callback and option types, flags) and shared aliases."""

from __future__ import annotations

import re
from typing import Any

JSON = dict[str, Any]
Reply = tuple[int, Any]  # (HTTP status, JSON body or None)

API_VERSION = 10

# Interaction types (https://discord.com/developers/docs/interactions/receiving-and-responding).
PING = 1
APPLICATION_COMMAND = 2
MESSAGE_COMPONENT = 3
APPLICATION_COMMAND_AUTOCOMPLETE = 4
MODAL_SUBMIT = 5

# Interaction callback types.
PONG = 1
CHANNEL_MESSAGE_WITH_SOURCE = 4
DEFERRED_CHANNEL_MESSAGE_WITH_SOURCE = 5
DEFERRED_UPDATE_MESSAGE = 6
UPDATE_MESSAGE = 7
APPLICATION_COMMAND_AUTOCOMPLETE_RESULT = 8
MODAL = 9

# Message flags.
EPHEMERAL = 1 << 6
LOADING = 1 << 7

# Application command option types.
SUB_COMMAND = 1
SUB_COMMAND_GROUP = 2
STRING = 3
INTEGER = 4
BOOLEAN = 5
USER = 6
CHANNEL = 7
ROLE = 8
MENTIONABLE = 9
NUMBER = 10
ATTACHMENT = 11

# Which callback types Discord accepts for each interaction type.
ALLOWED_CALLBACKS: dict[int, set[int]] = {
    PING: {PONG},
    APPLICATION_COMMAND: {CHANNEL_MESSAGE_WITH_SOURCE, DEFERRED_CHANNEL_MESSAGE_WITH_SOURCE, MODAL},
    MESSAGE_COMPONENT: {
        CHANNEL_MESSAGE_WITH_SOURCE,
        DEFERRED_CHANNEL_MESSAGE_WITH_SOURCE,
        DEFERRED_UPDATE_MESSAGE,
        UPDATE_MESSAGE,
        MODAL,
    },
    APPLICATION_COMMAND_AUTOCOMPLETE: {APPLICATION_COMMAND_AUTOCOMPLETE_RESULT},
    MODAL_SUBMIT: {
        CHANNEL_MESSAGE_WITH_SOURCE,
        DEFERRED_CHANNEL_MESSAGE_WITH_SOURCE,
        DEFERRED_UPDATE_MESSAGE,
        UPDATE_MESSAGE,
    },
}

USER_MENTION = re.compile(r"<@!?(\d+)>")
ROLE_MENTION = re.compile(r"<@&(\d+)>")
