"""The club-tuned e5: multilingual-e5-small fine-tuned on the bundled club data, shipped as a delta.

The repository holds only ``model/e5_club/delta.safetensors`` (~22 MB): for every
transformer matrix the fine-tuned-minus-base difference as int8 with one float32
scale per row, and the small tensors (biases, LayerNorms, position embeddings) as
float32 values. The token embeddings are the wheel's, unchanged (frozen in training).
:func:`club_model_dir` rebuilds the full sentence-transformers folder on first use
from the converted base (:mod:`model.e5_wheel`) + the delta, with element-wise
float32 arithmetic only, so the result is bit-identical everywhere and is checked
against ``model/e5_club/manifest.json``.

    python -m model.e5_club build                 # the cached folder (what load_encoder("e5-club") uses)
    python -m model.e5_club train -o /tmp/ft      # the recipe (docs/model.md), ~15 min on 2 cores
    python -m model.e5_club continue /tmp/ft -o /tmp/ft2   # the second round (~1 min on a GPU: --device cuda)
    python -m model.e5_club continue /tmp/ft2 -o /tmp/ft3 --epochs 1 --lr 5e-5   # round 4's extra epoch (docs/model.md)
    python -m model.e5_club pack /tmp/ft          # write the delta + manifest from a trained folder
"""

from __future__ import annotations

import argparse
import json
import logging
import shutil
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import numpy.typing as npt

from model.e5_wheel import WheelError, base_model_dir, cache_dir, file_sha256

log = logging.getLogger(__name__)

DELTA_DIR = Path(__file__).with_name("e5_club")
DELTA_FILE = DELTA_DIR / "delta.safetensors"
MANIFEST = DELTA_DIR / "manifest.json"
FROZEN = "embeddings.word_embeddings.weight"  # the wheel's, never shipped in the delta


# --------------------------------------------------------------------------- the recipe


def club_config(output_dir: Path, *, pairs_csv: Sequence[Path] | None = None, **overrides: object):  # type: ignore[no-untyped-def]
    """The recipe chosen on DEV (docs/model.md "e5 club model"): MNRL on the club pairs +
    FAQ groups (answers' sentences included), batch 64, lr 1e-4, 3 epochs, token embeddings frozen."""
    from dataclasses import replace

    from model.train import TrainConfig
    from model.training_data import CLUB_HELDOUT, CLUB_PAIRS, heldout_eval_queries, load_club_faq_groups

    cfg = TrainConfig(
        output_dir=Path(output_dir),
        base=str(base_model_dir()),
        pairs_csv=tuple(pairs_csv) if pairs_csv is not None else (CLUB_PAIRS,),
        faq_groups=tuple(load_club_faq_groups(with_answers=True)),
        epochs=3.0,
        batch_size=64,
        learning_rate=1e-4,
        scale=20.0,
        pairs_per_text=2,
        max_seq_length=128,
        holdout_fraction=0.0,  # club_heldout.json is the held-out set (reported before/after, never trained)
        eval_queries=tuple(heldout_eval_queries(CLUB_HELDOUT)) if CLUB_HELDOUT.exists() else (),
        freeze_word_embeddings=True,
        device="cpu",
        command="python -m model.e5_club train",
    )
    return replace(cfg, **overrides) if overrides else cfg


def continue_config(  # type: ignore[no-untyped-def]
    from_dir: Path, output_dir: Path, *, clubs: Sequence[str] = (), **overrides: object
):
    """The second round (docs/model.md): ``from_dir`` (the first-round club model) trained 3 more epochs at
    lr 1e-4 on the static default's FAQ groups only — the bundled FAQs with their answers' sentences and the
    training clubs' FAQs with their member questions (``model.clubs.training_groups``), no pairs CSV — with
    the clubs kept apart (every batch one club's FAQs: ``TrainConfig.club_batches``). Chosen on DEV.

    ``clubs`` (training-club slugs, ``train_`` optional; ``bundled`` for the bundled club) keeps only those
    clubs' groups: a round over newly written chapters without another pass over the old ones."""
    from dataclasses import replace

    from model.train_config import default_config

    static = default_config()
    groups, owners = static.faq_groups, static.faq_group_clubs
    if clubs:
        wanted = {"" if c == "bundled" else c if c.startswith("train_") else f"train_{c}" for c in clubs}
        unknown = sorted(wanted - set(owners))
        if unknown:
            raise ValueError(f"no such training club: {', '.join(u.removeprefix('train_') for u in unknown)}")
        kept = [i for i, owner in enumerate(owners) if owner in wanted]
        groups, owners = tuple(groups[i] for i in kept), tuple(owners[i] for i in kept)
    cfg = club_config(
        output_dir,
        pairs_csv=(),
        faq_groups=groups,
        faq_group_clubs=owners,
        club_batches=True,
        epochs=3.0,
        learning_rate=1e-4,
        eval_queries=(),  # club_heldout.json is scored once, by faqbot eval, never while training
        command=f"python -m model.e5_club continue {from_dir}" + (f" --clubs {' '.join(clubs)}" if clubs else ""),
    )
    return replace(cfg, base=str(from_dir), **overrides)


