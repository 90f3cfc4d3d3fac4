import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from alliance.validators import normalise_registration_number, validate_business_licence
from tests.factories import PDF_BYTES, PNG_BYTES


@pytest.mark.parametrize(
    ("country", "number", "expected"),
    [
        ("CN", "91500000ma5u7k3l28", "91500000MA5U7K3L28"),
        ("VN", "0101234565", "0101234565"),
        ("TH", "0105556123453", "0105556123453"),
        ("LA", "la-0123-2019", "LA-0123-2019"),
    ],
)
def test_registration_number_is_normalised(country, number, expected):
    assert normalise_registration_number(country=country, number=number) == expected


def test_registration_number_with_wrong_check_digit_is_refused_with_its_scheme():
    with pytest.raises(ValidationError, match="unified social credit code"):
        normalise_registration_number(country="CN", number="91500000MA5U7K3L29")


def test_registration_number_of_wrong_length_is_refused():
    with pytest.raises(ValidationError, match="enterprise code"):
        normalise_registration_number(country="VN", number="12345")


def test_registration_number_without_a_known_scheme_must_look_like_a_number():
    with pytest.raises(ValidationError, match="4 to 40"):
        normalise_registration_number(country="MM", number="<script>")


@pytest.mark.parametrize(("name", "content"), [("a.pdf", PDF_BYTES), ("scan.png", PNG_BYTES)])
def test_licence_accepts_pdf_and_png_content(name, content):
    validate_business_licence(SimpleUploadedFile(name, content))


def test_licence_type_is_judged_by_content_not_by_name():
    disguised = SimpleUploadedFile("licence.pdf", b"MZ\x90\x00 this is a Windows program")

    with pytest.raises(ValidationError, match="PDF, JPEG or PNG"):
        validate_business_licence(disguised)


def test_licence_over_the_size_limit_is_refused(settings):
    settings.LICENCE_MAX_UPLOAD_BYTES = 1024

    with pytest.raises(ValidationError, match="the limit is 1.0"):
        validate_business_licence(SimpleUploadedFile("big.pdf", PDF_BYTES + b"0" * 2048))


def test_empty_licence_is_refused():
    with pytest.raises(ValidationError, match="empty"):
        validate_business_licence(SimpleUploadedFile("empty.pdf", b""))
