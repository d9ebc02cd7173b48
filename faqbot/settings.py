"""Settings from the environment and ``.env`` (pydantic-settings).

Built by the entry points, never at import time, so tests control them.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from faq.matcher import DEFAULT_LEXICAL_WEIGHT
from faq.types import DEFAULT_SCOPE, Thresholds


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
    # Performance (docs/performance.md has the measurements behind these defaults).
    model_backend: Literal["auto", "torch", "onnx", "onnx-int8"] = Field(
        default="auto",
        description="Inference backend for transformer models: auto = fp32 ONNX when the [onnx] extra is "
        "installed (same accuracy, faster), else torch; onnx-int8 is faster still but changes accuracy. "
        "Static models (the default) always run on numpy.",
    )
    embed_max_batch: int = Field(default=32, ge=1, le=1024, description="Most questions encoded in one call.")
    embed_max_wait_ms: float = Field(
        default=5.0, ge=0, le=1000, description="Longest a waiting question is held back to fill a batch."
    )
    embed_timeout_s: float = Field(default=60.0, gt=0, description="An encode call slower than this fails its batch.")
    change_poll_s: float = Field(
        default=0.5,
        ge=0,
        le=60,
        description="A long-running front end (the bot) checks this often for FAQs and settings another "
        "process (the CLI) committed to the database; 0 = never (docs/architecture.md).",
    )
    query_cache_size: int = Field(
        default=1024, ge=0, description="LRU cache of repeated query vectors (~3 MB at 768 dims); 0 = off."
    )

    @field_validator("log_level")
    @classmethod
    def _level(cls, value: str) -> str:
        value = value.upper()
        if value not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
            raise ValueError("log level must be DEBUG, INFO, WARNING, ERROR or CRITICAL")
        return value

    def thresholds(self) -> Thresholds:
        return Thresholds(self.answer_threshold, self.suggest_threshold, self.margin)


class BotSettings(CoreSettings):
    """The Discord bot's settings on top of the core ones (``faqbot run`` / ``python -m bot``)."""

    model_config = SettingsConfigDict(
        env_prefix="FAQBOT_",
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        populate_by_name=True,
    )

    # No default: start-up fails fast with a clear message when it is missing.
    discord_token: SecretStr = Field(
        validation_alias=AliasChoices("DISCORD_TOKEN", "FAQBOT_DISCORD_TOKEN", "discord_token"),
        description="Bot token from the Discord developer portal (Bot → Reset Token).",
    )
    dev_guild: int | None = Field(
        default=None, description="Guild id to sync slash commands to on every start (instant; for testing)."
    )
    dm_enabled: bool = Field(default=False, description="Answer questions sent to the bot in DMs.")
    dm_guild: int | None = Field(
        default=None, description="Guild whose FAQs answer DMs; empty = the bundled 'default' FAQs."
    )
    cooldown_s: float = Field(
        default=30.0, ge=0, le=3600, description="Per-user pause between passive answers in FAQ channels."
    )
    log_message_content: bool = Field(
        default=False, description="Write members' question text into the log (off: only lengths)."
    )
    query_log_days: int = Field(
        default=90, ge=0, description="Days to keep the query log; 0 = keep forever. 👍 pairs are kept."
    )
    model_poll_s: float = Field(
        default=60.0, ge=0, description="Seconds between checks of a local model folder for changes; 0 = off."
    )

    @field_validator("dev_guild", "dm_guild", mode="before")
    @classmethod
    def _empty_is_none(cls, value: object) -> object:
        return None if value == "" else value

    def dm_scope(self) -> str:
        return str(self.dm_guild) if self.dm_guild else DEFAULT_SCOPE
