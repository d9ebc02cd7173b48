"""Who administers a workspace's FAQs: its admins and owners (``users.info``), or members of the
user group the scope configured (``usergroups.users.list``). Checked on every admin command,
button and view submission; answers are cached briefly so a burst of clicks costs one lookup.
"""

from __future__ import annotations

import logging
import time

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from chat.admin import is_admin
from faq.scope_config import ScopeConfigs

log = logging.getLogger(__name__)


class SlackAdmins:
    def __init__(self, client: AsyncWebClient, configs: ScopeConfigs, *, ttl_s: float = 60.0) -> None:
        self.client = client
        self.configs = configs
        self.ttl_s = ttl_s
        self._users: dict[str, tuple[float, bool]] = {}
        self._groups: dict[str, tuple[float, frozenset[str]]] = {}

    async def _workspace_admin(self, user_id: str) -> bool:
        cached = self._users.get(user_id)
        if cached and time.monotonic() - cached[0] < self.ttl_s:
            return cached[1]
        try:
            user = (await self.client.users_info(user=user_id))["user"]
        except SlackApiError as exc:
            log.warning("users.info for an admin check failed: %s", exc.response.get("error"))
            return False  # unknown: not an admin
        admin = bool(user.get("is_admin") or user.get("is_owner") or user.get("is_primary_owner"))
        admin = admin and not user.get("deleted") and not user.get("is_restricted")
        self._users[user_id] = (time.monotonic(), admin)
        return admin

    async def _group_members(self, group: str) -> frozenset[str]:
        cached = self._groups.get(group)
        if cached and time.monotonic() - cached[0] < self.ttl_s:
            return cached[1]
        try:
            members = frozenset((await self.client.usergroups_users_list(usergroup=group))["users"])
        except SlackApiError as exc:
            log.warning("usergroups.users.list %s failed: %s", group, exc.response.get("error"))
            return frozenset()
        self._groups[group] = (time.monotonic(), members)
        return members

    async def check(self, scope: str, user_id: str) -> bool:
        platform_admin = await self._workspace_admin(user_id)
        config = await self.configs.get(scope)
        members = (
            await self._group_members(config.admin_role) if config.admin_role and not platform_admin else frozenset()
        )
        group = config.admin_role
        return await is_admin(
            self.configs, scope, platform_admin=platform_admin, in_group=lambda g: g == group and user_id in members
        )

    def forget(self) -> None:
        self._users.clear()
        self._groups.clear()
