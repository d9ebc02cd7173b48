"""Generated Korean FAQs for many guilds (benchmarks/pg_load.py): varied, reproducible, distinct per guild.

Each guild draws its FAQs from 40 club topics × 12 question forms ("회비는 언제 하나요?", "해커톤
신청은 어디서 하나요?", …); its answers carry a day, time, place, fee and contact drawn from the
guild's own random stream and end with a tag naming guild, topic and form, so every answer text
is unique. No topic is part of another's name, so a question's own FAQ ranks first with a clear
margin (checked by the benchmark: every answer's FAQ id is compared with the one asked about).
"""

from __future__ import annotations

import random
from collections.abc import Callable

TOPICS = (
    "회비",
    "정기 세션",
    "해커톤",
    "스터디",
    "과제 제출",
    "출석 체크",
    "데모데이",
    "멘토링",
    "팀 프로젝트",
    "동아리방",
    "아이디어톤",
    "연합 행사",
    "면접",
    "서류 전형",
    "오리엔테이션",
    "엠티",
    "뒤풀이",
    "노트북 대여",
    "깃허브 조직",
    "디스코드 채널",
    "수료증",
    "운영진 모집",
    "아기사자 교육",
    "졸업생 네트워킹",
    "기업 연계 프로젝트",
    "프론트엔드 트랙",
    "백엔드 트랙",
    "디자인 트랙",
    "기획 트랙",
    "인공지능 트랙",
    "코드 리뷰",
    "발표 자료",
    "회의록",
    "장비 구매",
    "후원 신청",
    "굿즈",
    "단체 티셔츠",
    "회식비 정산",
    "교육 자료",
    "세션 녹화본",
)


def _with_particle(word: str, after_consonant: str, after_vowel: str) -> str:
    last = word[-1]
    closed = 0xAC00 <= ord(last) <= 0xD7A3 and (ord(last) - 0xAC00) % 28 != 0
    return word + (after_consonant if closed else after_vowel)


FORMS: tuple[Callable[[str], str], ...] = (
    lambda t: f"{_with_particle(t, '은', '는')} 언제 하나요?",
    lambda t: f"{t} 일정이 어떻게 되나요?",
    lambda t: f"{t}에 꼭 참여해야 하나요?",
    lambda t: f"{t} 신청은 어디서 하나요?",
    lambda t: f"{t} 비용은 얼마인가요?",
    lambda t: f"{t} 준비물이 따로 있나요?",
    lambda t: f"{t} 담당자는 누구인가요?",
    lambda t: f"{t} 장소가 어디예요?",
    lambda t: f"{t}에 늦으면 어떻게 되나요?",
    lambda t: f"{t} 온라인으로도 참여할 수 있나요?",
    lambda t: f"{t} 마감 기한을 놓치면 어떡하죠?",
    lambda t: f"{t} 관련 공지는 어디서 보나요?",
)
MAX_PER_GUILD = len(TOPICS) * len(FORMS)

DAYS = "월화수목금토일"
PLACES = ("학생회관 3층", "공학관 201호", "도서관 세미나실", "온라인 줌", "창업지원센터", "디스코드 음성 채널")
CONTACTS = ("대표", "부대표", "교육 팀장", "운영진", "트랙 리더", "총무")

#: How members word a question: as written, without the question mark, with a hedge in front.
VARIANTS: tuple[Callable[[str], str], ...] = (
    lambda q: q,
    lambda q: q.rstrip("?"),
    lambda q: "혹시 " + q,
)


def guild_faqs(guild: int, count: int) -> list[tuple[str, str]]:
    """``count`` (question, answer) pairs for guild number ``guild``; the same on every call."""
    if not 0 < count <= MAX_PER_GUILD:
        raise ValueError(f"1..{MAX_PER_GUILD} FAQs per guild")
    rng = random.Random(guild)
    pairs = rng.sample([(t, f) for t in range(len(TOPICS)) for f in range(len(FORMS))], count)
    out: list[tuple[str, str]] = []
    for t, f in pairs:
        topic = TOPICS[t]
        answer = (
            f"{topic} 안내: 매주 {rng.choice(DAYS)}요일 {rng.randint(1, 9)}시, {rng.choice(PLACES)}에서 합니다. "
            f"비용은 {rng.randint(0, 50) * 1000}원이고 문의는 {rng.choice(CONTACTS)}에게 해 주세요. (G{guild}-{t}-{f})"
        )
        out.append((FORMS[f](topic), answer))
    return out


def edited_answer(seeded: str, edit: int) -> str:
    """The text of admin edit number ``edit`` (unique across the run, so an answer names its version)."""
    return f"{seeded} [수정 {edit}: 일정이 바뀌었습니다]"
