"""The alliance's people and companies: users, members, applications, API keys, audit."""

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField
from phonenumber_field.modelfields import PhoneNumberField

from alliance.constants import ApiScope, BusinessRole, UserRole
from alliance.languages import zone_choices


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra) -> "User":
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        if password:
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.save(using=self._db)
        return user

    def get_by_natural_key(self, username: str) -> "User":
        # Phones capitalise the first letter; addresses are stored in lower case.
        return self.get(email__iexact=username)

    def create_user(self, email: str, password: str | None = None, **extra) -> "User":
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra) -> "User":
        extra.update(is_staff=True, is_superuser=True)
        return self._create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """A person who signs in with their email: a member's colleague or alliance staff."""

    email = models.EmailField(_("email"), max_length=254, unique=True)
    full_name = models.CharField(_("full name"), max_length=150)
    member = models.ForeignKey(
        "alliance.Member",
        verbose_name=_("member"),
        on_delete=models.PROTECT,
        related_name="users",
        null=True,
        blank=True,
        help_text=_("Empty for alliance staff."),
    )
    role = models.CharField(
        _("role"), max_length=16, choices=UserRole.choices, default=UserRole.VIEWER
    )
    language = models.CharField(
        _("language"),
        max_length=10,
        choices=settings.LANGUAGES,
        blank=True,
        default="",
        help_text=_("Empty: the browser's language, else the company's country's."),
    )
    time_zone = models.CharField(
        _("time zone"),
        max_length=64,
        choices=zone_choices,
        blank=True,
        default="",
        help_text=_(
            "For times that belong to no place (when something was posted, sent, changed). "
            "Empty: the zone of the company's country."
        ),
    )
    is_active = models.BooleanField(_("active"), default=True)
    is_staff = models.BooleanField(
        _("alliance staff"),
        default=False,
        help_text=_("Alliance staff can sign in to the admin site."),
    )
    date_joined = models.DateTimeField(_("joined"), default=timezone.now)

    objects = UserManager()

    EMAIL_FIELD = "email"
    USERNAME_FIELD = "email"
    REQUIRED_FIELDS = ["full_name"]

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["email"]
        constraints = [
            models.UniqueConstraint(Lower("email"), name="%(app_label)s_%(class)s_email_unique"),
        ]

    def __str__(self) -> str:
        return self.email

    def get_full_name(self) -> str:
        return self.full_name or self.email

    def get_short_name(self) -> str:
        return self.full_name.split(" ")[0] if self.full_name else self.email

    @property
    def is_member_admin(self) -> bool:
        return self.member_id is not None and self.role == UserRole.ADMIN


