"""The fonts that the portal serves and the PDFs embed draw every character of every translation.

Both sides are read from where they are used, not from a list kept here: the portal's faces from
the @font-face rules of css/portal.css (each ``url()`` resolved through the staticfiles finders,
as the site serves it), the PDF's from orders.documents.fonts. Each text is every English msgid
and every msgstr of each catalogue under locale/.

A browser takes a character from the first family of the page's font-family stack that has a
face whose ``unicode-range`` includes it and whose font has a glyph for it; a face's file is
downloaded once the page shows a character in its range. The portal checks follow that rule, so
they also catch a character that a font has but that its ``unicode-range`` leaves out.
"""

import posixpath
import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.utils.translation import to_locale
from fontTools.ttLib import TTFont

from orders.documents.fonts import PRIMARY, fallback_family_for

STYLESHEET = "css/portal.css"
# Body text and headings (600 and bold both select the 700 faces).
WEIGHTS = (400, 700)
# Languages written in Latin script: their pages must not download another script's font (the
# Chinese one is about 10 MB) except for words of that script, such as an example company name.
LATIN_LANGUAGES = ("en", "vi", "ms")
# A character of each other script, to recognise the faces made for it.
SCRIPT_SAMPLES = {"Chinese": "中", "Thai": "ก", "Lao": "ກ", "Burmese": "က"}


# Catalogues ----------------------------------------------------------------------------------


def _unquote(text: str) -> str:
    escapes = {"n": "\n", "t": "\t", "r": "\r"}
    return re.sub(r"\\(.)", lambda match: escapes.get(match[1], match[1]), text)


def _po_entries(po: Path):
    """Each entry's strings (msgid, msgid_plural, msgstr, msgstr[n], msgctxt) by keyword."""
    for block in po.read_text(encoding="utf-8").split("\n\n"):
        strings: dict[str, str] = {}
        key = None
        for line in block.splitlines():
            if line.startswith("#"):  # comments, flags, and obsolete (#~) entries
                continue
            match = re.match(r'^(msgctxt|msgid|msgid_plural|msgstr(?:\[\d+\])?) "(.*)"$', line)
            if match:
                key = match[1]
                strings[key] = _unquote(match[2])
            elif line.startswith('"') and key:
                strings[key] += _unquote(line[1:-1])
        if strings.get("msgid"):  # the header's msgid is empty
            yield strings


@cache
def translations() -> dict[str, list[tuple[str, str]]]:
    """(msgid, text) pairs per language code of settings.LANGUAGES."""
    texts: dict[str, list[tuple[str, str]]] = {}
    msgids: dict[str, None] = {}
    for code, _name in settings.LANGUAGES:
        if code == settings.LANGUAGE_CODE:
            continue  # English is the msgids
        po = Path(settings.LOCALE_PATHS[0]) / to_locale(code) / "LC_MESSAGES" / "django.po"
        assert po.is_file(), f"no catalogue for {code} at {po}"
        texts[code] = []
        for entry in _po_entries(po):
            msgids[entry["msgid"]] = None
            if "msgid_plural" in entry:
                msgids[entry["msgid_plural"]] = None
            texts[code] += [
                (entry["msgid"], text) for key, text in entry.items() if key.startswith("msgstr")
            ]
    texts[settings.LANGUAGE_CODE] = [(msgid, msgid) for msgid in msgids]
    return texts


def _latin_or_common(char: str) -> bool:
    """A Latin letter or mark, or a digit, punctuation mark or symbol that any script uses."""
    name = unicodedata.name(char, "")
    return unicodedata.category(char)[0] not in "LM" or name.startswith(("LATIN", "COMBINING"))


def _drawn(text: str):
    """The characters that need a glyph: not whitespace, not control characters."""
    return (char for char in text if not char.isspace() and unicodedata.category(char) != "Cc")


# Fonts ---------------------------------------------------------------------------------------


@cache
def cmap(path: Path) -> frozenset[int]:
    return frozenset(TTFont(path, lazy=True).getBestCmap())


@dataclass(frozen=True)
class Face:
    """One @font-face rule of the stylesheet."""

    family: str
    weight: int
    ranges: tuple[tuple[int, int], ...]
    url: str
    path: Path

    def has(self, char: str) -> bool:
        return self.in_range(char) and ord(char) in cmap(self.path)

    def in_range(self, char: str) -> bool:
        return any(start <= ord(char) <= end for start, end in self.ranges)


def _stylesheet() -> str:
    path = finders.find(STYLESHEET)
    assert path, f"{STYLESHEET} is not found by the staticfiles finders"
    return re.sub(r"/\*.*?\*/", "", Path(path).read_text(encoding="utf-8"), flags=re.DOTALL)


def _declarations(block: str) -> dict[str, str]:
    pairs = (part.split(":", 1) for part in block.split(";") if ":" in part)
    return {name.strip().lower(): value.strip() for name, value in pairs}


def _unicode_ranges(value: str) -> tuple[tuple[int, int], ...]:
    ranges = []
    for item in value.split(","):
        item = item.strip().upper().removeprefix("U+")
        if "-" in item:
            start, end = item.split("-")
        else:  # one code point, or a wildcard such as 4??
            start, end = item.replace("?", "0"), item.replace("?", "F")
        ranges.append((int(start, 16), int(end, 16)))
    return tuple(ranges)


def _static_path(url: str) -> str:
    """The static path of a url() in the stylesheet, as the site serves it."""
    if url.startswith(settings.STATIC_URL):
        return url.removeprefix(settings.STATIC_URL)
    return posixpath.normpath(posixpath.join(posixpath.dirname(STYLESHEET), url))


