"""A fresh ``StaticEmbedding`` model: a tokenizer trained on the training sentences
(its alphabet holds every Hangul syllable, so no Korean text becomes [UNK]) and a
seeded random embedding table. Heavy imports stay inside the functions.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from model.train_config import TrainConfig

# Every precomposed Hangul syllable (U+AC00..U+D7A3), printable ASCII and the
# compatibility jamo (ㅋㅋ, ㅠㅠ): seeded into the tokenizer's alphabet so no Korean
# text becomes [UNK], whatever the training sentences happened to contain.
HANGUL_SYLLABLES = [chr(c) for c in range(0xAC00, 0xD7A4)]
BASE_ALPHABET = [chr(c) for c in range(0x21, 0x7F)] + [chr(c) for c in range(0x3131, 0x3164)]


def build_static_tokenizer(
    sentences: Sequence[str], kind: str = "wordpiece", vocab_size: int = 16000, min_frequency: int = 2
) -> Any:
    """A tokenizer trained on ``sentences`` whose alphabet holds every Hangul syllable.

    NFKC + lower-case; words split on whitespace and punctuation. For WordPiece the
    ``##`` twin of every syllable is added too, otherwise a word whose inner
    syllable was never seen mid-word in training would become a whole-word [UNK].
    """
    from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers, trainers

    specials = ["[PAD]", "[UNK]"]
    alphabet = HANGUL_SYLLABLES + BASE_ALPHABET
    # Both subword trainers take the same options: every Hangul syllable in the alphabet.
    subword = {
        "vocab_size": vocab_size,
        "min_frequency": min_frequency,
        "special_tokens": specials,
        "initial_alphabet": alphabet,
        "limit_alphabet": len(alphabet) + 1000,
        "show_progress": False,
    }
    if kind == "wordpiece":
        tok = Tokenizer(models.WordPiece(unk_token="[UNK]", max_input_chars_per_word=64))
        trainer = trainers.WordPieceTrainer(**subword)
        tok.decoder = decoders.WordPiece()
    elif kind == "bpe":
        tok = Tokenizer(models.BPE(unk_token="[UNK]"))
        trainer = trainers.BpeTrainer(**subword)
    elif kind == "unigram":
        tok = Tokenizer(models.Unigram())
        trainer = trainers.UnigramTrainer(
            vocab_size=vocab_size,
            special_tokens=specials,
            unk_token="[UNK]",
            initial_alphabet=alphabet,
            show_progress=False,
        )
    else:
        raise ValueError(f"unknown tokenizer kind {kind!r} (wordpiece, bpe, unigram)")
    tok.normalizer = normalizers.Sequence([normalizers.NFKC(), normalizers.Lowercase()])
    tok.pre_tokenizer = pre_tokenizers.Sequence(
        [pre_tokenizers.Whitespace(), pre_tokenizers.Digits(individual_digits=False)]
    )
    tok.train_from_iterator(list(sentences), trainer=trainer)
    if kind == "wordpiece":
        vocab = tok.get_vocab()
        missing = [f"##{s}" for s in alphabet if f"##{s}" not in vocab]
        if missing:
            # WordPiece cannot be extended with add_tokens (those bypass the model), so
            # rebuild the model with the enlarged vocabulary.
            merged = dict(vocab)
            for piece in missing:
                merged[piece] = len(merged)
            model = models.WordPiece(vocab=merged, unk_token="[UNK]", max_input_chars_per_word=64)
            tok.model = model
    return tok


def new_static_model(sentences: Sequence[str], cfg: TrainConfig) -> Any:
    """A ``SentenceTransformer`` holding one fresh ``StaticEmbedding`` (seeded)."""
    import torch
    from sentence_transformers.sentence_transformer import SentenceTransformer
    from sentence_transformers.sentence_transformer.modules import StaticEmbedding

    tokenizer = build_static_tokenizer(sentences, cfg.static.tokenizer, cfg.static.vocab_size, cfg.static.min_frequency)
    gen = torch.Generator().manual_seed(cfg.seed)
    weights = torch.randn(tokenizer.get_vocab_size(), cfg.static.dim, generator=gen)
    weights[tokenizer.token_to_id("[PAD]")] = 0.0
    module = StaticEmbedding(tokenizer, embedding_weights=weights)
    return SentenceTransformer(modules=[module], device=training_device(cfg.device))


def training_device(requested: str | None) -> str:
    """``requested`` (``--device``), checked, or cuda when available, else cpu. A mistyped or absent
    device is a ``ValueError`` (one line from the CLIs) instead of torch's traceback mid-load."""
    import torch

    if not requested:
        return "cuda" if torch.cuda.is_available() else "cpu"
    try:
        kind = torch.device(requested).type
    except RuntimeError as exc:
        raise ValueError(f"unknown device {requested!r}: use cpu, cuda or cuda:N") from exc
    if kind == "cuda" and not torch.cuda.is_available():
        raise ValueError(f"device {requested!r}: no CUDA GPU is available on this machine")
    return requested
