"""What a translation must keep of its English: numbers, code spans, formulas, link targets, heading
level, table shape and (the kit's messages) ``{field}``\\s."""

from __future__ import annotations

import re
from collections import Counter

_CODE_SPAN = re.compile(r"(`+)(.+?)\1", re.S)
_MATH = re.compile(r"\$\$.+?\$\$|(?<![\\$])\$(?!\s)[^$\n]+?(?<!\s)\$", re.S)
_LINK_TARGET = re.compile(r"\]\(\s*([^)\s]+)(?:\s+\"[^\"]*\")?\s*\)")
_URL = re.compile(r"https?://[^\s)>\]]+")
_NUMBER = re.compile(r"(?<![\w.])\d+(?:[.,]\d+)*(?:e-?\d+)?")
_FIELD = re.compile(r"\{\w*(?:![rsa])?(?::[^{}]*)?\}")


def strip_markup(text: str) -> str:
    """``text`` without code spans, formulas, link targets and URLs (the parts a translation must keep as they are)."""
    text = _CODE_SPAN.sub(" ", text)
    text = _MATH.sub(" ", text)
    text = _LINK_TARGET.sub("] ", text)
    return _URL.sub(" ", text)


def has_format_field(text: str) -> bool:
    """True when a kit message holds a ``str.format`` field (its entry gets the python-brace-format flag)."""
    return bool(re.search(r"\{\w*(![rsa])?(:[^}]*)?\}", text))


def heading_level(text: str) -> int:
    m = re.match(r"^(#{1,6})\s", text)
    return len(m[1]) if m else 0


def placeholders(text: str, kit_message: bool = False) -> dict[str, list[str]]:
    """The parts of a text its translation must keep: numbers, code spans, formulas, link targets,
    heading level, table shape and (kit messages) ``{field}``\\s."""
    prose = strip_markup(text)
    found = {
        "number": sorted(_NUMBER.findall(prose)),
        "code span": sorted(m[0] for m in _CODE_SPAN.finditer(text)),
        "formula": sorted(m[0] for m in _MATH.finditer(_CODE_SPAN.sub(" ", text))),
        "link target": sorted(_LINK_TARGET.findall(_CODE_SPAN.sub(" ", text))),
        "heading level": [str(heading_level(text))],
    }
    if text.lstrip().startswith("|"):
        found["table shape"] = [str(line.count("|")) for line in text.split("\n")]
    if kit_message:
        found["format field"] = sorted(_FIELD.findall(_CODE_SPAN.sub(" ", text)))
    return found


def placeholder_errors(english: str, translation: str, kit_message: bool = False) -> list[str]:
    """What ``translation`` drops, adds or changes of ``english``'s numbers, code spans, formulas,
    link targets, heading level (and format fields); empty when it keeps them all."""
    source, target = placeholders(english, kit_message), placeholders(translation, kit_message)
    problems = []
    for kind, expected in source.items():
        got = target.get(kind, [])
        shown = {}
        if kind == "number":
            # a translation may group thousands the way its language does (2,000 / 2 000 / 2.000)
            def plain(n: str) -> str:
                key = re.sub(r"[.,\s]", "", n) if re.fullmatch(r"\d{1,3}([.,]\d{3})+", n) else n
                shown.setdefault(key, n)
                return key
            expected, got = sorted(map(plain, expected)), sorted(map(plain, got))
        if expected != got:
            lost = [shown.get(n, n) for n in (Counter(expected) - Counter(got)).elements()]
            extra = [shown.get(n, n) for n in (Counter(got) - Counter(expected)).elements()]
            detail = "; ".join(p for p in [f"missing {lost}" if lost else "", f"not in the English {extra}" if extra else ""] if p)
            if kind == "heading level":
                detail = f"English {expected[0]}, translation {got[0] if got else '?'}"
            problems.append(f"{kind}: {detail}")
    return problems
