"""REST plumbing: the route table, body parsing, injected errors, auth, and recording every call.

Handlers take a :class:`RestRequest` and return ``(status, body)``; an error is raised as
:class:`~.rest_errors.RestError` and answered here.  Routes are tried in the order they were
added (so ``/users/@me`` must come before ``/users/{user_id}``).
"""

from __future__ import annotations

import json
import logging
import math
import re
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from .constants import Reply
from .openapi_spec import spec_problems
from .records import RecordedCall, UploadedFile
from .rest_errors import FormError, Problem, RestError, error_reply
from .state import FakeDiscordState

log = logging.getLogger(__name__)


@dataclass
class RestRequest:
    method: str
    path: str
    params: dict[str, str]
    query: dict[str, str]
    json: Any
    files: tuple[UploadedFile, ...]
    headers: Mapping[str, str]

    @classmethod
    def of(
        cls,
        request: web.Request,
        path: str,
        params: dict[str, str],
        body: Any = None,
        files: tuple[UploadedFile, ...] = (),
        *,
        method: str | None = None,
    ) -> RestRequest:
        return cls(
            method=method or request.method,
            path=path,
            params=params,
            query=dict(request.query),
            json=body,
            files=files,
            headers=dict(request.headers),
        )

    def query_flag(self, name: str) -> bool:
        """A boolean query parameter such as ``?wait=true``."""
        return self.query.get(name) in ("1", "true", "True")


Handler = Callable[[RestRequest], Awaitable[Reply]]
# Discord's documented limits for a route's JSON body (``limits.py``); the spec is checked too.
BodyRules = Callable[[Any], list[Problem]]


@dataclass(frozen=True)
class Route:
    method: str
    template: str
    pattern: re.Pattern[str]
    handler: Handler
    auth: bool
    rules: BodyRules | None = None


async def _parse_body(request: web.Request) -> tuple[Any, tuple[UploadedFile, ...]]:
    """JSON body, or multipart ``payload_json`` plus the uploaded files."""
    if not request.body_exists:
        return None, ()
    ctype = request.content_type
    if ctype.startswith("multipart/"):
        reader = await request.multipart()
        body: Any = None
        files: list[UploadedFile] = []
        while True:
            part = await reader.next()
            if part is None:
                break
            name = part.name or ""  # type: ignore[union-attr]
            data = await part.read()  # type: ignore[union-attr]
            if name == "payload_json":
                body = json.loads(data.decode())
            elif part.filename is not None:  # type: ignore[union-attr]
                files.append(
                    UploadedFile(
                        field=name,
                        filename=part.filename,  # type: ignore[union-attr]
                        content_type=part.headers.get("Content-Type"),  # type: ignore[union-attr]
                        data=bytes(data),
                    )
                )
        return body, tuple(files)
    raw = await request.read()
    if not raw:
        return None, ()
    if ctype == "application/json":
        return json.loads(raw), ()
    return raw.decode(errors="replace"), ()


def _rate_limit_headers(route: Route | None, status: int, response: Any) -> dict[str, str]:
    """Plausible bucket headers so discord.py's rate-limit bookkeeping runs as in prod.

    A 429 keeps them consistent with its body: ``X-RateLimit-Reset-After`` is the body's
    ``retry_after``, ``Retry-After`` the same rounded up to whole seconds (an HTTP delay-seconds).
    """
    reset_after = float(response["retry_after"]) if status == 429 else 1.0
    headers = {
        "X-RateLimit-Limit": "50",
        "X-RateLimit-Remaining": "0" if status == 429 else "49",
        "X-RateLimit-Reset": f"{time.time() + reset_after:.3f}",
        "X-RateLimit-Reset-After": f"{reset_after:.3f}",
        "X-RateLimit-Bucket": f"fake-{route.template if route else 'none'}".replace("/", ":"),
        "Via": "1.1 fakediscord",
    }
    if status == 429:
        headers["Retry-After"] = str(math.ceil(reset_after))
        headers["X-RateLimit-Scope"] = "user"
    return headers


def _body_problems(route: Route, req: RestRequest) -> list[Problem]:
    """Everything wrong with the body, by the spec (when present) and the built-in limits, once each."""
    if req.method not in ("POST", "PUT", "PATCH") or req.json is None:
        return []
    problems = spec_problems(req.method, route.template, req.json)
    if route.rules is not None:
        problems += route.rules(req.json)
    unique: dict[tuple[object, ...], Problem] = {}
    for problem in problems:
        unique.setdefault((problem.path, problem.code), problem)
    return list(unique.values())


