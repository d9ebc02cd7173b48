"""A model's matching profile: the weights and thresholds chosen for it on DEV clubs.

Scores mean different things for different encoders, so the settings that turn them
into answers belong to the model they were measured on. A model folder may hold
``faqbot_matching.json`` (written by ``python -m model.dev_clubs --write``)::

    {"lexical_weight": 0.3, "answer_weight": 1.0, "document_weight": 0.2,
     "answer_window": 2, "second_row_weight": 0.4,
     "thresholds": {"answer": 0.6, "suggest": 0.3, "margin": 0.0},
     "chosen_on": "DEV clubs dev_cheongun, dev_haeon, dev_seorim",
     "decision": {"weights": {"score": 2.1, "margin": 3.0, ...}, "intercept": -1.2, ...}}

``answer_window`` and ``second_row_weight`` (optional; faq.matcher.RowRules, defaults 1 and 0: the
rules every model had before) say which rows an FAQ gets and how they make its score.
``decision`` (optional; faq/decision.py, fitted by ``python -m model.decision_fit``) makes
the confidence a calibrated probability; the thresholds are then on that scale.
Without it the confidence is the fused score, as before. ``cascade`` (optional; faq/cascade.py,
``python -m model.decision_fit --cascade``) adds a pair scorer's second look below a first-stage
confidence, with its own decision and the thresholds chosen for both stages together: they serve
when the scorer loads (:meth:`MatchingProfile.serving`), else the top-level ones do.

Precedence (faqbot.app): a setting the admin gave (env, ``.env``, flag) > the model's
profile > the code defaults. Models without a profile keep the code defaults.
"""

from __future__ import annotations

import json
import logging
from dataclasses import asdict, dataclass, replace
from pathlib import Path

from faq.cascade import Cascade
from faq.decision import DecisionModel
from faq.matcher import DEFAULT_ROWS, RowRules
from faq.types import Thresholds

log = logging.getLogger(__name__)

PROFILE = "faqbot_matching.json"


@dataclass(frozen=True, slots=True)
class MatchingProfile:
    lexical_weight: float
    answer_weight: float
    document_weight: float
    thresholds: Thresholds
    chosen_on: str = ""
    decision: DecisionModel | None = None
    rules: RowRules = DEFAULT_ROWS
    cascade: Cascade | None = None

    def serving(self, scorer_loaded: bool) -> MatchingProfile:
        """What a bot serves: with its scorer, the cascade and the thresholds chosen for it; without, the
        first stage alone and its own thresholds."""
        if self.cascade is None:
            return self
        return replace(self, thresholds=self.cascade.thresholds) if scorer_loaded else replace(self, cascade=None)

    def to_json(self) -> dict[str, object]:
        out = {**asdict(self), "thresholds": asdict(self.thresholds)}
        out.pop("decision")
        out.pop("rules")
        out.pop("cascade")
        if self.rules != RowRules():  # a profile without them keeps the rules every model had before
            out["answer_window"] = self.rules.answer_window
            out["second_row_weight"] = self.rules.second_row_weight
        if self.decision is not None:
            out["decision"] = self.decision.to_json()
        if self.cascade is not None:
            out["cascade"] = cascade = self.cascade.to_json()
            if self.decision is not None and self.cascade.decision.off_topic == self.decision.off_topic:
                del cascade["decision"]["off_topic"]  # type: ignore[index]  # the first's, read back from there
        return out


def _cascade(data: dict[str, object]) -> Cascade | None:
    """The profile's cascade; its decision reads the first decision's off-topic lines unless it lists its own."""
    found = data.get("cascade")
    if not found:
        return None
    if not isinstance(found, dict) or not isinstance(found.get("decision"), dict):
        raise TypeError("cascade must be an object with a decision")
    first = data.get("decision")
    lines = first.get("off_topic", []) if isinstance(first, dict) else []
    return Cascade.from_json({**found, "decision": {"off_topic": lines, **found["decision"]}})


def load_profile(model_dir: str | Path) -> MatchingProfile | None:
    """The profile in ``model_dir``, or None (no folder, no file, or a hub ID)."""
    path = Path(model_dir).expanduser() / PROFILE
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        profile = MatchingProfile(
            lexical_weight=float(data["lexical_weight"]),
            answer_weight=float(data["answer_weight"]),
            document_weight=float(data["document_weight"]),
            thresholds=Thresholds.from_json(data["thresholds"]),
            chosen_on=str(data.get("chosen_on", "")),
            decision=DecisionModel.from_json(data["decision"]) if data.get("decision") else None,
            rules=RowRules(int(data.get("answer_window", 1)), float(data.get("second_row_weight", 0.0))),
            cascade=_cascade(data),
        )
        if profile.decision is not None and profile.decision.reads_pairs:
            raise ValueError("the first decision cannot read pair-scorer features (only a cascade's can)")
        if profile.cascade is not None and profile.decision is None:
            raise ValueError("a cascade needs a first decision")
    except (OSError, ValueError, KeyError, TypeError) as exc:
        # A broken profile must not stop the bot: the code defaults still answer.
        log.warning("ignoring %s: %s", path, exc)
        return None
    if not all(0.0 <= w <= 2.0 for w in (profile.lexical_weight, profile.answer_weight, profile.document_weight)):
        log.warning("ignoring %s: weights out of range", path)
        return None
    return profile


def write_profile(model_dir: str | Path, profile: MatchingProfile) -> Path:
    path = Path(model_dir) / PROFILE
    path.write_text(json.dumps(profile.to_json(), ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return path
