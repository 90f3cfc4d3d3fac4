"""The upload form of the bulk import."""

from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy


class OrderImportForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("File"),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx,text/csv"}),
    )
    submit_orders = forms.BooleanField(
        label=gettext_lazy("Submit the orders after import"),
        required=False,
        help_text=gettext_lazy(
            "Submitting books space on the lines and fixes the prices. Without it the orders "
            "are saved as drafts that you can check and submit one by one."
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = _(
            "A CSV file (UTF-8, comma or semicolon separated) or an Excel workbook (.xlsx), "
            "with the columns of the template; at most %(rows)s rows and %(size)s."
        ) % {
            "rows": settings.ORDER_IMPORT_MAX_ROWS,
            "size": filesizeformat(settings.ORDER_IMPORT_MAX_BYTES),
        }
