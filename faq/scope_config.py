"""Per-scope adapter settings an admin changes at run time (FAQ channels, admin role, cooldown).

Stored in ``scope_settings`` (one JSON value per key) and cached in memory: a
chat adapter consults them on every message, and every change in this process goes through
:class:`ScopeConfigs`; a change another process committed reaches :meth:`ScopeConfigs.forget`
through ``FaqService.on_settings_changed`` (faq/changes.py). Ids are the platform's ids as
strings (a Discord snowflake ``"1234…"``, a Slack channel ``"C0123…"``); this module does not
interpret them. Older databases stored Discord ids as numbers: they read back as the same strings.
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass, replace

from faq.errors import InvalidInput, StorageError
from faq.store import FaqStore

MAX_FAQ_CHANNELS = 50
MAX_COOLDOWN_S = 3600

_CHANNELS, _ADMIN_ROLE, _COOLDOWN = "faq_channels", "admin_role", "cooldown_s"
_PLATFORM_ID = re.compile(r"[A-Za-z0-9_.:-]{1,64}")  # snowflakes, Slack ids (C…, S…), test ids


@dataclass(frozen=True, slots=True)
class ScopeConfig:
    faq_channels: frozenset[str] = frozenset()
    admin_role: str | None = None
    cooldown_s: float | None = None  # None: the adapter's default


def platform_id(value: object) -> str | None:
    """``value`` as a platform id string, or None when it cannot be one."""
    if isinstance(value, bool) or not isinstance(value, int | str):
        return None
    text = str(value)
    return text if _PLATFORM_ID.fullmatch(text) else None


def _ids(value: object) -> frozenset[str]:
    if not isinstance(value, list):
        return frozenset()
    return frozenset(i for i in map(platform_id, value) if i is not None)


class ScopeConfigs:
    def __init__(self, store: FaqStore) -> None:
        self.store = store
        self._cache: dict[str, ScopeConfig] = {}
        self._last: dict[str, ScopeConfig] = {}  # kept when forgotten: used while the database is away
        self._generation = 0  # bumped by forget: a read that raced it is not cached
        self._lock = asyncio.Lock()

    async def get(self, scope: str) -> ScopeConfig:
        found = self._cache.get(scope)
        if found is not None:
            return found
        generation = self._generation
        try:
            channels = await self.store.get_setting(scope, _CHANNELS)
            role = await self.store.get_setting(scope, _ADMIN_ROLE)
            cooldown = await self.store.get_setting(scope, _COOLDOWN)
        except StorageError:
            # Forgotten after a change elsewhere, then the database went away: members are still
            # answered with the settings read last (never read: the error stands).
            if scope in self._last:
                return self._last[scope]
            raise
        config = ScopeConfig(
            faq_channels=_ids(channels),
            admin_role=platform_id(role),
            cooldown_s=float(cooldown) if isinstance(cooldown, int | float) else None,
        )
        if generation == self._generation:
            self._cache[scope] = config
        self._last[scope] = config
        return config

    def forget(self, scope: str | None) -> None:
        """Drop the cached settings of ``scope`` (None: all): another process changed them."""
        self._generation += 1
        if scope is None:
            self._cache.clear()
        else:
            self._cache.pop(scope, None)

    async def _save(self, scope: str, key: str, value: object, config: ScopeConfig) -> ScopeConfig:
        await self.store.set_setting(scope, key, value)
        self._cache[scope] = self._last[scope] = config
        return config

    async def add_channel(self, scope: str, channel_id: str) -> ScopeConfig:
        channel_id = _checked(channel_id)
        async with self._lock:
            current = await self.get(scope)
            if channel_id in current.faq_channels:
                return current
            if len(current.faq_channels) >= MAX_FAQ_CHANNELS:
                raise InvalidInput(f"FAQ 채널은 최대 {MAX_FAQ_CHANNELS}개까지 지정할 수 있어요.")
            channels = current.faq_channels | {channel_id}
            return await self._save(scope, _CHANNELS, sorted(channels), replace(current, faq_channels=channels))

    async def remove_channel(self, scope: str, channel_id: str) -> ScopeConfig:
        channel_id = _checked(channel_id)
        async with self._lock:
            current = await self.get(scope)
            if channel_id not in current.faq_channels:
                raise InvalidInput("FAQ 채널로 지정되지 않은 채널이에요.")
            channels = current.faq_channels - {channel_id}
            return await self._save(scope, _CHANNELS, sorted(channels) or None, replace(current, faq_channels=channels))

    async def set_admin_role(self, scope: str, role_id: str | None) -> ScopeConfig:
        role_id = None if role_id is None else _checked(role_id)
        async with self._lock:
            current = await self.get(scope)
            return await self._save(scope, _ADMIN_ROLE, role_id, replace(current, admin_role=role_id))

    async def set_cooldown(self, scope: str, seconds: float | None) -> ScopeConfig:
        if seconds is not None and not (0 <= seconds <= MAX_COOLDOWN_S):
            raise InvalidInput(f"쿨다운은 0~{MAX_COOLDOWN_S}초 사이여야 해요.")
        async with self._lock:
            current = await self.get(scope)
            return await self._save(scope, _COOLDOWN, seconds, replace(current, cooldown_s=seconds))


def _checked(value: object) -> str:
    found = platform_id(value)
    if found is None:
        raise InvalidInput(f"잘못된 채널·역할 ID예요: {str(value)[:70]!r}")
    return found


__all__ = ["MAX_FAQ_CHANNELS", "ScopeConfig", "ScopeConfigs", "platform_id"]
