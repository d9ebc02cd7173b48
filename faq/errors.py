"""Errors the core raises for bad input; adapters turn them into friendly messages."""

from __future__ import annotations


class FaqError(Exception):
    """Base class: a message safe to show to the user who caused it."""


class InvalidInput(FaqError, ValueError):
    pass


class NotFound(FaqError, LookupError):
    def __init__(self, faq_id: object) -> None:
        super().__init__(f"FAQ #{faq_id}을(를) 찾을 수 없습니다.")
        self.faq_id = faq_id


class DuplicateQuestion(FaqError):
    def __init__(self, text: str, existing_faq_id: int) -> None:
        super().__init__(f"이미 FAQ #{existing_faq_id}에 같은 질문이 있습니다: {text!r}")
        self.text = text
        self.existing_faq_id = existing_faq_id


class ImportFailed(FaqError):
    """A file could not be imported; nothing was changed. ``line`` is 1-based when known."""

    def __init__(self, message: str, line: int | None = None) -> None:
        where = f"{line}번째 줄: " if line is not None else ""
        super().__init__(f"가져오기 실패 ({where}{message}). 아무것도 변경되지 않았습니다.")
        self.line = line


class StorageError(FaqError):
    """The database refused a write (read-only, disk full, locked)."""
