"""The settings every chat adapter reads (environment names ``FAQBOT_…``; docs in ``.env.example``).

A plain pydantic model: the composition root's settings class inherits it (with the
environment and settings-file lookup), so Discord's and a later Slack adapter's settings
carry the same fields, and tests build it directly.
"""

from __future__ import annotations

from pydantic import BaseModel, Field, field_validator

from faq.types import DEFAULT_SCOPE


class ChatSettings(BaseModel):
    dm_enabled: bool = Field(default=False, description="Answer questions sent to the bot in DMs.")
    dm_guild: int | None = Field(
        default=None,
        description="Guild whose FAQs answer DMs; empty = the 'default' scope (what the CLI fills without "
        "--guild). The bundled sample club never answers DMs.",
    )
    cooldown_s: float = Field(
        default=30.0, ge=0, le=3600, description="Per-user pause between passive answers in FAQ channels."
    )
    log_message_content: bool = Field(
        default=False, description="Write members' question text into the log (off: only lengths)."
    )
    query_log_days: int = Field(
        default=90, ge=0, description="Days to keep the query log and unreviewed feedback; 0 = keep forever."
    )
    model_poll_s: float = Field(
        default=60.0, ge=0, description="Seconds between checks of a local model folder for changes; 0 = off."
    )
    # Per-member limits (docs/security.md); 0 = no limit.
    max_questions_per_hour: int = Field(default=30, ge=0, description="Questions one member may ask per hour.")
    max_feedback_per_day: int = Field(default=50, ge=0, description="New 👍/👎 votes one member may cast per day.")
    max_concurrent_per_member: int = Field(default=2, ge=0, description="Questions/`/faq` calls of one member at once.")

    @field_validator("dm_guild", mode="before")
    @classmethod
    def _empty_is_none(cls, value: object) -> object:
        return None if value == "" else value

    def dm_scope(self) -> str:
        """The scope whose FAQs answer DMs (scopes are strings everywhere)."""
        return str(self.dm_guild) if self.dm_guild else DEFAULT_SCOPE
