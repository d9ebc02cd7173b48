"""FAQ listings and admin read-outs: the list in pages, one FAQ in full, stats, settings,
the unanswered queue and the 👍 review queue; and the threshold merge behind "config thresholds".

Platform-neutral like :mod:`chat.replies`: formatting through the adapter's markup, sizes
(page length, message limit) passed in by the adapter.
"""

from __future__ import annotations

from collections.abc import Sequence

from chat import messages
from chat.markup import Markup, trim
from chat.replies import answer_text, confidence_percent, percent, split_text
from chat.settings import ChatSettings
from faq.activity import FeedbackPair, QueryRecord, ScopeStats
from faq.errors import InvalidInput
from faq.scope_config import ScopeConfig
from faq.types import Faq, Thresholds

PAGE_ITEMS = 10
LISTED_QUESTION_CHARS = 200  # a member's words in a listing line


def faq_pages(faqs: Sequence[Faq], markup: Markup, *, page_chars: int, items: int = PAGE_ITEMS) -> list[str]:
    """The FAQ list as pages of at most ``items`` lines and ``page_chars`` characters."""
    header = messages.faq_count(len(faqs))
    pages: list[str] = []
    lines: list[str] = []
    size = 0
    for faq in faqs:
        line = f"{markup.code(f'#{faq.id}')} {markup.member_text(faq.question, LISTED_QUESTION_CHARS)}"
        if lines and (len(lines) >= items or size + len(line) + 1 > page_chars):
            pages.append("\n".join([header, *lines]))
            lines, size = [], 0
        lines.append(line)
        size += len(line) + 1
    if lines:
        pages.append("\n".join([header, *lines]))
    return pages


def faq_details(faq: Faq, markup: Markup, *, limit: int) -> str:
    """One FAQ in full: question, answer, alternates (often members' own words: escaped)."""
    alternates = "\n".join(f"- {markup.member_text(a)}" for a in faq.alternates)
    extra = f"\n{markup.bold(f'대체 질문 {len(faq.alternates)}개')}\n{alternates}" if faq.alternates else ""
    return trim(answer_text(markup, faq.question, faq.answer, faq.id, None) + extra, limit)


def faq_reference(faq: Faq, markup: Markup) -> str:
    """``#12 question`` as one line (confirmations, the duplicate warning)."""
    return f"{markup.code(f'#{faq.id}')} {markup.member_text(faq.question)}"


def stats_lines(s: ScopeStats) -> list[str]:
    """The counts every stats read-out shows (``/faq-admin stats``, ``faqbot stats``)."""
    return [
        f"질문 {s.total}개 (질문한 사람 {s.askers}명)",
        f"바로 답변 {s.answered}개 ({percent(s.rate(s.answered))}) · 후보 제안 {s.suggested}개 "
        f"({percent(s.rate(s.suggested))}) · 답 없음 {s.unanswered}개 ({percent(s.rate(s.unanswered))})",
        f"피드백 👍 {s.up_votes} · 👎 {s.down_votes}",
    ]


def top_use(count: int) -> str:
    """How many members an FAQ served (``ScopeStats.top`` counts members, not answers)."""
    return f"{count}명"


def stats_text(s: ScopeStats, markup: Markup) -> str:
    lines = [markup.bold(f"📊 최근 {s.days}일 통계"), *stats_lines(s)]
    if s.top:
        lines.append(markup.bold("많이 쓰인 FAQ"))
        lines += [
            f"{i}. {markup.code(f'#{t.faq_id}')} "
            f"{markup.member_text(t.question, 100) if t.question else messages.DELETED} — {top_use(t.count)}"
            for i, t in enumerate(s.top, 1)
        ]
    return "\n".join(lines)


def config_text(config: ScopeConfig, thresholds: Thresholds, settings: ChatSettings, markup: Markup) -> str:
    t = thresholds
    channels = " ".join(markup.channel(c) for c in sorted(config.faq_channels)) or messages.NO_FAQ_CHANNELS
    cooldown = config.cooldown_s if config.cooldown_s is not None else settings.cooldown_s
    role = markup.role(config.admin_role) if config.admin_role else messages.NO_ADMIN_ROLE
    keep = f"{settings.query_log_days}일" if settings.query_log_days else "무기한"
    return "\n".join(
        [
            f"⚙️ {markup.bold(messages.CONFIG_TITLE)}",
            f"FAQ 채널: {channels}",
            f"운영진 역할: {role}",
            f"임계값: 답변 {percent(t.answer)} · 제안 {percent(t.suggest)} · 차이 {percent(t.margin)}",
            f"FAQ 채널 답변 쿨다운: 사용자당 {cooldown:g}초",
            f"질문 기록 보관: {keep}",
        ]
    )


def merged_thresholds(
    current: Thresholds, answer: float | None, suggest: float | None, margin: float | None
) -> Thresholds:
    """``current`` with the values an admin gave; a suggest threshold above the answer one is refused."""
    try:
        return Thresholds(
            answer if answer is not None else current.answer,
            suggest if suggest is not None else current.suggest,
            margin if margin is not None else current.margin,
        )
    except ValueError:
        raise InvalidInput(messages.THRESHOLD_ORDER) from None


def unanswered_reason(record: QueryRecord) -> str:
    """Why a question is in the unanswered queue: 👎, none fit (해당 없음), or no answer (답 없음)."""
    if record.vote == -1:
        return "👎"
    if record.dismissed:
        return "해당 없음"
    return "답 없음"


def unanswered_text(records: Sequence[QueryRecord], markup: Markup, *, limit: int) -> str:
    """The unanswered queue, one numbered line per question, within one message of ``limit``."""
    lines = [f"📝 {markup.bold('답하지 못한 최근 질문')} (버튼은 줄 순서와 같아요)"]
    for i, r in enumerate(records, 1):
        best = f" · 가장 가까운 FAQ #{r.faq_id} {confidence_percent(r.confidence or 0)}" if r.faq_id else ""
        # Members' raw text: escaped so unclosed formatting cannot garble the listing.
        text = markup.member_text(r.text, LISTED_QUESTION_CHARS)
        lines.append(f"{i}. {text} — {unanswered_reason(r)}{best} · {r.asked_at[:10]}")
    return split_text("\n".join(lines), limit)[0]


def feedback_text(pairs: Sequence[FeedbackPair], markup: Markup, *, limit: int) -> str:
    """The 👍 pairs waiting for review, within one message of ``limit``."""
    lines = [
        f"🧪 {markup.bold('검토할 👍 피드백')} (승인한 것만 {markup.code('faqbot train --db')} 학습에 쓰여요; "
        "버튼은 줄 순서와 같아요)"
    ]
    for pair in pairs:
        faq = markup.member_text(pair.faq_question, 100) if pair.faq_question is not None else messages.DELETED_FAQ
        lines.append(
            f"{markup.code(f'#{pair.id}')} {markup.member_text(pair.text, LISTED_QUESTION_CHARS)} "
            f"→ FAQ #{pair.faq_id} {faq} · {pair.voted_at[:10]}"
        )
    return split_text("\n".join(lines), limit)[0]
