"""The consignment note PDF, read back the way a person, a scanner or a customs system would.

Text comes out through pypdf (via the fonts' ToUnicode maps), the QR code is decoded from the
embedded image with zxing-cpp, and fonts are inspected in the PDF's own resources.
"""

import io
import re
from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal

import pypdf
import pytest
import zxingcpp
from django.utils import translation

from orders.documents import fonts
from orders.documents.consignment_note import (
    ConsignmentNote,
    NoteGoods,
    NoteParty,
    render_consignment_note,
)

TRACKING_URL = "https://lorry-alliance.example/track/LA-2611-CQHAN-00042/"

# Names in each script of the corridor. fpdf2 writes no ToUnicode entry for the second glyph
# of a shaped cluster (Noto Sans draws "ị" as i + a combining dot), so the strings asserted
# on extracted text use letters that are one glyph each.
CHINESE_SENDER = "重庆两江国际物流有限公司"
VIETNAMESE_CONSIGNEE = "Công ty TNHH Thương mại Hà Nội Xanh"
THAI_CARRIER = "บริษัท ขนส่งข้ามแดน จำกัด"
LAO_GOODS = "ກາເຟລາວ Lao arabica coffee beans"
BURMESE_GOODS = "မြန်မာ လက်ဖက်ခြောက် Myanmar tea leaves"

SCRIPT_FONTS = {
    "Thai": ("NotoSansThai", (0x0E00, 0x0E7F)),
    "Lao": ("NotoSansLao", (0x0E80, 0x0EFF)),
    "Burmese": ("NotoSansMyanmar", (0x1000, 0x109F)),
    "Chinese": ("NotoSansSC", (0x4E00, 0x9FFF)),
}


def _goods(description: str = "Frozen durian", **overrides) -> NoteGoods:
    values = {
        "description": description,
        "hs_code": "0811.90",
        "packages": 120,
        "package_type": "carton",
        "gross_kg": Decimal("2400.50"),
        "volume_m3": Decimal("9.600"),
    }
    return NoteGoods(**{**values, **overrides})


def _note(**overrides) -> ConsignmentNote:
    values = {
        "tracking_number": "LA-2611-CQHAN-00042",
        "order_reference": "ORD-2026-000123",
        "issued_at": datetime(2026, 11, 20, 9, 30, tzinfo=UTC),
        "sender": NoteParty(CHINESE_SENDER, "重庆市渝北区空港大道 88 号", "CN", "+86 23 6789 1234"),
        "consignee": NoteParty(VIETNAMESE_CONSIGNEE, "Số 12 Phố Huế, Hà Nội", "VN"),
        "carrier": NoteParty(THAI_CARRIER, "123 ถนนพหลโยธิน กรุงเทพมหานคร", "TH"),
        "taking_over_place": "Chongqing Hub (CNCKG), China",
        "taking_over_date": date(2026, 11, 25),
        "delivery_place": "Hanoi Dong Anh depot, Vietnam",
        "delivery_date": date(2026, 11, 28),
        "goods": (
            _goods(temperature="−18 °C"),
            _goods(LAO_GOODS, hs_code="0901.11", packages=40, package_type="sack"),
            _goods(BURMESE_GOODS, hs_code="0902.30", gross_kg=Decimal("900.25")),
            _goods("Paint", hs_code="3208.10", dangerous_goods_un="UN1263"),
        ),
        "incoterm": "DAP",
        "vehicle": "渝A12345 / 29C-12345",
        "trip": "CQ-HAN-01 · 2026-11-25",
        "export_declaration": "500020261125000123",
        "import_declaration": "30612345678/A12",
        "remarks": "Keep the cold chain.",
        "tracking_url": TRACKING_URL,
    }
    return ConsignmentNote(**{**values, **overrides})


def _latin_note(**overrides) -> ConsignmentNote:
    """A note in Latin script only (Vietnamese included): no other script's font is needed."""
    latin_party = NoteParty("Công ty Vận tải Lạng Sơn", "Số 5 Trần Đăng Ninh, Lạng Sơn", "VN")
    values = {
        "sender": latin_party,
        "consignee": latin_party,
        "carrier": None,
        "vehicle": "",
        "goods": (_goods(),),
    }
    return _note(**{**values, **overrides})


