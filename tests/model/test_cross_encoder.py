"""The cross-encoder scorer (model/cross_encoder.py): the library's scores on numpy, one token table, clear errors."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from faq.cascade import AS_WRITTEN, NEAREST_FIRST
from model.cross_encoder import HEAD, CrossEncoderScorer, load_scorer, pair_text
from model.encoder_base import EncoderLoadError
from model.numpy_bert import NumpyBertEncoder

PAIRS = [
    ("회비는 얼마인가요?", "한 학기 회비는 3만 원입니다."),
    ("MT 언제 가요?", "MT는 5월 둘째 주에 갑니다. 자세한 일정은 공지를 보세요."),
    ("How do I join?", "지원서는 모집 기간에 " + "아주 긴 설명 " * 60),  # past the input limit: cut as trained
]


def _folder(minilm_path: Path, tmp_path: Path, seed: int = 3) -> tuple[Path, dict]:
    """A cross-encoder-shaped folder: MiniLM with a random head and a default prompt the scorer must not use."""
    folder = tmp_path / "ce"
    shutil.copytree(minilm_path, folder)
    rng = np.random.default_rng(seed)
    head = {"weight": rng.normal(size=384).tolist(), "bias": 0.1, "scale": 20.0}
    (folder / HEAD).write_text(json.dumps(head), encoding="utf-8")
    prompts = {"prompts": {"query": "query: "}, "default_prompt_name": "query"}
    (folder / "config_sentence_transformers.json").write_text(json.dumps(prompts), encoding="utf-8")
    return folder, head


def test_pair_text_fills_each_field_once() -> None:
    assert pair_text("a {answer}", "Q", "A") == "query: a {answer} passage: Q A"  # a member's braces stay text


def test_scores_are_the_library_forward_and_head(minilm_path: Path, tmp_path: Path) -> None:
    import torch
    from sentence_transformers import SentenceTransformer

    folder, head = _folder(minilm_path, tmp_path)
    scorer = CrossEncoderScorer(folder, "ce")
    ours = scorer.score("회비 얼마예요?", PAIRS)
    model = SentenceTransformer(str(folder), device="cpu")
    with torch.no_grad():  # how benchmarks/gpu_round.py trained and scored it: tokenize, no prompt
        emb = model(model.tokenize(scorer.texts("회비 얼마예요?", PAIRS)))["sentence_embedding"].numpy()
    reference = (emb @ np.array(head["weight"], np.float32) + head["bias"]) * head["scale"]
    assert ours.dtype == np.float32 and ours.shape == (3,)
    np.testing.assert_allclose(ours, reference, atol=2e-3)
    assert scorer.score("x", []).shape == (0,)


def test_the_token_table_and_tokenizer_are_shared_only_when_the_same(minilm_path: Path, tmp_path: Path) -> None:
    folder, _ = _folder(minilm_path, tmp_path)
    serving = NumpyBertEncoder(minilm_path, fingerprint="x", name="serving")
    scorer = CrossEncoderScorer(folder, "ce", share_with=serving)
    assert scorer._bert.shares_with(serving)  # one copy of each in memory
    alone = CrossEncoderScorer(folder, "ce")
    np.testing.assert_allclose(scorer.score("회비?", PAIRS), alone.score("회비?", PAIRS), atol=1e-6)
    other = NumpyBertEncoder(minilm_path, fingerprint="y", name="other")
    other._words = other._words.copy()
    other._words[5] += 1  # another table: this one keeps its own
    kept = CrossEncoderScorer(folder, "ce2", share_with=other)
    assert kept._bert._words is not other._words and kept._bert._tokenizer is other._tokenizer
    (folder / "tokenizer.json").write_text((minilm_path / "tokenizer.json").read_text(encoding="utf-8") + "\n")
    assert CrossEncoderScorer(folder, "ce3", share_with=serving)._bert._tokenizer is not serving._tokenizer


def test_a_missing_or_broken_scorer_is_one_line(minilm_path: Path, tmp_path: Path) -> None:
    folder, head = _folder(minilm_path, tmp_path)
    no_head = tmp_path / "plain"
    shutil.copytree(minilm_path, no_head)
    for target, broken in (
        (tmp_path / "missing", {}),
        (no_head, {}),
        (folder, {"weight": [1.0, 2.0]}),
        (folder, {"answers": "shuffled"}),
    ):
        (folder / HEAD).write_text(json.dumps(head | broken), encoding="utf-8")
        with pytest.raises(EncoderLoadError, match="크로스 인코더를 불러올 수 없습니다") as err:
            load_scorer(str(target))
        assert "\n" not in str(err.value)


def test_the_head_says_how_the_scorer_reads_answers(minilm_path: Path, tmp_path: Path) -> None:
    folder, head = _folder(minilm_path, tmp_path)
    assert load_scorer(str(folder)).answers == AS_WRITTEN  # heads written before the choice existed
    (folder / HEAD).write_text(json.dumps(head | {"answers": NEAREST_FIRST}), encoding="utf-8")
    assert load_scorer(str(folder)).answers == NEAREST_FIRST


@pytest.mark.slow
def test_a_trained_folder_packs_into_a_delta_that_derives_its_scores(
    first_use, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    """benchmarks/gpu_round.py's output → ``pack`` → the derived folder the bot loads: the same scores, up to
    the delta's int8 steps."""
    import torch
    from safetensors.numpy import load_file, save_file
    from sentence_transformers import SentenceTransformer

    from model.cross_encoder import pack
    from model.e5_club import club_model_dir, derived_dir

    monkeypatch.setenv("FAQBOT_CACHE_DIR", str(first_use.cache))
    trained = tmp_path / "out" / "cross_encoder"
    shutil.copytree(club_model_dir(), trained, ignore=shutil.ignore_patterns(".verified"))
    weights = load_file(str(trained / "model.safetensors"))
    name = "encoder.layer.3.attention.self.query.weight"
    weights[name] = weights[name] + np.random.default_rng(0).normal(0, 0.01, weights[name].shape).astype(np.float32)
    save_file(weights, str(trained / "model.safetensors"))
    head = {"weight": np.random.default_rng(1).normal(size=384).tolist(), "bias": -0.2, "scale": 20.0}
    (trained / HEAD).write_text(json.dumps(head), encoding="utf-8")
    (trained / "sentence_bert_config.json").write_text('{"max_seq_length": 64, "do_lower_case": false}')
    manifest = pack(tmp_path / "out", tmp_path / "packed")
    assert (tmp_path / "packed" / "delta.safetensors").stat().st_size < 30 * 2**20  # the repository's budget
    folder = derived_dir(tmp_path / "packed" / "delta.safetensors", tmp_path / "packed" / "manifest.json", "t", "t")
    assert manifest["model.safetensors"] and (folder / ".verified").exists()
    scorer = load_scorer(str(folder))
    ours = scorer.score("회비 얼마예요?", PAIRS)
    model = SentenceTransformer(str(trained), device="cpu")
    with torch.no_grad():
        emb = model(model.tokenize(scorer.texts("회비 얼마예요?", PAIRS)))["sentence_embedding"].numpy()
    reference = (emb @ np.array(head["weight"], np.float32) + head["bias"]) * head["scale"]
    np.testing.assert_allclose(ours, reference, atol=0.05)
    # A head committed later (the weights' checksum unchanged) is not shadowed by the older derived copy.
    (tmp_path / "packed" / HEAD).write_text(json.dumps(head | {"bias": 5.0}), encoding="utf-8")
    again = derived_dir(tmp_path / "packed" / "delta.safetensors", tmp_path / "packed" / "manifest.json", "t", "t")
    assert again == folder and json.loads((again / HEAD).read_text(encoding="utf-8"))["bias"] == 5.0


def test_the_trained_pair_length_is_read_wherever_the_library_saved_it(tmp_path: Path) -> None:
    from model.cross_encoder import trained_max_tokens

    (tmp_path / "sentence_bert_config.json").write_text('{"transformer_task": "feature-extraction"}')  # newer: not here
    (tmp_path / "tokenizer_config.json").write_text('{"model_max_length": 64}')
    assert trained_max_tokens(tmp_path, {}) == 64
    assert trained_max_tokens(tmp_path, {"max_tokens": 96}) == 96  # what gpu_round.py records now
    (tmp_path / "sentence_bert_config.json").write_text('{"max_seq_length": 128}')  # older releases
    assert trained_max_tokens(tmp_path, {}) == 128
    for name in ("sentence_bert_config.json", "tokenizer_config.json"):
        (tmp_path / name).write_text("{}")
    with pytest.raises(ValueError, match="cut to"):
        trained_max_tokens(tmp_path, {})
