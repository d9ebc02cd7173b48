"""The torch-free StaticEmbedding path gives the vectors sentence-transformers gives."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from sentence_transformers import SentenceTransformer
from sentence_transformers.sentence_transformer.modules import Normalize, StaticEmbedding
from tokenizers import Tokenizer, models, pre_tokenizers, trainers

from model.encoder import load_encoder
from model.static import StaticEncoder, static_module_dir

TEXTS = ["회비는 얼마인가요?", "세션은 언제 하나요?", "FE 파트 뭐함?", "프론트엔드 스택 react?", "회비얼마"]


@pytest.fixture(scope="module")
def static_model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tokenizer = Tokenizer(models.WordPiece(unk_token="[UNK]"))
    tokenizer.pre_tokenizer = pre_tokenizers.Whitespace()
    tokenizer.train_from_iterator(TEXTS * 3, trainers.WordPieceTrainer(vocab_size=200, special_tokens=["[UNK]"]))
    embedding = StaticEmbedding(tokenizer, embedding_dim=32)
    model = SentenceTransformer(modules=[embedding, Normalize()], device="cpu")
    path = tmp_path_factory.mktemp("static")
    model.save(str(path))
    return path


def test_numpy_path_matches_sentence_transformers(static_model_dir: Path) -> None:
    folder = static_module_dir(static_model_dir)
    assert folder is not None
    fast = StaticEncoder(folder, fingerprint="x", name="tiny")
    reference = SentenceTransformer(str(static_model_dir), device="cpu").encode(
        [*TEXTS, "🙂"], convert_to_numpy=True, normalize_embeddings=True
    )
    ours = fast.encode([*TEXTS, "🙂"])
    assert ours.shape == reference.shape and ours.dtype == np.float32
    assert np.allclose(ours, reference, atol=1e-5)
    assert fast.max_seq_length is None


def test_load_encoder_uses_the_fast_path_for_static_models(static_model_dir: Path) -> None:
    encoder = load_encoder(static_model_dir)
    assert isinstance(encoder, StaticEncoder)
    assert encoder.dimension == 32


def test_models_with_other_layers_use_sentence_transformers(tmp_path: Path) -> None:
    modules = '[{"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"}]'
    (tmp_path / "modules.json").write_text(modules)
    assert static_module_dir(tmp_path) is None
