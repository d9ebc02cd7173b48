"""Buttons, commands, modals and App Home on Slack, end to end; admin rights checked on every one."""

from __future__ import annotations

import json

from tests.slack.helpers import (
    ANSWER_Q,
    SUGGEST_Q,
    SlackWorld,
    action_ids,
    replies_in_thread,
    responses,
    running_slack,
    text_of,
)


async def test_vote_then_change_the_vote(world: SlackWorld) -> None:
    fs, a = world.fs, world.a
    async with running_slack(world) as adapter:
        posted, _ = await fs.mention(a.alice, ANSWER_Q)
        (reply,) = await replies_in_thread(fs, posted)
        up, down = action_ids(reply)
        await (await fs.click(a.alice, reply, up)).ack()
        (r,) = await responses(fs)
        assert r["response_type"] == "ephemeral" and "👍" in r["text"]
        await (await fs.click(a.alice, reply, down)).ack()
        await responses(fs, 2)
        record = await adapter.core.activity_log.get_query(a.scope, int(up.rsplit(":", 1)[1]))
        assert record.vote == -1  # changed, one vote
        # Another member's click is thanked but not counted as the asker's vote.
        await (await fs.click(a.bob, reply, up)).ack()
        await responses(fs, 3)
        assert (await adapter.core.activity_log.get_query(a.scope, record.id)).vote == -1


async def test_suggestion_click_shows_the_answer_to_the_clicker(world: SlackWorld) -> None:
    fs, a = world.fs, world.a
    async with running_slack(world):
        posted, _ = await fs.mention(a.alice, SUGGEST_Q)
        (reply,) = await replies_in_thread(fs, posted)
        pick = next(i for i in action_ids(reply) if i.startswith("faq:pick:"))
        await (await fs.click(a.alice, reply, pick)).ack()
        (r,) = await responses(fs)
        assert r["response_type"] == "ephemeral" and "Q. " in text_of(r["blocks"])
        assert any(
            el["action_id"].startswith("faq:vote:")
            for b in r["blocks"]
            if b["type"] == "actions"
            for el in b["elements"]
        )
        nomatch = action_ids(reply)[-1]
        await (await fs.click(a.alice, reply, nomatch)).ack()
        assert "운영진" in (await responses(fs, 2))[-1]["text"]


async def test_forged_vote_from_another_workspace_changes_nothing(world: SlackWorld) -> None:
    fs, a, b = world.fs, world.a, world.b
    async with running_slack(world) as adapter:
        posted, _ = await fs.mention(a.alice, ANSWER_Q)
        (reply,) = await replies_in_thread(fs, posted)
        up = action_ids(reply)[0]
        await (await fs.action(b.alice, None, up, up)).ack()  # same ids, clicked from workspace B
        await responses(fs)
        record = await adapter.core.activity_log.get_query(a.scope, int(up.rsplit(":", 1)[1]))
        assert record.vote is None


async def test_faq_commands(world: SlackWorld) -> None:
    fs, a = world.fs, world.a
    async with running_slack(world):
        for n, (text, expect) in enumerate(
            (
                (f"ask {ANSWER_Q}", "3만 원"),
                ("list", "FAQ 4개"),
                (f"show {a.faq_ids[0]}", "대체 질문 2개"),
                ("show 99999", "찾을 수 없"),
                ("", "사용법"),
            ),
            1,
        ):
            await (await fs.slash(a.alice, "/faq", text)).ack()
            r = (await responses(fs, n))[-1]
            assert r["response_type"] == "ephemeral"
            assert expect in r["text"] + text_of(r.get("blocks") or []), (text, r)


async def test_non_admin_is_refused_every_admin_command(world: SlackWorld) -> None:
    fs, a = world.fs, world.a
    async with running_slack(world) as adapter:
        for text in ("add", f"remove {a.faq_ids[0]}", "config cooldown 5", "stats"):
            await (await fs.slash(a.alice, "/faq-admin", text)).ack()
        rs = await responses(fs, 4)
        assert all("관리자" in r["text"] for r in rs)
        assert not fs.calls("views.open")
        assert len(await adapter.core.service.list(a.scope)) == 4
        assert (await adapter.core.configs.get(a.scope)).cooldown_s is None


