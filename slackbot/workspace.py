"""Which scope a Slack request belongs to, and which deliveries were already handled.

Scope = enterprise + team as Slack put them in the request (Bolt's context, else the
payload's own team fields for org-wide installs, where the authorization names only the
org): ``slack:T…`` or ``slack:E…:T…``. Never from anything a member typed. A setting
(``SLACK_SCOPES``) maps a workspace to an existing scope, e.g. a Discord server's id, so
one club's FAQs answer in both.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Mapping
from typing import Any

from faq.errors import InvalidInput
from faq.scope_config import platform_id


def parse_scope_map(text: str) -> dict[str, str]:
    """``"T0123=1234567890, E01/T02=default"`` → {workspace key: scope}; a bad entry raises InvalidInput."""
    found: dict[str, str] = {}
    for entry in filter(None, (e.strip() for e in text.split(","))):
        workspace, sep, scope = (part.strip() for part in entry.partition("="))
        if not sep or not all(platform_id(p) for p in workspace.split("/")) or platform_id(scope) is None:
            raise InvalidInput(
                f"SLACK_SCOPES 항목을 읽을 수 없어요: {entry!r} (형식: T0123=스코프 또는 E01/T02=스코프)"
            )
        found[workspace] = scope
    return found


def team_of(body: Mapping[str, Any], context: Mapping[str, Any]) -> tuple[str | None, str | None]:
    """(enterprise id, team id) of the workspace the request came from."""
    enterprise = context.get("enterprise_id")
    team = context.get("team_id")
    if team is None:  # org-wide install: the authorization names the org; the payload names the workspace
        event = body.get("event") if isinstance(body.get("event"), dict) else {}
        user = body.get("user") if isinstance(body.get("user"), dict) else {}
        team_field = body.get("team")
        team = (
            body.get("team_id")
            or (team_field.get("id") if isinstance(team_field, dict) else team_field)
            or event.get("team")
            or user.get("team_id")
        )
    return enterprise, team


class Workspaces:
    def __init__(self, scope_map: Mapping[str, str]) -> None:
        self.scope_map = dict(scope_map)

    def scope(self, body: Mapping[str, Any], context: Mapping[str, Any]) -> str | None:
        enterprise, team = team_of(body, context)
        if not team:
            return None
        for key in (f"{enterprise}/{team}" if enterprise else None, team):
            if key and key in self.scope_map:
                return self.scope_map[key]
        return f"slack:{enterprise}:{team}" if enterprise else f"slack:{team}"


class Seen:
    """Keys handled in the last ``ttl_s`` seconds (event ids, message timestamps), at most ``size``."""

    def __init__(self, ttl_s: float = 600.0, size: int = 20_000) -> None:
        self.ttl_s = ttl_s
        self.size = size
        self._at: OrderedDict[str, float] = OrderedDict()

    def claim(self, key: str) -> bool:
        """True the first time ``key`` is seen (the caller handles it); False for a repeat."""
        now = time.monotonic()
        while self._at and (len(self._at) >= self.size or now - next(iter(self._at.values())) > self.ttl_s):
            self._at.popitem(last=False)
        if key in self._at:
            return False
        self._at[key] = now
        return True
