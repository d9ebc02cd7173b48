"""Slash commands: ``/faq`` for every member, ``/faq-admin`` for admins.

Admin commands live in their own top-level command because Discord applies
``default_member_permissions`` (the "who sees this command" hint) to top-level
commands only; the enforced check is on every admin subcommand (``admin_only``).
Every command is guild-only and works on the FAQs of the guild it was used in.
"""

from __future__ import annotations

import asyncio
import io
import logging
from typing import Literal

import discord
from discord import app_commands
from discord.ext import commands

from bot.checks import ADMIN_PERMISSIONS, admin_only, scope_of
from bot.client import FaqBot
from bot.faq_choices import ChoiceIndex, search
from bot.paging import LivePages
from bot.replies import (
    CHOICE_NAME_LIMIT,
    CHOICE_VALUE_LIMIT,
    CONTENT_LIMIT,
    NO_MENTIONS,
    answer_text,
    member_text,
    percent,
    send_ephemeral,
    split_text,
    trim,
)
from bot.views import (
    ConfirmView,
    DuplicateView,
    FaqModal,
    PageView,
    actor,
    feedback_view,
    render_answer,
    unanswered_view,
)
from faq.activity import QueryRecord, Source
from faq.errors import ImportFailed, InvalidInput
from faq.import_plan import import_summary
from faq.service import clean_draft
from faq.text import normalized_key
from faq.transfer import detect_format, export, read_rows
from faq.types import Faq, FaqDraft, Thresholds

log = logging.getLogger(__name__)

MAX_IMPORT_BYTES = 1 * 2**20  # Discord attachments are fetched into memory: keep them small
PAGE_CHARS = 1800
PAGE_ITEMS = 10


def faq_pages(faqs: list[Faq]) -> list[str]:
    """The FAQ list as pages of at most ``PAGE_ITEMS`` lines and ``PAGE_CHARS`` characters."""
    header = f"📚 FAQ {len(faqs)}개"
    pages: list[str] = []
    lines: list[str] = []
    size = 0
    for faq in faqs:
        line = f"`#{faq.id}` {member_text(faq.question, 200)}"
        if lines and (len(lines) >= PAGE_ITEMS or size + len(line) + 1 > PAGE_CHARS):
            pages.append("\n".join([header, *lines]))
            lines, size = [], 0
        lines.append(line)
        size += len(line) + 1
    if lines:
        pages.append("\n".join([header, *lines]))
    return pages


def faq_details(faq: Faq) -> str:
    alternates = "\n".join(f"- {member_text(a)}" for a in faq.alternates)  # often members' own words
    extra = f"\n**대체 질문 {len(faq.alternates)}개**\n{alternates}" if faq.alternates else ""
    return trim(answer_text(faq.question, faq.answer, faq.id, None) + extra, CONTENT_LIMIT)


def full_alternate(alternates: tuple[str, ...], text: str) -> str:
    """The alternate an autocomplete value names: choice values hold only its first 100 characters."""
    if text in alternates or len(text) != CHOICE_VALUE_LIMIT:
        return text
    matches = [a for a in alternates if a[:CHOICE_VALUE_LIMIT] == text]
    return matches[0] if len(matches) == 1 else text


def _reason(record: QueryRecord) -> str:
    if record.vote == -1:
        return "👎"
    if record.dismissed:
        return "해당 없음"
    return "답 없음"