# --------------------------------------------------------------------------- delta


def _is_matrix(name: str, value: npt.NDArray[np.float32]) -> bool:
    return value.ndim == 2 and name.startswith("encoder.")


def _load_weights(folder: Path) -> dict[str, npt.NDArray[np.float32]]:
    from safetensors.numpy import load_file

    return {k: v.astype(np.float32) for k, v in load_file(str(folder / "model.safetensors")).items()}


def make_delta(
    tuned: dict[str, npt.NDArray[np.float32]], base: dict[str, npt.NDArray[np.float32]]
) -> dict[str, np.ndarray]:
    """int8 row-scaled differences for encoder matrices; other tensors verbatim (float32)."""
    out: dict[str, np.ndarray] = {}
    for name, value in sorted(tuned.items()):
        if name == FROZEN or name.startswith("pooler."):
            if name == FROZEN and not np.array_equal(value, base[name]):
                raise ValueError("token embeddings changed: train with freeze_word_embeddings=True")
            continue
        if _is_matrix(name, value):
            diff = value - base[name]
            scale = np.abs(diff).max(axis=1) / 127.0
            safe = np.where(scale > 0, scale, 1.0).astype(np.float32)
            out[f"{name}.q"] = np.clip(np.rint(diff / safe[:, None]), -127, 127).astype(np.int8)
            out[f"{name}.scale"] = scale.astype(np.float32)
        else:
            out[name] = np.ascontiguousarray(value, dtype=np.float32)
    return out