@pytest.fixture(scope="module")
def note_pdf() -> bytes:
    """The five-script note, rendered once for the tests that only read it."""
    return render_consignment_note(_note())


def _reader(pdf: bytes) -> pypdf.PdfReader:
    assert pdf.startswith(b"%PDF-")
    return pypdf.PdfReader(io.BytesIO(pdf))


def _text(reader: pypdf.PdfReader) -> str:
    return "\n".join(page.extract_text() for page in reader.pages)


def _runs(reader: pypdf.PdfReader) -> list[tuple[str, str, float]]:
    """Every piece of text drawn, with the font (subset prefix removed) and size it used."""
    runs = []

    def visit(text, cm, tm, font, size):
        if text.strip() and font:
            runs.append((text, str(font["/BaseFont"]).split("+")[-1], size))

    for page in reader.pages:
        page.extract_text(visitor_text=visit)
    return runs


def _embedded_fonts(reader: pypdf.PdfReader) -> dict[str, int]:
    """BaseFont name -> size in bytes of the font program, for every font object in the file.

    Every object is visited, not only the pages' resources, so that a font embedded but
    never drawn with still counts.
    """
    embedded = {}
    for number in range(1, reader.trailer["/Size"]):
        font = reader.get_object(number)
        if not isinstance(font, pypdf.generic.DictionaryObject):
            continue
        if font.get("/Type") != "/Font" or font.get("/Subtype") != "/Type0":
            continue
        descriptor = font["/DescendantFonts"][0].get_object()["/FontDescriptor"]
        program = descriptor.get_object()["/FontFile2"].get_object()
        embedded[str(font["/BaseFont"])] = len(program.get_data())
    return embedded


def _family_names(reader: pypdf.PdfReader) -> set[str]:
    return {name.split("+")[-1].removesuffix("Bold") for name in _embedded_fonts(reader)}


def test_render_consignment_note_shows_tracking_number_and_cmr_boxes(note_pdf):
    text = _text(_reader(note_pdf))

    assert "LA-2611-CQHAN-00042" in text
    assert "ORD-2026-000123" in text
    for label in (
        "1 Sender",
        "2 Consignee",
        "3 Place of delivery",
        "4 Place and date of taking over",
        "6 Marks",
        "7 Number",
        "8 Method of",
        "9 Nature of the goods",
        "10 HS code",
        "11 Gross weight",
        "12 Volume (m³)",
        "13 Customs references",
        "14 Terms of delivery",
        "16 Carrier",
    ):
        assert label in re.sub(r"[ \t]+", " ", text), label
    for value in ("DAP", "渝A12345 / 29C-12345", "CQ-HAN-01", "500020261125000123", "UN1263"):
        assert value in text, value
    assert "China" in text and "Vietnam" in text and "Thailand" in text  # country names


def test_render_consignment_note_prints_chinese_and_vietnamese_names(note_pdf):
    text = _text(_reader(note_pdf))

    assert CHINESE_SENDER in text
    assert "重庆市渝北区空港大道 88 号" in text
    assert VIETNAMESE_CONSIGNEE in text
    assert "Số 12 Phố Huế, Hà Nội" in text


@pytest.mark.parametrize("script", SCRIPT_FONTS)
def test_render_consignment_note_draws_each_script_in_its_font(note_pdf, script):
    font_name, (first, last) = SCRIPT_FONTS[script]
    runs = _runs(_reader(note_pdf))

    def in_script(text):
        return any(first <= ord(char) <= last for char in text)

    drawn_in = {font.removesuffix("Bold") for text, font, _ in runs if in_script(text)}
    assert drawn_in == {font_name}


def test_render_consignment_note_loads_no_font_for_a_script_it_does_not_use():
    latin = _reader(render_consignment_note(_latin_note()))
    chinese = _reader(render_consignment_note(_latin_note(vehicle="渝A12345")))

    assert _family_names(latin) == {"NotoSans"}
    assert _family_names(chinese) == {"NotoSans", "NotoSansSC"}