class FaqCommands(commands.Cog):
    """FAQ 검색(/faq)과 관리(/faq-admin) 명령."""

    faq = app_commands.Group(name="faq", description="동아리 FAQ 검색", guild_only=True)
    admin = app_commands.Group(
        name="faq-admin",
        description="FAQ 관리 (서버 관리 권한 또는 운영진 역할)",
        guild_only=True,
        default_permissions=ADMIN_PERMISSIONS,
    )
    alt = app_commands.Group(name="alt", description="대체 질문 관리", parent=admin)
    config = app_commands.Group(name="config", description="봇 설정", parent=admin)

    def __init__(self, bot: FaqBot) -> None:
        self.bot = bot
        self._choices = ChoiceIndex()
        self._pages = LivePages()

    # ---- autocomplete ----------------------------------------------------------------------

    async def _faq_choices(self, interaction: discord.Interaction, current: str) -> list[app_commands.Choice[int]]:
        """FAQs of *this* guild whose id starts with, or question contains, what was typed."""
        if interaction.guild_id is None:
            return []
        scope = str(interaction.guild_id)
        rows = await self._choices.rows(scope, (await self.bot.service.index(scope)).snapshot.faqs)
        return [
            app_commands.Choice(name=trim(f"#{r.faq_id} {r.question}", CHOICE_NAME_LIMIT), value=r.faq_id)
            for r in search(rows, current)
        ]

    async def faq_id_autocomplete(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[int]]:
        return await self._faq_choices(interaction, current)

    async def alternate_autocomplete(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        faq_id = getattr(interaction.namespace, "faq_id", None)
        if interaction.guild_id is None or not isinstance(faq_id, int):
            return []
        faq = (await self.bot.service.index(str(interaction.guild_id))).snapshot.faqs.get(faq_id)
        if faq is None:
            return []
        key = normalized_key(current) if current.strip() else ""
        return [
            app_commands.Choice(name=trim(a, CHOICE_NAME_LIMIT), value=a[:CHOICE_VALUE_LIMIT])
            for a in faq.alternates
            if not key or key in normalized_key(a)
        ][:25]

    # ---- everyone ----------------------------------------------------------------------------

    @faq.command(name="ask")
    @app_commands.describe(question="궁금한 내용", ephemeral="나에게만 보이기 (기본: 예)")
    async def ask(self, interaction: discord.Interaction, question: str, ephemeral: bool = True) -> None:
        """FAQ에서 답을 찾아요."""
        scope = scope_of(interaction)
        with self.bot.limits.slot(interaction.user.id):
            await self.bot.limits.check_question(interaction.user.id)
            await interaction.response.defer(ephemeral=ephemeral, thinking=True)
            answer = await self.bot.service.ask(scope, question)
            query_id = await self.bot.activity_log.record_query(
                scope, answer, user_id=interaction.user.id, source=Source.COMMAND
            )
        config = await self.bot.configs.get(scope)
        for chunk, view in render_answer(answer, query_id, admin_role=config.admin_role):
            kwargs: dict[str, object] = {"ephemeral": ephemeral, "allowed_mentions": NO_MENTIONS}
            if view is not None:
                kwargs["view"] = view
            await interaction.followup.send(chunk, **kwargs)  # type: ignore[arg-type]

    @faq.command(name="list")
    async def list_faqs(self, interaction: discord.Interaction) -> None:
        """이 서버의 FAQ 목록을 봐요."""
        scope = scope_of(interaction)
        faqs = await self.bot.service.list(scope)
        if not faqs:
            await send_ephemeral(interaction, "아직 등록된 FAQ가 없어요. 운영진이 `/faq-admin add`로 추가할 수 있어요.")
            return
        view = PageView(interaction.user.id, faq_pages(faqs))
        self._pages.add(interaction.user.id, view)  # one list per member, bounded bytes in all
        await interaction.response.send_message(view.content(), view=view, ephemeral=True, allowed_mentions=NO_MENTIONS)

    @faq.command(name="show")
    @app_commands.describe(faq_id="FAQ 번호", ephemeral="나에게만 보이기 (기본: 예)")
    @app_commands.autocomplete(faq_id=faq_id_autocomplete)
    async def show(self, interaction: discord.Interaction, faq_id: int, ephemeral: bool = True) -> None:
        """FAQ 하나를 자세히 봐요."""
        faq = await self.bot.service.get(scope_of(interaction), faq_id)
        await interaction.response.send_message(faq_details(faq), ephemeral=ephemeral, allowed_mentions=NO_MENTIONS)

    # ---- admin: FAQs ----------------------------------------------------------------------------

    @admin.command(name="add")
    @admin_only()
    async def add(self, interaction: discord.Interaction) -> None:
        """새 FAQ를 추가해요 (입력 창)."""
        scope = scope_of(interaction)
        await interaction.response.send_modal(FaqModal(title="FAQ 추가", scope=scope, on_done=self._add_done))

    async def _add_done(self, interaction: discord.Interaction, scope: str, draft: FaqDraft) -> None:
        draft = clean_draft(draft)  # invalid input is reported before any slow work
        await interaction.response.defer(ephemeral=True, thinking=True)
        similar = await self.bot.service.similar(scope, draft.question)
        if similar is not None:
            existing = await self.bot.service.get(scope, similar.faq_id)
            view = DuplicateView(interaction.user.id, scope, draft, existing)
            await interaction.followup.send(
                f"⚠️ 의미가 비슷한 FAQ가 이미 있어요 (신뢰도 {percent(similar.confidence)}):\n"
                f"`#{existing.id}` {member_text(existing.question)}\n새 질문: {member_text(draft.question)}\n"
                "어떻게 할까요?",
                view=view,
                ephemeral=True,
                allowed_mentions=NO_MENTIONS,
            )
            return
        faq = await self.bot.service.add(scope, draft, actor(interaction.user))
        await send_ephemeral(
            interaction, f"✅ FAQ #{faq.id}을(를) 추가했어요. 바로 답변에 쓰여요.\n{member_text(faq.question)}"
        )

    @admin.command(name="edit")
    @admin_only()
    @app_commands.describe(faq_id="고칠 FAQ 번호")
    @app_commands.autocomplete(faq_id=faq_id_autocomplete)
    async def edit(self, interaction: discord.Interaction, faq_id: int) -> None:
        """FAQ를 고쳐요 (현재 내용이 채워진 입력 창)."""
        scope = scope_of(interaction)
        faq = await self.bot.service.get(scope, faq_id)

        async def done(inter: discord.Interaction, scope: str, draft: FaqDraft) -> None:
            draft = clean_draft(draft)
            await inter.response.defer(ephemeral=True, thinking=True)
            updated = await self.bot.service.update(scope, faq.id, draft, actor(inter.user))
            note = "\n대체 질문은 입력 창에 다 담을 수 없어 그대로 두었어요. `/faq-admin alt`로 고쳐 주세요."
            await send_ephemeral(
                inter,
                f"✅ FAQ #{updated.id}을(를) 고쳤어요.\n{member_text(updated.question)}"
                + (note if modal.hidden_alternates else ""),
            )

        modal = FaqModal(
            title=f"FAQ #{faq.id} 수정",
            scope=scope,
            on_done=done,
            question=faq.question,
            answer=faq.answer,
            alternates=faq.alternates,
        )
        await interaction.response.send_modal(modal)

    @admin.command(name="remove")
    @admin_only()
    @app_commands.describe(faq_id="지울 FAQ 번호")
    @app_commands.autocomplete(faq_id=faq_id_autocomplete)
    async def remove(self, interaction: discord.Interaction, faq_id: int) -> None:
        """FAQ를 지워요 (확인 후)."""
        scope = scope_of(interaction)
        faq = await self.bot.service.get(scope, faq_id)

        async def confirmed(inter: discord.Interaction) -> None:
            removed = await self.bot.service.remove(scope, faq.id, actor(inter.user))
            await inter.response.edit_message(
                content=f"🗑️ FAQ #{removed.id}을(를) 지웠어요: {member_text(removed.question)}",
                view=None,
                allowed_mentions=NO_MENTIONS,
            )

        view = ConfirmView(interaction.user.id, scope, confirmed, confirm_label="삭제")
        await interaction.response.send_message(
            f"정말 지울까요?\n`#{faq.id}` {member_text(faq.question)}",
            view=view,
            ephemeral=True,
            allowed_mentions=NO_MENTIONS,
        )

    @alt.command(name="add")
    @admin_only()
    @app_commands.describe(faq_id="FAQ 번호", text="추가할 대체 질문")
    @app_commands.autocomplete(faq_id=faq_id_autocomplete)
    async def alt_add(self, interaction: discord.Interaction, faq_id: int, text: str) -> None:
        """FAQ에 대체 질문(같은 뜻의 다른 표현)을 추가해요."""
        scope = scope_of(interaction)
        await interaction.response.defer(ephemeral=True, thinking=True)
        faq = await self.bot.service.add_alternate(scope, faq_id, text, actor(interaction.user))
        await send_ephemeral(interaction, f"✅ FAQ #{faq.id}에 대체 질문을 추가했어요 ({len(faq.alternates)}개).")

    @alt.command(name="remove")
    @admin_only()
    @app_commands.describe(faq_id="FAQ 번호", text="지울 대체 질문")
    @app_commands.autocomplete(faq_id=faq_id_autocomplete, text=alternate_autocomplete)
    async def alt_remove(self, interaction: discord.Interaction, faq_id: int, text: str) -> None:
        """FAQ의 대체 질문을 지워요."""
        scope = scope_of(interaction)
        await interaction.response.defer(ephemeral=True, thinking=True)
        text = full_alternate((await self.bot.service.get(scope, faq_id)).alternates, text)
        faq = await self.bot.service.remove_alternate(scope, faq_id, text, actor(interaction.user))
        await send_ephemeral(interaction, f"✅ FAQ #{faq.id}의 대체 질문을 지웠어요 ({len(faq.alternates)}개 남음).")

    # ---- admin: files ----------------------------------------------------------------------------

    @admin.command(name="import")
    @admin_only()
    @app_commands.describe(
        file="CSV(question,answer,alternates) 또는 JSON 파일, 1MB 이하", replace="기존 FAQ를 모두 바꾸기"
    )
    async def import_faqs(
        self, interaction: discord.Interaction, file: discord.Attachment, replace: bool = False
    ) -> None:
        """CSV/JSON 파일에서 FAQ를 가져와요."""
        scope = scope_of(interaction)
        if file.size > MAX_IMPORT_BYTES:
            raise ImportFailed(f"파일이 너무 커요 ({file.size:,}바이트, 최대 {MAX_IMPORT_BYTES:,}바이트)")
        await interaction.response.defer(ephemeral=True, thinking=True)
        data = await file.read()
        if len(data) > MAX_IMPORT_BYTES:
            raise ImportFailed(f"파일이 너무 커요 ({len(data):,}바이트)")
        # Same rules as `faqbot faq import` (faq.import_plan): rows update the FAQs they name in place.
        rows = await asyncio.to_thread(read_rows, data, detect_format(file.filename, data))
        user = actor(interaction.user)
        if replace:
            plan = await self.bot.service.preview_import(scope, rows, replace=True)

            async def confirmed(inter: discord.Interaction) -> None:
                await inter.response.defer()
                result = await self.bot.service.import_rows(scope, rows, user, replace=True)
                await inter.edit_original_response(
                    content=f"✅ {import_summary(result)}.", view=None, allowed_mentions=NO_MENTIONS
                )

            view = ConfirmView(interaction.user.id, scope, confirmed, confirm_label="모두 바꾸기")
            await interaction.followup.send(
                f"⚠️ 파일에 없는 FAQ {len(plan.remove)}개를 지우고, {len(plan.update)}개 수정, "
                f"{len(plan.add)}개 추가할까요? (남는 FAQ의 번호는 그대로)",
                view=view,
                ephemeral=True,
                allowed_mentions=NO_MENTIONS,
            )
            return
        result = await self.bot.service.import_rows(scope, rows, user)
        await send_ephemeral(interaction, f"✅ {import_summary(result)} (파일의 {len(rows)}개 중).")

    @admin.command(name="export")
    @admin_only()
    @app_commands.describe(format="파일 형식")
    async def export_faqs(self, interaction: discord.Interaction, format: Literal["csv", "json"] = "csv") -> None:
        """이 서버의 FAQ를 파일로 내보내요."""
        scope = scope_of(interaction)
        faqs = await self.bot.service.list(scope)
        data = export(faqs, format)
        await interaction.response.send_message(
            f"📦 FAQ {len(faqs)}개를 내보냈어요.",
            file=discord.File(io.BytesIO(data), filename=f"faq-{scope}.{format}"),
            ephemeral=True,
            allowed_mentions=NO_MENTIONS,
        )

    # ---- admin: config ------------------------------------------------------------------------

    @config.command(name="channel-add")
    @admin_only()
    @app_commands.describe(channel="모든 메시지에 답할 채널 (스레드·포럼 글 포함)")
    async def channel_add(
        self, interaction: discord.Interaction, channel: discord.TextChannel | discord.ForumChannel
    ) -> None:
        """FAQ 채널을 추가해요: 이 채널의 질문에는 멘션 없이도 답해요."""
        config = await self.bot.configs.add_channel(scope_of(interaction), channel.id)
        await send_ephemeral(
            interaction, f"✅ {channel.mention}을(를) FAQ 채널로 지정했어요 (총 {len(config.faq_channels)}개)."
        )

    @config.command(name="channel-remove")
    @admin_only()
    @app_commands.describe(channel="FAQ 채널에서 뺄 채널")
    async def channel_remove(
        self, interaction: discord.Interaction, channel: discord.TextChannel | discord.ForumChannel
    ) -> None:
        """FAQ 채널 지정을 풀어요."""
        await self.bot.configs.remove_channel(scope_of(interaction), channel.id)
        await send_ephemeral(interaction, f"✅ {channel.mention}은(는) 이제 FAQ 채널이 아니에요.")

    @config.command(name="show")
    @admin_only()
    async def config_show(self, interaction: discord.Interaction) -> None:
        """현재 설정을 봐요."""
        scope = scope_of(interaction)
        config = await self.bot.configs.get(scope)
        t = await self.bot.service.thresholds(scope)
        settings = self.bot.settings
        channels = " ".join(f"<#{c}>" for c in sorted(config.faq_channels)) or "없음 (멘션할 때만 답해요)"
        cooldown = config.cooldown_s if config.cooldown_s is not None else settings.cooldown_s
        lines = [
            "⚙️ **FAQ 봇 설정**",
            f"FAQ 채널: {channels}",
            f"운영진 역할: {f'<@&{config.admin_role}>' if config.admin_role else '없음 (서버 관리 권한만)'}",
            f"임계값: 답변 {percent(t.answer)} · 제안 {percent(t.suggest)} · 차이 {percent(t.margin)}",
            f"FAQ 채널 답변 쿨다운: 사용자당 {cooldown:g}초",
            f"질문 기록 보관: {f'{settings.query_log_days}일' if settings.query_log_days else '무기한'}",
        ]
        await send_ephemeral(interaction, "\n".join(lines))

    @config.command(name="thresholds")
    @admin_only()
    @app_commands.describe(
        answer="이 이상이면 바로 답변 (0~1)",
        suggest="이 이상이면 후보 제안 (0~1)",
        margin="1등과 2등의 최소 차이 (0~1)",
    )
    async def thresholds(
        self,
        interaction: discord.Interaction,
        answer: app_commands.Range[float, 0.0, 1.0] | None = None,
        suggest: app_commands.Range[float, 0.0, 1.0] | None = None,
        margin: app_commands.Range[float, 0.0, 1.0] | None = None,
    ) -> None:
        """답변/제안 임계값을 바꿔요 (모두 비우면 기본값으로)."""
        scope = scope_of(interaction)
        if answer is None and suggest is None and margin is None:
            await self.bot.service.set_thresholds(scope, None)
            t = await self.bot.service.thresholds(scope)
            await send_ephemeral(
                interaction, f"기본값으로 되돌렸어요: 답변 {percent(t.answer)} · 제안 {percent(t.suggest)}"
            )
            return
        current = await self.bot.service.thresholds(scope)
        try:
            new = Thresholds(
                answer if answer is not None else current.answer,
                suggest if suggest is not None else current.suggest,
                margin if margin is not None else current.margin,
            )
        except ValueError:
            raise InvalidInput("제안 임계값은 답변 임계값보다 클 수 없어요 (0 ≤ 제안 ≤ 답변 ≤ 1).") from None
        await self.bot.service.set_thresholds(scope, new)
        await send_ephemeral(
            interaction,
            f"✅ 임계값: 답변 {percent(new.answer)} · 제안 {percent(new.suggest)} · 차이 {percent(new.margin)}",
        )

    @config.command(name="admin-role")
    @admin_only()
    @app_commands.describe(role="FAQ를 관리할 역할 (비우면 해제: 서버 관리 권한만)")
    async def admin_role(self, interaction: discord.Interaction, role: discord.Role | None = None) -> None:
        """FAQ를 관리할 운영진 역할을 정해요."""
        await self.bot.configs.set_admin_role(scope_of(interaction), role.id if role else None)
        text = f"✅ {role.mention} 역할도 FAQ를 관리할 수 있어요." if role else "✅ 운영진 역할을 해제했어요."
        await send_ephemeral(interaction, text)

    @config.command(name="cooldown")
    @admin_only()
    @app_commands.describe(seconds="FAQ 채널에서 한 사람에게 다시 답하기까지 기다릴 초")
    async def cooldown(self, interaction: discord.Interaction, seconds: app_commands.Range[int, 0, 3600]) -> None:
        """FAQ 채널 답변 쿨다운을 정해요."""
        await self.bot.configs.set_cooldown(scope_of(interaction), float(seconds))
        await send_ephemeral(interaction, f"✅ FAQ 채널 쿨다운: 사용자당 {seconds}초")

    # ---- admin: activity ----------------------------------------------------------------------

    @admin.command(name="stats")
    @admin_only()
    @app_commands.describe(days="최근 며칠 (기본 30일)")
    async def stats(self, interaction: discord.Interaction, days: app_commands.Range[int, 1, 3650] = 30) -> None:
        """질문·답변 통계를 봐요."""
        s = await self.bot.activity_log.stats(scope_of(interaction), days=days)
        lines = [
            f"📊 **최근 {s.days}일 통계**",
            f"질문 {s.total}개 (질문한 사람 {s.askers}명)",
            f"바로 답변 {s.answered}개 ({percent(s.rate(s.answered))}) · 후보 제안 {s.suggested}개 "
            f"({percent(s.rate(s.suggested))}) · 답 없음 {s.unanswered}개 ({percent(s.rate(s.unanswered))})",
            f"피드백 👍 {s.up_votes} · 👎 {s.down_votes}",
        ]
        if s.top:
            lines.append("**많이 쓰인 FAQ**")
            lines += [
                f"{i}. `#{t.faq_id}` {member_text(t.question, 100) if t.question else '(삭제됨)'} — {t.count}명"
                for i, t in enumerate(s.top, 1)
            ]
        await send_ephemeral(interaction, "\n".join(lines))

    @admin.command(name="unanswered")
    @admin_only()
    async def unanswered(self, interaction: discord.Interaction) -> None:
        """답하지 못한 질문(답 없음·해당 없음·👎)을 보고 FAQ에 반영해요."""
        records = await self.bot.activity_log.unanswered(scope_of(interaction), limit=5)
        if not records:
            await send_ephemeral(interaction, "🎉 답하지 못한 질문이 없어요.")
            return
        lines = ["📝 **답하지 못한 최근 질문** (버튼은 줄 순서와 같아요)"]
        for i, r in enumerate(records, 1):
            best = f" · 가장 가까운 FAQ #{r.faq_id} {percent(r.confidence or 0)}" if r.faq_id else ""
            # Members' raw text: escaped so an unclosed ``` or ** cannot garble the listing.
            text = member_text(r.text, 200)
            lines.append(f"{i}. {text} — {_reason(r)}{best} · {r.asked_at[:10]}")
        content = split_text("\n".join(lines))[0]
        await send_ephemeral(interaction, content, view=unanswered_view(records))

    @admin.command(name="feedback")
    @admin_only()
    async def feedback(self, interaction: discord.Interaction) -> None:
        """👍 피드백(회원 질문 → FAQ)을 검토해요: 승인한 것만 모델 학습에 쓰여요."""
        pairs = await self.bot.activity_log.feedback_pairs(scope_of(interaction), limit=5)
        if not pairs:
            await send_ephemeral(interaction, "🎉 검토할 피드백이 없어요.")
            return
        lines = ["🧪 **검토할 👍 피드백** (승인한 것만 `faqbot train --db` 학습에 쓰여요; 버튼은 줄 순서와 같아요)"]
        for pair in pairs:
            faq = member_text(pair.faq_question, 100) if pair.faq_question is not None else "(삭제된 FAQ)"
            lines.append(
                f"`#{pair.id}` {member_text(pair.text, 200)} → FAQ #{pair.faq_id} {faq} · {pair.voted_at[:10]}"
            )
        content = split_text("\n".join(lines))[0]
        await send_ephemeral(interaction, content, view=feedback_view(pairs))


async def setup(bot: FaqBot) -> None:
    await bot.add_cog(FaqCommands(bot))


__all__ = ["FaqCommands", "faq_pages", "setup"]