@cache
def portal_faces() -> tuple[Face, ...]:
    faces = []
    for block in re.findall(r"@font-face\s*\{([^}]*)\}", _stylesheet()):
        rule = _declarations(block)
        weight = rule.get("font-weight", "400")
        urls = re.findall(r"""url\(\s*["']?([^"')]+)["']?\s*\)""", rule["src"])
        assert urls, f"an @font-face rule of {STYLESHEET} has no url(): {block.strip()}"
        found = finders.find(_static_path(urls[0]))
        assert found, f"{urls[0]} in {STYLESHEET} is not found by the staticfiles finders"
        faces.append(
            Face(
                family=rule["font-family"].strip("\"'"),
                weight=int({"normal": "400", "bold": "700"}.get(weight, weight)),
                ranges=_unicode_ranges(rule.get("unicode-range", "U+0-10FFFF")),
                url=urls[0],
                path=Path(found),
            )
        )
    assert faces, f"{STYLESHEET} declares no @font-face"
    return tuple(faces)


@cache
def font_stacks() -> dict[str | None, tuple[str, ...]]:
    """The font-family stack of :root (key None) and of each :root:lang(...) (key the language)."""
    stacks = {}
    for lang, block in re.findall(r":root(?::lang\(([\w-]+)\))?\s*\{([^}]*)\}", _stylesheet()):
        if "font-family" in (rule := _declarations(block)):
            families = (name.strip().strip("\"'") for name in rule["font-family"].split(","))
            stacks[lang or None] = tuple(families)
    assert None in stacks, f"{STYLESHEET} sets no font-family on :root"
    return stacks


def stack_for(language: str) -> tuple[str, ...]:
    """The stack a page in this language uses (":lang(zh)" matches zh-hans, as in CSS)."""
    stacks = font_stacks()
    for lang, stack in stacks.items():
        if lang and (language == lang or language.startswith(f"{lang}-")):
            return stack
    return stacks[None]


def _nearest_weight(faces: list[Face], weight: int) -> list[Face]:
    best = min(abs(face.weight - weight) for face in faces)
    return [face for face in faces if abs(face.weight - weight) == best]


def browser_fonts(char: str, stack: tuple[str, ...], weight: int) -> tuple[Face | None, set[Face]]:
    """The face that draws the character (None: none served does) and the faces downloaded."""
    downloaded: set[Face] = set()
    for family in stack:
        faces = [face for face in portal_faces() if face.family == family]
        if not faces:
            continue  # a system font such as sans-serif
        candidates = [face for face in _nearest_weight(faces, weight) if face.in_range(char)]
        downloaded.update(candidates)
        for face in candidates:
            if ord(char) in cmap(face.path):
                return face, downloaded
    return None, downloaded


def pdf_has(char: str) -> bool:
    """Whether a consignment note draws the character in regular and bold.

    A note takes it from the primary family, else from the family that fallback_family_for
    names for it, the one _NotePdf loads on meeting it.
    """
    return any(
        all(ord(char) in cmap(family.path(bold=bold)) for bold in (False, True))
        for family in (PRIMARY, fallback_family_for(char))
    )


# Tests ---------------------------------------------------------------------------------------

Problems = dict[str, dict[str, tuple[str, str]]]


def _problems(check) -> Problems:
    """Per language, the characters that check(language, char) finds a problem with (it returns
    None for none), each with the problem and the first msgid whose text uses the character."""
    found: Problems = {}
    for language, pairs in translations().items():
        checked: set[str] = set()
        for msgid, text in pairs:
            for char in set(_drawn(text)) - checked:
                checked.add(char)
                if (problem := check(language, char)) is not None:
                    found.setdefault(language, {})[char] = (problem, msgid)
    return found


def _report(headline: str, problems: Problems) -> str:
    lines = [headline]
    for language, chars in problems.items():
        lines.append(f"  {language}:")
        lines += [
            f"    U+{ord(char):04X} {char}{problem}, e.g. in msgid {msgid!r}"
            for char, (problem, msgid) in sorted(chars.items())
        ]
    return "\n".join(lines)


def test_every_catalogue_is_read():
    for language, pairs in translations().items():
        assert len(pairs) > 100, f"only {len(pairs)} strings read for {language}"
        assert all(text for _msgid, text in pairs), f"empty translations in {language}"


def test_portal_fonts_draw_every_character_of_every_translation():
    def check(language, char):
        stack = stack_for(language)
        unserved = [str(w) for w in WEIGHTS if browser_fonts(char, stack, w)[0] is None]
        return f" (weight {', '.join(unserved)})" if unserved else None

    problems = _problems(check)
    headline = f"No font of {STYLESHEET} draws these characters:"
    if problems:
        pytest.fail(_report(headline, problems), pytrace=False)


def test_pdf_fonts_draw_every_character_of_every_translation():
    problems = _problems(lambda language, char: None if pdf_has(char) else "")
    headline = "No font of the consignment note (orders.documents.fonts) draws these characters:"
    if problems:
        pytest.fail(_report(headline, problems), pytrace=False)


@pytest.mark.parametrize("script", SCRIPT_SAMPLES)
def test_latin_text_downloads_no_font_of_another_script(script):
    sample = SCRIPT_SAMPLES[script]
    script_faces = {face for face in portal_faces() if face.has(sample)}
    assert script_faces, f"no face of {STYLESHEET} draws {script} ({sample})"

    def check(language, char):
        if language not in LATIN_LANGUAGES or not _latin_or_common(char):
            return None
        stack = stack_for(language)
        fetched = {face for w in WEIGHTS for face in browser_fonts(char, stack, w)[1]}
        if fetched & script_faces:
            return " downloads " + ", ".join(sorted(face.url for face in fetched & script_faces))
        return None

    problems = _problems(check)
    headline = f"Latin pages download the {script} font for these characters:"
    if problems:
        pytest.fail(_report(headline, problems), pytrace=False)
