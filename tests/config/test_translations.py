"""Every string people read exists in each of the alliance's languages, and is not a guess."""

import gettext
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

LOCALE = Path(__file__).resolve().parents[2] / "locale"
# Every language the platform offers but English, the language of the source.
CATALOGUES = [translation.to_locale(code) for code, _name in settings.LANGUAGES if code != "en"]


def _entries(po: Path):
    """(msgid, msgstr texts, fuzzy) for each entry of a catalogue, the header excepted."""
    for block in po.read_text(encoding="utf-8").split("\n\n"):
        lines = [line for line in block.splitlines() if not line.startswith("#~")]
        fuzzy = any(line.startswith("#,") and "fuzzy" in line for line in lines)
        strings: dict[str, str] = {}
        key = None
        for line in lines:
            match = re.match(r'^(msgid|msgid_plural|msgstr(?:\[\d\])?|msgctxt) "(.*)"$', line)
            if match:
                key = match.group(1)
                strings[key] = match.group(2)
            elif line.startswith('"') and key:
                strings[key] += line[1:-1]
        if strings.get("msgid"):
            texts = [value for name, value in strings.items() if name.startswith("msgstr")]
            yield strings["msgid"], texts, fuzzy


def test_every_offered_language_has_a_catalogue():
    assert len(CATALOGUES) == 6
    assert all((LOCALE / name / "LC_MESSAGES" / "django.po").exists() for name in CATALOGUES)


@pytest.mark.parametrize("language", CATALOGUES)
def test_catalogue_is_complete_and_has_no_guesses(language):
    po = LOCALE / language / "LC_MESSAGES" / "django.po"
    missing = [msgid for msgid, texts, _ in _entries(po) if not all(texts)]
    guessed = [msgid for msgid, _, fuzzy in _entries(po) if fuzzy]
    assert missing == [] and guessed == []


@pytest.mark.parametrize("language", CATALOGUES)
def test_catalogue_compiles_cleanly_and_the_committed_one_is_current(language, tmp_path):
    """What ``compilemessages`` runs (msgfmt --check): placeholders, plural forms, header."""
    msgfmt = shutil.which("msgfmt")
    assert msgfmt, "msgfmt (GNU gettext) is needed to compile the catalogues"
    folder = LOCALE / language / "LC_MESSAGES"
    fresh = tmp_path / "django.mo"
    result = subprocess.run(
        [msgfmt, "--check", "-o", str(fresh), str(folder / "django.po")],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0 and result.stderr == "", result.stderr
    with open(fresh, "rb") as compiled, open(folder / "django.mo", "rb") as committed:
        assert gettext.GNUTranslations(committed)._catalog == (
            gettext.GNUTranslations(compiled)._catalog
        ), "django.mo is older than django.po: run make messages"


@pytest.mark.parametrize(("language", "expected"), [("zh-hans", "行号"), ("vi", "Dòng số")])
def test_compiled_catalogue_holds_the_latest_strings(language, expected):
    with translation.override(language):
        assert translation.gettext("Line no.") == expected


@pytest.mark.django_db
@pytest.mark.parametrize(("language", "heading"), [("zh-hans", "订单"), ("vi", "Đơn hàng")])
def test_order_pages_speak_the_members_language(client, member_admin, language, heading):
    client.force_login(member_admin)
    client.post(reverse("set_language"), {"language": language, "next": "/"})
    html = client.get(reverse("orders:list")).content.decode()
    assert f"<h1>{heading}" in html


def _msgids(po: Path) -> set[str]:
    return {msgid for msgid, _texts, _fuzzy in _entries(po)}


def test_every_string_marked_in_the_code_is_in_every_catalogue(settings, tmp_path, monkeypatch):
    """Extracting afresh (as ``make messages`` does) finds nothing the catalogues lack."""
    from django.core.management import call_command

    # The apps, linked into a folder of the test's, so the extract is written there and not
    # beside the real catalogues.
    source, extract = tmp_path / "source", tmp_path / "extract"
    source.mkdir()
    for app in ("config", "alliance", "scheduling", "orders", "tracking"):
        (source / app).symlink_to(LOCALE.parent / app)
    monkeypatch.chdir(source)
    settings.LOCALE_PATHS = [extract]
    call_command("makemessages", locale=["xx"], symlinks=True, verbosity=0)
    marked = _msgids(extract / "xx" / "LC_MESSAGES" / "django.po")
    assert len(marked) > 1000
    for language in CATALOGUES:
        missing = sorted(marked - _msgids(LOCALE / language / "LC_MESSAGES" / "django.po"))
        assert missing == [], f"{language} lacks {len(missing)}: {missing[:5]} (make messages)"
