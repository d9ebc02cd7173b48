"""Section 4: peak RSS of a bot-like process per model (one fresh subprocess each:
``python -m faqbot.perf.rss MODEL BACKEND [CACHE_DIR]``)."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from faqbot.perf.measure import bench_questions
from faqbot.perf.plan import load_model, model_profile_of

log = logging.getLogger(__name__)


async def rss_probe(model: str, backend: str, cache_dir: Path | None = None) -> dict[str, Any]:
    """Run in a fresh process: load, open a seeded DB, answer a burst; report peak RSS."""
    from faq.seed import bundled_faqs
    from faqbot.app import open_service
    from faqbot.settings import CoreSettings

    start = time.perf_counter()
    encoder = load_model(model, backend, cache_dir)
    loaded_s = time.perf_counter() - start
    with tempfile.TemporaryDirectory(prefix="faqbot-rss-") as tmp:
        settings = CoreSettings(db=Path(tmp) / "rss.db")
        # With the model's profile, as the bot runs it: its decision, and a cascade's scorer where it has one.
        async with open_service(settings, encoder=encoder, profile=model_profile_of(model)) as service:
            # A new database is empty: give it the bundled club FAQs as before.
            await service.import_drafts("default", bundled_faqs(), "bench")
            await service.load_all()
            questions = bench_questions()[:128]
            await asyncio.gather(*(service.ask("default", q) for q in questions))
        # Steady state after the burst (the peak of an ONNX load includes the torch copy it drops).
        rss_now = peak_rss_mb("VmRSS:")
    return {"peak_rss_mb": peak_rss_mb(), "rss_after_burst_mb": rss_now, "load_s": round(loaded_s, 2)}


def peak_rss_mb(field: str = "VmHWM:") -> float:
    """This process's RSS high-water mark.

    VmHWM, not ``getrusage``: Linux carries ru_maxrss across exec, so a child of a
    1.5 GB parent would report the parent's peak.
    """
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def rss_section(models: Sequence[tuple[str, str]], cache_dir: Path | None) -> dict[str, Any]:
    """One fresh process per model, run side by side (peak memory does not depend on timing)."""
    running = {}
    for model, backend in models:
        cmd = [sys.executable, "-m", "faqbot.perf.rss", model, backend]
        if cache_dir:
            cmd.append(str(cache_dir))
        key = model if backend == "torch" else f"{model}/{backend}"
        running[key] = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    out: dict[str, Any] = {}
    for key, proc in running.items():
        stdout, stderr = proc.communicate(timeout=600)
        if proc.returncode != 0:
            out[key] = {"error": (stderr.strip().splitlines() or ["failed"])[-1]}
        else:
            out[key] = json.loads(stdout.strip().splitlines()[-1])
    return out


def main(argv: Sequence[str]) -> int:
    model, backend = argv[0], argv[1]
    cache_dir = Path(argv[2]) if len(argv) > 2 else None
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    print(json.dumps(asyncio.run(rss_probe(model, backend, cache_dir))))
    return 0


if __name__ == "__main__":
    if len(sys.argv) > 2:
        sys.exit(main(sys.argv[1:]))
    sys.exit("usage: python -m faqbot.perf.rss MODEL BACKEND [CACHE_DIR]")
