"""Real training batches never hold two rows of one FAQ group (MNRL false negatives)."""

from __future__ import annotations

from pathlib import Path

from model.sampler import GroupBatchSampler
from model.train import StaticConfig, TrainConfig, build_training_data


def test_sampler_batches_have_distinct_groups_and_texts(tmp_path: Path) -> None:
    from datasets import Dataset
    from sentence_transformers.sentence_transformer import (
        SentenceTransformer,
        SentenceTransformerTrainingArguments,
    )
    from sentence_transformers.sentence_transformer.losses import MultipleNegativesRankingLoss

    from model.train import _new_static_model, _trainer_class

    groups = [tuple(f"주제{g} 질문 {i}" for i in range(3 + g % 5)) for g in range(20)]
    data = build_training_data([], groups, pairs_per_text=3, seed=0)
    rows = list(data.pairs)
    cfg = TrainConfig(output_dir=tmp_path, base="static", static=StaticConfig(dim=8))
    model: SentenceTransformer = _new_static_model([t for g in groups for t in g], cfg)
    ds = Dataset.from_dict({"anchor": [a for a, _, _ in rows], "positive": [b for _, b, _ in rows]})
    args = SentenceTransformerTrainingArguments(
        output_dir=str(tmp_path / "ck"),
        per_device_train_batch_size=8,
        report_to="none",
        use_cpu=True,
        seed=3,
    )
    trainer = _trainer_class()(model=model, args=args, train_dataset=ds, loss=MultipleNegativesRankingLoss(model))
    trainer.row_groups = [g for _, _, g in rows]
    loader = trainer.get_train_dataloader()
    assert isinstance(loader.batch_sampler, GroupBatchSampler)
    seen = 0
    used: set[int] = set()
    group_of = {t: gi for gi, g in enumerate(data.groups) for t in g}
    for batch_idx in loader.batch_sampler:
        texts = [t for i in batch_idx for t in (rows[i][0], rows[i][1])]
        batch_groups = [rows[i][2] for i in batch_idx]
        assert len(set(batch_groups)) == len(batch_groups)
        assert len(set(texts)) == len(texts)
        assert {group_of[t] for t in texts} == set(batch_groups)
        seen += len(batch_idx)
        used.update(batch_idx)
    assert seen == len(used)  # no pair twice in an epoch
    # Only a tail from one single group may be left (it has no in-batch negatives).
    assert len({rows[i][2] for i in range(len(rows)) if i not in used}) <= 1


def _two_clubs() -> tuple[list[tuple[str, ...]], list[str]]:
    """Two clubs whose FAQs share texts: "면접 어떻게 봐요?" is club A's interview FAQ and club B's
    interview FAQ, and club B's interview FAQ also holds "코딩 테스트 있어요?", club A's other FAQ."""
    groups = [
        ("면접은 어떻게 진행되나요?", "면접 어떻게 봐요?"),  # A: interview
        ("코딩 테스트가 있나요?", "코딩 테스트 있어요?"),  # A: coding test (a neighbour)
        ("면접 방식이 궁금해요", "면접 어떻게 봐요?", "코딩 테스트 있어요?"),  # B: one FAQ holds both
        ("회비는 얼마인가요?", "회비 얼마예요?"),  # B
    ]
    return groups, ["a", "a", "b", "b"]


def test_merging_across_clubs_joins_one_clubs_neighbouring_faqs() -> None:
    groups, _ = _two_clubs()
    data = build_training_data([], groups, pairs_per_text=2, seed=0)
    # Without clubs, club B's FAQ chains club A's two FAQs into one group: A's neighbours become positives.
    assert len(data.groups) == 2
    assert data.clubs == ()


def test_clubs_kept_apart_keep_every_faq_its_own_group() -> None:
    groups, clubs = _two_clubs()
    data = build_training_data([("회비 얼마예요?", "동아리비 얼마?")], groups, pairs_per_text=2, seed=0, clubs=clubs)
    assert len(data.groups) == 4
    assert sorted(data.clubs) == ["a", "a", "b", "b"]
    by_text = {}
    for gi, g in enumerate(data.groups):
        for t in g:
            by_text.setdefault(t, []).append(data.clubs[gi])
    assert sorted(by_text["면접 어떻게 봐요?"]) == ["a", "b"]  # one group per club
    assert by_text["동아리비 얼마?"] == ["b"]  # a pair joins the club of its second text
    # Every row's anchor and positive belong to the row's group.
    for a, b, gi in data.pairs:
        assert {a, b} <= set(data.groups[gi])


def test_build_training_data_refuses_clubs_of_the_wrong_length() -> None:
    groups, _ = _two_clubs()
    try:
        build_training_data([], groups, pairs_per_text=2, seed=0, clubs=["a"])
    except ValueError as exc:
        assert "club" in str(exc)
    else:
        raise AssertionError("a clubs list shorter than the groups was accepted")


