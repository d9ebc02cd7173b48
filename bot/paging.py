"""The ``/faq list`` page sets held in memory, bounded per member and in total.

Each open list keeps its pages (about 150 KiB of text for a 1,000-FAQ server) until it
times out. Unbounded, a member calling ``/faq list`` in a loop could pin memory for ten
minutes per call; here a member has one live list (a new one closes the old), and all
lists together hold at most ``max_bytes`` of text, the oldest closed first.
"""

from __future__ import annotations

import sys
from collections import OrderedDict

from bot.ui.owned import PageView

DEFAULT_MAX_BYTES = 8 * 2**20


def page_bytes(view: PageView) -> int:
    return sum(sys.getsizeof(page) for page in view.pages)


class LivePages:
    def __init__(self, max_bytes: int = DEFAULT_MAX_BYTES) -> None:
        self.max_bytes = max_bytes
        self._views: OrderedDict[int, tuple[PageView, int]] = OrderedDict()  # owner → (view, bytes), oldest first
        self.bytes = 0

    def __len__(self) -> int:
        return len(self._views)

    def add(self, owner_id: int, view: PageView) -> None:
        self._drop(owner_id)
        for owner, (old, _) in list(self._views.items()):  # timed out on their own
            if old.is_finished():
                self._drop(owner)
        size = page_bytes(view)
        self._views[owner_id] = (view, size)
        self.bytes += size
        while self.bytes > self.max_bytes and len(self._views) > 1:
            self._drop(next(iter(self._views)))

    def _drop(self, owner_id: int) -> None:
        entry = self._views.pop(owner_id, None)
        if entry is None:
            return
        view, size = entry
        self.bytes -= size
        view.stop()  # no longer dispatched; its pages can be collected
        view.pages = view.pages[:0]
