"""Every Korean text the chat adapters show, in one place (bolt-python's ``logger/messages.py`` pattern).

Plain constants where the text is fixed, small functions where it takes values. Text that
embeds something a member wrote takes it *already escaped* by the adapter's markup
(:class:`chat.markup.Markup`), and formatting (bold, code, subtext, mentions) comes from
that markup too, so the same wording renders as Discord markdown or Slack mrkdwn.
The core's own error texts stay with the errors (``faq/errors.py``, ``faq/text.py``); what only the
command line prints is in :mod:`chat.cli_messages`.
"""

from __future__ import annotations

# ---- answering ------------------------------------------------------------------------------

SUGGEST_INTRO = "🤔 혹시 이 질문인가요? 버튼을 누르면 답변을 볼 수 있어요."
NONE_ADMINS = "운영진"
TRUNCATED_NOTE = "질문이 길어 앞부분만 사용했어요"
EMPTY_MENTION_TEXT = "무엇이 궁금하신가요? 저를 멘션하고 질문을 적어 주세요. 예: `@봇 회비 얼마예요?`"
RETRY = "잠시 후 다시 시도해 주세요."


def none_text(who: str, list_command: str) -> str:
    """Nothing matched (asked directly): who to ask, and where the whole list is."""
    return (
        "🙇 죄송해요, 잘 모르겠어요. 관련된 FAQ를 찾지 못했어요.\n"
        f"{who}에게 직접 물어봐 주세요. {list_command}로 전체 FAQ 목록을 볼 수도 있어요."
    )


def model_unavailable(reason: object) -> str:
    """The model failed or timed out: not the member's fault, and not a bug here."""
    return f"⚠️ 지금은 답할 수 없어요: {reason} {RETRY}"


def unexpected_error(ref: str) -> str:
    return f"⚠️ 예상하지 못한 오류가 발생했어요. 운영진에게 알려 주세요 (오류 참조: {ref})"


def answering_failed(ref: str) -> str:
    return f"⚠️ 답변 중 오류가 발생했어요. 운영진에게 알려 주세요 (오류 참조: {ref})"


# ---- per-member limits -------------------------------------------------------------------------


def questions_limit(per_hour: int) -> str:
    return f"⏳ 질문이 많아서 잠시 쉬어 갈게요: 한 시간에 {per_hour}개까지 물어볼 수 있어요."


def feedback_limit(per_day: int) -> str:
    return f"⏳ 오늘은 피드백을 충분히 주셨어요 (하루 {per_day}개까지). 고마워요!"


CONCURRENT_LIMIT = "⏳ 앞의 질문을 아직 처리하고 있어요. 끝난 뒤에 다시 시도해 주세요."

# ---- buttons under answers ----------------------------------------------------------------------

VOTE_UP_LABEL, VOTE_DOWN_LABEL = "도움이 됐어요", "아니에요"
NO_MATCH_LABEL = "해당 없음"
VOTE_UP_THANKS = "👍 피드백 고마워요!"
VOTE_DOWN_THANKS = "👎 알려 줘서 고마워요. 운영진이 더 나은 답변을 준비할 수 있게 기록했어요."
NO_MATCH_NOTED = "알겠어요! 운영진이 확인할 수 있도록 답하지 못한 질문으로 남겼어요. 운영진에게 직접 물어봐 주세요."

# ---- admin: unanswered questions and the 👍 review queue ----------------------------------------

TRIAGE_LABELS = {
    "alt": "FAQ #{faq}에 대체 질문으로 추가",
    "other": "다른 FAQ에 추가…",
    "new": "새 FAQ…",
    "skip": "무시",
}
TRIAGE_SKIPPED = "목록에서 뺐어요."
NO_FAQ_NUMBER = "FAQ 번호가 없어요."
FAQ_NUMBER_DIGITS = "FAQ 번호는 숫자로 적어 주세요 (예: 12)."
NEW_FAQ_TITLE = "새 FAQ 추가"
ALTERNATE_MODAL_TITLE = "다른 FAQ의 대체 질문으로 추가"


def faq_number_label(question: str) -> str:
    return f"FAQ 번호 (질문: {question})"


FAQ_NUMBER_PLACEHOLDER = "예: 12"


