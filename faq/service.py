"""FaqService: the one entry point adapters (CLI, Discord, later Slack) call.

It keeps the store and the per-scope in-memory indexes consistent: every write
first encodes the new texts (so a model failure changes nothing), then commits
one transaction (FAQ rows + cached vectors), then publishes the new index
snapshot. A crash between commit and publish loses nothing: indexes are rebuilt
from the database on start.
"""

from __future__ import annotations

import asyncio
import dataclasses
import functools
import logging
from collections.abc import Callable, Sequence

import numpy as np

from faq.cascade import Reranking, calibrator_for
from faq.decision import Calibrator, DecisionModel
from faq.embedder import Embedder
from faq.errors import DuplicateQuestion, InvalidInput, NotFound, StorageError
from faq.import_plan import ImportPlan, ImportResult, ImportRow, plan_import
from faq.index import ScopeIndex, Snapshot, answer_rows, index_texts
from faq.lexical import tokenize_all
from faq.matcher import (
    DEFAULT_ANSWER_WEIGHT,
    DEFAULT_DOCUMENT_WEIGHT,
    DEFAULT_LEXICAL_WEIGHT,
    DEFAULT_ROWS,
    RowRules,
    decide,
    suggestions,
)
from faq.store import FaqStore
from faq.text import MAX_ALTERNATES, answer_passages, normalized_key, validate_answer, validate_query, validate_question
from faq.types import Answer, Candidate, Faq, FaqDraft, Status, Thresholds

log = logging.getLogger(__name__)

_THRESHOLD_KEYS = ("answer", "suggest", "margin")


def clean_draft(draft: FaqDraft) -> FaqDraft:
    """Validate and normalise an FAQ; duplicate alternates are dropped silently."""
    question = validate_question(draft.question)
    answer = validate_answer(draft.answer)
    seen = {normalized_key(question)}
    alternates: list[str] = []
    for alt in draft.alternates:
        text = validate_question(alt, what="대체 질문")
        key = normalized_key(text)
        if key not in seen:
            seen.add(key)
            alternates.append(text)
    if len(alternates) > MAX_ALTERNATES:
        raise InvalidInput(f"대체 질문이 너무 많습니다 ({len(alternates)}개, 최대 {MAX_ALTERNATES}개).")
    return FaqDraft(question, answer, tuple(alternates))


def _draft_texts(drafts: Sequence[FaqDraft], rules: RowRules | None = None) -> list[str]:
    """The texts a write must have vectors for (as ``index_texts`` lists them for stored FAQs); without
    ``rules``, the texts Kiwi must tokenise (answer windows reuse their passages' morphemes)."""
    questions = [t for d in drafts for t in (d.question, *d.alternates)]
    answers = (answer_passages(d.answer) if rules is None else answer_rows(d.answer, rules) for d in drafts)
    return list(dict.fromkeys([*questions, *(p for rows in answers for p in rows)]))


def check_unique(drafts: Sequence[FaqDraft]) -> None:
    """No question may appear in two FAQs of one import/batch."""
    owner: dict[str, int] = {}
    for i, draft in enumerate(drafts):
        for text in (draft.question, *draft.alternates):
            key = normalized_key(text)
            if key in owner and owner[key] != i:
                raise InvalidInput(f"같은 질문이 두 FAQ에 있습니다: {text!r} ({owner[key] + 1}번째, {i + 1}번째 항목)")
            owner[key] = i