class RestRouterMixin(FakeDiscordState):
    _routes: list[Route]

    def _add(
        self, method: str, template: str, handler: Handler, *, auth: bool = True, rules: BodyRules | None = None
    ) -> None:
        regex = "^" + re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(template)) + "$"
        self._routes.append(Route(method, template, re.compile(regex), handler, auth, rules))

    def inject_error(
        self,
        path_contains: str,
        *,
        method: str | None = None,
        status: int = 429,
        retry_after: float = 0.05,
    ) -> None:
        """Make the next matching request fail once (429 with ``retry_after``, or any status)."""
        self._injected.append((method.upper() if method else None, path_contains, status, retry_after))

    def _match_route(self, method: str, path: str) -> tuple[Route | None, dict[str, str]]:
        for candidate in self._routes:
            if candidate.method != method:
                continue
            m = candidate.pattern.match(path)
            if m:
                return candidate, m.groupdict()
        return None, {}

    async def _handle_rest(self, request: web.Request) -> web.StreamResponse:
        received = time.monotonic()
        path = "/" + request.match_info["tail"]
        body, files = await _parse_body(request)
        route, params = self._match_route(request.method, path)
        req = RestRequest.of(request, path, params, body, files)
        status, response = await self._respond(route, req)
        headers = _rate_limit_headers(route, status, response)
        if response is None:
            resp = web.Response(status=status, headers=headers)
        else:
            # discord.py's json_or_text() only parses a bare "application/json" (no charset suffix).
            headers["Content-Type"] = "application/json"
            resp = web.Response(status=status, body=json.dumps(response, ensure_ascii=False).encode(), headers=headers)
        return await self._send_and_record(request, resp, req, route.template if route else None, received, response)

    async def _respond(self, route: Route | None, req: RestRequest) -> Reply:
        for i, (method, needle, status, retry_after) in enumerate(self._injected):
            if (method is None or method == req.method) and needle in req.path:
                del self._injected[i]
                if status == 429:
                    return 429, {"message": "You are being rate limited.", "retry_after": retry_after, "global": False}
                return error_reply(status, 0, f"{status}: injected error")
        if route is None:
            log.warning("FakeDiscord: unimplemented route %s %s", req.method, req.path)
            return error_reply(404, 0, "404: Not Found")
        if route.auth and self.expected_token is not None:
            if req.headers.get("Authorization") != f"Bot {self.expected_token}":
                return error_reply(401, 0, "401: Unauthorized")
        problems = _body_problems(route, req)
        if problems:
            return FormError(problems).reply
        try:
            return await route.handler(req)
        except RestError as exc:
            return exc.reply
        except Exception:
            log.exception("FakeDiscord: handler for %s %s failed", req.method, req.path)
            return error_reply(500, 0, "500: fakediscord handler crashed")

    async def _handle_cdn(self, request: web.Request) -> web.StreamResponse:
        received = time.monotonic()
        path = "/" + request.match_info["tail"]
        hit = self.cdn.get(path)
        if hit is None:
            resp = web.Response(status=404, text="not found")
        else:
            resp = web.Response(body=hit[0], content_type=hit[1])
        route = "/cdn/{path}" if hit else None
        req = RestRequest.of(request, "/cdn" + path, {"path": path}, method="GET")
        return await self._send_and_record(request, resp, req, route, received, None)

    async def _send_and_record(
        self,
        request: web.Request,
        resp: web.Response,
        req: RestRequest,
        route: str | None,
        received: float,
        response: Any,
    ) -> web.StreamResponse:
        # Record only once the answer is on the wire, so a waiting test never races the bot
        # for a response it has not been sent yet.
        await resp.prepare(request)
        await resp.write_eof()
        self._calls.append(
            RecordedCall(
                method=req.method,
                path=req.path,
                route=route,
                params=req.params,
                query=dict(req.query),
                json=req.json,
                files=req.files,
                headers=dict(req.headers),
                received_at=received,
                status=resp.status,
                response=response,
                responded_at=time.monotonic(),
            )
        )
        return resp