def review_label(feedback_id: int, *, accept: bool) -> str:
    return f"#{feedback_id} 학습에 사용" if accept else f"#{feedback_id} 거절"


def reviewed(feedback_id: int, text: str, faq_id: int, *, accept: bool) -> str:
    verb = "학습 데이터로 승인했어요" if accept else "거절했어요 (학습에 쓰지 않아요)"
    return f"✅ 피드백 #{feedback_id}: {text} → FAQ #{faq_id} {verb}."


# ---- admin: FAQ changes ----------------------------------------------------------------------------


def added_as_alternate(faq_id: int, text: str) -> str:
    return f"✅ FAQ #{faq_id}에 대체 질문으로 추가했어요: {text}"


def merged_as_alternate(faq_id: int) -> str:
    return f"✅ FAQ #{faq_id}에 대체 질문으로 추가했어요 (답변은 기존 것을 유지했어요)."


def faq_added(faq_id: int, question: str) -> str:
    return f"✅ FAQ #{faq_id}을(를) 추가했어요: {question}"


def faq_added_now_live(faq_id: int, question: str) -> str:
    return f"✅ FAQ #{faq_id}을(를) 추가했어요. 바로 답변에 쓰여요.\n{question}"


def faq_edited(faq_id: int, question: str, *, alternates_kept: bool) -> str:
    note = "\n대체 질문은 입력 창에 다 담을 수 없어 그대로 두었어요. `/faq-admin alt`로 고쳐 주세요."
    return f"✅ FAQ #{faq_id}을(를) 고쳤어요.\n{question}" + (note if alternates_kept else "")


def faq_removed(faq_id: int, question: str) -> str:
    return f"🗑️ FAQ #{faq_id}을(를) 지웠어요: {question}"


def confirm_remove(faq_ref: str) -> str:
    return f"정말 지울까요?\n{faq_ref}"


def alternate_added(faq_id: int, count: int) -> str:
    return f"✅ FAQ #{faq_id}에 대체 질문을 추가했어요 ({count}개)."


def alternate_removed(faq_id: int, left: int) -> str:
    return f"✅ FAQ #{faq_id}의 대체 질문을 지웠어요 ({left}개 남음)."


def duplicate_warning(confidence: str, existing: str, new: str) -> str:
    return f"⚠️ 의미가 비슷한 FAQ가 이미 있어요 (신뢰도 {confidence}):\n{existing}\n새 질문: {new}\n어떻게 할까요?"


def as_alternate_label(faq_id: int) -> str:
    return f"FAQ #{faq_id}의 대체 질문으로 추가"


AS_ALTERNATE_LABEL = "대체 질문으로 추가"
ADD_ANYWAY_LABEL = "그래도 새 FAQ로 추가"
CANCEL_LABEL = "취소"
CONFIRM_LABEL = "확인"
REMOVE_LABEL = "삭제"
REPLACE_ALL_LABEL = "모두 바꾸기"
CANCELLED = "취소했어요."
ADD_TITLE = "FAQ 추가"


def edit_title(faq_id: int) -> str:
    return f"FAQ #{faq_id} 수정"


QUESTION_LABEL, ANSWER_LABEL = "질문", "답변"


def alternates_label(part: int) -> str:
    return "대체 질문 (한 줄에 하나, 선택)" if part == 1 else f"대체 질문 (이어서 {part})"


# ---- admin: files --------------------------------------------------------------------------------


def file_too_big(size: int, limit: int | None = None) -> str:
    return f"파일이 너무 커요 ({size:,}바이트, 최대 {limit:,}바이트)" if limit else f"파일이 너무 커요 ({size:,}바이트)"


def confirm_replace(remove: int, update: int, add: int) -> str:
    return f"⚠️ 파일에 없는 FAQ {remove}개를 지우고, {update}개 수정, {add}개 추가할까요? (남는 FAQ의 번호는 그대로)"


def imported(summary: str, rows: int | None = None) -> str:
    return f"✅ {summary}." if rows is None else f"✅ {summary} (파일의 {rows}개 중)."


def exported(count: int) -> str:
    return f"📦 FAQ {count}개를 내보냈어요."


