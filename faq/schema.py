"""Database schema, versioned with ``PRAGMA user_version``.

Each step upgrades from version ``i`` to ``i + 1`` and runs in the same
transaction as its version bump, so a crash mid-upgrade leaves the old version.
Append new steps; never edit a released one.
"""

from __future__ import annotations

STEPS: list[str] = [
    # 0 → 1: FAQs, their questions (position 0 = canonical), embedding cache, per-scope settings.
    """
    CREATE TABLE faqs (
        id          INTEGER PRIMARY KEY AUTOINCREMENT,
        scope       TEXT NOT NULL,
        answer      TEXT NOT NULL,
        created_by  TEXT NOT NULL,
        created_at  TEXT NOT NULL,
        updated_by  TEXT NOT NULL,
        updated_at  TEXT NOT NULL
    );
    CREATE INDEX faqs_scope ON faqs (scope);
    CREATE TABLE faq_questions (
        faq_id    INTEGER NOT NULL REFERENCES faqs (id) ON DELETE CASCADE,
        position  INTEGER NOT NULL,
        scope     TEXT NOT NULL,
        text      TEXT NOT NULL,
        norm      TEXT NOT NULL,
        tokens    TEXT NOT NULL,  -- Kiwi content morphemes, space-joined (BM25 without re-tokenising)
        PRIMARY KEY (faq_id, position),
        UNIQUE (scope, norm)
    );
    CREATE TABLE embeddings (
        text         TEXT NOT NULL,
        fingerprint  TEXT NOT NULL,
        dim          INTEGER NOT NULL,
        vector       BLOB NOT NULL,
        PRIMARY KEY (text, fingerprint)
    ) WITHOUT ROWID;
    CREATE TABLE scope_settings (
        scope  TEXT NOT NULL,
        key    TEXT NOT NULL,
        value  TEXT NOT NULL,
        PRIMARY KEY (scope, key)
    ) WITHOUT ROWID;
    """,
    # 1 → 2: activity for adapters: every asked question (pseudonymous asker), the asker's 👍/👎.
    # feedback keeps its own copy of the question text so 👍 pairs outlive the query-log retention
    # window (training data); query_id is cleared when the query row is pruned.
    """
    CREATE TABLE queries (
        id               INTEGER PRIMARY KEY AUTOINCREMENT,
        scope            TEXT NOT NULL,
        asked_at         TEXT NOT NULL,
        source           TEXT NOT NULL,
        user_hash        TEXT NOT NULL,
        text             TEXT NOT NULL,
        status           TEXT NOT NULL,
        faq_id           INTEGER,
        confidence       REAL,
        resolved_faq_id  INTEGER,
        dismissed        INTEGER NOT NULL DEFAULT 0,
        handled          INTEGER NOT NULL DEFAULT 0
    );
    CREATE INDEX queries_scope_time ON queries (scope, asked_at);
    CREATE TABLE feedback (
        id        INTEGER PRIMARY KEY AUTOINCREMENT,
        query_id  INTEGER UNIQUE REFERENCES queries (id) ON DELETE SET NULL,
        scope     TEXT NOT NULL,
        faq_id    INTEGER NOT NULL,
        text      TEXT NOT NULL,
        vote      INTEGER NOT NULL CHECK (vote IN (-1, 1)),
        voted_at  TEXT NOT NULL
    );
    CREATE INDEX feedback_scope ON feedback (scope, vote);
    """,
    # 2 → 3: forged feedback must not train the model (docs/security.md).
    # queries.offered: the FAQ ids the bot showed for the query (",12,15,": the answer or its
    # suggestions); a vote or pick must name one of them. Old rows get their best FAQ.
    # feedback.review: a 👍 pair waits as 'pending' until an admin accepts (or rejects) it;
    # only accepted pairs are training data. The user index serves the per-member limits.
    """
    ALTER TABLE queries ADD COLUMN offered TEXT NOT NULL DEFAULT '';
    UPDATE queries SET offered = ',' || faq_id || ',' WHERE faq_id IS NOT NULL AND status != 'none';
    ALTER TABLE feedback ADD COLUMN review TEXT NOT NULL DEFAULT 'pending'
        CHECK (review IN ('pending', 'accepted', 'rejected'));
    ALTER TABLE feedback ADD COLUMN reviewed_by TEXT;
    ALTER TABLE feedback ADD COLUMN reviewed_at TEXT;
    CREATE INDEX queries_user_time ON queries (user_hash, asked_at);
    CREATE INDEX feedback_review ON feedback (scope, review, vote);
    """,
    # 3 → 4: answer passages (faq.text.answer_passages) with their morphemes, written with the FAQ, so the
    # index can match questions only an answer covers without running Kiwi at start-up. FAQs written before
    # this step have none until their next edit; the index splits and tokenises their answers itself.
    """
    CREATE TABLE faq_passages (
        faq_id    INTEGER NOT NULL REFERENCES faqs (id) ON DELETE CASCADE,
        position  INTEGER NOT NULL,
        scope     TEXT NOT NULL,
        text      TEXT NOT NULL,
        tokens    TEXT NOT NULL,
        PRIMARY KEY (faq_id, position)
    );
    CREATE INDEX faq_passages_scope ON faq_passages (scope);
    """,
    # 4 → 5: a change counter per scope, so a running bot notices what another process (the CLI)
    # committed and reloads only the scopes that changed (faq/changes.py). Triggers bump it on every
    # write to a table the index or the cached settings are built from, whoever writes: seq takes
    # the next database-wide number, so "seq > last seen" lists the scopes changed since.
    # A table added later that feeds the index needs the same three triggers (faq_passages does not:
    # its rows change only with their faqs row, in the same transaction, which fires the faqs triggers).
    """
    CREATE TABLE scope_changes (
        scope  TEXT PRIMARY KEY,
        seq    INTEGER NOT NULL
    ) WITHOUT ROWID;
    CREATE INDEX scope_changes_seq ON scope_changes (seq);
    CREATE TRIGGER faqs_insert_bump AFTER INSERT ON faqs BEGIN
        INSERT INTO scope_changes (scope, seq)
        SELECT NEW.scope, COALESCE(MAX(seq), 0) + 1 FROM scope_changes WHERE true
        ON CONFLICT (scope) DO UPDATE SET seq = excluded.seq;
    END;
    CREATE TRIGGER faqs_update_bump AFTER UPDATE ON faqs BEGIN
        INSERT INTO scope_changes (scope, seq)
        SELECT NEW.scope, COALESCE(MAX(seq), 0) + 1 FROM scope_changes WHERE true
        ON CONFLICT (scope) DO UPDATE SET seq = excluded.seq;
    END;
    CREATE TRIGGER faqs_delete_bump AFTER DELETE ON faqs BEGIN
        INSERT INTO scope_changes (scope, seq)
        SELECT OLD.scope, COALESCE(MAX(seq), 0) + 1 FROM scope_changes WHERE true
        ON CONFLICT (scope) DO UPDATE SET seq = excluded.seq;
    END;
    CREATE TRIGGER faq_questions_insert_bump AFTER INSERT ON faq_questions BEGIN
        INSERT INTO scope_changes (scope, seq)
        SELECT NEW.scope, COALESCE(MAX(seq), 0) + 1 FROM scope_changes WHERE true
        ON CONFLICT (scope) DO UPDATE SET seq = excluded.seq;
    END;
    CREATE TRIGGER faq_questions_update_bump AFTER UPDATE ON faq_questions BEGIN
        INSERT INTO scope_changes (scope, seq)
        SELECT NEW.scope, COALESCE(MAX(seq), 0) + 1 FROM scope_changes WHERE true
        ON CONFLICT (scope) DO UPDATE SET seq = excluded.seq;
    END;
    CREATE TRIGGER faq_questions_delete_bump AFTER DELETE ON faq_questions BEGIN
        INSERT INTO scope_changes (scope, seq)
        SELECT OLD.scope, COALESCE(MAX(seq), 0) + 1 FROM scope_changes WHERE true
        ON CONFLICT (scope) DO UPDATE SET seq = excluded.seq;
    END;
    CREATE TRIGGER scope_settings_insert_bump AFTER INSERT ON scope_settings BEGIN
        INSERT INTO scope_changes (scope, seq)
        SELECT NEW.scope, COALESCE(MAX(seq), 0) + 1 FROM scope_changes WHERE true
        ON CONFLICT (scope) DO UPDATE SET seq = excluded.seq;
    END;
    CREATE TRIGGER scope_settings_update_bump AFTER UPDATE ON scope_settings BEGIN
        INSERT INTO scope_changes (scope, seq)
        SELECT NEW.scope, COALESCE(MAX(seq), 0) + 1 FROM scope_changes WHERE true
        ON CONFLICT (scope) DO UPDATE SET seq = excluded.seq;
    END;
    CREATE TRIGGER scope_settings_delete_bump AFTER DELETE ON scope_settings BEGIN
        INSERT INTO scope_changes (scope, seq)
        SELECT OLD.scope, COALESCE(MAX(seq), 0) + 1 FROM scope_changes WHERE true
        ON CONFLICT (scope) DO UPDATE SET seq = excluded.seq;
    END;
    """,
    # 5 → 6 (issue 13): a heartbeat row per running bot process, so `faqbot status` (any machine with the
    # database) can say which processes are up, their shards and gateways, and the model each has loaded.
    # Not a scope table: writing it fires no change trigger.
    """
    CREATE TABLE bot_processes (
        id          TEXT PRIMARY KEY,
        host        TEXT NOT NULL,
        pid         INTEGER NOT NULL,
        started_at  TEXT NOT NULL,
        seen_at     TEXT NOT NULL,
        info        TEXT NOT NULL  -- JSON: shards, gateways connected, model, guilds
    );
    """,
]

SCHEMA_VERSION = len(STEPS)
