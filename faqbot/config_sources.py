"""Where each setting's value comes from, and bad settings as one line each.

Used by every entry point (``faqbot …``, ``faqbot run``, ``python -m bot``) so a mistyped
value in the environment, a settings file or a flag reads the same everywhere:
``설정 오류: FAQBOT_ANSWER_THRESHOLD='abc' (./.env): 0 이상 1 이하의 숫자여야 합니다``.
"""

from __future__ import annotations

import os
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import annotated_types
from dotenv import dotenv_values
from pydantic import AliasChoices, SecretStr, ValidationError
from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings

from chat import cli_messages, messages
from faq.db import display_target
from faqbot.settings import ENV_FILE_VAR, MissingEnvFile, evident_path, settings_files
from faqbot.sharding import MAX_SHARDS, format_shard_ids

DEFAULT_SOURCE = "기본값"
ENV_SOURCE = "환경 변수"
SECRET_FIELDS = frozenset({"discord_token"})

# What a setting accepts, where its type and bounds alone would not say it well.
_ALLOWED = {
    "model": (
        "내장 모델 이름(ensemble, static, e5, e5-club), 로컬 폴더 경로, "
        "허브 ID(예: snunlp/KR-SBERT-V40K-klueNLI-augSTS) 또는 빈 값(내장 기본 모델 ensemble)"
    ),
    "log_level": "DEBUG, INFO, WARNING, ERROR, CRITICAL 중 하나",
    "db": "SQLite 파일 경로 또는 postgresql://사용자:비밀번호@호스트/데이터베이스",
    "discord_token": "개발자 포털 → Bot → Reset Token에서 복사한 봇 토큰",
    "shard_count": f"1 이상 {MAX_SHARDS} 이하의 정수(모든 프로세스에 같은 전체 샤드 수) 또는 빈 값(샤딩 안 함)",
    "shard_ids": "쉼표로 나눈 샤드 번호나 범위(예: 0,1 또는 0-3) 또는 빈 값(FAQBOT_SHARD_COUNT의 모든 샤드)",
}
# FAQBOT_SHARD_IDS errors whose message says what is wrong (faqbot/settings.py).
_SHARD_ERRORS = frozenset({"shard_ids", "shard_ids_without_count", "shard_id_range"})


@dataclass(frozen=True, slots=True)
class SettingSource:
    field: str
    env: str  # the name an admin writes: FAQBOT_ANSWER_THRESHOLD, DISCORD_TOKEN
    raw: str | None  # the text as written (None: default)
    source: str  # "명령줄 --db", "환경 변수", "./.env", "$FAQBOT_ENV_FILE", "기본값"


def env_name(field: str, info: FieldInfo) -> str:
    alias = info.validation_alias
    if isinstance(alias, AliasChoices) and isinstance(alias.choices[0], str):
        return alias.choices[0]
    return f"FAQBOT_{field.upper()}"


def _names(field: str, info: FieldInfo) -> list[str]:
    alias = info.validation_alias
    if isinstance(alias, AliasChoices):
        return [c.lower() for c in alias.choices if isinstance(c, str)]
    return [f"faqbot_{field}"]


def _file_values(path: Path) -> dict[str, str | None]:
    if not path.is_file():
        return {}
    try:
        return {k.lower(): v for k, v in dotenv_values(path, encoding="utf-8").items()}
    except (OSError, UnicodeDecodeError):
        return {}


