"""What `faqbot train --db` does for a club: each DEV club imported as a server, the current model
adapted to it, and that club's member questions scored before and after (DEV clubs only: the
evaluation-only clubs choose nothing and are never trained on).

python benchmarks/adapt_clubs.py [--model ensemble] [--epochs 3] [--club dev_cheongun ...]
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def member_questions(model: str, club_file: Path) -> str:
    from model.clubs import load_club
    from model.encoder import load_encoder
    from model.profile import load_profile
    from model.unseen import ClubIndex, MatchConfig, ranking_top1, rates

    club = load_club(club_file)
    encoder = load_encoder(model)
    profile = load_profile(encoder.name)
    config = (
        MatchConfig(profile.lexical_weight, profile.answer_weight, profile.document_weight, rules=profile.rules)
        if profile
        else None
    )
    run = ClubIndex(club, encoder).rank(config or MatchConfig())
    r = rates([run], profile.thresholds) if profile else None
    head = f"top-1 {r.top1:.3f} right {r.answered_right:.3f} wrong {r.answered_wrong:.3f} " if r else ""
    return f"{head}off-topic {r.oos_answered if r else float('nan'):.3f} rank-1 {ranking_top1([run]):.3f}"


def main(argv: list[str] | None = None) -> int:
    from faqbot.cli import main as cli
    from model.clubs import CLUBS_DIR

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", default="ensemble", help="the current model (what the bot runs)")
    parser.add_argument("--epochs", default="3")
    parser.add_argument("--club", action="append", help="DEV club file stem (default: every dev_*.json)")
    args = parser.parse_args(argv)
    os.environ["FAQBOT_MODEL"] = args.model  # `train --db` adapts the current model
    stems = args.club or sorted(p.stem for p in CLUBS_DIR.glob("dev_*.json"))
    if any(not s.startswith("dev_") for s in stems):
        parser.error("DEV clubs only (dev_*.json)")
    for stem in stems:
        club_file = CLUBS_DIR / f"{stem}.json"
        with tempfile.TemporaryDirectory(prefix="adapt-") as tmp:
            faqs = Path(tmp) / "faqs.json"
            faqs.write_text(json.dumps(json.loads(club_file.read_text("utf-8"))["faqs"], ensure_ascii=False), "utf-8")
            db, out = Path(tmp) / "club.db", Path(tmp) / "club"
            quiet = io.StringIO()
            with contextlib.redirect_stdout(quiet), contextlib.redirect_stderr(quiet):
                cli(["faq", "import", "--db", str(db), str(faqs)])
            started = time.monotonic()
            report, errors = io.StringIO(), io.StringIO()
            with contextlib.redirect_stdout(report), contextlib.redirect_stderr(errors):
                code = cli(["train", "--db", str(db), "-o", str(out), "--epochs", args.epochs, "--no-progress"])
            print(f"== {stem}: train exit {code}, {time.monotonic() - started:.0f} s")
            print(report.getvalue().strip() or errors.getvalue().strip().splitlines()[-1])
            print(f"  before ({args.model}): {member_questions(args.model, club_file)}")
            if code == 0:
                print(f"  after  (adapted):  {member_questions(str(out), club_file)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
