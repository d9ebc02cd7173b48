"""Training runs in float32 and never publishes a worse or broken model (issue 9)."""

from __future__ import annotations

from pathlib import Path

import pytest

import model.train as mt
from model.ir_check import IRMetrics
from model.train import StaticConfig, TrainingRefused, train
from tests.model.test_train import small_config


def _old_model(tmp_path: Path) -> Path:
    target = tmp_path / "out"
    target.mkdir()
    (target / "marker.txt").write_text("good model")
    return target


@pytest.mark.slow
def test_float16_checkpoint_trains_in_float32(tmp_path: Path, minilm_path: Path) -> None:
    import torch
    from safetensors import safe_open
    from sentence_transformers import SentenceTransformer

    half = tmp_path / "half"
    model = SentenceTransformer(str(minilm_path), device="cpu").half()
    model.save(str(half))
    with safe_open(str(half / "model.safetensors"), "pt") as fh:
        assert fh.get_tensor(next(iter(fh.keys()))).dtype == torch.float16  # really saved in half

    seen: list[set[torch.dtype]] = []
    real = mt.ir_evaluate

    def spy(model, *args):  # the model as trained: before and after
        seen.append({p.dtype for p in model.parameters()})
        return real(model, *args)

    mt_patch = pytest.MonkeyPatch()
    mt_patch.setattr(mt, "ir_evaluate", spy)
    try:
        report = train(small_config(tmp_path, base=str(half), max_steps=3, batch_size=8, allow_worse=True))
    finally:
        mt_patch.undo()
    assert seen and all(dtypes == {torch.float32} for dtypes in seen)
    assert report.after is not None and report.after.mrr_at_10 > 0
    with safe_open(str(report.output_dir / "model.safetensors"), "pt") as fh:
        for key in fh.keys():
            tensor = fh.get_tensor(key)
            assert tensor.dtype == torch.float32 and torch.isfinite(tensor).all(), key


def _metrics(acc: float, mrr: float) -> IRMetrics:
    return IRMetrics(acc, acc, mrr, mrr, queries=10, corpus=16)


def test_worse_heldout_metrics_keep_the_old_model(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = _old_model(tmp_path)
    results = iter([_metrics(0.6, 0.7), _metrics(0.5, 0.7)])
    monkeypatch.setattr(mt, "ir_evaluate", lambda *a: next(results))
    with pytest.raises(TrainingRefused, match=r"acc@1 0\.600 → 0\.500"):
        train(small_config(tmp_path, base="static", static=StaticConfig(dim=16), max_steps=2))
    assert (target / "marker.txt").read_text() == "good model"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_allow_worse_publishes_anyway(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _old_model(tmp_path)
    results = iter([_metrics(0.6, 0.7), _metrics(0.6, 0.65)])
    monkeypatch.setattr(mt, "ir_evaluate", lambda *a: next(results))
    train(small_config(tmp_path, base="static", static=StaticConfig(dim=16), max_steps=2, allow_worse=True))
    assert (tmp_path / "out" / "modules.json").exists()


def test_non_finite_loss_keeps_the_old_model(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from sentence_transformers.sentence_transformer import losses

    class NanLoss(losses.MultipleNegativesRankingLoss):
        def forward(self, *args, **kwargs):
            return super().forward(*args, **kwargs) * float("nan")

    target = _old_model(tmp_path)
    monkeypatch.setattr(losses, "MultipleNegativesRankingLoss", NanLoss)
    # allow_worse never covers a broken model
    with pytest.raises(TrainingRefused, match="유한하지 않습니다"):
        train(small_config(tmp_path, base="static", static=StaticConfig(dim=16), max_steps=2, allow_worse=True))
    assert (target / "marker.txt").read_text() == "good model"


@pytest.mark.parametrize("command", ["model.train", "model.e5_club"])
def test_a_base_model_that_cannot_load_is_one_line_not_a_traceback(
    command: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "no-such-model"
    if command == "model.train":
        from model.train import main

        pairs = tmp_path / "pairs.csv"
        pairs.write_text("sentence_0,sentence_1\n회비 얼마예요?,동아리비 얼마인가요?\n", encoding="utf-8")
        code = main(["--base", str(missing), "--pairs", str(pairs), "-o", str(tmp_path / "out")])
        assert code == 2
    else:
        from model.e5_club import main

        assert main(["continue", str(missing), "-o", str(tmp_path / "out")]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert err and str(missing) in err[-1] and "Traceback" not in "\n".join(err)
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("device", ["foo", "gpu0"])
def test_a_mistyped_device_is_one_line_and_writes_nothing(
    tmp_path: Path, device: str, capsys: pytest.CaptureFixture[str]
) -> None:
    from model.train import main

    pairs = tmp_path / "pairs.csv"
    pairs.write_text("sentence_0,sentence_1\n회비 얼마예요?,동아리비 얼마인가요?\n", encoding="utf-8")
    code = main(["--base", "static", "--pairs", str(pairs), "-o", str(tmp_path / "out"), "--device", device])
    assert code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [f"error: unknown device {device!r}: use cpu, cuda or cuda:N"]
    assert not (tmp_path / "out").exists()


def test_training_device_defaults_and_checks() -> None:
    import torch

    from model.fresh_static import training_device

    assert training_device(None) == ("cuda" if torch.cuda.is_available() else "cpu")
    assert training_device("cpu") == "cpu"
    if not torch.cuda.is_available():
        with pytest.raises(ValueError, match="no CUDA GPU"):
            training_device("cuda:0")


@pytest.mark.parametrize("command", ["train", "continue"])
def test_e5_club_rounds_take_the_recipe_overrides(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, command: str, capsys: pytest.CaptureFixture[str]
) -> None:
    import model.e5_club as e5_club
    import model.train

    seen = []

    def fake_train(config: object) -> None:
        seen.append(config)
        raise ValueError("stopped before training")

    monkeypatch.setattr(e5_club, "base_model_dir", lambda: tmp_path / "base")  # no wheel derivation
    monkeypatch.setattr(model.train, "train", fake_train)
    head = ["continue", str(tmp_path / "r1")] if command == "continue" else ["train"]
    argv = [*head, "-o", str(tmp_path / "out"), "--epochs", "1", "--lr", "5e-5", "--batch-size", "32"]
    assert e5_club.main(argv) == 1
    assert capsys.readouterr().err.strip().endswith("stopped before training")
    (config,) = seen
    assert (config.epochs, config.learning_rate, config.batch_size, config.device) == (1.0, 5e-5, 32, "cpu")
    if command == "continue":
        assert config.base == str(tmp_path / "r1") and config.club_batches
