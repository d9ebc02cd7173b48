"""Settings from flags, the environment and settings files (pydantic-settings).

Each setting is looked up in this order; the first place that has it wins:
command-line flag, environment variable, ``./.env`` (the current folder),
the file named by ``$FAQBOT_ENV_FILE``, ``~/.config/faqbot/.env``
(``$XDG_CONFIG_HOME/faqbot/.env``), the default. ``faqbot config show`` prints
every effective value and where it came from (:mod:`faqbot.config_sources`).

Built by the entry points, never at import time, so tests control them.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Annotated, Literal, Self

from pydantic import (
    AliasChoices,
    BaseModel,
    Field,
    SecretStr,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError
from pydantic_settings import (
    BaseSettings,
    DotEnvSettingsSource,
    NoDecode,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)

from chat.settings import ChatSettings
from faq.db import is_postgres
from faq.matcher import DEFAULT_ANSWER_WEIGHT, DEFAULT_DOCUMENT_WEIGHT, DEFAULT_LEXICAL_WEIGHT
from faq.types import Thresholds
from faqbot.sharding import MAX_SHARDS, ShardIdsError, ShardPlan, parse_shard_ids
from model.profile import MatchingProfile

ENV_FILE_VAR = "FAQBOT_ENV_FILE"
# model_config's env_file: "look the files up as documented above". `_env_file=None` (tests) reads none.
_LOOKUP = ".env"


def default_db_path() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(base) / "faqbot" / "faqbot.db"


def config_dir_env_file() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config"
    return Path(base) / "faqbot" / ".env"


def settings_files() -> list[tuple[str, Path]]:
    """(label, path) of every settings file that is looked at, highest priority first."""
    files = [("./.env", Path(".env"))]
    named = os.environ.get(ENV_FILE_VAR, "").strip()
    if named:
        files.append((f"${ENV_FILE_VAR}", Path(named).expanduser()))
    files.append(("~/.config/faqbot/.env", config_dir_env_file()))
    return files


class MissingEnvFile(ValueError):
    """``$FAQBOT_ENV_FILE`` names a file that does not exist (a typo must not fall back silently)."""


def evident_path(value: str) -> bool:
    """True when ``value`` can only mean a local folder (a hub id is ``org/name``)."""
    value = value.strip()
    if not value:
        return False
    if value.startswith(("/", ".", "~")) or "\\" in value or value.count("/") >= 2:
        return True
    # "models/club": a path when its first part is a local folder, else a hub id like "snunlp/KR-SBERT".
    return value.count("/") == 1 and Path(value.split("/")[0]).is_dir()


# Discord bot tokens are three base64url parts joined by dots (id.timestamp.hmac).
_TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{10,}")


def token_problem(token: str) -> str | None:
    """Why ``token`` cannot be a Discord bot token (checked before connecting), without echoing it."""
    token = token.strip()
    if not token:
        return "DISCORD_TOKEN이 비어 있습니다. .env나 환경 변수에 봇 토큰을 넣으세요 (docs/discord-setup.md)."
    if token.lower().startswith("bot "):
        return "DISCORD_TOKEN 앞의 'Bot '을 지우세요 (토큰만 넣습니다)."
    if token[:1] in "'\"" and token[:1] == token[-1:]:
        return "DISCORD_TOKEN을 따옴표 없이 넣으세요."
    if not _TOKEN_SHAPE.fullmatch(token):
        return (
            f"DISCORD_TOKEN이 봇 토큰 형식이 아닙니다 ({len(token)}자; 점 두 개로 나뉜 세 부분이어야 합니다). "
            "개발자 포털 → Bot → Reset Token에서 복사한 값을 넣으세요."
        )
    return None


class CoreSettings(BaseSettings):
    """What the CLI and every adapter share."""

    model_config = SettingsConfigDict(env_prefix="FAQBOT_", env_file=_LOOKUP, env_file_encoding="utf-8", extra="ignore")

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        if isinstance(dotenv_settings, DotEnvSettingsSource) and dotenv_settings.env_file == _LOOKUP:
            files = settings_files()
            for label, path in files:
                if label.startswith("$") and not path.is_file():
                    raise MissingEnvFile(f"{ENV_FILE_VAR}={str(path)!r}: 그런 파일이 없습니다")
            # pydantic-settings lets later files win: lowest priority first.
            dotenv_settings = DotEnvSettingsSource(settings_cls, env_file=[p for _, p in reversed(files)])
        return init_settings, env_settings, dotenv_settings, file_secret_settings

    model: str = Field(
        default="",
        description="Local path or hub ID of a sentence-transformers model; empty = offline default.",
    )
    db: Path | str = Field(
        default_factory=default_db_path,
        description="SQLite database file, or a postgresql://user:password@host/dbname URL (PostgreSQL).",
    )
    answer_threshold: float = Field(default=Thresholds().answer, ge=0, le=1)
    suggest_threshold: float = Field(default=Thresholds().suggest, ge=0, le=1)
    margin: float = Field(default=Thresholds().margin, ge=0, le=1)
    lexical_weight: float = Field(default=DEFAULT_LEXICAL_WEIGHT, ge=0, le=1)
    answer_weight: float = Field(
        default=DEFAULT_ANSWER_WEIGHT, ge=0, le=2, description="Weight of answer passages as evidence; 0 = off."
    )
    document_weight: float = Field(
        default=DEFAULT_DOCUMENT_WEIGHT, ge=0, le=2, description="Weight of the whole-FAQ BM25 score; 0 = off."
    )
    log_level: str = Field(default="INFO")
    # Performance (docs/performance.md has the measurements behind these defaults).
    model_backend: Literal["auto", "torch", "onnx", "onnx-int8"] = Field(
        default="auto",
        description="Inference backend for transformer models: auto = fp32 ONNX when the [onnx] extra is "
        "installed (same accuracy, faster), else torch; onnx-int8 is faster still but changes accuracy. "
        "The default model's parts (static, the derived e5) run on numpy under auto/torch.",
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

    @field_validator("db", mode="before")
    @classmethod
    def _db_target(cls, value: object) -> object:
        """A postgresql:// URL stays text (a Path would fold its '//'); anything else is a file path."""
        if isinstance(value, str) and is_postgres(value):
            if not re.match(r"^postgres(?:ql)?://[^/]*/[^/?]+", value):
                raise PydanticCustomError(
                    "db_url", "postgresql://사용자:비밀번호@호스트:포트/데이터베이스 형식이어야 합니다"
                )
            return value
        return Path(value) if isinstance(value, str) else value

    @field_validator("log_level")
    @classmethod
    def _level(cls, value: str) -> str:
        value = value.upper()
        if value not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
            raise ValueError("log level must be DEBUG, INFO, WARNING, ERROR or CRITICAL")
        return value

    @field_validator("model")
    @classmethod
    def _model_exists(cls, value: str) -> str:
        # A mistyped folder would otherwise be tried as a hub id: a minute of retries offline.
        if evident_path(value) and not Path(value.strip()).expanduser().exists():
            raise PydanticCustomError("model_path_missing", "no such folder")
        return value.strip()

    @model_validator(mode="after")
    def _threshold_order(self) -> Self:
        if self.suggest_threshold > self.answer_threshold:
            raise PydanticCustomError("threshold_order", "suggest threshold above answer threshold")
        return self

    def thresholds(self) -> Thresholds:
        return Thresholds(self.answer_threshold, self.suggest_threshold, self.margin)

    def matching(self, profile: MatchingProfile | None) -> MatchingProfile:
        """Matching weights and thresholds: what the admin set, else the model's profile, else the defaults."""
        if profile is None:
            return MatchingProfile(
                self.lexical_weight, self.answer_weight, self.document_weight, self.thresholds(), "defaults"
            )
        given = self.model_fields_set

        def pick(field: str, from_profile: float) -> float:
            return float(getattr(self, field)) if field in given else from_profile

        t = profile.thresholds
        return MatchingProfile(
            lexical_weight=pick("lexical_weight", profile.lexical_weight),
            answer_weight=pick("answer_weight", profile.answer_weight),
            document_weight=pick("document_weight", profile.document_weight),
            thresholds=Thresholds(
                pick("answer_threshold", t.answer), pick("suggest_threshold", t.suggest), pick("margin", t.margin)
            ),
            chosen_on=profile.chosen_on,
            decision=profile.decision,
            rules=profile.rules,
            cascade=profile.cascade,
        )


