"""Settings from the environment and ``.env`` (pydantic-settings).

Built by the entry points, never at import time, so tests control them.
"""

from __future__ import annotations

import os
from pathlib import Path

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from faq.matcher import DEFAULT_LEXICAL_WEIGHT
from faq.types import Thresholds


def default_db_path() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(base) / "faqbot" / "faqbot.db"


class CoreSettings(BaseSettings):
    """What the CLI and every adapter share."""

    model_config = SettingsConfigDict(env_prefix="FAQBOT_", env_file=".env", env_file_encoding="utf-8", extra="ignore")

    model: str = Field(
        default="",
        description="Local path or hub ID of a sentence-transformers model; empty = offline default.",
    )
    db: Path = Field(default_factory=default_db_path, description="SQLite database file.")
    answer_threshold: float = Field(default=Thresholds().answer, ge=0, le=1)
    suggest_threshold: float = Field(default=Thresholds().suggest, ge=0, le=1)
    margin: float = Field(default=Thresholds().margin, ge=0, le=1)
    lexical_weight: float = Field(default=DEFAULT_LEXICAL_WEIGHT, ge=0, le=1)
    log_level: str = Field(default="INFO")

    @field_validator("log_level")
    @classmethod
    def _level(cls, value: str) -> str:
        value = value.upper()
        if value not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
            raise ValueError("log level must be DEBUG, INFO, WARNING, ERROR or CRITICAL")
        return value

    def thresholds(self) -> Thresholds:
        return Thresholds(self.answer_threshold, self.suggest_threshold, self.margin)
