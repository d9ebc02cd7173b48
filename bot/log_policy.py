"""What may reach the log: library loggers that carry content or tokens, and token redaction.

At DEBUG, discord.py's gateway, HTTP and webhook loggers write whole events and request
bodies (members' messages) and URLs that hold interaction tokens (``/interactions/{id}/{token}``,
``/webhooks/{app}/{token}``); an interaction token lets its holder post as the bot for 15
minutes. aiosqlite logs every statement with its parameters (members' questions). So:

- those loggers stay at WARNING unless the operator opted into content with
  ``FAQBOT_LOG_MESSAGE_CONTENT``;
- every record through the root handlers is redacted, at every level: the bot token,
  interaction and webhook tokens in URLs, and ``"token": …`` fields of payloads.
"""

from __future__ import annotations

import logging
import re

#: Loggers whose DEBUG/INFO records can hold members' text or interaction tokens.
CONTENT_LOGGERS = ("discord.gateway", "discord.http", "discord.webhook.async_", "discord.state", "aiosqlite")

REDACTED = "<redacted>"
_PATTERNS = (
    re.compile(r"(/(?:interactions|webhooks)/\d+/)[^/\s?'\"]+"),
    re.compile(r"""((?:'|")token(?:'|")\s*:\s*(?:'|"))[^'"]+"""),
)


def redact(text: str, secrets: tuple[str, ...] = ()) -> str:
    for secret in secrets:
        if secret:
            text = text.replace(secret, REDACTED)
    for pattern in _PATTERNS:
        text = pattern.sub(rf"\g<1>{REDACTED}", text)
    return text


class RedactTokens(logging.Filter):
    """Rewrites a record's message (and traceback text) with tokens replaced by ``<redacted>``."""

    def __init__(self, secrets: tuple[str, ...] = ()) -> None:
        super().__init__()
        self.secrets = secrets

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message, self.secrets)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text, self.secrets)
        return True


def apply(level: int, *, log_message_content: bool, secrets: tuple[str, ...] = ()) -> None:
    """Set the library loggers' levels and put a :class:`RedactTokens` on every root handler."""
    library_level = level if log_message_content else max(level, logging.WARNING)
    for name in CONTENT_LOGGERS:
        logging.getLogger(name).setLevel(library_level)
    for handler in logging.getLogger().handlers:
        if not any(isinstance(f, RedactTokens) for f in handler.filters):
            handler.addFilter(RedactTokens(secrets))
