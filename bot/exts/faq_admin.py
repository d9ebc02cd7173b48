"""``/faq-admin``: curating the FAQs, files, settings and the activity queues (admins only).

A top-level command of its own because Discord applies ``default_member_permissions`` (the
"who sees this command" hint) to top-level commands only; the enforced check is on every
subcommand (``admin_only``). Guild-only, and works on the FAQs of the guild it was used in.
"""

from __future__ import annotations

import asyncio
import io
import logging
from typing import Literal

import discord
from discord import app_commands
from discord.ext import commands

from bot.checks import ADMIN_PERMISSIONS, admin_only
from bot.client import FaqBot
from bot.context import actor, scope_of
from bot.faq_choices import ChoiceIndex, FaqAutocomplete, full_alternate
from bot.replies import CONTENT_LIMIT, DISCORD, NO_MENTIONS, send_ephemeral
from bot.ui.modals import FaqModal
from bot.ui.owned import ConfirmView, DuplicateView
from bot.ui.triage import feedback_view, unanswered_view
from chat import listing, messages
from chat.replies import confidence_percent, percent
from faq.errors import ImportFailed
from faq.import_plan import import_summary
from faq.service import clean_draft
from faq.transfer import detect_format, export, read_rows
from faq.types import FaqDraft

log = logging.getLogger(__name__)

MAX_IMPORT_BYTES = 1 * 2**20  # Discord attachments are fetched into memory: keep them small
TRIAGE_ITEMS = 5  # one row of buttons per listed item, and a message holds 5 rows