def sources(cls: type[BaseSettings], flags: Mapping[str, tuple[object, str]] | None = None) -> list[SettingSource]:
    """Where every field of ``cls`` gets its value, in the lookup order the settings use."""
    flags = flags or {}
    environ = {k.lower(): v for k, v in os.environ.items()}
    files = [(label, _file_values(path)) for label, path in settings_files()]
    out = []
    for field, info in cls.model_fields.items():
        names = _names(field, info)
        found: tuple[str | None, str] = (None, DEFAULT_SOURCE)
        if field in flags:
            found = (str(flags[field][0]), flags[field][1])
        elif any(n in environ for n in names):
            found = (next(environ[n] for n in names if n in environ), ENV_SOURCE)
        else:
            for label, values in files:
                hit = next((n for n in names if n in values), None)
                if hit is not None:
                    found = (values[hit] or "", label)
                    break
        out.append(SettingSource(field, env_name(field, info), found[0], found[1]))
    return out


def allowed(field: str, info: FieldInfo) -> str:
    if field in _ALLOWED:
        return _ALLOWED[field]
    annotation = info.annotation
    args = typing.get_args(annotation)
    if typing.get_origin(annotation) is typing.Literal:
        return ", ".join(str(a) for a in args) + " 중 하나"
    optional = isinstance(annotation, types.UnionType) and type(None) in args
    base = next((a for a in args if a is not type(None)), annotation) if optional else annotation
    if base is bool:
        return "true 또는 false"
    bounds = []
    for meta in info.metadata:
        if isinstance(meta, annotated_types.Ge):
            bounds.append(f"{meta.ge} 이상")
        elif isinstance(meta, annotated_types.Gt):
            bounds.append(f"{meta.gt}보다 큼")
        elif isinstance(meta, annotated_types.Le):
            bounds.append(f"{meta.le} 이하")
        elif isinstance(meta, annotated_types.Lt):
            bounds.append(f"{meta.lt}보다 작음")
    kind = {int: "정수", float: "숫자"}.get(base, "값")  # type: ignore[call-overload]
    text = f"{' '.join(bounds)}의 {kind}" if bounds else kind
    return f"{text} 또는 빈 값" if optional else text


def _shown(entry: SettingSource, cls: type[BaseSettings] | None = None) -> str:
    if entry.field in SECRET_FIELDS:
        return "(숨김)"
    if entry.raw is None and cls is not None:
        return repr(str(cls.model_fields[entry.field].get_default(call_default_factory=True)))
    return repr(display_target(entry.raw) if entry.raw is not None else "")  # a database URL's password


def check_hub_model(cls: type[BaseSettings], model: str, flags: Mapping[str, tuple[object, str]] | None = None) -> None:
    """Fail at once for a hub id that is neither cached nor reachable (else: a minute of retries).

    A cached id, a local folder and ``HF_HUB_OFFLINE=1`` are left to the loader as documented.
    """
    from model.encoder import BUILTIN_MODELS

    if model in BUILTIN_MODELS:  # "static", "ensemble", …: never a hub id
        return
    if not model or evident_path(model) or Path(model).expanduser().exists() or os.environ.get("HF_HUB_OFFLINE"):
        return
    from huggingface_hub import HfApi, try_to_load_from_cache
    from huggingface_hub.errors import GatedRepoError, OfflineModeIsEnabled, RepositoryNotFoundError

    try:
        if isinstance(try_to_load_from_cache(model, "config.json"), str):
            return
        HfApi().model_info(model, timeout=5)
    except (GatedRepoError, OfflineModeIsEnabled):
        return
    except RepositoryNotFoundError:
        why = "그런 로컬 폴더가 없고 허브에도 그런 모델이 없습니다"
    except Exception:  # DNS, refused, timeout, bad id: the loader would retry for a minute and fail
        why = "그런 로컬 폴더가 없고, 허브에 연결할 수 없으며 캐시에도 없습니다 (오프라인이면 HF_HUB_OFFLINE=1)"
    else:
        return
    entry = next(s for s in sources(cls, flags) if s.field == "model")
    raise ConfigError([f"설정 오류: {entry.env}={model!r} ({entry.source}): {why}. 허용: {_ALLOWED['model']}"])


