"""Data shared by tests across folders (fixtures stay in conftest.py)."""

from __future__ import annotations

from faq.types import FaqDraft

SAMPLE_FAQS = [
    FaqDraft("회비는 얼마인가요?", "한 학기 회비는 3만 원입니다.", ("회비 금액이 궁금해요", "동아리 회비 얼마예요?")),
    FaqDraft(
        "회비는 어떻게 납부하나요?", "카카오뱅크 계좌로 이체해 주세요.", ("회비 납부 방법", "회비 어디로 보내요?")
    ),
    FaqDraft("정기 세션은 언제 하나요?", "매주 화요일 저녁 7시에 합니다.", ("세션 요일이 언제예요?", "세션 시간")),
    FaqDraft(
        "프론트엔드 파트는 무엇을 하나요?", "React로 웹 화면을 만듭니다.", ("FE 파트 뭐해요?", "프론트 파트 활동")
    ),
    FaqDraft(
        "비전공자도 지원할 수 있나요?",
        "네, 전공과 상관없이 지원할 수 있어요.",
        ("컴공 아니어도 돼요?", "비전공자 지원 가능?"),
    ),
]

# The chat end-to-end worlds (Discord and Slack): the first three sample FAQs, then each platform's own
# ping-probe FAQ. With the hashing encoder: ANSWER_Q is answered with FAQ 1, SUGGEST_Q gets a suggestion
# (정기 세션, ~0.44), NONE_Q gets nothing, PING_Q finds the ping-probe FAQ.
CHAT_FAQS = SAMPLE_FAQS[:3]
ANSWER_Q, SUGGEST_Q, NONE_Q, PING_Q = (
    "회비 얼마예요?",
    "정기적으로 언제 모여요?",
    "오늘 점심 뭐 먹지",
    "공지 어디서 봐요?",
)
