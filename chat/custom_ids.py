"""The grammar of the ids carried by buttons (Discord ``custom_id``, Slack ``action_id``/``value``).

Stable across versions (buttons under old answers keep working) and at most 100 characters.
An id is client-controlled: every handler re-derives the scope from where the click came
from and looks the ids up *within that scope*; admin actions re-check the admin rule.

- ``faq:vote:{up|down}:{faq_id}:{query_id}`` 👍/👎 on an answer; only the asker's vote counts, and only
  for an FAQ the bot offered for that query (recorded with it)
- ``faq:pick:{faq_id}:{query_id}``            show a suggested FAQ's answer (to the clicker only); only
  an offered FAQ
- ``faq:nomatch:{query_id}``                 the asker says none of the suggestions fit
- ``faq:un:{alt|other|new|skip}:{query_id}[:{faq_id}]`` admin actions on an unanswered question
- ``faq:fb:{accept|reject}:{feedback_id}``    admin review of a 👍 pair (training data once accepted)

The ``*_PATTERN`` strings are regular expressions with named groups (discord.py's
``DynamicItem`` templates take them as they are).
"""

from __future__ import annotations

ID = r"[0-9]{1,19}"  # a snowflake or row id; longer digit runs are forgeries (SQLite int64)
TRIAGE_ACTIONS = ("alt", "other", "new", "skip")

VOTE_PATTERN = rf"faq:vote:(?P<vote>up|down):(?P<faq>{ID}):(?P<query>{ID})"
PICK_PATTERN = rf"faq:pick:(?P<faq>{ID}):(?P<query>{ID})"
NO_MATCH_PATTERN = rf"faq:nomatch:(?P<query>{ID})"
TRIAGE_PATTERN = rf"faq:un:(?P<action>{'|'.join(TRIAGE_ACTIONS)}):(?P<query>{ID})(?::(?P<faq>{ID}))?"
REVIEW_PATTERN = rf"faq:fb:(?P<action>accept|reject):(?P<feedback>{ID})"


def vote(up: bool, faq_id: int, query_id: int) -> str:
    return f"faq:vote:{'up' if up else 'down'}:{faq_id}:{query_id}"


def pick(faq_id: int, query_id: int) -> str:
    return f"faq:pick:{faq_id}:{query_id}"


def no_match(query_id: int) -> str:
    return f"faq:nomatch:{query_id}"


def triage(action: str, query_id: int, faq_id: int | None = None) -> str:
    return f"faq:un:{action}:{query_id}" + (f":{faq_id}" if faq_id is not None else "")


def review(accept: bool, feedback_id: int) -> str:
    return f"faq:fb:{'accept' if accept else 'reject'}:{feedback_id}"