class FaqService:
    def __init__(
        self,
        store: FaqStore,
        embedder: Embedder,
        *,
        thresholds: Thresholds | None = None,
        lexical_weight: float = DEFAULT_LEXICAL_WEIGHT,
        answer_weight: float = DEFAULT_ANSWER_WEIGHT,
        document_weight: float = DEFAULT_DOCUMENT_WEIGHT,
        decision: DecisionModel | None = None,
        top_k: int = 3,
        rules: RowRules = DEFAULT_ROWS,
        reranking: Reranking | None = None,
    ) -> None:
        self.store = store
        self._embedder = embedder
        # With a decision model (the model's profile) confidences are calibrated probabilities and
        # the thresholds are on that scale (faq/decision.py, docs/matching.md).
        self.decision = decision
        # Doubtful questions get a second look (faq/cascade.py); the default thresholds are then the cascade's.
        self.reranking = reranking if decision is not None else None
        self._calibrators: dict[str, Calibrator | None] = {}  # by encoder fingerprint
        self.default_thresholds = thresholds or (self.reranking.cascade.thresholds if self.reranking else Thresholds())
        self.lexical_weight = lexical_weight
        self.answer_weight = answer_weight
        self.document_weight = document_weight
        self.rules = rules  # the model's row rules (faq.matcher.RowRules): every index of this service uses them
        self.top_k = top_k
        self._indexes: dict[str, ScopeIndex] = {}
        self._locks: dict[str, asyncio.Lock] = {}
        # Read on every question; changed through set_thresholds or elsewhere (then reload()), so cache per scope.
        self._thresholds: dict[str, Thresholds] = {}
        self._last_thresholds: dict[str, Thresholds] = {}  # kept when forgotten: used while the database is away
        self._settings_listeners: list[Callable[[str | None], None]] = []
        self._settings_generation = 0  # bumped by forget_settings: a read that raced it is not cached

    # ---- model and indexes ------------------------------------------------------

    @property
    def embedder(self) -> Embedder:
        return self._embedder

    def _lock(self, scope: str) -> asyncio.Lock:
        return self._locks.setdefault(scope, asyncio.Lock())

    async def _vectors_for(self, embedder: Embedder, texts: Sequence[str]) -> dict[str, np.ndarray]:
        unique = list(dict.fromkeys(texts))
        if not unique:
            return {}
        vectors = await embedder.embed(unique)
        return dict(zip(unique, vectors, strict=True))

    async def cached_index_vectors(self, scope: str, texts: Sequence[str], fingerprint: str) -> dict[str, np.ndarray]:
        """Cached vectors of ``scope``'s index ``texts`` (``index_texts``): the stored questions and
        passages in one join, then the rows the store does not list (answer windows) by text."""
        vectors = await self.store.all_cached_embeddings(scope, fingerprint)
        vectors.update(await self.store.cached_embeddings([t for t in texts if t not in vectors], fingerprint))
        return vectors

    async def _build_index(self, scope: str, embedder: Embedder) -> ScopeIndex:
        fingerprint = embedder.encoder.fingerprint
        # Before the data: a write landing in between shows as a newer number (one reload too many).
        seq = (await self.store.scope_seqs(scope)).get(scope)
        faqs = await self.store.list_faqs(scope)
        texts = index_texts(faqs, self.rules)
        vectors = await self.cached_index_vectors(scope, texts, fingerprint)
        missing = list(dict.fromkeys(t for t in texts if t not in vectors))
        if missing:
            log.info("scope %s: encoding %d uncached questions", scope, len(missing))
            fresh: dict[str, np.ndarray] = {}
            for start in range(0, len(missing), 256):
                fresh.update(await self._vectors_for(embedder, missing[start : start + 256]))
            await self.store.put_embeddings(fresh, fingerprint)
            vectors.update(fresh)
        tokens = await self.store.question_tokens(scope)
        index = await asyncio.to_thread(ScopeIndex.build, embedder.encoder.dimension, faqs, vectors, tokens, self.rules)
        index.change_seq = seq
        return index

    async def calibrator(self, embedder: Embedder | None = None) -> Calibrator | None:
        """The decision model bound to ``embedder``'s encoder (its off-topic lines embedded once, cached
        in the database like FAQ texts), or None without one."""
        if self.decision is None:
            return None
        embedder = embedder or self._embedder
        fingerprint = embedder.encoder.fingerprint
        if fingerprint in self._calibrators:
            return self._calibrators[fingerprint]
        second = self.reranking.cascade.decision.off_topic if self.reranking is not None else ()
        lines = list(dict.fromkeys([*self.decision.off_topic, *second]))
        vectors = await self.store.cached_embeddings(lines, fingerprint)
        missing = [t for t in lines if t not in vectors]
        if missing:
            fresh = await self._vectors_for(embedder, missing)
            await self.store.put_embeddings(fresh, fingerprint)
            vectors.update(fresh)
        found = calibrator_for(self.decision, embedder.encoder, self.reranking, vectors)
        self._calibrators[fingerprint] = found
        return found

    async def index(self, scope: str) -> ScopeIndex:
        """The scope's index, loading it from the database on first use."""
        found = self._indexes.get(scope)
        if found is not None:
            return found
        async with self._lock(scope):
            return await self._index_locked(scope)

    async def load_all(self) -> int:
        """Load every scope in the database (bot start-up). Returns the number of rows."""
        await self.calibrator()
        rows = 0
        for scope in await self.store.scopes():
            rows += len((await self.index(scope)).snapshot.row_texts)
        return rows

    def loaded_scopes(self) -> list[str]:
        return sorted(self._indexes)

    async def scopes_behind(self) -> list[str]:
        """Loaded scopes written since their index read the database (by ``scope_changes``).

        Includes scopes this process wrote itself since (their index was updated in place, its
        number not): reloading one of those costs a rebuild, never a wrong answer.
        """
        seqs = await self.store.scope_seqs()
        return sorted(scope for scope, index in self._indexes.items() if seqs.get(scope) != index.change_seq)

    def on_settings_changed(self, listener: Callable[[str | None], None]) -> None:
        """Call ``listener(scope)`` when a scope's stored settings may have changed elsewhere (None: any scope).

        For caches of ``scope_settings`` outside the service (e.g. ``ScopeConfigs``).
        """
        self._settings_listeners.append(listener)

    def forget_settings(self, scope: str | None) -> None:
        """Drop cached thresholds (and tell listeners): re-read from the database on next use."""
        self._settings_generation += 1
        if scope is None:
            self._thresholds.clear()
        else:
            self._thresholds.pop(scope, None)
        for listener in self._settings_listeners:
            listener(scope)

    async def reload(self, scope: str) -> bool:
        """Catch up with what another process committed to ``scope`` (faq/changes.py).

        Cached settings are dropped; a loaded index is rebuilt by ``_build_index`` (cached
        vectors; only texts without one for this model are encoded, once) and replaces the old
        one in one assignment, so a question sees the old state or the new, never a mix. A scope
        not loaded yet is left to load on first use. Returns whether an index was rebuilt.
        """
        self.forget_settings(scope)
        async with self._lock(scope):  # no write of ours interleaves; a first load in progress finishes first
            if scope not in self._indexes:
                return False
            self._indexes[scope] = await self._build_index(scope, self._embedder)
        return True

    async def swap_embedder(self, embedder: Embedder) -> None:
        """Re-embed every loaded scope with a new model, then switch atomically.

        Questions keep being answered by the old model and indexes until every new
        index is built; a failure leaves the old pair in place.
        """
        scopes = sorted(set(self._indexes) | set(await self.store.scopes()))
        fresh = {scope: await self._build_index(scope, embedder) for scope in scopes}
        await self.calibrator(embedder)  # ready before the switch: no question waits for it
        for scope in scopes:
            await self._lock(scope).acquire()
        try:
            # Writes that landed while we were building are in the DB: rebuild those
            # scopes from cache (cheap: only the new texts get encoded).
            for scope in scopes:
                fresh[scope] = await self._build_index(scope, embedder)
            old = self._embedder
            self._indexes.update(fresh)
            self._embedder = embedder
        finally:
            for scope in scopes:
                self._lock(scope).release()
        log.info("switched encoder to %s", embedder.encoder.fingerprint)
        if old is not embedder:
            await old.aclose()

    # ---- questions --------------------------------------------------------------

    async def thresholds(self, scope: str) -> Thresholds:
        cached = self._thresholds.get(scope)
        if cached is not None:
            return cached
        generation = self._settings_generation
        try:
            stored = await self.store.get_setting(scope, "thresholds")
        except StorageError:
            # Forgotten after a change elsewhere, then the database went away: answer from memory
            # like the index does, with what was read last; read again once it is back.
            log.debug("scope %s: thresholds not readable; using the last ones read", scope)
            return self._last_thresholds.get(scope, self.default_thresholds)
        found = self.default_thresholds
        if isinstance(stored, dict):
            values = {k: float(stored[k]) for k in _THRESHOLD_KEYS if k in stored}
            found = Thresholds(
                answer=values.get("answer", found.answer),
                suggest=values.get("suggest", found.suggest),
                margin=values.get("margin", found.margin),
            )
        if generation == self._settings_generation:  # else a change elsewhere landed meanwhile: re-read next time
            self._thresholds[scope] = found
        self._last_thresholds[scope] = found
        return found

    async def set_thresholds(self, scope: str, thresholds: Thresholds | None) -> None:
        value = None if thresholds is None else {k: getattr(thresholds, k) for k in _THRESHOLD_KEYS}
        await self.store.set_setting(scope, "thresholds", value)
        self._thresholds.pop(scope, None)  # re-read (and re-validated) on the next question

    def _fit_to_model(self, text: str) -> tuple[str, bool]:
        """Cut ``text`` to the model's token limit (keeping whole characters)."""
        encoder = self._embedder.encoder
        limit = encoder.max_seq_length
        if not limit or encoder.count_tokens(text) <= limit:
            return text, False
        lo, hi = 1, len(text)
        while lo < hi:  # longest prefix that fits
            mid = (lo + hi + 1) // 2
            if encoder.count_tokens(text[:mid]) <= limit:
                lo = mid
            else:
                hi = mid - 1
        return text[:lo].rstrip(), True

    async def rank(self, scope: str, text: str, k: int | None = None) -> tuple[str, bool, list[Candidate]]:
        query, cut, _, ranked = await self._rank(scope, text, k)
        return query, cut, ranked

    async def _rank(self, scope: str, text: str, k: int | None) -> tuple[str, bool, Snapshot, list[Candidate]]:
        query, cut = validate_query(text)
        query, model_cut = self._fit_to_model(query)
        embedder = self._embedder
        calibrator = await self.calibrator(embedder)
        embedding = embedder.embed([query])
        if self.lexical_weight > 0 or self.document_weight > 0:
            # Kiwi runs in a worker thread while the model encodes, so a lone question pays
            # one thread hop, not two; the search below then hits the morpheme cache.
            vectors, _ = await asyncio.gather(embedding, asyncio.to_thread(tokenize_all, [query]))
        else:
            vectors = await embedding
        # Taken after the awaits: the newest state, and the one the answer text comes from.
        snapshot = (await self.index(scope)).snapshot
        search = functools.partial(
            snapshot.search,
            vectors[0],
            query,
            k=k or self.top_k,
            lexical_weight=self.lexical_weight,
            answer_weight=self.answer_weight,
            document_weight=self.document_weight,
            calibrator=calibrator,
        )
        # A second look runs the pair scorer (~50-80 ms): never on the event loop. Without one the
        # search (~1 ms) is cheaper than the thread hop.
        ranked = await asyncio.to_thread(search) if calibrator is not None and calibrator.second else search()
        return query, cut or model_cut, snapshot, ranked

    async def ask(self, scope: str, text: str) -> Answer:
        """Answer a member's question from the FAQs of ``scope`` (ranked and worded from one snapshot)."""
        query, truncated, snapshot, ranked = await self._rank(scope, text, None)
        thresholds = await self.thresholds(scope)
        status = decide(ranked, thresholds)
        if status is Status.NONE:
            return Answer(Status.NONE, query, truncated=truncated)
        best = ranked[0]
        faq = snapshot.faqs.get(best.faq_id)
        floor = self.decision.runner_up_floor if self.decision is not None else None
        offered = suggestions(ranked, thresholds, floor) if status is Status.SUGGEST else ()
        return Answer(
            status,
            query,
            best=best,
            answer=faq.answer if faq else None,
            suggestions=offered,
            truncated=truncated,
        )

    async def similar(self, scope: str, text: str) -> Candidate | None:
        """The existing FAQ a new question would be answered by, if any (duplicate warning)."""
        _, _, ranked = await self.rank(scope, text, k=1)
        if ranked and ranked[0].confidence >= (await self.thresholds(scope)).answer:
            return ranked[0]
        return None

    # ---- reads ----------------------------------------------------------------------

    async def list(self, scope: str) -> list[Faq]:
        return await self.store.list_faqs(scope)

    async def get(self, scope: str, faq_id: int) -> Faq:
        return await self.store.get(scope, faq_id)

    # ---- writes -----------------------------------------------------------------------

    async def add(self, scope: str, draft: FaqDraft, actor: str) -> Faq:
        return (await self.import_drafts(scope, [draft], actor)).added[0]

    async def import_drafts(
        self, scope: str, drafts: Sequence[FaqDraft], actor: str, *, replace: bool = False
    ) -> ImportResult:
        """Add FAQs (or, with ``replace``, make the scope hold exactly these) atomically."""
        cleaned = [clean_draft(d) for d in drafts]
        check_unique(cleaned)
        # The store and index tokenise every question; do the work (and Kiwi's load) off the loop.
        await asyncio.to_thread(tokenize_all, _draft_texts(cleaned))
        async with self._lock(scope):
            index = await self._index_locked(scope)
            if not replace:
                for draft in cleaned:
                    for text in (draft.question, *draft.alternates):
                        existing = await self.store.find_question(scope, text)
                        if existing is not None:
                            raise DuplicateQuestion(text, existing)
            embedder = self._embedder
            vectors = await self._new_vectors(embedder, _draft_texts(cleaned, self.rules))
            added, removed = await self.store.add(
                scope,
                cleaned,
                actor,
                replace_all=replace,
                vectors=vectors,
                fingerprint=embedder.encoder.fingerprint,
            )
            all_vectors = await self.store.cached_embeddings(
                index_texts(added, self.rules), embedder.encoder.fingerprint
            )
            # Rebuilding BM25 statistics is O(rows): off the loop (writers hold the scope lock).
            if removed:
                await asyncio.to_thread(index.remove, removed)
            await asyncio.to_thread(index.upsert, added, all_vectors)
        log.info("scope %s: %s added %d FAQs (removed %d)", scope, actor, len(added), len(removed))
        return ImportResult(tuple(added), tuple(removed))

    async def preview_import(self, scope: str, rows: Sequence[ImportRow], *, replace: bool = False) -> ImportPlan:
        """What :meth:`import_rows` would do now (for a confirmation prompt); changes nothing."""
        return plan_import(await self.store.list_faqs(scope), rows, replace=replace)

    async def import_rows(
        self, scope: str, rows: Sequence[ImportRow], actor: str, *, replace: bool = False
    ) -> ImportResult:
        """Import a file's rows: update the FAQs they name in place (ids kept), add the rest and,
        with ``replace``, remove the FAQs the file no longer holds; one transaction, all or nothing.
        """
        rows = [dataclasses.replace(r, draft=clean_draft(r.draft)) for r in rows]
        await asyncio.to_thread(tokenize_all, _draft_texts([r.draft for r in rows]))
        async with self._lock(scope):
            index = await self._index_locked(scope)
            plan = plan_import(await self.store.list_faqs(scope), rows, replace=replace)
            if not plan.changes:
                return ImportResult((), (), (), plan.unchanged)
            embedder = self._embedder
            drafts = [*plan.add, *(d for _, d in plan.update)]
            vectors = await self._new_vectors(embedder, _draft_texts(drafts, self.rules))
            added, updated = await self.store.apply_import(
                scope, plan, actor, vectors=vectors, fingerprint=embedder.encoder.fingerprint
            )
            changed = [*added, *updated]
            all_vectors = await self.store.cached_embeddings(
                index_texts(changed, self.rules), embedder.encoder.fingerprint
            )
            if plan.remove:
                await asyncio.to_thread(index.remove, plan.remove)
            await asyncio.to_thread(index.upsert, changed, all_vectors)
        log.info(
            "scope %s: %s imported %d new, %d updated, %d unchanged, %d removed FAQs",
            scope,
            actor,
            len(added),
            len(updated),
            len(plan.unchanged),
            len(plan.remove),
        )
        return ImportResult(tuple(added), plan.remove, tuple(updated), plan.unchanged)

    async def update(self, scope: str, faq_id: int, draft: FaqDraft, actor: str) -> Faq:
        cleaned = clean_draft(draft)
        await asyncio.to_thread(tokenize_all, _draft_texts([cleaned]))
        async with self._lock(scope):
            index = await self._index_locked(scope)
            for text in (cleaned.question, *cleaned.alternates):
                existing = await self.store.find_question(scope, text)
                if existing is not None and existing != faq_id:
                    raise DuplicateQuestion(text, existing)
            embedder = self._embedder
            vectors = await self._new_vectors(embedder, _draft_texts([cleaned], self.rules))
            faq = await self.store.update(
                scope, faq_id, cleaned, actor, vectors=vectors, fingerprint=embedder.encoder.fingerprint
            )
            all_vectors = await self.store.cached_embeddings(
                index_texts([faq], self.rules), embedder.encoder.fingerprint
            )
            await asyncio.to_thread(index.upsert, [faq], all_vectors)
        log.info("scope %s: %s edited FAQ #%d", scope, actor, faq_id)
        return faq

    async def edit(
        self,
        scope: str,
        faq_id: int,
        actor: str,
        *,
        question: str | None = None,
        answer: str | None = None,
        alternates: Sequence[str] | None = None,
    ) -> Faq:
        current = await self.get(scope, faq_id)
        draft = FaqDraft(
            question if question is not None else current.question,
            answer if answer is not None else current.answer,
            tuple(alternates) if alternates is not None else current.alternates,
        )
        return await self.update(scope, faq_id, draft, actor)

    async def add_alternate(self, scope: str, faq_id: int, text: str, actor: str) -> Faq:
        return await self.add_alternates(scope, faq_id, [text], actor)

    async def add_alternates(self, scope: str, faq_id: int, texts: Sequence[str], actor: str) -> Faq:
        """Add alternates, keeping the ones the FAQ has (one write)."""
        current = await self.get(scope, faq_id)
        have = {normalized_key(q) for q in current.questions}
        new: list[str] = []
        for text in texts:
            cleaned = validate_question(text, what="대체 질문")
            if normalized_key(cleaned) in have:
                raise InvalidInput(f"FAQ #{faq_id}에 이미 같은 질문이 있습니다: {cleaned!r}")
            have.add(normalized_key(cleaned))
            new.append(cleaned)
        return await self.update(
            scope, faq_id, FaqDraft(current.question, current.answer, (*current.alternates, *new)), actor
        )

    async def remove_alternate(self, scope: str, faq_id: int, text: str, actor: str) -> Faq:
        return await self.remove_alternates(scope, faq_id, [text], actor)

    async def remove_alternates(self, scope: str, faq_id: int, texts: Sequence[str], actor: str) -> Faq:
        current = await self.get(scope, faq_id)
        have = {normalized_key(a) for a in current.alternates}
        missing = [t for t in texts if normalized_key(t) not in have]
        if missing:
            raise InvalidInput(f"FAQ #{faq_id}에 그런 대체 질문이 없습니다: {missing[0]!r}")
        drop = {normalized_key(t) for t in texts}
        kept = tuple(a for a in current.alternates if normalized_key(a) not in drop)
        return await self.update(scope, faq_id, FaqDraft(current.question, current.answer, kept), actor)

    async def remove(self, scope: str, faq_id: int, actor: str) -> Faq:
        async with self._lock(scope):
            index = await self._index_locked(scope)
            faq = await self.store.remove(scope, faq_id)
            await asyncio.to_thread(index.remove, [faq_id])
        log.info("scope %s: %s removed FAQ #%d", scope, actor, faq_id)
        return faq

    async def _index_locked(self, scope: str) -> ScopeIndex:
        """The scope's index; the caller holds the scope's lock."""
        if scope not in self._indexes:
            self._indexes[scope] = await self._build_index(scope, self._embedder)
        return self._indexes[scope]

    async def _new_vectors(self, embedder: Embedder, texts: Sequence[str]) -> dict[str, np.ndarray]:
        cached = await self.store.cached_embeddings(texts, embedder.encoder.fingerprint)
        missing = [t for t in texts if t not in cached]
        return await self._vectors_for(embedder, missing)

    async def aclose(self) -> None:
        await self._embedder.aclose()


__all__ = ["FaqService", "ImportResult", "NotFound", "clean_draft"]
