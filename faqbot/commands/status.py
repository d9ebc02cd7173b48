"""``faqbot status``: is the bot up? Database, running processes (shards, gateways, model), last hour.

Exit code 0 when the database answers and at least one bot process beat within a minute; 1 otherwise
(for monitoring: ``faqbot status --json || alert``).
"""

from __future__ import annotations

import argparse
import asyncio
import json

from faq.errors import StorageError
from faq.health import STALE_S, answered_since, processes
from faq.schema import SCHEMA_VERSION
from faqbot.app import open_store
from faqbot.commands.common import settings_from


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "status", help="봇 상태: 데이터베이스 연결, 실행 중인 봇 프로세스(샤드·게이트웨이·모델), 최근 1시간 질문"
    )
    p.add_argument("--db", help="SQLite 파일 또는 postgresql://… (기본: $FAQBOT_DB)")
    p.add_argument("--json", action="store_true", help="JSON 한 줄로 출력")
    p.set_defaults(func=run, model=None)


async def gather(target: object) -> dict[str, object]:
    report: dict[str, object] = {"database": {"target": str(target), "reachable": False}, "processes": []}
    try:
        async with open_store(target) as store:  # type: ignore[arg-type]
            await store.ping()
            report["database"] = {"target": store.path, "engine": store.engine, "reachable": True}
            report["schema"] = SCHEMA_VERSION
            report["processes"] = [
                {
                    "id": p.id,
                    "host": p.host,
                    "pid": p.pid,
                    "started_at": p.started_at,
                    "seen_s_ago": round(p.age_s(), 1),
                    "alive": p.alive,
                    **p.info,
                }
                for p in await processes(store)
            ]
            report["shard_coverage"] = shard_coverage([p for p in report["processes"] if p["alive"]])
            asked, answered = await answered_since(store, 1)
            report["last_hour"] = {"questions": asked, "answered": answered}
    except StorageError as exc:
        report["database"] = {"target": str(target), "reachable": False, "error": str(exc)}
    return report


def shard_coverage(live: list[dict]) -> list[dict[str, object]]:
    """Per shard count the live processes run: shards nobody runs (their guilds go unanswered) and
    shards two processes run (their guilds answered twice). Unsharded processes count as shard 0 of 1."""
    by_count: dict[int, list[int]] = {}
    for p in live:
        by_count.setdefault(int(p.get("shard_count") or 1), []).extend(int(s) for s in p.get("shards") or [0])
    return [
        {
            "shard_count": count,
            "missing": sorted(set(range(count)) - set(ids)),
            "duplicated": sorted({s for s in ids if ids.count(s) > 1}),
        }
        for count, ids in sorted(by_count.items())
    ]


def format_report(report: dict) -> str:
    db = report["database"]
    if not db["reachable"]:
        return f"데이터베이스: 연결 안 됨 — {db.get('error', '')}"
    lines = [f"데이터베이스: {db['target']} ({db['engine']}) — 연결됨, 스키마 {report['schema']}"]
    live = [p for p in report["processes"] if p["alive"]]
    lines.append(f"봇 프로세스: 실행 중 {len(live)}개" + (" — 실행 중인 봇 없음" if not live else ""))
    for p in report["processes"]:
        state = "실행 중" if p["alive"] else f"응답 없음 ({int(STALE_S)}초 넘게 신호 없음: 죽었거나 DB와 끊김)"
        shards = p.get("shards") or []
        connected = p.get("gateways_connected", 0)
        lines.append(
            f"  {p['host']}:{p['pid']} {state}, 마지막 신호 {p['seen_s_ago']:.0f}초 전 · "
            f"샤드 {','.join(map(str, shards)) or '-'}/{p.get('shard_count') or 1} "
            f"(게이트웨이 연결 {connected}/{len(shards) or 1}) · "
            f"서버 {p.get('guilds', 0)}개 · 모델 {p.get('model', '?')} {'로드됨' if p.get('model_loaded') else '없음'}"
        )
    for cover in report.get("shard_coverage", []):
        count = cover["shard_count"]
        if cover["missing"]:
            lines.append(
                f"  경고: 샤드 {','.join(map(str, cover['missing']))}/{count}을(를) 맡은 프로세스가 없습니다 "
                "(그 샤드의 서버에는 답하지 않습니다)"
            )
        if cover["duplicated"]:
            lines.append(
                f"  경고: 샤드 {','.join(map(str, cover['duplicated']))}/{count}을(를) "
                "두 프로세스 이상이 맡고 있습니다 (같은 봇 토큰이면 같은 질문에 두 번 답합니다)"
            )
    hour = report["last_hour"]
    lines.append(f"최근 1시간: 질문 {hour['questions']}개, 바로 답변 {hour['answered']}개")
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    report = asyncio.run(gather(settings_from(args).db))
    print(json.dumps(report, ensure_ascii=False) if args.json else format_report(report))
    healthy = report["database"]["reachable"] and any(p["alive"] for p in report["processes"])
    return 0 if healthy else 1