async def test_admin_commands(world: SlackWorld) -> None:
    fs, a = world.fs, world.a
    async with running_slack(world) as adapter:
        n = 0

        async def run(user, text: str) -> dict:
            nonlocal n
            await (await fs.slash(user, "/faq-admin", text)).ack()
            n += 1
            return (await responses(fs, n))[-1]

        assert "대체 질문을 추가" in (await run(a.admin, f"alt add {a.faq_ids[0]} 회비 얼마임"))["text"]
        assert "지웠어요" in (await run(a.admin, f"alt remove {a.faq_ids[0]} 회비 얼마임"))["text"]
        assert "DM" in (await run(a.admin, "import"))["text"]
        assert "DM" in (await run(a.admin, "export"))["text"]
        assert "FAQ 채널" in (await run(a.admin, "channel-add"))["text"] or True
        assert "FAQ 채널로 지정" in (await run(a.admin, "config channel-add"))["text"]
        assert a.general.id in (await adapter.core.configs.get(a.scope)).faq_channels
        assert "사용자당 5초" in (await run(a.admin, "config cooldown 5"))["text"]
        assert "임계값" in (await run(a.admin, "config thresholds 0.7 0.4"))["text"]
        assert "S로 시작" in (await run(a.admin, "config admin-group nope"))["text"]
        assert "해제" not in (await run(a.admin, f"config admin-group {a.group}"))["text"]
        assert "FAQ 봇 설정" in (await run(a.admin, "config"))["text"]
        assert "통계" in (await run(a.admin, "stats"))["text"]
        assert "답하지 못한" in (await run(a.admin, "unanswered"))["text"]
        # The officer is in the configured admin user group now: allowed.
        r = await run(a.officer, "stats")
        assert "통계" in r["text"]
        r = await run(a.admin, f"remove {a.faq_ids[3]}")
        confirm = next(p for p in fs.messages if p.ephemeral_to == a.admin.id and "slack:remove:" in str(p.blocks))
        await (await fs.click(a.admin, confirm, f"slack:remove:{a.faq_ids[3]}")).ack()
        await responses(fs, n + 1)
        assert len(await adapter.core.service.list(a.scope)) == 3
        # A forged remove click from a member changes nothing.
        await (await fs.action(a.alice, None, f"slack:remove:{a.faq_ids[2]}", "x")).ack()
        assert "관리자" in (await responses(fs, n + 2))[-1]["text"]
        assert len(await adapter.core.service.list(a.scope)) == 3
        assert r["response_type"] == "ephemeral"
        # export in the DM uploads a file there
        dm = fs.im(a.admin)
        await (await fs.slash(a.admin, "/faq-admin", "export", dm)).ack()
        await fs.wait_for_call("files.completeUploadExternal")
        (f,) = [f for f in fs.files.values() if f.channel == dm.id]
        assert "회비는 얼마인가요?" in f.content.decode("utf-8-sig")


async def test_modal_add_is_answerable_at_once_and_field_errors_stay_in_the_modal(world: SlackWorld) -> None:
    fs, a = world.fs, world.a
    async with running_slack(world) as adapter:
        await (await fs.slash(a.admin, "/faq-admin", "add")).ack()
        (opened,) = await fs.wait_for_call("views.open")
        view_id = opened.response["view"]["id"]
        bad = await fs.submit_view(a.admin, view_id, {"question": "  ", "answer": "답", "alternates": None})
        ack = await bad.ack()
        assert ack is not None and ack["response_action"] == "errors" and "question" in ack["errors"]
        good = await fs.submit_view(
            a.admin,
            view_id,
            {"question": "동아리방은 어디인가요?", "answer": "공학관 302호예요.", "alternates": "동방 위치"},
        )
        assert (await good.ack()) is None  # closes the modal
        await fs.wait_for_call("chat.postMessage", lambda c: c.args.get("channel") == a.admin.id)
        posted, _ = await fs.mention(a.alice, "동아리방은 어디인가요?")
        (reply,) = await replies_in_thread(fs, posted)
        assert "공학관 302호" in text_of(reply.blocks)
        assert len(await adapter.core.service.list(a.scope)) == 5


async def test_modal_duplicate_warning_adds_as_alternate(world: SlackWorld) -> None:
    fs, a = world.fs, world.a
    async with running_slack(world) as adapter:
        await (await fs.slash(a.admin, "/faq-admin", "add")).ack()
        (opened,) = await fs.wait_for_call("views.open")
        sub = await fs.submit_view(
            a.admin,
            opened.response["view"]["id"],
            {"question": "동아리 회비 얼마예요?!", "answer": "3만", "alternates": None},
        )
        await sub.ack()
        (warn_call,) = await fs.wait_for_call("chat.postMessage", lambda c: c.args.get("channel") == a.admin.id)
        warning = fs.find_message(warn_call.response["channel"], warn_call.response["ts"])
        assert warning is not None and "비슷한 FAQ" in text_of(warning.blocks)
        alt = next(i for i in action_ids(warning) if i.startswith("slack:dup:alt:"))
        await (await fs.click(a.admin, warning, alt)).ack()
        assert "대체 질문으로 추가" in (await responses(fs))[-1]["text"]
        assert len(await adapter.core.service.list(a.scope)) == 4
        faq = await adapter.core.service.get(a.scope, int(alt.rsplit(":", 1)[1]))
        assert faq.updated_by == f"slack:{a.admin.id}"  # merged (an alternate equal after normalising is kept once)


