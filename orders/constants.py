"""Vocabularies of orders: Incoterms 2020, package types and the formats of trade codes."""

from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _


class Incoterm(models.TextChoices):
    """Incoterms 2020 (ICC): who pays and bears the risk up to where."""

    EXW = "EXW", _("EXW — Ex Works")
    FCA = "FCA", _("FCA — Free Carrier")
    CPT = "CPT", _("CPT — Carriage Paid To")
    CIP = "CIP", _("CIP — Carriage and Insurance Paid To")
    DAP = "DAP", _("DAP — Delivered at Place")
    DPU = "DPU", _("DPU — Delivered at Place Unloaded")
    DDP = "DDP", _("DDP — Delivered Duty Paid")
    FAS = "FAS", _("FAS — Free Alongside Ship")
    FOB = "FOB", _("FOB — Free on Board")
    CFR = "CFR", _("CFR — Cost and Freight")
    CIF = "CIF", _("CIF — Cost, Insurance and Freight")


class PackageType(models.TextChoices):
    CARTON = "carton", _("Carton")
    PALLET = "pallet", _("Pallet")
    CRATE = "crate", _("Crate")
    DRUM = "drum", _("Drum")
    BAG = "bag", _("Bag")
    ROLL = "roll", _("Roll")
    BALE = "bale", _("Bale")
    PIECE = "piece", _("Piece")


hs_code_validator = RegexValidator(
    r"^\d{6,10}$",
    message=_("An HS code is 6 to 10 digits, without dots or spaces (e.g. 080300 or 8471300000)."),
)
un_number_validator = RegexValidator(
    r"^UN\d{4}$",
    message=_("A UN number is 'UN' followed by 4 digits (e.g. UN1263)."),
)
declaration_validator = RegexValidator(
    r"^[A-Za-z0-9/-]{4,40}$",
    message=_("A declaration number is 4 to 40 letters, digits, '-' or '/'."),
)