class BotSettings(ChatSettings, CoreSettings):
    """The Discord bot's settings: the core ones, the chat ones (:class:`chat.settings.ChatSettings`) and Discord's own
    (``faqbot run`` / ``python -m bot``)."""

    model_config = SettingsConfigDict(
        env_prefix="FAQBOT_",
        env_file=_LOOKUP,
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
    # Sharding (faqbot/sharding.py, docs/deploy.md): both unset = one gateway connection.
    shard_count: int | None = Field(
        default=None,
        ge=1,
        le=MAX_SHARDS,
        description="Discord shards in all, the same on every process; empty = no sharding. Alone: every shard "
        "in this process.",
    )
    # NoDecode: "0,1" is our own syntax, not JSON.
    shard_ids: Annotated[tuple[int, ...] | None, NoDecode] = Field(
        default=None,
        description="The shards this process runs, e.g. '0,1' or '0-1' (each below FAQBOT_SHARD_COUNT); "
        "empty = all of them.",
    )

    @field_validator("dev_guild", "shard_count", mode="before")
    @classmethod
    def _blank_is_none(cls, value: object) -> object:
        # `FAQBOT_DEV_GUILD=` as .env.example has it means "none", not a bad integer.
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("shard_ids", mode="before")
    @classmethod
    def _read_shard_ids(cls, value: object) -> object:
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        if isinstance(value, str):
            try:
                return parse_shard_ids(value)
            except ShardIdsError as exc:
                raise PydanticCustomError("shard_ids", str(exc)) from None
        return value

    @field_validator("shard_ids")
    @classmethod
    def _ids_fit_count(cls, value: tuple[int, ...] | None, info: ValidationInfo) -> tuple[int, ...] | None:
        if value is None or "shard_count" not in info.data:  # a bad count is reported on its own
            return value
        count = info.data["shard_count"]
        if count is None:
            raise PydanticCustomError(
                "shard_ids_without_count", "FAQBOT_SHARD_COUNT(전체 샤드 수) 없이는 쓸 수 없습니다"
            )
        if not value or len(set(value)) != len(value):
            raise PydanticCustomError("shard_ids", "서로 다른 샤드 번호가 하나 이상 있어야 합니다")
        too_big = [i for i in value if not 0 <= i < count]
        if too_big:
            raise PydanticCustomError(
                "shard_id_range",
                "샤드 {bad}은(는) 없습니다: 번호는 0부터 {last}까지입니다",
                {"bad": ",".join(map(str, too_big)), "last": count - 1},
            )
        return value

    def sharding(self) -> ShardPlan | None:
        """The shards this process runs; None: no sharding (one gateway connection)."""
        return None if self.shard_count is None else ShardPlan.of(self.shard_count, self.shard_ids)


class SlackFields(BaseModel):
    """Slack's own settings (``faqbot run --slack``; docs/slack-setup.md). Standard Slack names, no prefix."""

    slack_bot_token: SecretStr | None = Field(
        default=None,
        validation_alias=AliasChoices("SLACK_BOT_TOKEN", "FAQBOT_SLACK_BOT_TOKEN", "slack_bot_token"),
        description="Bot User OAuth Token (xoxb-…), OAuth & Permissions page.",
    )
    slack_app_token: SecretStr | None = Field(
        default=None,
        validation_alias=AliasChoices("SLACK_APP_TOKEN", "FAQBOT_SLACK_APP_TOKEN", "slack_app_token"),
        description="App-level token (xapp-…) with connections:write, for Socket Mode.",
    )
    slack_signing_secret: SecretStr | None = Field(
        default=None,
        validation_alias=AliasChoices("SLACK_SIGNING_SECRET", "FAQBOT_SLACK_SIGNING_SECRET", "slack_signing_secret"),
        description="Signing Secret (Basic Information), for HTTP mode.",
    )
    slack_mode: Literal["socket", "http"] = Field(
        default="socket", description="socket: no public URL needed; http: Slack POSTs to SLACK_PORT/SLACK_PATH."
    )
    slack_port: int = Field(default=3000, ge=1, le=65535, description="HTTP mode: the port to listen on.")
    slack_path: str = Field(default="/slack/events", description="HTTP mode: the request URL path.")
    slack_api_url: str = Field(default="https://slack.com/api/", description="Web API base URL (tests: a fake).")
    slack_scopes: str = Field(
        default="",
        description="Workspace → existing scope, e.g. 'T0123ABCD=123456789012345678' (a Discord server id) "
        "or 'E01/T02=default'; comma-separated. Unlisted workspaces get their own scope.",
    )
    slack_admin_cache_s: float = Field(
        default=60.0, ge=0, le=3600, description="Seconds an admin check (users.info, user group) is reused."
    )

    def slack_problem(self) -> str | None:
        """What is missing to start Slack in the configured mode, or None."""
        bot = self.slack_bot_token.get_secret_value() if self.slack_bot_token else ""
        if not bot.startswith("xoxb-"):
            return "SLACK_BOT_TOKEN이 없거나 xoxb-로 시작하지 않습니다 (docs/slack-setup.md)"
        if self.slack_mode == "socket":
            app = self.slack_app_token.get_secret_value() if self.slack_app_token else ""
            if not app.startswith("xapp-"):
                return "소켓 모드에는 SLACK_APP_TOKEN(xapp-…)이 필요합니다 (docs/slack-setup.md)"
        elif not (self.slack_signing_secret and self.slack_signing_secret.get_secret_value()):
            return "HTTP 모드(FAQBOT_SLACK_MODE=http)에는 SLACK_SIGNING_SECRET이 필요합니다"
        return None


class SlackSettings(SlackFields, ChatSettings, CoreSettings):
    """The Slack adapter's settings: the core ones, the chat ones and Slack's own."""

    model_config = SettingsConfigDict(
        env_prefix="FAQBOT_",
        env_file=_LOOKUP,
        env_file_encoding="utf-8",
        extra="ignore",
        populate_by_name=True,
    )