def describe_errors(
    exc: ValidationError, cls: type[BaseSettings], flags: Mapping[str, tuple[object, str]] | None = None
) -> list[str]:
    """One line per bad setting: name, bad value (never a secret), where it came from, what is allowed."""
    by_field = {s.field: s for s in sources(cls, flags)}
    by_env = {s.env.lower(): s for s in by_field.values()}
    lines = []
    for error in exc.errors(include_url=False):
        loc = str(error["loc"][0]) if error["loc"] else ""
        entry = by_field.get(loc) or by_env.get(loc.lower())
        if error["type"] == "threshold_order":
            answer, suggest = by_field["answer_threshold"], by_field["suggest_threshold"]
            lines.append(
                f"설정 오류: {suggest.env}={_shown(suggest, cls)} ({suggest.source})이(가) "
                f"{answer.env}={_shown(answer, cls)} ({answer.source})보다 큽니다: suggest는 answer 이하여야 합니다"
            )
            continue
        if entry is None:
            lines.append(f"설정 오류: {loc or '?'}: {error['msg']}")
            continue
        info = cls.model_fields[entry.field]
        if error["type"] == "missing" and entry.field == "discord_token":
            lines.append(messages.TOKEN_MISSING)
        elif error["type"] == "missing":
            lines.append(f"설정 오류: {entry.env}이(가) 없습니다: {allowed(entry.field, info)}를 넣으세요")
        elif error["type"] in _SHARD_ERRORS:
            line = f"설정 오류: {entry.env}={_shown(entry)} ({entry.source}): {error['msg']}"
            if error["type"] == "shard_id_range":  # and where the count it is measured against came from
                count = by_field["shard_count"]
                line += f" ({count.env}={_shown(count, cls)}, {count.source})"
            lines.append(line)
        elif error["type"] == "model_path_missing":
            lines.append(
                f"설정 오류: {entry.env}={_shown(entry)} ({entry.source}): 그런 폴더가 없습니다 "
                f"(허용: {allowed(entry.field, info)})"
            )
        else:
            lines.append(
                f"설정 오류: {entry.env}={_shown(entry)} ({entry.source}): {allowed(entry.field, info)}여야 합니다"
            )
    return list(dict.fromkeys(lines))


def describe_env_file_error(exc: MissingEnvFile) -> str:
    return f"설정 오류: {exc} (설정 파일의 경로여야 합니다; {ENV_FILE_VAR}를 고치거나 지우세요)"


def flag_values(args: object) -> dict[str, tuple[object, str]]:
    """The settings that ``--db`` and ``--model`` gave, each with where it came from."""
    return {
        flag: (value, cli_messages.flag_source(flag))
        for flag in ("db", "model")
        if (value := getattr(args, flag, None))
    }


def masked(value: object) -> str:
    if isinstance(value, SecretStr):
        secret = value.get_secret_value()
        return f"******** (설정됨, {len(secret)}자)" if secret else "(비어 있음)"
    if isinstance(value, tuple):  # FAQBOT_SHARD_IDS, as it is written
        return format_shard_ids(value)
    return display_target(value)  # a database URL's password


class ConfigError(Exception):
    """Bad settings: ``lines`` are ready to print, one per problem (exit code 2)."""

    def __init__(self, lines: list[str]) -> None:
        super().__init__("\n".join(lines))
        self.lines = lines


S = typing.TypeVar("S", bound=BaseSettings)


def build(cls: type[S], flags: Mapping[str, tuple[object, str]] | None = None, **values: object) -> S:
    """``cls(**flags, **values)``, with every problem turned into a :class:`ConfigError`.

    ``flags`` maps a field to (value, how it was given, e.g. "명령줄 --db").
    """
    flags = flags or {}
    try:
        return cls(**{k: v for k, (v, _) in flags.items()}, **values)
    except MissingEnvFile as exc:
        raise ConfigError([describe_env_file_error(exc)]) from None
    except ValidationError as exc:
        raise ConfigError(describe_errors(exc, cls, flags)) from None
