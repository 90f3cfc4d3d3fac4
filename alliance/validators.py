"""Validation of what applicants send: registration numbers and business licence files."""

import filetype
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from stdnum.cn import uscc
from stdnum.exceptions import ValidationError as StdnumError
from stdnum.id import npwp
from stdnum.sg import uen
from stdnum.th import moa
from stdnum.vn import mst

# Countries whose company numbers python-stdnum can check (format and check digit).
REGISTRATION_NUMBER_SCHEMES = {
    "CN": (uscc, "unified social credit code (统一社会信用代码)"),
    "VN": (mst, "enterprise code (mã số doanh nghiệp)"),
    "TH": (moa, "juristic person number"),
    "SG": (uen, "Unique Entity Number (UEN)"),
    "ID": (npwp, "NPWP tax number"),
}

_generic_registration_number = RegexValidator(
    r"^[A-Z0-9][A-Z0-9/\-]{3,39}$",
    message="",
)

LICENCE_MIME_TYPES = {"application/pdf": "PDF", "image/jpeg": "JPEG", "image/png": "PNG"}


def normalise_registration_number(*, country: str, number: str) -> str:
    """Return the number in its canonical form, or raise a ValidationError saying what is wrong."""
    number = (number or "").strip().upper()
    scheme = REGISTRATION_NUMBER_SCHEMES.get(country)
    if scheme is not None:
        module, label = scheme
        try:
            return module.compact(module.validate(number))
        except StdnumError as error:
            raise ValidationError(
                _("This is not a valid %(label)s: %(problem)s")
                % {"label": label, "problem": error.message},
                code="invalid_registration_number",
            ) from error
    compact = number.replace(" ", "")
    try:
        _generic_registration_number(compact)
    except ValidationError as error:
        raise ValidationError(
            _("Use 4 to 40 letters, digits, '/' or '-' as on your registration certificate."),
            code="invalid_registration_number",
        ) from error
    return compact


def licence_extension(upload) -> str:
    """The file extension that matches the licence's content (pdf, jpg or png)."""
    head = upload.read(2048)
    upload.seek(0)
    kind = filetype.guess(head)
    return kind.extension if kind is not None and kind.mime in LICENCE_MIME_TYPES else "bin"


def validate_business_licence(upload) -> None:
    """Accept PDF, JPEG or PNG by their content, not their name, within the size limit."""
    limit = settings.LICENCE_MAX_UPLOAD_BYTES
    if upload.size > limit:
        raise ValidationError(
            _("The file is %(size)s; the limit is %(limit)s.")
            % {"size": filesizeformat(upload.size), "limit": filesizeformat(limit)},
            code="file_too_large",
        )
    if upload.size == 0:
        raise ValidationError(_("The file is empty."), code="file_empty")
    head = upload.read(2048)
    upload.seek(0)
    kind = filetype.guess(head)
    if kind is None or kind.mime not in LICENCE_MIME_TYPES:
        raise ValidationError(
            _("Upload the licence as a PDF, JPEG or PNG file; this file is not one of those."),
            code="file_type",
        )
