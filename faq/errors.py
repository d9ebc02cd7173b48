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
    """A file could not be imported; nothing was changed. ``line`` is 1-based when known.

    ``problems`` holds every problem found (each already prefixed with its place in the
    file), so an admin fixes a file in one pass instead of one error per try.
    """

    MAX_SHOWN = 20  # a 5,000-row file with a wrong column could otherwise print 5,000 lines

    def __init__(self, message: str, line: int | None = None, *, problems: tuple[str, ...] = ()) -> None:
        where = f"{line}번째 줄: " if line is not None else ""
        if len(problems) > 1:
            shown = [f"- {p}" for p in problems[: self.MAX_SHOWN]]
            if len(problems) > self.MAX_SHOWN:
                shown.append(f"- … 외 {len(problems) - self.MAX_SHOWN}개")
            text = f"가져오기 실패: 문제 {len(problems)}개. 아무것도 변경되지 않았습니다.\n" + "\n".join(shown)
        else:
            text = f"가져오기 실패 ({where}{message}). 아무것도 변경되지 않았습니다."
        super().__init__(text)
        self.line = line
        self.problems = problems or (f"{where}{message}",)

    @classmethod
    def of(cls, problems: list[tuple[int | None, str]]) -> ImportFailed:
        """One error for every ``(line, message)`` found; ``line`` None = the file as a whole."""
        if len(problems) == 1:
            return cls(problems[0][1], problems[0][0])
        texts = tuple(f"{line}번째 줄: {msg}" if line is not None else msg for line, msg in problems)
        return cls(problems[0][1], problems[0][0], problems=texts)


class StorageError(FaqError):
    """The database refused a write (read-only, disk full, locked)."""
