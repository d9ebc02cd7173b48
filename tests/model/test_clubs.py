"""The unseen-club sets: well-formed, and scored through the bot's own index and decision."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from faq.types import FaqDraft, Thresholds
from model.clubs import CLUBS_DIR, ClubQuery, ClubSet, Split, load_club, load_clubs, training_groups
from model.fake import HashingEncoder
from model.unseen import ClubIndex, MatchConfig, ranking_top1, rates


def _norm(text: str) -> str:
    return re.sub(r"[\s\W_]+", "", text).lower()


@pytest.mark.parametrize("split", list(Split))
def test_every_club_is_well_formed(split: Split) -> None:
    clubs = load_clubs(split)
    assert len(clubs) >= 2
    for club in clubs:
        assert 30 <= len(club.faqs) <= 60, club.slug
        texts = {_norm(t) for f in club.faqs for t in (f.question, *f.alternates)}
        per_faq = [0] * len(club.faqs)
        for q in club.queries:
            assert _norm(q.text) not in texts, (club.slug, q.text)  # a query is never an FAQ's own text
            per_faq[q.faq] += 1
        # DEV clubs written after a training round leave out the member questions the training data
        # already held (docs/model.md, round 5), so a few of their FAQs keep only two or three.
        assert min(per_faq) >= (2 if split is Split.DEV else 4), club.slug
        assert sum(per_faq) >= 4 * len(club.faqs), club.slug
        assert len(club.out_of_scope) >= 30, club.slug


def test_evaluation_only_clubs_reach_no_training_or_selection_code() -> None:
    # Only `faqbot eval` (model/evaluate.py) may score them; nothing that trains or chooses may load them.
    root = Path(__file__).resolve().parents[2] / "model"
    for path in root.glob("*.py"):
        if path.name in {"clubs.py", "evaluate.py"}:
            continue
        source = path.read_text(encoding="utf-8")
        assert "Split.EVAL" not in source and "load_clubs(Split(" not in source, path.name


def test_a_file_naming_an_unknown_faq_is_refused(tmp_path: Path) -> None:
    data = {
        "club": "x",
        "split": "dev",
        "faqs": [{"question": "회비는?", "answer": "5만 원", "alternates": []}],
        "queries": [{"query": "얼마", "faq": "없는 질문"}],
        "out_of_scope": [],
    }
    path = tmp_path / "dev_x.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(ValueError, match="unknown FAQ"):
        load_club(path)


def test_a_split_mismatch_is_refused(tmp_path: Path) -> None:
    data = {"club": "x", "split": "eval", "faqs": [], "queries": [], "out_of_scope": []}
    (tmp_path / "dev_x.json").write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(ValueError, match="split"):
        load_clubs(Split.DEV, tmp_path)


def test_unseen_scoring_goes_through_the_index_and_the_decision() -> None:
    club = load_clubs(Split.DEV, CLUBS_DIR)[0]
    index = ClubIndex(club, HashingEncoder())
    with_answers = index.rank(MatchConfig(0.3, 1.0, 0.2))
    questions_only = index.rank(MatchConfig(0.3, 0.0, 0.0))
    # answer passages are evidence: questions only an answer covers rank better with them
    assert ranking_top1([with_answers]) > ranking_top1([questions_only])
    strict = rates([with_answers], Thresholds(1.0, 1.0, 0.0))
    assert strict.answered_right == strict.answered_wrong == strict.oos_answered == 0.0
    assert strict.none == 1.0 or strict.none > 0.9
    loose = rates([with_answers], Thresholds(0.0, 0.0, 0.0))
    assert loose.none == 0.0
    assert loose.answered_right + loose.answered_wrong == pytest.approx(1.0)
    assert loose.top1 == pytest.approx(ranking_top1([with_answers]))


def test_training_groups_hold_each_faqs_member_questions_and_answer_sentences(tmp_path: Path) -> None:
    faq = FaqDraft(
        "회비는 얼마인가요?", "한 학기 3만 원입니다. 입금자명은 학번+이름으로 써 주세요.", ("동아리비 얼마예요?",)
    )
    club = ClubSet("x", "train_x", Split.TRAIN, (faq,), (ClubQuery("입금할 때 이름 뭐라 써요", 0, "answer_only"),), ())
    (group,) = training_groups([club], folder=tmp_path)  # no scored clubs there: nothing left out
    assert group == (
        "회비는 얼마인가요?",
        "동아리비 얼마예요?",
        "입금할 때 이름 뭐라 써요",
        "한 학기 3만 원입니다.",
        "입금자명은 학번+이름으로 써 주세요.",
    )


def test_a_text_a_scored_club_asks_is_never_trained_on(tmp_path: Path) -> None:
    scored = {
        "club": "d",
        "split": "dev",
        "faqs": [{"question": "회비?", "answer": "3만 원", "alternates": []}],
        "queries": [{"query": "ㅎㅂ 얼마?", "faq": "회비?"}],
        "out_of_scope": ["테스트"],
    }
    (tmp_path / "dev_d.json").write_text(json.dumps(scored, ensure_ascii=False), encoding="utf-8")
    faq = FaqDraft("회비는 얼마인가요?", "한 학기 3만 원입니다.", ("동아리비 얼마예요?",))
    asked = (
        ClubQuery("ㅎㅂ얼마", 0, "casual"),
        ClubQuery("테스트!", 0, "plain"),
        ClubQuery("회비 얼마임", 0, "casual"),
    )
    club = ClubSet("x", "train_x", Split.TRAIN, (faq,), asked, ())
    (group,) = training_groups([club], folder=tmp_path)
    assert "ㅎㅂ얼마" not in group and "테스트!" not in group  # same text as a DEV question / off-topic line
    assert "회비 얼마임" in group


@pytest.mark.parametrize("split", [Split.DEV, Split.EVAL])
def test_only_training_clubs_are_trained_on(split: Split) -> None:
    club = ClubSet("x", "x", split, (FaqDraft("q", "answer."),), (), ())
    with pytest.raises(ValueError, match="only training clubs"):
        training_groups([club])


def test_the_default_recipe_trains_on_the_training_clubs_and_no_dev_question() -> None:
    from model.train_config import default_config

    groups = {_norm(t) for g in default_config().faq_groups for t in g}
    trained = [q for club in load_clubs(Split.TRAIN) for q in club.queries]
    assert sum(_norm(q.text) in groups for q in trained) > 0.9 * len(trained)
    for club in load_clubs(Split.DEV):
        assert not {_norm(q.text) for q in club.queries} & groups
