"""What a database setting names, and how to show it: no engine imports, so every engine can use it."""

from __future__ import annotations

import re

POSTGRES_SCHEMES = ("postgresql://", "postgres://")


def is_postgres(target: object) -> bool:
    return str(target).startswith(POSTGRES_SCHEMES)


def display_target(target: object) -> str:
    """``target`` fit for logs and messages: a URL's password replaced by ``***``."""
    text = str(target)
    if not is_postgres(text):
        return text
    return re.sub(r"^(postgres(?:ql)?://[^:/@?]*):[^@/?]*@", r"\1:***@", text)
