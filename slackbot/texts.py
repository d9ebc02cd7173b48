"""Korean text only the Slack adapter shows (the shared wording is in :mod:`chat.messages`)."""

from __future__ import annotations

ADMIN_REQUIRED = "이 기능은 워크스페이스 관리자·소유자나 운영진 사용자 그룹만 쓸 수 있어요. 아무것도 바꾸지 않았어요."
FAQ_HELP = "사용법: `/faq ask 질문` · `/faq list [페이지]` · `/faq show 번호`"
ADMIN_HELP = (
    "사용법: `/faq-admin add` · `edit 번호` · `remove 번호` · `alt add|remove 번호 대체질문` · `import` · "
    "`export [json]` · "
    "`config [channel-add|channel-remove|admin-group 그룹ID|none|cooldown 초|thresholds 답변 제안 [차이]]` "
    "· `stats [일수]` · `unanswered`"
)
IMPORT_HOW = (
    "📥 봇과의 DM(앱 메시지 탭)에 CSV·JSON·XLSX 파일을 올리면 가져와요. 파일의 행은 번호(id)나 질문이 같은 FAQ를 "
    "고치고 나머지는 추가해요 (지우지는 않아요; 모두 바꾸기는 `faqbot faq import --replace`)."
)
EXPORT_IN_DM = "📦 내보내기 파일은 봇과의 DM에서 `/faq-admin export`를 실행하면 그곳에 올려 드려요."
IMPORT_NOT_ADMIN = "파일 가져오기는 운영진만 할 수 있어요. 아무것도 바꾸지 않았어요."
IMPORT_UNREADABLE = "파일을 받아 오지 못했어요. 잠시 후 다시 올려 주세요."
HOME_MEMBER_TITLE = "멋사 FAQ 봇"
HOME_HOW_TO_ASK = (
    "궁금한 것을 물어보세요.\n• 채널에서 봇을 멘션: `@faqbot 회비 얼마예요?` (답은 스레드에)\n"
    "• 이 앱의 메시지 탭에서 바로 질문\n• `/faq ask 질문` (나만 보기), `/faq list`"
)
HOME_TOP = "많이 묻는 FAQ"
HOME_ADMIN = "운영진"
HOME_UNANSWERED = "답하지 못한 질문"
HOME_NO_TOP = "아직 통계가 없어요."
GROUP_ID_FORMAT = "사용자 그룹 ID는 S로 시작해요 (예: S0123ABCD). 해제하려면 `none`."
NUMBER_FORMAT = "숫자로 적어 주세요."
