"""The consignment note: a CMR-style A4 PDF that travels with a shipment.

The boxes carry the numbers of the CMR consignment note (1 sender, 2 consignee, 3 place of
delivery, 4 taking over, 6-12 goods, 13 customs, 14 terms, 16 carrier, 21-24 signatures)
so that drivers and customs officers on both sides of a border find fields where they
expect them. Labels follow the active language; names and addresses are printed as given,
in any of the scripts along the corridor: Chinese, Vietnamese, Thai, Lao and Burmese.

fpdf2 shapes text with HarfBuzz (Thai, Lao and Burmese need it: marks stack and vowels
reorder) and takes each character missing from Noto Sans from a fallback font, which
``_NotePdf`` loads the first time the note needs it.
"""

import io
import logging
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

import segno
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django_countries import countries
from fpdf import FPDF
from fpdf.enums import MethodReturnValue, XPos, YPos
from fpdf.fonts import FontFace

from config import l10n
from orders.documents.fonts import (
    PRIMARY,
    FontFamily,
    check_fonts_installed,
    fallback_family_for,
)

# fpdf2 subsets every embedded font with fontTools, which logs each step at INFO: a dozen
# lines per font per note. Only its warnings are worth a log line here.
logging.getLogger("fontTools").setLevel(logging.WARNING)


@dataclass(frozen=True)
class NoteParty:
    name: str
    address: str
    country: str  # ISO 3166 alpha-2, e.g. "CN"; the note prints the country's name
    contact: str = ""  # phone / email / person


@dataclass(frozen=True)
class NoteGoods:
    description: str
    hs_code: str
    packages: int
    package_type: str  # e.g. "carton", "pallet"
    gross_kg: Decimal
    volume_m3: Decimal
    dangerous_goods_un: str = ""  # e.g. "UN1263" or ""
    temperature: str = ""  # e.g. "2–8 °C" or ""


@dataclass(frozen=True)
class ConsignmentNote:
    tracking_number: str
    order_reference: str
    issued_at: datetime  # aware
    sender: NoteParty
    consignee: NoteParty
    carrier: NoteParty | None  # None while the shipment waits for a trip
    taking_over_place: str  # e.g. "Chongqing Hub (CNCKG), China"
    taking_over_date: date | None
    delivery_place: str
    delivery_date: date | None  # estimated
    goods: tuple[NoteGoods, ...]
    incoterm: str  # e.g. "DAP"
    vehicle: str = ""  # plate(s), e.g. "渝A12345 / 29C-12345"
    trip: str = ""  # e.g. "CQ-HAN-01 · 2026-11-25"
    export_declaration: str = ""
    import_declaration: str = ""
    remarks: str = ""
    tracking_url: str = ""  # absolute URL of the public tracking page


def render_consignment_note(note: ConsignmentNote) -> bytes:
    """A one- or multi-page A4 PDF."""
    check_fonts_installed()
    pdf = _NotePdf(note)
    pdf.add_page()
    _draw_title(pdf, note)
    _draw_particulars(pdf, note)
    _draw_goods(pdf, note)
    _draw_closing(pdf, note)
    return bytes(pdf.output())


# Layout, in millimetres on A4 portrait (210 x 297).
MARGIN = 10
CONTENT_WIDTH = 210 - 2 * MARGIN
BOTTOM_MARGIN = 16  # room for the footer
QR_SIZE = 30
BOX_PADDING = 1.5
CAPTION_HEIGHT = 3.5
LINE_HEIGHT = 4.2
SIGNATURE_HEIGHT = 26

INK = (20, 20, 20)
MUTED = (95, 95, 95)
RULE = (70, 70, 70)
HEADING_FILL = (225, 230, 236)
ZEBRA_FILL = (245, 247, 250)

# 6 marks, 7 packages, 8 packing, 9 goods, 10 HS code, UN number, temperature, 11 kg, 12 m³.
GOODS_COLUMN_WIDTHS = (14, 14, 17, 45, 19, 16, 17, 25, 23)
GOODS_COLUMN_ALIGN = ("CENTER", "RIGHT", "LEFT", "LEFT", "LEFT", "LEFT", "LEFT", "RIGHT", "RIGHT")


@dataclass(frozen=True)
class _Line:
    text: str
    bold: bool = False


@dataclass(frozen=True)
class _Box:
    caption: str
    lines: tuple[_Line, ...]


