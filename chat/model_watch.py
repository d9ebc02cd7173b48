"""Hot swap of the model: poll a local model folder and switch when its files change.

``faqbot train`` writes a new model into the configured folder; this notices
(by file names, sizes and mtimes — cheap, no hashing of weights), waits until
the folder has stopped changing for one more poll (a half-copied model is not
loaded), loads the new encoder in a worker thread and calls
``service.swap_embedder``. The service keeps answering with the old model until
the new indexes are built; any failure is logged and the old model keeps serving.
Hub IDs (not a local folder) are not watched.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from pathlib import Path

from faq.embedder import Embedder
from faq.encoding import Encoder
from faq.service import FaqService
from model.encoder import directory_fingerprint

log = logging.getLogger(__name__)


def folder_fingerprint(path: Path) -> str | None:
    """The folder's cheap fingerprint (names, sizes, mtimes); None when it is missing or empty."""
    if not path.is_dir() or not any(p.is_file() for p in path.rglob("*")):
        return None
    return directory_fingerprint(path)


def watchable(model: str) -> Path | None:
    """The folder to watch for setting ``model``, or None (empty = bundled default, or a hub ID)."""
    if not model:
        return None
    path = Path(model).expanduser()
    return path if path.is_dir() else None


class ModelWatcher:
    def __init__(
        self,
        service: FaqService,
        path: Path,
        *,
        load: Callable[[Path], Encoder],
        make_embedder: Callable[[Encoder], Embedder],
        interval_s: float = 60.0,
    ) -> None:
        self.service = service
        self.path = path
        self._load = load
        self._make_embedder = make_embedder
        self.interval_s = interval_s
        self.current: str | None = None  # fingerprint of the model being served
        self._pending: str | None = None  # changed fingerprint seen once, waiting to be stable
        self._failed: str | None = None  # fingerprint whose load failed: retried only after a new change
        self.swaps = 0
        self._task: asyncio.Task[None] | None = None

    async def _fingerprint(self) -> str | None:
        return await asyncio.to_thread(folder_fingerprint, self.path)

    async def prime(self) -> None:
        """Remember the folder as it is now: the model the service was started with."""
        self.current = await self._fingerprint()

    async def check(self) -> bool:
        """One poll; returns True when a new model was swapped in."""
        seen = await self._fingerprint()
        if seen is None or seen == self.current or seen == self._failed:
            self._pending = None
            return False
        if seen != self._pending:  # changed since the last poll: maybe still being written
            self._pending = seen
            return False
        self._pending = None
        log.info("model folder %s changed (%s -> %s); loading the new model", self.path, self.current, seen)
        try:
            encoder = await asyncio.to_thread(self._load, self.path)
            embedder = self._make_embedder(encoder)
        except Exception:
            log.exception("loading the new model from %s failed; the old model keeps serving", self.path)
            self._failed = seen
            return False
        try:
            await self.service.swap_embedder(embedder)
        except Exception:
            log.exception("switching to the new model failed; the old model keeps serving")
            self._failed = seen
            await embedder.aclose()
            return False
        self.current, self._failed = seen, None
        self.swaps += 1
        log.info("now serving the model in %s (%s)", self.path, seen)
        return True

    async def run(self) -> None:
        await self.prime()
        while True:
            await asyncio.sleep(self.interval_s)
            try:
                await self.check()
            except Exception:  # never let the watcher die: the next poll may succeed
                log.exception("model watcher poll failed")

    def start(self) -> asyncio.Task[None]:
        self._task = asyncio.create_task(self.run(), name="faqbot-model-watcher")
        return self._task

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass
            self._task = None
