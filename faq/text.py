"""Cleaning and validating user-supplied text before it reaches the store or the model."""

from __future__ import annotations

import re
import unicodedata

from faq.errors import InvalidInput

MAX_QUESTION_CHARS = 300
# A product decision, not a platform's: an FAQ answer is read in a chat, and one longer than a
# screenful belongs in a linked document. Each adapter splits a reply by its own message limit.
MAX_ANSWER_CHARS = 1800
MAX_ALTERNATES = 30
# Longer queries are cut before tokenising: nothing useful for FAQ matching lies
# past this, and it bounds the work a 100,000-character message can cause.
MAX_QUERY_CHARS = 1000

# Zero-width and bidi-control characters render invisibly and make "same" texts differ.
_INVISIBLE = dict.fromkeys([0x200B, 0x200C, 0x200D, 0x2060, 0xFEFF, *range(0x202A, 0x202F), *range(0x2066, 0x206A)])
_SPACE = re.compile(r"\s+")


def clean(text: str) -> str:
    """NFC, drop control/invisible characters and lone surrogates, collapse whitespace."""
    text = text.encode("utf-8", "replace").decode("utf-8") if _has_surrogates(text) else text
    text = unicodedata.normalize("NFC", text).translate(_INVISIBLE)
    text = "".join(ch if ch in "\n\t" or unicodedata.category(ch) != "Cc" else " " for ch in text)
    return _SPACE.sub(" ", text).strip()


def clean_multiline(text: str) -> str:
    """Like :func:`clean` but keeps line breaks (answers are formatted text)."""
    lines = [clean(line) for line in text.replace("\r\n", "\n").split("\n")]
    return "\n".join(lines).strip()


def _has_surrogates(text: str) -> bool:
    return any(0xD800 <= ord(ch) <= 0xDFFF for ch in text)


def normalized_key(text: str) -> str:
    """Key for duplicate detection: case- and spacing-insensitive, punctuation-trimmed."""
    return "".join(clean(text).lower().split()).rstrip("?？!.。~")


def validate_question(text: str, *, what: str = "질문") -> str:
    cleaned = clean(text)
    if not cleaned:
        raise InvalidInput(f"{what}이(가) 비어 있습니다.")
    if len(cleaned) > MAX_QUESTION_CHARS:
        raise InvalidInput(f"{what}이(가) 너무 깁니다 ({len(cleaned)}자, 최대 {MAX_QUESTION_CHARS}자).")
    if not normalized_key(cleaned):
        raise InvalidInput(f"{what}에 내용이 없습니다.")
    return cleaned


def validate_answer(text: str) -> str:
    cleaned = clean_multiline(text)
    if not cleaned:
        raise InvalidInput("답변이 비어 있습니다.")
    if len(cleaned) > MAX_ANSWER_CHARS:
        raise InvalidInput(f"답변이 너무 깁니다 ({len(cleaned)}자, 최대 {MAX_ANSWER_CHARS}자).")
    return cleaned


def validate_query(text: str) -> tuple[str, bool]:
    """Clean a member's question; returns (text, was_cut). Empty input is an error."""
    if not isinstance(text, str):
        raise InvalidInput("질문은 문자열이어야 합니다.")
    cut = len(text) > MAX_QUERY_CHARS * 4
    cleaned = clean(text[: MAX_QUERY_CHARS * 4])
    if not cleaned or not normalized_key(cleaned):
        raise InvalidInput("질문이 비어 있습니다. 궁금한 내용을 입력해 주세요.")
    if len(cleaned) > MAX_QUERY_CHARS:
        cleaned, cut = cleaned[:MAX_QUERY_CHARS], True
    return cleaned, cut


_SENTENCE_END = re.compile(r"(?<=[.!?。])\s+|\n+")
_EMPHASIS = re.compile(r"[*_`~]+")
_LINK_OR_QUOTE = re.compile(r"https?://\S+|^[>#|]+|\|")
MAX_ANSWER_PASSAGES = 12
MIN_PASSAGE_CHARS = 6


def answer_passages(answer: str) -> tuple[str, ...]:
    """The answer's sentences, as the index embeds them: evidence for questions only the answer covers.

    Markup and links carry no meaning for matching; very short fragments ("네.") match everything.
    """
    out: list[str] = []
    for part in _SENTENCE_END.split(answer):
        text = clean(_LINK_OR_QUOTE.sub(" ", _EMPHASIS.sub("", part))).strip(" -•·")
        if len(text) >= MIN_PASSAGE_CHARS and text not in out:
            out.append(text)
    return tuple(out[:MAX_ANSWER_PASSAGES])


def answer_windows(passages: tuple[str, ...], size: int) -> tuple[str, ...]:
    """Runs of ``size`` consecutive passages (:func:`answer_passages`), each as one text; none below 2.

    A member's detail question often needs two neighbouring sentences of the answer together.
    """
    if size < 2 or len(passages) < size:
        return ()
    return tuple(dict.fromkeys(" ".join(passages[i : i + size]) for i in range(len(passages) - size + 1)))
