"""Whether a translation says as many sentences as its English: a dropped or added sentence is caught.

A sentence ends at ``.``, ``!``, ``?`` or ``;`` (a translation may well turn a semicolon into a full
stop; both count), closing quotes, brackets or markdown emphasis may follow, then whitespace and a
word (after a closing bracket, a capitalised one: "(is it right?) is harsh" is one sentence).
Abbreviations (*e.g.*, *i.e.*, *vs.*, Tagalog *hal.*, ...), initials and list numbers (``1.``) end
none. Code spans, formulas, ``{field}``\s and URLs count as words. Tables are not counted (their shape
is checked as a placeholder). A translator who joins or splits sentences on purpose marks the entry
``#, sentences-ok`` after review (``locale/README.md``); ``update`` drops the mark when the English changes.
"""

from __future__ import annotations

import re

from .placeholders import _CODE_SPAN, _FIELD, _LINK_TARGET, _MATH, _URL

REVIEWED = "sentences-ok"
"""The flag on a catalog entry whose sentence count was reviewed and differs from the English on purpose."""

_END = re.compile(r"[.!?;]+[\"'\u201d\u2019)\]*_]*\s+[\"'\u201c\u2018(\[*_]*")
_ABBREVIATIONS = {"e.g", "i.e", "eg", "ie", "vs", "etc", "cf", "approx", "fig", "no", "dr", "mr", "mrs", "ms", "st",
                  "hal", "atbp", "p.ex"}  # hal. = halimbawa (tl "e.g."), atbp. = at iba pa (tl "etc.")


def _words_only(text: str) -> str:
    """``text`` with code spans, formulas and ``{field}``\\s as one word each, link targets and URLs gone."""
    text = _CODE_SPAN.sub("Code", text)
    text = _FIELD.sub("Field", text)
    text = _MATH.sub("Math", text)
    text = _LINK_TARGET.sub("]", text)
    return _URL.sub("link", text)


def count_sentences(text: str) -> int | None:
    """How many sentences ``text`` holds (None for a table, 0 for empty text)."""
    if text.lstrip().startswith("|"):
        return None
    text = _words_only(text).strip()
    if not text:
        return 0
    count = 1
    for end in _END.finditer(text):
        after = text[end.end():end.end() + 1]
        if not after.isalnum() or (after.islower() and re.search(r"[)\]]", end[0])):
            continue  # "(is it right?) is harsh": a lower-case word after a bracket goes on with the sentence
        before = text[:end.start()]
        word = re.search(r"[^\s(\[\"'*_]*$", before)[0]
        if word.lower().rstrip(".") in _ABBREVIATIONS or (len(word) == 1 and word.isupper()):
            continue
        if word.isdigit() and re.search(r"(^|\n)\s*(#+\s*)?[-*]?\s*\d+$", before):
            continue  # "1. " numbering a list item or a heading
        count += 1
    return count


def sentence_errors(english: str, translation: str) -> list[str]:
    """One problem when ``translation`` holds more or fewer sentences than ``english``, else none."""
    want, got = count_sentences(english), count_sentences(translation)
    if want is None or got is None or want == got:
        return []
    return [f"sentences: the English has {want}, the translation {got} (a sentence dropped or added? if joined or "
            f"split on purpose, mark the entry `#, {REVIEWED}` after review)"]
