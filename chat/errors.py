"""From an error to what the person who caused it is told, and the exit code of a command.

One table, looked up by exception type along its class hierarchy (the most specific entry
wins), shared by the command line, the Discord adapter and any later one. A front end adds
its own errors by building a table on top of :data:`CORE_ERRORS`; a type found in no table
is a bug (logged with a reference, exit 1).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from chat import messages
from faq.embedder import EncodeFailed
from faq.errors import FaqError
from model.encoder_base import EncoderLoadError

EXIT_OK, EXIT_INTERNAL, EXIT_BAD_INPUT = 0, 1, 2


@dataclass(frozen=True, slots=True)
class ErrorReply:
    render: Callable[[BaseException], str]
    exit_code: int = EXIT_BAD_INPUT
    headline: bool = True  # a terminal shows "오류: " before it (False: the text has its own, e.g. "설정 오류:")

    def message(self, error: BaseException) -> str:
        return self.render(error)


ErrorTable = Mapping[type[BaseException], ErrorReply]

#: The core's expected errors. FaqError: bad input, its message is for the member as is.
CORE_ERRORS: ErrorTable = {
    FaqError: ErrorReply(str, EXIT_BAD_INPUT),
    # The model failed or timed out: not the member's fault, not a bug here.
    EncodeFailed: ErrorReply(messages.model_unavailable, EXIT_INTERNAL),
    # The configured model cannot be loaded: exit 1 everywhere (CLI and bot start-up), as the README says.
    EncoderLoadError: ErrorReply(messages.encoder_load_failed, EXIT_INTERNAL),
}


def reply_for(error: BaseException, table: ErrorTable = CORE_ERRORS) -> ErrorReply | None:
    """The entry for ``error``'s own class or its nearest base class in ``table``; None: a bug."""
    for cls in type(error).__mro__:
        found = table.get(cls)
        if found is not None:
            return found
    return None
