"""What the fake Slack knows: workspaces (teams, optionally in one Enterprise Grid org), members,
channels, user groups, the bot, messages the bot posted, open views, trigger ids, response URLs
and files; and the recorded calls.

Ids look like Slack's (``T…``, ``U…``, ``C…``, ``G…``, ``D…``, ``S…``, ``V…``, ``F…``) and
timestamps like ``"1700000000.000100"``.
"""

from __future__ import annotations

import itertools
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

BOT_TOKEN = "xoxb-fake-bot-token"
APP_TOKEN = "xapp-1-fake-app-token"
SIGNING_SECRET = "fake-signing-secret"
APP_ID = "AFAKEAPP01"

TRIGGER_TTL_S = 3.0  # Slack: a trigger_id must be used within 3 seconds
RESPONSE_URL_TTL_S = 30 * 60  # response_url: 30 minutes ...
RESPONSE_URL_USES = 5  # ... and at most 5 uses


@dataclass
class Team:
    id: str
    name: str
    enterprise_id: str | None = None
    bot_user_id: str = ""
    bot_id: str = ""

    @property
    def domain(self) -> str:
        return self.name.lower().replace(" ", "-")


@dataclass
class User:
    id: str
    team_id: str
    name: str
    is_admin: bool = False
    is_owner: bool = False
    is_bot: bool = False
    deleted: bool = False

    def payload(self, enterprise_id: str | None = None) -> dict[str, Any]:
        user: dict[str, Any] = {
            "id": self.id,
            "team_id": self.team_id,
            "name": self.name,
            "real_name": self.name,
            "deleted": self.deleted,
            "is_admin": self.is_admin,
            "is_owner": self.is_owner,
            "is_primary_owner": False,
            "is_restricted": False,
            "is_ultra_restricted": False,
            "is_bot": self.is_bot,
            "is_app_user": False,
            "tz": "Asia/Seoul",
            "profile": {"display_name": self.name, "real_name": self.name},
        }
        if enterprise_id:
            user["enterprise_user"] = {"enterprise_id": enterprise_id, "is_admin": False, "teams": [self.team_id]}
        return user


@dataclass
class Channel:
    id: str
    team_id: str
    name: str
    kind: str = "channel"  # channel (public), group (private), im
    members: set[str] = field(default_factory=set)


@dataclass
class Posted:
    """A message the bot posted (or a member's message the test sent), as Slack stores it."""

    channel: str
    ts: str
    text: str
    blocks: list[dict[str, Any]]
    user: str
    team_id: str
    thread_ts: str | None = None
    ephemeral_to: str | None = None  # chat.postEphemeral / an ephemeral respond()
    bot_id: str | None = None
    edits: int = 0


@dataclass
class View:
    id: str
    team_id: str
    user: str
    view: dict[str, Any]
    hash: str
    kind: str = "modal"  # modal or home
    closed: bool = False


@dataclass
class Trigger:
    id: str
    user: str
    team_id: str
    issued: float
    used: bool = False


@dataclass
class ResponseUrl:
    id: str
    team_id: str
    user: str
    channel: str
    issued: float
    uses: int = 0
    source_message: Posted | None = None  # block_actions: the message the click came from


@dataclass
class SlackFile:
    id: str
    team_id: str
    name: str
    content: bytes
    user: str
    channel: str | None = None
    title: str = ""
    complete: bool = False

    def payload(self, base_url: str) -> dict[str, Any]:
        filetype = self.name.rsplit(".", 1)[-1].lower() if "." in self.name else "text"
        return {
            "id": self.id,
            "name": self.name,
            "title": self.title or self.name,
            "user": self.user,
            "filetype": filetype,
            "mimetype": "text/plain" if filetype in ("csv", "txt") else "application/octet-stream",
            "size": len(self.content),
            "url_private": f"{base_url}files-pri/{self.team_id}-{self.id}/{self.name}",
            "url_private_download": f"{base_url}files-pri/{self.team_id}-{self.id}/download/{self.name}",
            "channels": [self.channel] if self.channel else [],
        }


class Ids:
    """Slack-looking ids: a prefix letter and 10 upper-case characters."""

    def __init__(self) -> None:
        self._n = itertools.count(1)
        self._ts = itertools.count(1)
        self._base = int(time.time())

    def new(self, prefix: str) -> str:
        return f"{prefix}{next(self._n):010d}"

    def ts(self) -> str:
        return f"{self._base}.{next(self._ts):06d}"

    @staticmethod
    def secret(n: int = 8) -> str:
        return secrets.token_hex(n)


class Clock:
    """Monotonic seconds the fake measures its windows with; tests move it forward."""

    def __init__(self, source: Callable[[], float] = time.monotonic) -> None:
        self._source = source
        self.offset = 0.0

    def __call__(self) -> float:
        return self._source() + self.offset

    def advance(self, seconds: float) -> None:
        self.offset += seconds
