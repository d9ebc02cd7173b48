"""The ``world`` fixture: a fake Discord with two club guilds (helpers in tests/bot/helpers.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.bot.helpers import World, make_club
from tests.fakediscord import FakeDiscord


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[World]:
    async with FakeDiscord() as fd:
        a = await make_club(fd, "멋사A")
        b = await make_club(fd, "멋사B")
        yield World(fd, tmp_path / "bot.db", a, b)
        fd.assert_no_unmatched_calls()
        fd.assert_no_refused_calls()
