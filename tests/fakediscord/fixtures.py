"""pytest fixtures: ``pytest_plugins = ["tests.fakediscord.fixtures"]`` in a conftest, or import.

``fake_discord`` is function-scoped: a fresh server (fresh ids, empty records) per test.  At
teardown it fails the test if the bot called routes the fake does not implement, unless the
test set ``fake_discord.allow_unmatched_routes = True``, or sent a body Discord refuses
(400/50035).
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest_asyncio

from .server import FakeDiscord


@pytest_asyncio.fixture
async def fake_discord() -> AsyncIterator[FakeDiscord]:
    async with FakeDiscord() as fd:
        yield fd
        fd.assert_no_unmatched_calls()
        fd.assert_no_refused_calls()