def test_club_batches_hold_one_club_and_distinct_texts() -> None:
    groups = [tuple(f"{c}동아리 주제{g} 질문 {i}" for i in range(3 + g % 4)) for c in "가나다" for g in range(12)]
    groups += [("공통 질문", f"{c}동아리 공통 답") for c in "가나다"]  # one text in three clubs' FAQs
    clubs = [c for c in "가나다" for _ in range(12)] + list("가나다")
    data = build_training_data([], groups, pairs_per_text=3, seed=0, clubs=clubs)
    rows = list(data.pairs)
    sampler = GroupBatchSampler(
        list(range(len(rows))),
        8,
        False,
        row_groups=[g for _, _, g in rows],
        row_clubs=[data.clubs[g] for _, _, g in rows],
    )
    batches = list(iter(sampler))
    assert len(batches) == len(sampler)
    used = [i for b in batches for i in b]
    assert len(used) == len(set(used))
    for batch in batches:
        assert len({data.clubs[rows[i][2]] for i in batch}) == 1
        assert len({rows[i][2] for i in batch}) == len(batch)
        texts = [t for i in batch for t in rows[i][:2]]
        assert len(set(texts)) == len(texts)
    first = [data.clubs[rows[b[0]][2]] for b in batches[:9]]
    assert len(set(first)) > 1  # clubs mix through the epoch instead of one after another
    # At most one lone group's tail per club is left (it has no in-batch negative).
    left = {rows[i][2] for i in range(len(rows)) if i not in set(used)}
    assert len(left) <= 3


def test_club_batches_need_every_groups_club(tmp_path: Path) -> None:
    from model.train_inputs import build_inputs

    groups, _ = _two_clubs()
    cfg = TrainConfig(output_dir=tmp_path, faq_groups=tuple(groups), faq_group_clubs=("a",), club_batches=True)
    try:
        build_inputs(cfg)
    except ValueError as exc:
        assert "faq_group_clubs" in str(exc)
    else:
        raise AssertionError("club_batches without every group's club was accepted")


def test_default_config_names_the_club_of_every_group() -> None:
    from model.train_config import default_config

    cfg = default_config()
    assert len(cfg.faq_group_clubs) == len(cfg.faq_groups)
    assert "" in cfg.faq_group_clubs  # the bundled club
    assert {c for c in cfg.faq_group_clubs if c} == {
        p.stem for p in (Path(__file__).resolve().parents[2] / "model" / "data" / "clubs").glob("train_*.json")
    }


def test_held_out_queries_compete_with_their_own_clubs_faqs_only() -> None:
    from model.ir_check import ir_inputs

    groups = [("회비 얼마예요?", "회비 얼마임"), ("세션 언제 해요?", "세션 몇시"), ("회비 얼마예요?", "ㅎㅂ 얼마")]
    clubs = ("", "", "other")
    extra = [("동아리비 얼마", "회비 얼마예요?")]
    queries, corpus, relevant = ir_inputs(groups, [1], extra, clubs)
    assert queries == {"q1_0": "세션 몇시", "x0": "동아리비 얼마"}
    assert set(corpus) == {"g0", "g1"}  # another chapter's 회비 FAQ is no distractor the bundled club's members meet
    assert relevant == {"q1_0": {"g1"}, "x0": {"g0"}}  # the extra query's target is the bundled club's own text
    # Without clubs (merged training) every group stays a distractor, as before.
    _, merged, merged_relevant = ir_inputs(groups, [1], extra)
    assert set(merged) == {"g0", "g1", "g2"} and merged_relevant["x0"] == {"g2"}
    # A held-out group of another club brings that club's FAQs, not the bundled club's.
    _, other, _ = ir_inputs(groups, [2], (), clubs)
    assert set(other) == {"g2"}


def test_the_model_card_says_which_faqs_a_held_out_query_competed_with(tmp_path: Path) -> None:
    from model.card import write_model_card
    from model.ir_check import IRMetrics
    from model.train_report import TrainReport

    metrics = IRMetrics(0.9, 1.0, 0.95, 0.96, queries=4, corpus=2)
    report = TrainReport(tmp_path, "static", 3, 3, 0, 10, 5, 1.0, None, metrics, "cpu", 1024)
    for kept_apart, expected in ((True, "each of the 2 groups of their own club:"), (False, "each of the 2 groups:")):
        config = TrainConfig(output_dir=tmp_path, base="static", eval_queries=(("q", "a"),), club_batches=kept_apart)
        write_model_card(tmp_path, config, report)
        assert expected in (tmp_path / "README.md").read_text(encoding="utf-8")
