"""Hot swap of the model with fake encoders: a changed folder is loaded, a broken one is not."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from chat.model_watch import ModelWatcher, folder_fingerprint, watchable
from faq.embedder import ThreadedEmbedder
from faq.service import FaqService
from model.fake import HashingEncoder


def touch(folder: Path, name: str, data: bytes) -> None:
    (folder / name).write_bytes(data)
    os.utime(folder / name, ns=(1, hash(data) & 0xFFFFFFFF))


async def test_swaps_after_the_folder_settles_and_survives_failures(service: FaqService, tmp_path: Path) -> None:
    folder = tmp_path / "model"
    folder.mkdir()
    touch(folder, "weights.bin", b"v1")
    loads: list[str] = []
    fail = False

    def load(path: Path) -> HashingEncoder:
        loads.append((path / "weights.bin").read_text())
        if fail:
            raise RuntimeError("broken weights")
        return HashingEncoder(tag=(path / "weights.bin").read_text())

    watcher = ModelWatcher(service, folder, load=load, make_embedder=ThreadedEmbedder, interval_s=0.01)
    await watcher.prime()
    assert not await watcher.check() and loads == []  # unchanged

    touch(folder, "weights.bin", b"v2")
    assert not await watcher.check()  # seen once: maybe still being written
    assert await watcher.check()  # stable: swapped
    assert service.embedder.encoder.fingerprint == "hashing:256:v2" and loads == ["v2"]
    answer = await service.ask("g1", "회비 얼마예요?")
    assert answer.best is not None and answer.best.question == "회비는 얼마인가요?"

    fail = True
    touch(folder, "weights.bin", b"v3")
    assert not await watcher.check()
    assert not await watcher.check()  # load failed: logged, old model keeps serving
    assert service.embedder.encoder.fingerprint == "hashing:256:v2"
    assert not await watcher.check() and loads == ["v2", "v3"]  # not retried until it changes again
    assert (await service.ask("g1", "회비 얼마예요?")).best is not None

    fail = False
    touch(folder, "weights.bin", b"v4")
    await watcher.check()
    assert await watcher.check() and watcher.swaps == 2
    assert service.embedder.encoder.fingerprint == "hashing:256:v4"


async def test_run_task_polls_and_stops(service: FaqService, tmp_path: Path) -> None:
    folder = tmp_path / "m"
    folder.mkdir()
    touch(folder, "a", b"1")
    watcher = ModelWatcher(
        service, folder, load=lambda p: HashingEncoder(tag="new"), make_embedder=ThreadedEmbedder, interval_s=0.01
    )
    watcher.start()
    import asyncio

    await asyncio.sleep(0.05)
    touch(folder, "a", b"2")
    for _ in range(200):
        if watcher.swaps:
            break
        await asyncio.sleep(0.01)
    await watcher.stop()
    assert watcher.swaps == 1 and service.embedder.encoder.fingerprint == "hashing:256:new"


@pytest.mark.parametrize("model", ["", "jhgan/ko-sroberta-multitask", "/does/not/exist"])
def test_hub_ids_and_default_are_not_watched(model: str) -> None:
    assert watchable(model) is None


def test_fingerprint_of_missing_or_empty_folder(tmp_path: Path) -> None:
    assert folder_fingerprint(tmp_path / "nope") is None
    assert folder_fingerprint(tmp_path) is None


def _perturbed_copy(source: Path, target: Path) -> None:
    """``source`` with other weights: what a retrain writes."""
    import shutil

    import numpy as np
    from safetensors.numpy import load_file, save_file

    shutil.copytree(source, target)
    weights = load_file(str(target / "model.safetensors"))
    weights = {k: (v * np.float32(1.01)).astype(v.dtype) for k, v in weights.items()}
    save_file(weights, str(target / "model.safetensors"))


async def test_an_ensemble_folder_retrained_in_place_is_swapped_in(service: FaqService, tmp_path: Path) -> None:
    """`faqbot train --db -o models/club` on the default writes an ensemble folder (adapted static part
    inside, e5-club by name) and replaces it atomically; the watcher must see that and load it."""
    import json

    from model.encoder import DEFAULT_MODEL_DIR, load_encoder
    from model.ensemble import MANIFEST, EnsembleEncoder
    from model.profile import PROFILE
    from model.publish import atomic_replace

    def ensemble(folder: Path, weights_from: Path) -> None:
        _perturbed_copy(weights_from, folder / "adapted-static")
        parts = [{"model": "adapted-static", "weight": 0.5}, {"model": "static", "weight": 0.5}]
        (folder / MANIFEST).write_text(json.dumps({"parts": parts}), encoding="utf-8")

    club = tmp_path / "club"
    club.mkdir()
    ensemble(club, DEFAULT_MODEL_DIR)
    watcher = ModelWatcher(service, club, load=load_encoder, make_embedder=ThreadedEmbedder, interval_s=0.01)
    await watcher.prime()
    (club / PROFILE).write_text("{}", encoding="utf-8")  # a profile edit re-encodes nothing
    assert not await watcher.check() and not await watcher.check()

    staged = tmp_path / ".club.tmp-1"
    staged.mkdir()
    ensemble(staged, club / "adapted-static")
    atomic_replace(staged, club)  # as train_ensemble publishes
    assert not await watcher.check()  # seen once
    assert await watcher.check()
    served = service.embedder.encoder
    assert isinstance(served, EnsembleEncoder) and served.fingerprint == load_encoder(club).fingerprint
    answer = await service.ask("g1", "회비 얼마예요?")
    assert answer.best is not None and answer.best.question == "회비는 얼마인가요?"
