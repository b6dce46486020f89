"""The language the kit speaks: its messages, the quizzes, the lab's hints.

English is the source and the fallback. ``set_language("tl")`` (or ``TRANSFERKIT_LANG=tl`` in the
environment, read the first time a message is looked up) switches to a translation shipped in the
package: ``transferkit/locale/<code>/LC_MESSAGES/transferkit.mo`` for messages (compiled by
``tools/l10n.py compile`` from ``locale/<code>/LC_MESSAGES/transferkit.po``) and
``transferkit/quizzes/<code>/NN.json`` for the quizzes. A message without a translation stays English.

In the kit's modules, wrap what a student reads where it is produced (not at import time, so that a
later ``set_language`` still applies), and keep code, identifiers, class names and figures out of the
text with ``str.format`` fields::

    from .i18n import _, ngettext
    print(_("{right} of {total} checks passed").format(right=r, total=n))

``tools/l10n.py extract`` collects these calls into ``locale/transferkit.pot``.
"""

from __future__ import annotations

import gettext
import os
import re
import warnings
from importlib import resources
from pathlib import Path

DOMAIN = "transferkit"
ENGLISH = "en"
ENV_VAR = "TRANSFERKIT_LANG"
_CODE = re.compile(r"^[a-z]{2,3}(_[A-Z]{2})?$")

_state: dict = {"language": None, "translation": None}


def _package_dir() -> Path:
    return Path(str(resources.files("transferkit")))


def available_languages() -> list[str]:
    """The languages the installed kit has a translation for (English not listed)."""
    root = _package_dir()
    found = {p.parent.parent.name for p in (root / "locale").glob(f"*/LC_MESSAGES/{DOMAIN}.mo")}
    found |= {p.name for p in (root / "quizzes").glob("*") if p.is_dir() and _CODE.match(p.name)}
    return sorted(found)


def _normalise(code: str | None) -> str:
    code = (code or "").strip().replace("-", "_")
    if not code:
        return ENGLISH
    code = code.split(".")[0]  # "tl_PH.UTF-8" -> "tl_PH"
    head, _sep, tail = code.partition("_")
    code = head.lower() + (f"_{tail.upper()}" if tail else "")
    if not _CODE.match(code):
        raise ValueError(_now(N_("{code!r} is not a language code such as 'tl', 'pcm' or 'en'")).format(code=code))
    return code


def set_language(code: str | None) -> None:
    """Makes the kit speak ``code`` ("tl", "pcm", ...; "en" or None for English); :func:`language` says which.

    Without a translation for ``code`` the kit warns and stays in English. (Returns nothing, so that
    the setup cell ending in ``tk.set_language("tl")`` shows no output.)
    """
    code = _normalise(code)
    shipped = available_languages()
    localedir = _package_dir() / "locale"
    languages = [code, code.split("_")[0]] if code != ENGLISH else [ENGLISH]
    _state["translation"] = gettext.translation(DOMAIN, localedir=str(localedir), languages=languages, fallback=True)
    _state["language"] = code
    if code != ENGLISH and code not in shipped and code.split("_")[0] not in shipped:  # said once the language is set
        warnings.warn(_("transferkit has no {code!r} translation (it has: {languages}); messages stay in English").format(
            code=code, languages=", ".join(shipped) or _("none")), stacklevel=2)


def language() -> str:
    """The language the kit speaks now ("en" unless set by ``set_language`` or ``TRANSFERKIT_LANG``)."""
    if _state["language"] is None:
        try:
            set_language(os.environ.get(ENV_VAR))
        except ValueError as error:
            set_language(ENGLISH)
            warnings.warn(_("{variable}: {error}; messages stay in English").format(variable=ENV_VAR, error=error),
                          stacklevel=2)
    return _state["language"]


def _translation() -> gettext.NullTranslations:
    language()
    return _state["translation"]


def _now(message: str) -> str:
    """``message`` in the language set so far, English before any: for the messages about setting it,
    which must not look the language up (that would set it, and might raise the same message again)."""
    translation = _state["translation"]
    return message if translation is None else translation.gettext(message)


def _(message: str) -> str:
    """``message`` in the kit's language (English when there is no translation)."""
    return _translation().gettext(message)


gettext_ = _


def ngettext(singular: str, plural: str, n: int) -> str:
    """The singular or plural form for ``n``, in the kit's language."""
    return _translation().ngettext(singular, plural, n)


def pgettext(context: str, message: str) -> str:
    """``message`` in the kit's language, disambiguated by ``context`` (the same English may translate differently)."""
    return _translation().pgettext(context, message)


def N_(message: str) -> str:
    """Marks ``message`` for extraction without translating it now (translate it with ``_`` where it is shown)."""
    return message