def test_render_consignment_note_embeds_font_subsets_only(note_pdf):
    embedded = _embedded_fonts(_reader(note_pdf))
    source_sizes = {
        f"{family.name}{'Bold' if bold else ''}": family.path(bold=bold).stat().st_size
        for family in (fonts.PRIMARY, *fonts.FALLBACKS)
        for bold in (False, True)
    }

    assert len(embedded) >= 5
    for base_font, size in embedded.items():
        prefix, _, name = base_font.lstrip("/").partition("+")
        assert re.fullmatch(r"[A-Z]{6}", prefix), base_font
        assert size < source_sizes[name] / 5, (base_font, size)
    assert len(note_pdf) < 300_000


def test_render_consignment_note_qr_code_opens_the_tracking_page(note_pdf):
    page = _reader(note_pdf).pages[0]

    decoded = [
        barcode.text
        for image in page.images
        for barcode in zxingcpp.read_barcodes(image.image.convert("L"))
    ]
    assert decoded == [TRACKING_URL]


def test_render_consignment_note_without_tracking_url_has_no_qr_code():
    page = _reader(render_consignment_note(_note(tracking_url=""))).pages[0]

    assert list(page.images) == []
    assert "Scan to track" not in page.extract_text()


def test_render_consignment_note_spreads_many_goods_over_pages_with_totals():
    goods = tuple(
        _goods(f"Item {number:02d}", packages=number, gross_kg=Decimal("10.25"))
        for number in range(1, 61)
    )
    reader = _reader(render_consignment_note(_note(goods=goods)))

    assert len(reader.pages) >= 2
    for page in reader.pages:
        text = page.extract_text()
        assert "9  Nature of the goods" in text  # the table heading repeats on every page
        assert "LA-2611-CQHAN-00042" in text
        assert f"of {len(reader.pages)}" in text
    text = _text(reader)
    assert all(f"Item {number:02d}" in text for number in range(1, 61))
    # 1 + 2 + ... + 60 packages; 60 x 10.25 kg; 60 x 9.6 m³.
    assert re.search(r"Total\s+1,830\s+615\.00\s+576\.000", reader.pages[-1].extract_text())


def test_render_consignment_note_keeps_body_size_after_a_line_in_a_fallback_font(note_pdf):
    # The sender's address ends in Chinese; fpdf2 2.8.9 printed the next line (the country)
    # at the caption's 6.5 pt unless the font is reselected (see _NotePdf.set_font).
    runs = _runs(_reader(note_pdf))

    sizes = {text.strip(): size for text, _, size in runs}
    assert sizes["China"] == sizes["Vietnam"] == 8.5


def test_render_consignment_note_follows_the_active_language():
    with translation.override("zh-hans"):
        chinese = _text(_reader(render_consignment_note(_latin_note())))
    with translation.override("vi"):
        vietnamese = _text(_reader(render_consignment_note(_note())))

    assert "体积" in chinese  # "Volume (m³)" from the catalogue, in a Chinese font
    assert "越南" in chinese  # the country's name follows the language too
    assert "Trung Quốc" in vietnamese


def test_render_consignment_note_waiting_for_a_trip_says_carrier_to_be_assigned():
    text = _text(_reader(render_consignment_note(_note(carrier=None, taking_over_date=None))))

    assert "To be assigned when the shipment is placed on a trip." in text
    assert "Date: to be confirmed" in text


def test_render_consignment_note_gives_the_same_bytes_for_the_same_note(note_pdf):
    assert render_consignment_note(replace(_note())) == note_pdf


def test_render_consignment_note_missing_font_names_the_file_and_make_install(settings, tmp_path):
    settings.BASE_DIR = tmp_path

    with pytest.raises(fonts.FontNotInstalled) as raised:
        render_consignment_note(_note())

    message = str(raised.value)
    assert str(tmp_path / "node_modules" / "@expo-google-fonts") in message
    assert "NotoSans_400Regular.ttf" in message
    assert "make install" in message
