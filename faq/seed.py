"""The bundled club FAQs that seed a new database's ``default`` scope."""

from __future__ import annotations

from importlib import resources

from faq.transfer import parse
from faq.types import FaqDraft


def bundled_faqs() -> list[FaqDraft]:
    data = resources.files("faq").joinpath("data/club_faqs.json").read_bytes()
    return parse(data, "json")
