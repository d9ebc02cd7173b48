"""The command line and the chat adapters say the same thing about the same event."""

from __future__ import annotations

from chat import listing
from chat.markup import PLAIN
from faq.activity import ScopeStats, TopFaq
from faq.import_plan import ImportPlan, ImportResult, import_summary
from faq.types import FaqDraft
from faqbot.commands.stats import format_stats

STATS = ScopeStats(30, 10, 6, 3, 1, 4, 2, 1, (TopFaq(3, "회비는 얼마인가요?", 2), TopFaq(5, None, 1)))


def test_cli_and_chat_stats_share_their_counts_and_count_members() -> None:
    cli = format_stats(STATS, "123").splitlines()
    chat = listing.stats_text(STATS, PLAIN).splitlines()
    assert cli[1:4] == chat[1:4] == listing.stats_lines(STATS)
    # ScopeStats.top counts distinct members: both say 명 (the CLI said 회 before).
    assert cli[-2].endswith("— 2명") and chat[-2].endswith("— 2명")
    assert "(삭제됨)" in cli[-1] and "(삭제됨)" in chat[-1]


def test_import_preview_reads_like_the_import() -> None:
    draft = FaqDraft("q", "a", ())
    plan = ImportPlan((draft,), ((2, draft),), (3,), (4, 5))
    done = ImportResult(added=(), removed_ids=(4, 5))
    assert import_summary(plan) == "1개 추가, 1개 수정, 1개 그대로, 2개 삭제 예정"
    assert import_summary(done) == "0개 추가, 0개 수정, 0개 그대로, 2개 삭제"
