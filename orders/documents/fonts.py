"""The fonts that consignment notes are typeset in.

They are Google's Noto fonts (SIL Open Font License), installed from the npm registry by
``make install`` (``npm ci`` with package.json) into ``node_modules/``. They are neither
committed nor downloaded at run time. fpdf2 embeds only the glyphs a note uses (a subset),
so a note stays small even though the Chinese font file is about 10 MB.

Noto Sans covers Latin, Vietnamese, Greek and Cyrillic; one family per other script covers
the rest. A document loads a script's family only once it meets a character of that script
(see ``fallback_family_for``), so a note without Thai neither parses nor embeds the Thai font.
"""

from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

FONT_PACKAGES = "@expo-google-fonts"


class FontNotInstalled(ImproperlyConfigured):
    """A font file that the project's set-up installs is missing from ``node_modules/``."""


@dataclass(frozen=True)
class FontFamily:
    """One typeface in regular and bold, and the Unicode blocks it is loaded for."""

    name: str
    package: str  # npm package under @expo-google-fonts/
    file_stem: str  # "NotoSansThai" for NotoSansThai_400Regular.ttf
    blocks: tuple[tuple[int, int], ...] = ()

    def path(self, *, bold: bool) -> Path:
        weight = "700Bold" if bold else "400Regular"
        return (
            Path(settings.BASE_DIR)
            / "node_modules"
            / FONT_PACKAGES
            / self.package
            / weight
            / f"{self.file_stem}_{weight}.ttf"
        )


PRIMARY = FontFamily("NotoSans", "noto-sans", "NotoSans")

THAI = FontFamily("NotoSansThai", "noto-sans-thai", "NotoSansThai", ((0x0E00, 0x0E7F),))
LAO = FontFamily("NotoSansLao", "noto-sans-lao", "NotoSansLao", ((0x0E80, 0x0EFF),))
MYANMAR = FontFamily(
    "NotoSansMyanmar",
    "noto-sans-myanmar",
    "NotoSansMyanmar",
    ((0x1000, 0x109F), (0xA9E0, 0xA9FF), (0xAA60, 0xAA7F)),
)
# The Chinese font has the widest repertoire (CJK punctuation, full-width forms, many
# symbols), so it also serves any character the primary font lacks outside the blocks above.
CHINESE = FontFamily("NotoSansSC", "noto-sans-sc", "NotoSansSC")

FALLBACKS = (THAI, LAO, MYANMAR, CHINESE)
CATCH_ALL = CHINESE


def fallback_family_for(char: str) -> FontFamily:
    """The family to load for a character that the primary font has no glyph for."""
    codepoint = ord(char)
    for family in FALLBACKS:
        if any(start <= codepoint <= end for start, end in family.blocks):
            return family
    return CATCH_ALL


def check_fonts_installed() -> None:
    """Fail with the names of the missing files rather than with a bare ``FileNotFoundError``.

    Every family is checked, not only those a note needs, so that a broken installation
    shows on the first note rendered instead of on the first Burmese one.
    """
    missing = [
        path
        for family in (PRIMARY, *FALLBACKS)
        for path in (family.path(bold=False), family.path(bold=True))
        if not path.is_file()
    ]
    if missing:
        listed = ", ".join(str(path) for path in missing)
        raise FontNotInstalled(
            f"Consignment note font file(s) missing: {listed}. "
            "They come from the npm packages in package.json: run `make install`."
        )
