"""The bundled sample club ("멋쟁이사자처럼 한빛대학교", ``faq/data/club_faqs.json``).

The sample lives in its own scope, ``sample``, and never in a database: a club's
own FAQs, a server's and the DMs' scopes start empty and only ever hold what an
admin put there. The CLI answers from the sample (an in-memory store built on
demand) when asked for it with ``--guild sample``, or when no scope was chosen and
no FAQ was ever added to the database (a fresh machine: the README's quick start).
"""

from __future__ import annotations

from importlib import resources

from faq.store import FaqStore
from faq.transfer import parse
from faq.types import FaqDraft

SAMPLE_SCOPE = "sample"
SAMPLE_ACTOR = "seed"


def bundled_faqs_bytes() -> bytes:
    return resources.files("faq").joinpath("data/club_faqs.json").read_bytes()


def bundled_faqs() -> list[FaqDraft]:
    return parse(bundled_faqs_bytes(), "json")


async def open_sample_store() -> FaqStore:
    """A throw-away in-memory database holding only the sample, ids #1… as in the bundled file."""
    store = await FaqStore.open(":memory:")
    try:
        await store.add(SAMPLE_SCOPE, bundled_faqs(), SAMPLE_ACTOR)
    except BaseException:
        await store.close()
        raise
    return store
