"""Every string people read exists in Simplified Chinese and Vietnamese, and is not a guess."""

import re
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import translation

LOCALE = Path(__file__).resolve().parents[2] / "locale"


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


@pytest.mark.parametrize("language", ["zh_Hans", "vi"])
def test_catalogue_is_complete_and_has_no_guesses(language):
    po = LOCALE / language / "LC_MESSAGES" / "django.po"
    missing = [msgid for msgid, texts, _ in _entries(po) if not all(texts)]
    guessed = [msgid for msgid, _, fuzzy in _entries(po) if fuzzy]
    assert missing == [] and guessed == []


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
