"""Portal forms; they validate input and hand it to services, never saving models themselves."""

from django import forms
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django_countries import countries
from phonenumber_field.formfields import PhoneNumberField

from alliance import languages
from alliance.constants import ALLIANCE_COUNTRIES, ApiScope, BusinessRole, UserRole
from alliance.middleware import suspended_message
from alliance.models import MembershipEvent
from alliance.validators import normalise_registration_number, validate_business_licence


def alliance_country_choices():
    return [("", _("Choose a country"))] + [
        (code, name) for code, name in countries if code in ALLIANCE_COUNTRIES
    ]


class ApplicationForm(forms.Form):
    legal_name = forms.CharField(label=_("Legal name"), max_length=200)
    local_name = forms.CharField(
        label=_("Name in local script"),
        max_length=200,
        required=False,
        help_text=_("For example 重庆渝新欧物流有限公司 or Công ty TNHH Vận tải Hà Nội."),
    )
    country = forms.ChoiceField(
        label=_("Country of registration"), choices=alliance_country_choices
    )
    registration_number = forms.CharField(
        label=_("Company registration number"),
        max_length=40,
        help_text=_("In China, the 18-character unified social credit code."),
    )
    business_roles = forms.MultipleChoiceField(
        label=_("What your company offers the alliance"),
        choices=BusinessRole.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    fleet_size = forms.IntegerField(
        label=_("Fleet size (lorries)"),
        min_value=1,
        max_value=100000,
        required=False,
        help_text=_("Required for carriers."),
    )
    contact_name = forms.CharField(label=_("Contact person"), max_length=150)
    email = forms.EmailField(label=_("Contact email"), max_length=254)
    phone = PhoneNumberField(
        label=_("Contact phone"),
        help_text=_("International format, for example +86 23 6000 0000."),
    )
    address = forms.CharField(
        label=_("Registered address"), widget=forms.Textarea(attrs={"rows": 3})
    )
    business_licence = forms.FileField(
        label=_("Business licence"),
        help_text=_("PDF, JPEG or PNG, at most 5 MB."),
        validators=[validate_business_licence],
    )
    accept_terms = forms.BooleanField(
        label=_("I accept the alliance's terms of membership on behalf of my company."),
        error_messages={"required": _("You must accept the alliance's terms to apply.")},
    )

    def clean(self):
        cleaned = super().clean()
        country = cleaned.get("country")
        number = cleaned.get("registration_number")
        if country and number:
            try:
                cleaned["registration_number"] = normalise_registration_number(
                    country=country, number=number
                )
            except ValidationError as error:
                self.add_error("registration_number", error)
        roles = cleaned.get("business_roles") or []
        if BusinessRole.CARRIER in roles and not cleaned.get("fleet_size"):
            self.add_error("fleet_size", _("Carriers must tell us how many lorries they run."))
        if BusinessRole.CARRIER not in roles:
            cleaned["fleet_size"] = None
        return cleaned


class LoginForm(AuthenticationForm):
    username = forms.EmailField(
        label=_("Email"),
        widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"}),
    )
    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": _("The email or password is not right. Please try again."),
    }

    def confirm_login_allowed(self, user):
        super().confirm_login_allowed(user)
        if user.member_id and not user.member.is_active:
            raise ValidationError(suspended_message(), code="suspended")


def _language_choices():
    return [("", _("As the browser asks, else the company's country's")), *settings.LANGUAGES]


class InviteColleagueForm(forms.Form):
    full_name = forms.CharField(label=_("Full name"), max_length=150)
    email = forms.EmailField(label=_("Email"), max_length=254)
    role = forms.ChoiceField(label=_("Role"), choices=UserRole.choices, initial=UserRole.VIEWER)
    language = forms.ChoiceField(
        label=_("Language"),
        choices=_language_choices,
        required=False,
        help_text=_("Of the invitation email and of their pages; they can change it later."),
    )


class PreferencesForm(forms.Form):
    language = forms.ChoiceField(label=_("Language"), choices=_language_choices, required=False)
    time_zone = forms.ChoiceField(
        label=_("Time zone"),
        choices=lambda: [("", _("The zone of my company's country")), *languages.zone_choices()],
        required=False,
        help_text=_(
            "For times that belong to no place, such as when something was posted. Times at a "
            "stop or a border gate are always shown in that place's own zone."
        ),
    )


class ChangeRoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=UserRole.choices)


class ApiKeyForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=100,
        help_text=_("What the key is for, for example 'Telematics gateway'."),
    )
    scopes = forms.MultipleChoiceField(
        label=_("Scopes"),
        choices=ApiScope.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one scope.")},
    )


class DirectoryFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    country = forms.ChoiceField(
        label=_("Country"), choices=alliance_country_choices, required=False
    )
    role = forms.ChoiceField(
        label=_("Role"), choices=[("", _("Any role"))] + BusinessRole.choices, required=False
    )


# An application's submission and rejection happen before there is a member to log them for.
MEMBER_LOGGED_ACTIONS = [
    (value, label)
    for value, label in MembershipEvent.Action.choices
    if value
    not in (
        MembershipEvent.Action.APPLICATION_SUBMITTED,
        MembershipEvent.Action.APPLICATION_REJECTED,
    )
]


class ActivityFilterForm(forms.Form):
    action = forms.ChoiceField(
        label=_("Event"), choices=[("", _("Any event"))] + MEMBER_LOGGED_ACTIONS, required=False
    )


class SignInCodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code"),
        max_length=16,
        help_text=_("The 6 digits your authenticator app shows now, or one of your backup codes."),
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "autofocus": True, "inputmode": "text"}
        ),
    )


class TwoFactorConfirmForm(forms.Form):
    code = forms.CharField(
        label=_("Code from the app"),
        max_length=8,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )


class TwoFactorDisableForm(forms.Form):
    code = forms.CharField(
        label=_("A current code or a backup code"), max_length=16, required=False
    )
    password = forms.CharField(
        label=_("Or your password"), required=False, widget=forms.PasswordInput(render_value=False)
    )

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("code") and not cleaned.get("password"):
            raise ValidationError(_("Give a current code or your password to turn this off."))
        return cleaned
