"""train → eval end to end, offline, on tiny synthetic Korean FAQ groups."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from model.evaluate import FaqBank, Scorer, retrieval_metrics
from model.train import (
    StaticConfig,
    TrainConfig,
    build_training_data,
    train,
)

TOPICS = [
    "회비",
    "면접",
    "세션",
    "해커톤",
    "데모데이",
    "프론트엔드",
    "백엔드",
    "디자인",
    "MT",
    "OT",
    "합격",
    "서류",
    "과제",
    "스터디",
    "노트북",
    "환불",
]
# Long frames shared across groups: with random token vectors a query looks most like
# other groups' texts that use the same frame; training must learn that only the
# topic word matters. Held-out groups are never trained on, so a rise is generalisation.
FRAMES = [
    "{t} 관련해서 정말 궁금한 게 하나 있는데 혹시 알려주실 수 있나요",
    "선배님들 바쁘시겠지만 {t} 문제로 여쭤보고 싶은 것이 있어요 답변 부탁드립니다",
    "오늘 친구랑 얘기하다가 {t} 이야기가 나왔는데 잘 모르겠어서 질문 남겨요",
    "공지 다 읽어봤는데도 {t} 부분은 이해가 안 돼서 다시 물어봅니다 죄송해요",
    "{t} 어떻게 되는지 아시는 분 계시면 댓글로 자세하게 설명해 주세요 감사합니다",
    "혹시나 해서 미리 확인하려고 하는데 {t} 쪽은 어떤 식으로 진행되는 건가요",
]


def synthetic_groups() -> list[tuple[str, ...]]:
    return [tuple(FRAMES[(g + i) % len(FRAMES)].format(t=t) for i in range(len(FRAMES))) for g, t in enumerate(TOPICS)]


def small_config(tmp_path: Path, **kw) -> TrainConfig:
    """A CPU run on the synthetic groups, a quarter held out (shared by test_train_guard.py)."""
    base = dict(
        output_dir=tmp_path / "out",
        faq_groups=tuple(synthetic_groups()),
        holdout_fraction=0.25,
        show_progress=False,
        device="cpu",
    )
    base.update(kw)
    return TrainConfig(**base)


def _finite(m) -> bool:
    return all(math.isfinite(v) for v in (m.accuracy_at_1, m.accuracy_at_3, m.mrr_at_10, m.ndcg_at_10))


@pytest.mark.slow
def test_static_training_improves_heldout(tmp_path: Path) -> None:
    cfg = small_config(tmp_path, base="static", epochs=8, static=StaticConfig(dim=64, learning_rate=0.1))
    report = train(cfg)
    assert report.before is not None and report.after is not None
    assert _finite(report.before) and _finite(report.after)
    assert report.after.mrr_at_10 > report.before.mrr_at_10
    card = (cfg.output_dir / "README.md").read_text(encoding="utf-8")
    assert "nan" not in card.lower() and "acc@1" in card


@pytest.mark.slow
def test_minilm_few_steps_then_eval(tmp_path: Path, minilm_path: Path) -> None:
    from model.encoder import load_encoder

    report = train(small_config(tmp_path, base=str(minilm_path), max_steps=3, batch_size=8))
    assert report.steps == 3
    assert report.after is not None and _finite(report.after)
    enc = load_encoder(report.output_dir)
    bank = FaqBank.from_groups(synthetic_groups())
    ranked = Scorer(bank, enc).rank(["회비 언제예요?"], 0.3)
    m = retrieval_metrics(ranked, [0])
    assert all(math.isfinite(v) for v in m.values())


def test_interrupted_training_leaves_target_untouched(tmp_path: Path, monkeypatch) -> None:
    target = tmp_path / "out"
    target.mkdir()
    (target / "marker.txt").write_text("good model")

    import model.train as mt

    def boom(*a, **k):
        raise KeyboardInterrupt

    monkeypatch.setattr(mt, "ir_evaluate", boom)
    with pytest.raises(KeyboardInterrupt):
        train(small_config(tmp_path, base="static", static=StaticConfig(dim=16)))
    assert (target / "marker.txt").read_text() == "good model"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]  # temp dir cleaned up


def test_pairs_stay_inside_groups() -> None:
    data = build_training_data([("a", "b"), ("b", "c"), ("x", "y")], [("c", "d")], pairs_per_text=2, seed=1)
    assert len(data.groups) == 2
    member = {t: gi for gi, g in enumerate(data.groups) for t in g}
    for a, b, g in data.pairs:
        assert member[a] == member[b] == g
