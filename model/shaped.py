"""A random-weight sentence-transformers model with KR-SBERT's shape, for speed work.

Inference cost depends on the architecture and the token counts, not on the
weights, so a BERT-base built locally with KR-SBERT-V40K's config (12 layers,
hidden 768, 12 heads, FFN 3072, vocab 40,000, 512 positions) + mean pooling,
``max_seq_length`` 128, times like the production model without a download.
Its vectors are meaningless: never use it for accuracy.

The WordPiece tokenizer is trained on the bundled club texts with a small vocab
so Korean questions split into subwords about as finely as KR-SBERT's
(~1.5-2 tokens per word); the embedding table still has 40,000 rows, so memory
matches too.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import tempfile
from pathlib import Path

log = logging.getLogger(__name__)

_ROOT = Path(__file__).resolve().parent

#: KR-SBERT-V40K-klueNLI-augSTS config.json (snunlp on the Hugging Face hub).
KR_SBERT_SHAPE = {
    "num_hidden_layers": 12,
    "hidden_size": 768,
    "num_attention_heads": 12,
    "intermediate_size": 3072,
    "vocab_size": 40_000,
    "max_position_embeddings": 512,
    "type_vocab_size": 2,
}
MAX_SEQ_LENGTH = 128
TOKENIZER_VOCAB = 3_000  # small on purpose: see the module docstring
_VERSION = "1"  # bump when the recipe changes so stale caches are rebuilt


def default_cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "faqbot" / "bench"


def club_sentences() -> list[str]:
    """Every Korean sentence shipped with the project (FAQs, paraphrases, held-out)."""
    out: list[str] = []
    faqs = json.loads((_ROOT.parent / "faq" / "data" / "club_faqs.json").read_text(encoding="utf-8"))
    for faq in faqs:
        out += [faq["question"], faq["answer"], *faq.get("alternates", [])]
    paraphrases_path = _ROOT / "data" / "club_paraphrases.json"
    if paraphrases_path.exists():
        for canonical, paraphrases in json.loads(paraphrases_path.read_text(encoding="utf-8")).items():
            out += [canonical, *paraphrases]
    heldout_path = _ROOT / "data" / "club_heldout.json"
    if heldout_path.exists():
        held = json.loads(heldout_path.read_text(encoding="utf-8"))
        out += [q["query"] for q in held.get("queries", [])] + list(held.get("out_of_scope", []))
    return [s for s in out if s.strip()]


def build_shaped_model(
    cache_dir: Path | None = None, *, seed: int = 0, shape: dict[str, int] | None = None, name: str = ""
) -> Path:
    """Build (once) and return the folder of the KR-SBERT-shaped random model.

    ``shape`` overrides config fields (tests build a tiny one); give it a ``name``.
    """
    target = (cache_dir or default_cache_dir()) / (name or f"bert-base-kr-sbert-shape-v{_VERSION}")
    if (target / "modules.json").exists():
        return target
    import torch
    from sentence_transformers import SentenceTransformer
    from sentence_transformers.sentence_transformer.modules import Pooling, Transformer
    from tokenizers import Tokenizer, decoders, normalizers, pre_tokenizers, trainers
    from tokenizers.models import WordPiece
    from tokenizers.processors import TemplateProcessing
    from transformers import BertConfig, BertModel, BertTokenizerFast

    log.info("building KR-SBERT-shaped random model in %s", target)
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".shaped-", dir=target.parent))
    try:
        specials = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
        tok = Tokenizer(WordPiece(unk_token="[UNK]"))
        tok.normalizer = normalizers.BertNormalizer(lowercase=False, strip_accents=False)
        tok.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
        tok.decoder = decoders.WordPiece()
        tok.train_from_iterator(
            club_sentences(), trainers.WordPieceTrainer(vocab_size=TOKENIZER_VOCAB, special_tokens=specials)
        )
        cls_id, sep_id = tok.token_to_id("[CLS]"), tok.token_to_id("[SEP]")
        tok.post_processor = TemplateProcessing(
            single="[CLS] $A [SEP]",
            pair="[CLS] $A [SEP] $B:1 [SEP]:1",
            special_tokens=[("[CLS]", cls_id), ("[SEP]", sep_id)],
        )
        hf_dir = staging / "hf"
        fast = BertTokenizerFast(tokenizer_object=tok, model_max_length=512)
        fast.save_pretrained(str(hf_dir))
        torch.manual_seed(seed)
        bert = BertModel(BertConfig(**{**KR_SBERT_SHAPE, **(shape or {})}), add_pooling_layer=False)
        bert.save_pretrained(str(hf_dir))
        word = Transformer(str(hf_dir), max_seq_length=MAX_SEQ_LENGTH)
        pooling = Pooling(word.get_embedding_dimension(), pooling_mode="mean")
        SentenceTransformer(modules=[word, pooling], device="cpu").save(str(staging / "model"))
        if target.exists():
            shutil.rmtree(target)
        (staging / "model").rename(target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return target
