"""Who did it: the member of staff a recorded action is kept under (``--by NAME``, else the
login name). Staff only: never a subscriber, never anything a subscriber gave."""

from __future__ import annotations

import getpass
import unicodedata

from citychan.errors import UsageError
from citychan.i18n import N_

MAX_LENGTH = 64
UNKNOWN = "unknown"


def current() -> str:
    """The login name of whoever runs citychan; ``unknown`` when the system cannot say
    (no passwd entry in a container, no LOGNAME): recording never fails for it."""
    try:
        name = getpass.getuser()
    except (OSError, KeyError, ImportError):
        return UNKNOWN
    try:
        return checked(name)
    except UsageError:
        return UNKNOWN


def checked(name: str) -> str:
    """A name given with ``--by``: one line of at most 64 visible characters."""
    text = name.strip()
    if not text:
        raise UsageError(N_("--by: the name is empty"),
                         hint=N_("give who acts, e.g. --by m.schulze"))
    if len(text) > MAX_LENGTH:
        raise UsageError(N_("--by: the name is longer than {max_length} characters").format(
                             max_length=MAX_LENGTH),
                         hint=N_("give a short staff name or login, e.g. --by m.schulze"))
    if any(unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp") for c in text):
        raise UsageError(N_("--by: the name has control or invisible characters"),
                         hint=N_("give a plain staff name or login, e.g. --by m.schulze"))
    return text


def operator(by: str | None) -> str:
    """``--by`` when given (checked), else the login name."""
    return current() if by is None else checked(by)


def reason(text: str | None) -> str | None:
    """A reason given with ``--reason``: one line of at most 500 characters."""
    if text is None:
        return None
    clean = " ".join(text.split())
    if not clean:
        raise UsageError(N_("--reason is empty"),
                         hint=N_("say why, e.g. --reason 'channel removed'"))
    if len(clean) > 500 or any(unicodedata.category(c) in ("Cc", "Cf") for c in clean):
        raise UsageError(N_("--reason: at most 500 characters, no control or invisible characters"),
                         hint=N_("say why in a short line"))
    return clean