class FaqAdminCommands(FaqAutocomplete, commands.Cog):
    """FAQ 관리 명령 (/faq-admin)."""

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

    # ---- admin: FAQs ----------------------------------------------------------------------------

    @admin.command(name="add")
    @admin_only()
    async def add(self, interaction: discord.Interaction) -> None:
        """새 FAQ를 추가해요 (입력 창)."""
        scope = scope_of(interaction)
        await interaction.response.send_modal(FaqModal(title=messages.ADD_TITLE, scope=scope, on_done=self._add_done))

    async def _add_done(self, interaction: discord.Interaction, scope: str, draft: FaqDraft) -> None:
        draft = clean_draft(draft)  # invalid input is reported before any slow work
        await interaction.response.defer(ephemeral=True, thinking=True)
        similar = await self.bot.service.similar(scope, draft.question)
        if similar is not None:
            existing = await self.bot.service.get(scope, similar.faq_id)
            view = DuplicateView(interaction.user.id, scope, draft, existing)
            await interaction.followup.send(
                messages.duplicate_warning(
                    confidence_percent(similar.confidence),
                    listing.faq_reference(existing, DISCORD),
                    DISCORD.member_text(draft.question),
                ),
                view=view,
                ephemeral=True,
                allowed_mentions=NO_MENTIONS,
            )
            return
        faq = await self.bot.service.add(scope, draft, actor(interaction.user))
        await send_ephemeral(interaction, messages.faq_added_now_live(faq.id, DISCORD.member_text(faq.question)))

    @admin.command(name="edit")
    @admin_only()
    @app_commands.describe(faq_id="고칠 FAQ 번호")
    @app_commands.autocomplete(faq_id=FaqAutocomplete.faq_id_autocomplete)
    async def edit(self, interaction: discord.Interaction, faq_id: int) -> None:
        """FAQ를 고쳐요 (현재 내용이 채워진 입력 창)."""
        scope = scope_of(interaction)
        faq = await self.bot.service.get(scope, faq_id)

        async def done(inter: discord.Interaction, scope: str, draft: FaqDraft) -> None:
            draft = clean_draft(draft)
            await inter.response.defer(ephemeral=True, thinking=True)
            updated = await self.bot.service.update(scope, faq.id, draft, actor(inter.user))
            await send_ephemeral(
                inter,
                messages.faq_edited(
                    updated.id, DISCORD.member_text(updated.question), alternates_kept=bool(modal.hidden_alternates)
                ),
            )

        modal = FaqModal(
            title=messages.edit_title(faq.id),
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
    @app_commands.autocomplete(faq_id=FaqAutocomplete.faq_id_autocomplete)
    async def remove(self, interaction: discord.Interaction, faq_id: int) -> None:
        """FAQ를 지워요 (확인 후)."""
        scope = scope_of(interaction)
        faq = await self.bot.service.get(scope, faq_id)

        async def confirmed(inter: discord.Interaction) -> None:
            removed = await self.bot.service.remove(scope, faq.id, actor(inter.user))
            await inter.response.edit_message(
                content=messages.faq_removed(removed.id, DISCORD.member_text(removed.question)),
                view=None,
                allowed_mentions=NO_MENTIONS,
            )

        view = ConfirmView(interaction.user.id, scope, confirmed, confirm_label=messages.REMOVE_LABEL)
        await interaction.response.send_message(
            messages.confirm_remove(listing.faq_reference(faq, DISCORD)),
            view=view,
            ephemeral=True,
            allowed_mentions=NO_MENTIONS,
        )

    @alt.command(name="add")
    @admin_only()
    @app_commands.describe(faq_id="FAQ 번호", text="추가할 대체 질문")
    @app_commands.autocomplete(faq_id=FaqAutocomplete.faq_id_autocomplete)
    async def alt_add(self, interaction: discord.Interaction, faq_id: int, text: str) -> None:
        """FAQ에 대체 질문(같은 뜻의 다른 표현)을 추가해요."""
        scope = scope_of(interaction)
        await interaction.response.defer(ephemeral=True, thinking=True)
        faq = await self.bot.service.add_alternate(scope, faq_id, text, actor(interaction.user))
        await send_ephemeral(interaction, messages.alternate_added(faq.id, len(faq.alternates)))

    @alt.command(name="remove")
    @admin_only()
    @app_commands.describe(faq_id="FAQ 번호", text="지울 대체 질문")
    @app_commands.autocomplete(faq_id=FaqAutocomplete.faq_id_autocomplete, text=FaqAutocomplete.alternate_autocomplete)
    async def alt_remove(self, interaction: discord.Interaction, faq_id: int, text: str) -> None:
        """FAQ의 대체 질문을 지워요."""
        scope = scope_of(interaction)
        await interaction.response.defer(ephemeral=True, thinking=True)
        text = full_alternate((await self.bot.service.get(scope, faq_id)).alternates, text)
        faq = await self.bot.service.remove_alternate(scope, faq_id, text, actor(interaction.user))
        await send_ephemeral(interaction, messages.alternate_removed(faq.id, len(faq.alternates)))

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
            raise ImportFailed(messages.file_too_big(file.size, MAX_IMPORT_BYTES))
        await interaction.response.defer(ephemeral=True, thinking=True)
        data = await file.read()
        if len(data) > MAX_IMPORT_BYTES:
            raise ImportFailed(messages.file_too_big(len(data)))
        # Same rules as `faqbot faq import` (faq.import_plan): rows update the FAQs they name in place.
        rows = await asyncio.to_thread(read_rows, data, detect_format(file.filename, data))
        user = actor(interaction.user)
        if replace:
            plan = await self.bot.service.preview_import(scope, rows, replace=True)

            async def confirmed(inter: discord.Interaction) -> None:
                await inter.response.defer()
                result = await self.bot.service.import_rows(scope, rows, user, replace=True)
                await inter.edit_original_response(
                    content=messages.imported(import_summary(result)), view=None, allowed_mentions=NO_MENTIONS
                )

            view = ConfirmView(interaction.user.id, scope, confirmed, confirm_label=messages.REPLACE_ALL_LABEL)
            await interaction.followup.send(
                messages.confirm_replace(len(plan.remove), len(plan.update), len(plan.add)),
                view=view,
                ephemeral=True,
                allowed_mentions=NO_MENTIONS,
            )
            return
        result = await self.bot.service.import_rows(scope, rows, user)
        await send_ephemeral(interaction, messages.imported(import_summary(result), len(rows)))

    @admin.command(name="export")
    @admin_only()
    @app_commands.describe(format="파일 형식")
    async def export_faqs(self, interaction: discord.Interaction, format: Literal["csv", "json"] = "csv") -> None:
        """이 서버의 FAQ를 파일로 내보내요."""
        scope = scope_of(interaction)
        faqs = await self.bot.service.list(scope)
        data = export(faqs, format)
        await interaction.response.send_message(
            messages.exported(len(faqs)),
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
        config = await self.bot.configs.add_channel(scope_of(interaction), str(channel.id))
        await send_ephemeral(interaction, messages.channel_added(channel.mention, len(config.faq_channels)))

    @config.command(name="channel-remove")
    @admin_only()
    @app_commands.describe(channel="FAQ 채널에서 뺄 채널")
    async def channel_remove(
        self, interaction: discord.Interaction, channel: discord.TextChannel | discord.ForumChannel
    ) -> None:
        """FAQ 채널 지정을 풀어요."""
        await self.bot.configs.remove_channel(scope_of(interaction), str(channel.id))
        await send_ephemeral(interaction, messages.channel_removed(channel.mention))

    @config.command(name="show")
    @admin_only()
    async def config_show(self, interaction: discord.Interaction) -> None:
        """현재 설정을 봐요."""
        scope = scope_of(interaction)
        config = await self.bot.configs.get(scope)
        thresholds = await self.bot.service.thresholds(scope)
        await send_ephemeral(interaction, listing.config_text(config, thresholds, self.bot.settings, DISCORD))

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
            await send_ephemeral(interaction, messages.thresholds_reset(percent(t.answer), percent(t.suggest)))
            return
        current = await self.bot.service.thresholds(scope)
        new = listing.merged_thresholds(current, answer, suggest, margin)
        await self.bot.service.set_thresholds(scope, new)
        await send_ephemeral(
            interaction, messages.thresholds_set(percent(new.answer), percent(new.suggest), percent(new.margin))
        )

    @config.command(name="admin-role")
    @admin_only()
    @app_commands.describe(role="FAQ를 관리할 역할 (비우면 해제: 서버 관리 권한만)")
    async def admin_role(self, interaction: discord.Interaction, role: discord.Role | None = None) -> None:
        """FAQ를 관리할 운영진 역할을 정해요."""
        await self.bot.configs.set_admin_role(scope_of(interaction), str(role.id) if role else None)
        await send_ephemeral(interaction, messages.admin_role_set(role.mention if role else None))

    @config.command(name="cooldown")
    @admin_only()
    @app_commands.describe(seconds="FAQ 채널에서 한 사람에게 다시 답하기까지 기다릴 초")
    async def cooldown(self, interaction: discord.Interaction, seconds: app_commands.Range[int, 0, 3600]) -> None:
        """FAQ 채널 답변 쿨다운을 정해요."""
        await self.bot.configs.set_cooldown(scope_of(interaction), float(seconds))
        await send_ephemeral(interaction, messages.cooldown_set(seconds))

    # ---- admin: activity ----------------------------------------------------------------------

    @admin.command(name="stats")
    @admin_only()
    @app_commands.describe(days="최근 며칠 (기본 30일)")
    async def stats(self, interaction: discord.Interaction, days: app_commands.Range[int, 1, 3650] = 30) -> None:
        """질문·답변 통계를 봐요."""
        s = await self.bot.activity_log.stats(scope_of(interaction), days=days)
        await send_ephemeral(interaction, listing.stats_text(s, DISCORD))

    @admin.command(name="unanswered")
    @admin_only()
    async def unanswered(self, interaction: discord.Interaction) -> None:
        """답하지 못한 질문(답 없음·해당 없음·👎)을 보고 FAQ에 반영해요."""
        records = await self.bot.activity_log.unanswered(scope_of(interaction), limit=TRIAGE_ITEMS)
        if not records:
            await send_ephemeral(interaction, messages.NOTHING_UNANSWERED)
            return
        content = listing.unanswered_text(records, DISCORD, limit=CONTENT_LIMIT)
        await send_ephemeral(interaction, content, view=unanswered_view(records))

    @admin.command(name="feedback")
    @admin_only()
    async def feedback(self, interaction: discord.Interaction) -> None:
        """👍 피드백(회원 질문 → FAQ)을 검토해요: 승인한 것만 모델 학습에 쓰여요."""
        pairs = await self.bot.activity_log.feedback_pairs(scope_of(interaction), limit=TRIAGE_ITEMS)
        if not pairs:
            await send_ephemeral(interaction, messages.NOTHING_TO_REVIEW)
            return
        content = listing.feedback_text(pairs, DISCORD, limit=CONTENT_LIMIT)
        await send_ephemeral(interaction, content, view=feedback_view(pairs))


async def setup(bot: FaqBot) -> None:
    await bot.add_cog(FaqAdminCommands(bot))


__all__ = ["MAX_IMPORT_BYTES", "FaqAdminCommands", "setup"]