# ---- admin: settings -------------------------------------------------------------------------------


def channel_added(channel: str, total: int) -> str:
    return f"✅ {channel}을(를) FAQ 채널로 지정했어요 (총 {total}개)."


def channel_removed(channel: str) -> str:
    return f"✅ {channel}은(는) 이제 FAQ 채널이 아니에요."


def admin_role_set(role: str | None) -> str:
    return f"✅ {role} 역할도 FAQ를 관리할 수 있어요." if role else "✅ 운영진 역할을 해제했어요."


def cooldown_set(seconds: float) -> str:
    return f"✅ FAQ 채널 쿨다운: 사용자당 {seconds:g}초"


def thresholds_reset(answer: str, suggest: str) -> str:
    return f"기본값으로 되돌렸어요: 답변 {answer} · 제안 {suggest}"


def thresholds_set(answer: str, suggest: str, margin: str) -> str:
    return f"✅ 임계값: 답변 {answer} · 제안 {suggest} · 차이 {margin}"


THRESHOLD_ORDER = "제안 임계값은 답변 임계값보다 클 수 없어요 (0 ≤ 제안 ≤ 답변 ≤ 1)."
CONFIG_TITLE = "FAQ 봇 설정"
NO_FAQ_CHANNELS = "없음 (멘션할 때만 답해요)"
NO_ADMIN_ROLE = "없음 (서버 관리 권한만)"

# ---- listings --------------------------------------------------------------------------------------

NO_FAQS = "아직 등록된 FAQ가 없어요. 운영진이 `/faq-admin add`로 추가할 수 있어요."
NOTHING_UNANSWERED = "🎉 답하지 못한 질문이 없어요."
NOTHING_TO_REVIEW = "🎉 검토할 피드백이 없어요."
DELETED = "(삭제됨)"
DELETED_FAQ = "(삭제된 FAQ)"
PREVIOUS_LABEL, NEXT_LABEL = "이전", "다음"


def faq_count(n: int) -> str:
    return f"📚 FAQ {n}개"


def page_footer(page: int, pages: int) -> str:
    return f"{page}/{pages} 페이지"


# ---- who may do what -------------------------------------------------------------------------------

ADMIN_REQUIRED = "이 기능은 서버 관리(Manage Server) 권한이나 운영진 역할이 있어야 쓸 수 있어요."
GUILD_ONLY = "서버 안에서만 쓸 수 있는 명령이에요."
NOT_ALLOWED = "이 명령을 쓸 권한이 없어요."
OWNER_ONLY = "이 버튼은 명령을 실행한 분만 쓸 수 있어요."
OTHER_SERVER_MODAL = "다른 서버에서 연 입력 창이에요."
OTHER_SERVER_CONFIRM = "다른 서버에서 연 확인 창이에요. 아무것도 바꾸지 않았어요."
OTHER_SERVER_REQUEST = "다른 서버의 요청이에요."


def on_cooldown(retry_after_s: float) -> str:
    return f"잠시 후 다시 시도해 주세요 ({retry_after_s:.0f}초)."


# ---- operators: start-up and the command line ------------------------------------------------------


def encoder_load_failed(reason: object) -> str:
    return f"{reason}\nFAQBOT_MODEL 설정을 확인하세요 (비우면 내장 기본 모델을 씁니다)."


LOGIN_FAILED = "디스코드 로그인 실패. DISCORD_TOKEN이 올바른지 확인하세요."
INTENTS_MISSING = (
    "Message Content Intent가 꺼져 있습니다. 개발자 포털 → Bot → Privileged Gateway Intents에서 "
    "MESSAGE CONTENT INTENT를 켜세요 (docs/discord-setup.md)."
)


def cannot_connect(reason: object) -> str:
    return f"디스코드에 연결할 수 없습니다 (네트워크를 확인하세요): {reason}"


def config_error(problem: str) -> str:
    return f"설정 오류: {problem}"


TOKEN_MISSING = config_error(
    "DISCORD_TOKEN이 없습니다. .env 파일이나 환경 변수에 봇 토큰을 넣으세요 (.env.example, docs/discord-setup.md 참고)."
)


INTERNAL_ERROR = "내부 오류가 발생했습니다 (위 로그 참고)."