def apply_delta(base: dict[str, npt.NDArray[np.float32]], delta: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Element-wise float32 only (no matmul), so every machine gets the same bits."""
    out: dict[str, np.ndarray] = {}
    for name, value in base.items():
        if name == FROZEN:
            out[name] = value.astype(np.float16)  # exactly the base's stored values
        elif f"{name}.q" in delta:
            step = delta[f"{name}.q"].astype(np.float32) * delta[f"{name}.scale"][:, None]
            out[name] = (value + step).astype(np.float32)
        elif name in delta:
            out[name] = delta[name].astype(np.float32)
        else:
            out[name] = value.astype(np.float32)
    return out


def write_delta(tuned_dir: Path, delta_file: Path, base_dir: Path | None = None) -> Path:
    """The delta of any e5-shaped folder trained from the base (token embeddings frozen), without a
    manifest: what a training machine brings back (``benchmarks/gpu_round.py``'s cross-encoder too)."""
    from safetensors.numpy import save_file

    delta = make_delta(_load_weights(tuned_dir), _load_weights(base_dir or base_model_dir()))
    delta_file.parent.mkdir(parents=True, exist_ok=True)
    save_file(delta, str(delta_file), metadata={"format": "e5-club-delta-v1"})
    return delta_file


def pack(tuned_dir: Path, *, base_dir: Path | None = None, delta_file: Path = DELTA_FILE) -> dict[str, str]:
    """Write the delta of ``tuned_dir`` against the base, then the manifest of the rebuilt folder."""
    base_dir = base_dir or base_model_dir()
    write_delta(tuned_dir, delta_file, base_dir)
    report = tuned_dir / "train_report.json"
    if report.exists():
        shutil.copy2(report, delta_file.with_name("train_report.json"))
    return write_manifest(delta_file, base_dir)


def write_manifest(
    delta_file: Path = DELTA_FILE, base_dir: Path | None = None, manifest_file: Path | None = None
) -> dict[str, str]:
    """The checksums of a delta and of the folder it rebuilds (a delta made elsewhere, e.g. where
    the training ran on a GPU machine, is checked here against this machine's base); written to
    ``manifest_file`` (default: e5-club's)."""
    with tempfile.TemporaryDirectory() as tmp:
        rebuilt = _rebuild(Path(tmp) / "m", base_dir or base_model_dir(), delta_file)
        manifest = {
            "delta.safetensors": file_sha256(delta_file),
            "model.safetensors": file_sha256(rebuilt / "model.safetensors"),
        }
    (manifest_file or MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return manifest


def _rebuild(target: Path, base_dir: Path, delta_file: Path) -> Path:
    """The base's folder with the delta applied; the small files beside the delta (a training report, a
    model's own settings) are copied over the base's."""
    from safetensors.numpy import load_file, save_file

    shutil.copytree(base_dir, target, ignore=shutil.ignore_patterns("model.safetensors", ".verified"))
    weights = apply_delta(_load_weights(base_dir), load_file(str(delta_file)))
    save_file(weights, str(target / "model.safetensors"), metadata={"format": "pt"})
    for extra in _overlays(delta_file.parent):
        shutil.copy2(extra, target / extra.name)
    return target


def _overlays(delta_dir: Path) -> list[Path]:
    """The small files beside a delta that the derived folder takes as they are."""
    skip = {DELTA_FILE.name, MANIFEST.name}
    return sorted(p for p in delta_dir.iterdir() if p.is_file() and p.name not in skip and p.suffix != ".safetensors")


def _derived_target(manifest: dict[str, str], prefix: str) -> Path:
    return cache_dir() / f"{prefix}-{manifest['model.safetensors'][:12]}"


def _is_current(target: Path, delta_dir: Path) -> bool:
    """Verified, and holding the files beside the delta as they are now (the checksum covers the weights only:
    a head or a setting committed later must not be shadowed by an older derived copy)."""
    if not (target / ".verified").exists():
        return False
    return all(
        (target / f.name).is_file() and (target / f.name).read_bytes() == f.read_bytes() for f in _overlays(delta_dir)
    )


def is_derived(manifest_file: Path, prefix: str) -> bool:
    """Whether the verified folder of that delta is already in the cache (so loading it derives nothing)."""
    if not manifest_file.exists():
        return False
    target = _derived_target(json.loads(manifest_file.read_text(encoding="utf-8")), prefix)
    return _is_current(target, manifest_file.parent)


def is_built() -> bool:
    """Whether the verified club model is already in the cache (so loading it derives nothing)."""
    return is_derived(MANIFEST, "e5-club")


def derived_dir(delta_file: Path, manifest_file: Path, prefix: str, what: str) -> Path:
    """The folder base + ``delta_file`` in the cache (``{prefix}-{sha}``), rebuilt and checked against
    ``manifest_file`` on first use; ``what`` names it in errors."""
    if not manifest_file.exists() or not delta_file.exists():
        raise WheelError(f"{what} 델타가 없습니다: {delta_file}")
    manifest = json.loads(manifest_file.read_text(encoding="utf-8"))
    target = _derived_target(manifest, prefix)
    if _is_current(target, delta_file.parent):
        return target
    if file_sha256(delta_file) != manifest["delta.safetensors"]:
        raise WheelError(f"{what} 델타의 체크섬이 맞지 않습니다: {delta_file}")
    base = base_model_dir()
    log.info("building %s from %s + %s into %s", prefix, base, delta_file, target)
    target.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{target.name}.tmp-", dir=target.parent))
    try:
        staged = _rebuild(work / "m", base, delta_file)
        if file_sha256(staged / "model.safetensors") != manifest["model.safetensors"]:
            raise WheelError(f"재구성한 {what}의 체크섬이 맞지 않습니다: {staged}")
        (staged / ".verified").write_text(f"sha256 verified against {manifest_file.name}\n", encoding="utf-8")
        if target.exists():
            shutil.rmtree(target)
        staged.rename(target)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return target


def club_model_dir() -> Path:
    """The club-tuned e5 folder in the cache, rebuilt and checksum-verified on first use."""
    return derived_dir(DELTA_FILE, MANIFEST, "e5-club", "e5 클럽 모델")


# --------------------------------------------------------------------------- CLI


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m model.e5_club", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="cmd", required=True)
    sub.add_parser("build", help="rebuild the cached folder from base + delta (checksum-verified)")
    t = sub.add_parser("train", help="fine-tune the base with the club recipe")
    t.add_argument("-o", "--output", type=Path, required=True)
    c = sub.add_parser("continue", help="another round: the FAQ groups of the bundled and training clubs")
    c.add_argument("from_dir", type=Path, help="the club model folder to continue (the first round's, or a later one)")
    c.add_argument("-o", "--output", type=Path, required=True)
    c.add_argument(
        "--clubs", nargs="+", default=(), metavar="SLUG", help="only these training clubs (bundled: the bundled club)"
    )
    for cmd in (t, c):
        cmd.add_argument("--epochs", type=float, default=None)
        cmd.add_argument("--batch-size", type=int, default=None)
        cmd.add_argument("--lr", type=float, default=None)
        cmd.add_argument("--device", default=None, help="cpu (default), cuda, cuda:1 …")
    p = sub.add_parser("pack", help="write model/e5_club/delta.safetensors + manifest from a trained folder")
    p.add_argument("folder", type=Path)
    args = parser.parse_args(argv)
    from model.encoder_base import EncoderLoadError
    from model.publish import TrainingRefused  # here: the bot imports this module and never trains

    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    # train and continue take --device and the recipe's overrides; an empty --device keeps the recipe's cpu
    given = (
        {"device": args.device or None, "epochs": args.epochs, "batch_size": args.batch_size, "learning_rate": args.lr}
        if args.cmd in ("train", "continue")
        else {}
    )
    overrides = {key: value for key, value in given.items() if value is not None}
    try:
        if args.cmd == "build":
            print(club_model_dir())
        elif args.cmd == "train":
            from model.train import format_report, train

            print(format_report(train(club_config(args.output, show_progress=False, **overrides))))
        elif args.cmd == "continue":
            from model.train import format_report, train

            cfg = continue_config(args.from_dir, args.output, clubs=args.clubs, show_progress=False, **overrides)
            print(format_report(train(cfg)))
        else:
            print(json.dumps(pack(args.folder), indent=2))
    except (WheelError, EncoderLoadError, TrainingRefused, ValueError, OSError) as exc:  # one line, no traceback
        print(f"오류: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