class _NotePdf(FPDF):
    """FPDF with the note's fonts, a continuation header and a numbered footer."""

    def __init__(self, note: ConsignmentNote):
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self.note = note
        self._fallbacks: list[FontFamily] = []
        self._add_family(PRIMARY)
        self.set_text_shaping(True)
        self.set_margins(MARGIN, MARGIN, MARGIN)
        self.set_auto_page_break(True, margin=BOTTOM_MARGIN)
        self.set_font(PRIMARY.name, size=9)
        self.set_text_color(*INK)
        self.set_draw_color(*RULE)
        self.set_line_width(0.2)
        self.set_title(_("Consignment note %(number)s") % {"number": note.tracking_number})
        self.set_creator("Lorry Alliance Platform")
        self.set_lang(get_language() or "en")
        # Rendering the same note twice gives the same bytes, which keeps downloads cacheable.
        self.set_creation_date(note.issued_at)

    def _add_family(self, family: FontFamily) -> None:
        self.add_font(family.name, style="", fname=family.path(bold=False))
        self.add_font(family.name, style="B", fname=family.path(bold=True))

    def set_font(self, family: str | None = None, style: str = "", size: float = 0) -> None:
        super().set_font(family, style, size)
        # Work around fpdf2 2.8.9: when a line starts with a fallback-font character (a Chinese
        # name), fpdf2 selects the current font inside that line's q…Q block, which the Q then
        # undoes, yet records the font as selected; the next line in the same font was printed
        # in whatever font preceded it (the 6.5 pt box caption). Selecting it here, outside any
        # line, keeps that record true. See py-pdf/fpdf2#1772 for the family of bugs; the two
        # private fpdf2 methods used are why pyproject.toml pins fpdf2 below 2.9, and
        # test_render_consignment_note_keeps_body_size_after_a_line_in_a_fallback_font
        # fails if an upgrade breaks this.
        if self.page > 0 and not self.current_font_is_set_on_page:
            self._out(self._set_font_for_page(self.current_font, self.font_size_pt))

    def get_fallback_font(self, char: str, style: str = "") -> str | None:
        # fpdf2 asks here for every character the current font lacks; loading a script's font
        # on first use keeps notes without that script from parsing and embedding it.
        found = super().get_fallback_font(char, style)
        if found is None:
            family = fallback_family_for(char)
            if family not in self._fallbacks:
                self._add_family(family)
                self._fallbacks.append(family)
                self.set_fallback_fonts([f.name for f in self._fallbacks], exact_match=False)
                found = super().get_fallback_font(char, style)
        return found

    def header(self) -> None:
        if self.page_no() == 1:
            return  # the first page opens with the full title block instead
        self.set_font(PRIMARY.name, "B", 9)
        title = _("Consignment note %(number)s (continued)") % {"number": self.note.tracking_number}
        self.cell(CONTENT_WIDTH, 5, _clean(title), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.line(MARGIN, self.get_y(), MARGIN + CONTENT_WIDTH, self.get_y())
        self.ln(3)

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(PRIMARY.name, "", 7)
        self.set_text_color(*MUTED)
        # "{nb}" is fpdf2's alias for the page count, filled in when the document is closed.
        page = _("Page %(page)s of %(pages)s") % {"page": self.page_no(), "pages": "{nb}"}
        text = f"{self.note.tracking_number} · {page}"
        self.cell(CONTENT_WIDTH, 4, text, align="C")


def _draw_title(pdf: _NotePdf, note: ConsignmentNote) -> None:
    top = pdf.get_y()
    width = CONTENT_WIDTH - (QR_SIZE + 5 if note.tracking_url else 0)

    pdf.set_font(size=15, style="B")
    pdf.cell(width, 7, _("Consignment note"), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(size=7.5, style="")
    pdf.set_text_color(*MUTED)
    subtitle = _("International carriage of goods by road (CMR-style) · Lorry Alliance Platform")
    pdf.multi_cell(width, 3.6, subtitle, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(2.5)

    pdf.cell(width, 3.5, _("Tracking number"), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_text_color(*INK)
    pdf.set_font(size=18, style="B")
    pdf.cell(width, 8.5, _clean(note.tracking_number), new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    pdf.set_font(size=8.5, style="")
    reference = _("Order reference: %(reference)s") % {"reference": note.order_reference}
    issued = _("Issued: %(when)s") % {"when": _format_datetime(note.issued_at)}
    pdf.multi_cell(width, LINE_HEIGHT, _clean(f"{reference}    {issued}"), new_x=XPos.LMARGIN)
    if note.tracking_url:
        pdf.set_text_color(*MUTED)
        track = _("Track online: %(url)s") % {"url": note.tracking_url}
        pdf.multi_cell(width, LINE_HEIGHT, track, link=note.tracking_url, new_x=XPos.LMARGIN)
        pdf.set_text_color(*INK)
        _draw_qr(pdf, note.tracking_url, x=MARGIN + CONTENT_WIDTH - QR_SIZE, y=top)
        pdf.set_y(max(pdf.get_y(), top + QR_SIZE + 4))
    pdf.ln(3)


def _draw_qr(pdf: _NotePdf, url: str, *, x: float, y: float) -> None:
    # segno writes a two-colour PNG itself; the quiet zone (border) is part of the image so
    # that scanners find the code however tightly the box is printed.
    png = io.BytesIO()
    segno.make(url, error="m", micro=False).save(png, kind="png", scale=8, border=4)
    png.seek(0)
    pdf.image(png, x=x, y=y, w=QR_SIZE, h=QR_SIZE, link=url, alt_text=url)
    pdf.set_xy(x, y + QR_SIZE - 1)
    pdf.set_font(size=6.5, style="")
    pdf.set_text_color(*MUTED)
    pdf.cell(QR_SIZE, 3, _("Scan to track"), align="C")
    pdf.set_text_color(*INK)


def _draw_particulars(pdf: _NotePdf, note: ConsignmentNote) -> None:
    """The boxes above the goods: parties, places, vehicle, customs and terms."""
    carrier_box = _Box(
        _numbered(16, _("Carrier (name, address, country)")),
        _party_lines(note.carrier)
        if note.carrier
        else (_Line(_("To be assigned when the shipment is placed on a trip.")),),
    )
    vehicle_box = _Box(
        _("Vehicle and trip"),
        (
            _Line(_("Vehicle: %(plates)s") % {"plates": note.vehicle or _("to be assigned")}),
            _Line(_("Trip: %(trip)s") % {"trip": note.trip or _("to be assigned")}),
        ),
    )
    sender_box = _Box(_numbered(1, _("Sender (name, address, country)")), _party_lines(note.sender))
    consignee_box = _Box(
        _numbered(2, _("Consignee (name, address, country)")), _party_lines(note.consignee)
    )
    _draw_box_row(pdf, (sender_box, carrier_box))
    _draw_box_row(pdf, (consignee_box, vehicle_box))
    delivery = _Box(
        _numbered(3, _("Place of delivery of the goods")),
        (
            _Line(note.delivery_place, bold=True),
            _Line(_("Estimated date: %(date)s") % {"date": _format_date(note.delivery_date)}),
        ),
    )
    taking_over = _Box(
        _numbered(4, _("Place and date of taking over the goods")),
        (
            _Line(note.taking_over_place, bold=True),
            _Line(_("Date: %(date)s") % {"date": _format_date(note.taking_over_date)}),
        ),
    )
    _draw_box_row(pdf, (delivery, taking_over))
    customs = _Box(
        _numbered(13, _("Customs references")),
        (
            _Line(_("Export declaration: %(ref)s") % {"ref": note.export_declaration or "—"}),
            _Line(_("Import declaration: %(ref)s") % {"ref": note.import_declaration or "—"}),
        ),
    )
    terms = _Box(
        _numbered(14, _("Terms of delivery (Incoterms®)")),
        (_Line(note.incoterm or "—", bold=True),),
    )
    _draw_box_row(pdf, (customs, terms))
    pdf.ln(3)


def _draw_goods(pdf: _NotePdf, note: ConsignmentNote) -> None:
    """Boxes 6 to 12 as one table; fpdf2 repeats its heading row on every page it spans."""
    headings = (
        _numbered(6, _("Marks and Nos.")),
        _numbered(7, _("Number of packages")),
        _numbered(8, _("Method of packing")),
        _numbered(9, _("Nature of the goods")),
        _numbered(10, _("HS code")),
        _("UN number (dangerous goods)"),
        _("Temperature"),
        _numbered(11, _("Gross weight (kg)")),
        _numbered(12, _("Volume (m³)")),
    )
    bold = FontFace(emphasis="BOLD")
    pdf.set_font(size=7.5, style="")
    with pdf.table(
        width=CONTENT_WIDTH,
        col_widths=GOODS_COLUMN_WIDTHS,
        text_align=GOODS_COLUMN_ALIGN,
        v_align="TOP",
        line_height=3.6,
        padding=(1, 1),
        headings_style=FontFace(emphasis="BOLD", size_pt=6.5, fill_color=HEADING_FILL),
        cell_fill_color=ZEBRA_FILL,
        cell_fill_mode="ROWS",
        repeat_headings=1,
    ) as table:
        table.row(headings)
        for number, goods in enumerate(note.goods, start=1):
            table.row(_clean(text) for text in _goods_cells(number, goods))
        totals = table.row()
        totals.cell(_("Total"), style=bold)
        totals.cell(_format_int(sum(goods.packages for goods in note.goods)), style=bold)
        totals.cell("", colspan=5)
        gross_kg = sum((goods.gross_kg for goods in note.goods), Decimal(0))
        volume_m3 = sum((goods.volume_m3 for goods in note.goods), Decimal(0))
        totals.cell(_format_kg(gross_kg), style=bold)
        totals.cell(_format_m3(volume_m3), style=bold)
    pdf.ln(3)


def _goods_cells(number: int, goods: NoteGoods) -> tuple[str, ...]:
    return (
        str(number),
        _format_int(goods.packages),
        goods.package_type,
        goods.description,
        goods.hs_code,
        goods.dangerous_goods_un or "—",
        goods.temperature or "—",
        _format_kg(goods.gross_kg),
        _format_m3(goods.volume_m3),
    )


def _draw_closing(pdf: _NotePdf, note: ConsignmentNote) -> None:
    """Remarks, where and when the note was made out, and room for the three signatures."""
    if note.remarks:
        _draw_box_row(pdf, (_Box(_("Remarks"), (_Line(note.remarks),)),))
    established = _("%(place)s, on %(date)s") % {
        "place": note.taking_over_place,
        "date": _format_date(timezone.localtime(note.issued_at).date()),
    }
    _draw_box_row(pdf, (_Box(_numbered(21, _("Established in")), (_Line(established),)),))
    place_and_date = (_Line(_("Place and date:")),)
    _draw_box_row(
        pdf,
        (
            _Box(_numbered(22, _("Signature and stamp of the sender")), place_and_date),
            _Box(_numbered(23, _("Signature and stamp of the carrier")), place_and_date),
            _Box(_numbered(24, _("Goods received: signature of the consignee")), place_and_date),
        ),
        min_height=SIGNATURE_HEIGHT,
    )


def _draw_box_row(pdf: _NotePdf, boxes: tuple[_Box, ...], *, min_height: float = 0) -> None:
    """Draw boxes side by side at equal widths and one height, never split across pages."""
    width = CONTENT_WIDTH / len(boxes)
    height = max(min_height, *(_box_height(pdf, box, width) for box in boxes))
    if pdf.get_y() + height > pdf.page_break_trigger:
        pdf.add_page()
    top = pdf.get_y()
    for index, box in enumerate(boxes):
        _draw_box(pdf, box, x=MARGIN + index * width, y=top, width=width, height=height)
    pdf.set_xy(MARGIN, top + height)


def _box_height(pdf: _NotePdf, box: _Box, width: float) -> float:
    inner = width - 2 * BOX_PADDING
    content = 0.0
    for line in box.lines:
        pdf.set_font(size=8.5, style="B" if line.bold else "")
        content += pdf.multi_cell(
            inner,
            LINE_HEIGHT,
            _clean(line.text),
            dry_run=True,
            output=MethodReturnValue.HEIGHT,
        )
    return CAPTION_HEIGHT + content + 2 * BOX_PADDING


def _draw_box(pdf: _NotePdf, box: _Box, *, x: float, y: float, width: float, height: float) -> None:
    inner = width - 2 * BOX_PADDING
    pdf.rect(x, y, width, height)
    pdf.set_xy(x + BOX_PADDING, y + BOX_PADDING)
    pdf.set_font(size=6.5, style="")
    pdf.set_text_color(*MUTED)
    pdf.cell(inner, CAPTION_HEIGHT - 0.5, _clean(box.caption))
    pdf.set_xy(x + BOX_PADDING, y + BOX_PADDING + CAPTION_HEIGHT)
    pdf.set_text_color(*INK)
    for line in box.lines:
        pdf.set_font(size=8.5, style="B" if line.bold else "")
        pdf.multi_cell(inner, LINE_HEIGHT, _clean(line.text), new_x=XPos.LEFT, new_y=YPos.NEXT)


def _party_lines(party: NoteParty) -> tuple[_Line, ...]:
    lines = [
        _Line(party.name, bold=True),
        _Line(party.address),
        _Line(countries.name(party.country) or party.country),
    ]
    if party.contact:
        lines.append(_Line(party.contact))
    return tuple(lines)


def _numbered(number: int, label: str) -> str:
    return f"{number}  {label}"


def _clean(text: str) -> str:
    # Vietnamese typed on some keyboards arrives decomposed (a + combining marks); composed
    # characters map to the fonts' precomposed glyphs and extract from the PDF as typed.
    return unicodedata.normalize("NFC", str(text))


def _format_date(value: date | None) -> str:
    # ISO dates read the same in Chinese, Vietnamese and English paperwork.
    return value.isoformat() if value else _("to be confirmed")


def _format_datetime(value: datetime) -> str:
    local = timezone.localtime(value)
    return f"{local:%Y-%m-%d %H:%M} {local.tzname()}"


def _format_int(value: int) -> str:
    return l10n.format_number(value, places=0)


def _format_kg(value: Decimal) -> str:
    return l10n.format_number(value, places=2)


def _format_m3(value: Decimal) -> str:
    return l10n.format_number(value, places=3)