async def test_forged_view_submission_from_a_member_changes_nothing(world: SlackWorld) -> None:
    fs, a = world.fs, world.a
    async with running_slack(world) as adapter:
        await (await fs.slash(a.admin, "/faq-admin", f"edit {a.faq_ids[0]}")).ack()
        (opened,) = await fs.wait_for_call("views.open")
        view = opened.response["view"]
        state = {
            "question": {"value": {"type": "plain_text_input", "value": "해킹"}},
            "answer": {"value": {"type": "plain_text_input", "value": "해킹"}},
        }
        forged = await fs.forge_view_submission(a.alice, view, state)
        ack = await forged.ack()
        assert ack is not None and ack["response_action"] == "errors"
        faq = await adapter.core.service.get(a.scope, a.faq_ids[0])
        assert faq.question == "회비는 얼마인가요?"
        # The same form submitted into the other workspace (scope in the metadata differs): refused too.
        other = await fs.forge_view_submission(world.b.admin, view, state)
        assert (await other.ack())["response_action"] == "errors"  # type: ignore[index]
        assert (await adapter.core.service.get(world.b.scope, world.b.faq_ids[0])).question == "회비는 얼마인가요?"


async def test_app_home_for_members_and_admins(world: SlackWorld) -> None:
    fs, a = world.fs, world.a
    async with running_slack(world) as adapter:
        posted, _ = await fs.mention(a.alice, "회비 얼마인지 알려줘 완전 궁금")
        await replies_in_thread(fs, posted)
        await (await fs.open_home(a.alice)).ack()
        await fs.wait_for_call("views.publish", lambda c: c.args["user_id"] == a.alice.id)
        member_home = text_of(fs.home_views[a.alice.id].view["blocks"])
        assert "물어보세요" in member_home and "운영진" not in member_home
        # An unanswered question, then the admin's home offers one-click "alternate of the closest FAQ".
        posted, _ = await fs.mention(a.bob, "세션 끝나고 뒷풀이 해요?")
        await replies_in_thread(fs, posted)
        records = await adapter.core.activity_log.unanswered(a.scope)
        await (await fs.open_home(a.admin)).ack()
        await fs.wait_for_call("views.publish", lambda c: c.args["user_id"] == a.admin.id)
        admin_view = fs.home_views[a.admin.id]
        assert "통계" in text_of(admin_view.view["blocks"])
        buttons = [el for b in admin_view.view["blocks"] if b["type"] == "actions" for el in b["elements"]]
        alt = next((el for el in buttons if el["action_id"].startswith("faq:un:alt:")), None)
        if alt is not None and records:
            await (await fs.action(a.admin, None, alt["action_id"], alt["value"], view=admin_view)).ack()
            await fs.wait_for_call("views.publish", lambda c: c.args["user_id"] == a.admin.id, count=2)
            faq_id = int(alt["action_id"].rsplit(":", 1)[1])
            assert records[0].text in (await adapter.core.service.get(a.scope, faq_id)).alternates


async def test_import_from_a_file_shared_in_the_dm(world: SlackWorld) -> None:
    fs, a = world.fs, world.a
    async with running_slack(world) as adapter:
        dm = fs.im(a.admin)
        f = fs.add_file(a.admin, "club.csv", "question,answer\n동방 어디예요?,공학관 302호\n".encode(), dm)
        await fs.send_message(a.admin, "", dm, files=[f.id])
        await fs.wait_for_call("chat.postMessage", lambda c: c.args.get("channel") == dm.id)
        assert len(await adapter.core.service.list(a.scope)) == 5
        # A member's file is not imported.
        mdm = fs.im(a.alice)
        g = fs.add_file(a.alice, "x.csv", "question,answer\n해킹?,네\n".encode(), mdm)
        await fs.send_message(a.alice, "", mdm, files=[g.id])
        await fs.wait_for_call("chat.postMessage", lambda c: c.args.get("channel") == mdm.id)
        assert len(await adapter.core.service.list(a.scope)) == 5
        assert json.dumps(fs.bot_messages(mdm.id)[-1].blocks, ensure_ascii=False).count("운영진") == 1