class Member(models.Model):
    """A company admitted to the alliance."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        SUSPENDED = "suspended", _("Suspended")

    legal_name = models.CharField(_("legal name"), max_length=200)
    local_name = models.CharField(_("name in local script"), max_length=200, blank=True)
    country = CountryField(_("country"))
    registration_number = models.CharField(_("company registration number"), max_length=40)
    business_roles = ArrayField(
        models.CharField(max_length=20, choices=BusinessRole.choices),
        verbose_name=_("business roles"),
    )
    fleet_size = models.PositiveIntegerField(_("fleet size"), null=True, blank=True)
    contact_name = models.CharField(_("contact person"), max_length=150)
    email = models.EmailField(_("contact email"))
    phone = PhoneNumberField(_("contact phone"))
    address = models.TextField(_("address"))
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.ACTIVE
    )
    suspension_reason = models.TextField(_("suspension reason"), blank=True)
    joined_at = models.DateTimeField(_("joined"), default=timezone.now)

    class Meta:
        verbose_name = _("member")
        verbose_name_plural = _("members")
        ordering = ["legal_name"]
        indexes = [models.Index(fields=["legal_name"], name="alliance_member_name_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["country", "registration_number"],
                name="%(app_label)s_%(class)s_registration_unique",
            ),
        ]

    def __str__(self) -> str:
        return self.legal_name

    @property
    def is_active(self) -> bool:
        return self.status == self.Status.ACTIVE

    def get_business_roles_display(self) -> list[str]:
        return [BusinessRole(role).label for role in self.business_roles]


class MembershipApplication(models.Model):
    """A company's request to join, reviewed by alliance admins."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending review")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")

    TRANSITIONS = {
        Status.PENDING: {Status.APPROVED, Status.REJECTED},
        Status.APPROVED: set(),
        Status.REJECTED: set(),
    }

    legal_name = models.CharField(_("legal name"), max_length=200)
    local_name = models.CharField(_("name in local script"), max_length=200, blank=True)
    country = CountryField(_("country"))
    registration_number = models.CharField(_("company registration number"), max_length=40)
    business_roles = ArrayField(
        models.CharField(max_length=20, choices=BusinessRole.choices),
        verbose_name=_("business roles"),
    )
    fleet_size = models.PositiveIntegerField(_("fleet size"), null=True, blank=True)
    contact_name = models.CharField(_("contact person"), max_length=150)
    email = models.EmailField(_("contact email"))
    phone = PhoneNumberField(_("contact phone"))
    address = models.TextField(_("address"))
    business_licence = models.FileField(_("business licence"), upload_to="licences/%Y/%m/")
    language = models.CharField(_("language"), max_length=10, default="en")
    terms_accepted_at = models.DateTimeField(_("terms accepted"))
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.PENDING
    )
    submitted_at = models.DateTimeField(_("submitted"), default=timezone.now)
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        on_delete=models.PROTECT,
        related_name="decided_applications",
        null=True,
        blank=True,
    )
    rejection_reason = models.TextField(_("rejection reason"), blank=True)
    member = models.OneToOneField(
        Member,
        verbose_name=_("member"),
        on_delete=models.PROTECT,
        related_name="application",
        null=True,
        blank=True,
    )

    class Meta:
        verbose_name = _("membership application")
        verbose_name_plural = _("membership applications")
        ordering = ["-submitted_at"]
        indexes = [
            models.Index(fields=["-submitted_at"], name="alliance_application_sub_idx"),
        ]
        constraints = [
            # One open application per company: a second one while the first
            # is under review is refused.
            models.UniqueConstraint(
                fields=["country", "registration_number"],
                condition=models.Q(status="pending"),
                name="%(app_label)s_%(class)s_one_pending",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="rejected") | ~models.Q(rejection_reason=""),
                name="%(app_label)s_%(class)s_rejection_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.legal_name} ({self.get_status_display()})"


class ApiKey(models.Model):
    """A member's credential for the REST API; only its hash is stored."""

    member = models.ForeignKey(
        Member, verbose_name=_("member"), on_delete=models.CASCADE, related_name="api_keys"
    )
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(_("prefix"), max_length=12, unique=True)
    hashed_secret = models.CharField(_("hashed secret"), max_length=64)
    scopes = ArrayField(
        models.CharField(max_length=32, choices=ApiScope.choices), verbose_name=_("scopes")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.PROTECT,
        related_name="created_api_keys",
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("revoked by"),
        on_delete=models.PROTECT,
        related_name="revoked_api_keys",
        null=True,
        blank=True,
    )

    class Meta:
        verbose_name = _("API key")
        verbose_name_plural = _("API keys")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["member", "-created_at"], name="alliance_apikey_member_idx")
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None


class MembershipEvent(models.Model):
    """Audit trail: every decision about an application, a member, its people and keys."""

    class Action(models.TextChoices):
        APPLICATION_SUBMITTED = "application_submitted", _("Application submitted")
        APPLICATION_APPROVED = "application_approved", _("Application approved")
        APPLICATION_REJECTED = "application_rejected", _("Application rejected")
        MEMBER_SUSPENDED = "member_suspended", _("Member suspended")
        MEMBER_REACTIVATED = "member_reactivated", _("Member reactivated")
        USER_INVITED = "user_invited", _("Colleague invited")
        USER_ROLE_CHANGED = "user_role_changed", _("Colleague's role changed")
        USER_DEACTIVATED = "user_deactivated", _("Colleague deactivated")
        USER_REACTIVATED = "user_reactivated", _("Colleague reactivated")
        API_KEY_CREATED = "api_key_created", _("API key created")
        API_KEY_REVOKED = "api_key_revoked", _("API key revoked")
        TWO_FACTOR_ON = "two_factor_on", _("Two-factor sign-in turned on")
        TWO_FACTOR_OFF = "two_factor_off", _("Two-factor sign-in turned off")
        TWO_FACTOR_RESET = "two_factor_reset", _("Two-factor sign-in reset")

    action = models.CharField(_("action"), max_length=32, choices=Action.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        help_text=_("Empty when the applicant acted without an account."),
    )
    application = models.ForeignKey(
        MembershipApplication,
        on_delete=models.PROTECT,
        related_name="events",
        null=True,
        blank=True,
    )
    member = models.ForeignKey(
        Member, on_delete=models.PROTECT, related_name="events", null=True, blank=True
    )
    subject_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    reason = models.TextField(_("reason"), blank=True)
    details = models.JSONField(_("details"), default=dict, blank=True)
    created_at = models.DateTimeField(_("when"), default=timezone.now)

    class Meta:
        verbose_name = _("membership event")
        verbose_name_plural = _("membership events")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["-created_at"], name="alliance_event_created_idx"),
            # A member's own activity log, newest first.
            models.Index(fields=["member", "-created_at"], name="alliance_event_member_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_action_display()} @ {self.created_at:%Y-%m-%d %H:%M}"

    def role_change_display(self) -> str:
        """'Dispatcher → Administrator' for a role change; empty for any other event."""
        if self.action != self.Action.USER_ROLE_CHANGED:
            return ""
        labels = dict(UserRole.choices)
        before, after = self.details.get("from"), self.details.get("to")
        return f"{labels.get(before, before)} → {labels.get(after, after)}"
