"""The alliance's operations console for membership: review, approve, reject, suspend."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from alliance import selectors, services
from alliance.models import ApiKey, Member, MembershipApplication, MembershipEvent, User
from config.admin_actions import ReadOnlyAdmin, run_for_each, run_for_each_with_reason


class MembershipEventInline(admin.TabularInline):
    """The decisions taken, read-only: who did what, when and why."""

    model = MembershipEvent
    fk_name = "application"
    fields = ["created_at", "action", "actor", "reason"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    ordering = ["created_at"]
    verbose_name_plural = gettext_lazy("History")

    def has_add_permission(self, request, obj=None):
        return False


class MemberEventInline(MembershipEventInline):
    fk_name = "member"
    fields = ["created_at", "action", "actor", "subject_user", "reason", "details"]
    readonly_fields = fields


@admin.register(MembershipApplication)
class MembershipApplicationAdmin(admin.ModelAdmin):
    list_display = [
        "legal_name",
        "country",
        "registration_number",
        "roles_display",
        "contact_name",
        "status",
        "submitted_at",
        "decided_by",
    ]
    list_filter = ["status", "country", "submitted_at"]
    search_fields = ["legal_name", "local_name", "registration_number", "email", "contact_name"]
    list_select_related = ["decided_by"]
    date_hierarchy = "submitted_at"
    actions = ["approve", "reject"]
    inlines = [MembershipEventInline]
    readonly_fields = [
        "status",
        "submitted_at",
        "terms_accepted_at",
        "decided_at",
        "decided_by",
        "rejection_reason",
        "member",
        "licence_link",
    ]
    exclude = ["business_licence"]

    @admin.display(description=gettext_lazy("business roles"))
    def roles_display(self, obj):
        return ", ".join(obj.business_roles)

    @admin.display(description=gettext_lazy("business licence"))
    def licence_link(self, obj):
        if not obj.business_licence:
            return "—"
        url = reverse("alliance:application_licence", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, _("Download the licence"))

    def has_add_permission(self, request):
        return False  # applications come from the public form only

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return self.readonly_fields
        return [f.name for f in self.model._meta.fields if f.name != "business_licence"] + [
            "licence_link"
        ]

    @admin.action(
        permissions=["change"], description=gettext_lazy("Approve the selected applications")
    )
    def approve(self, request: HttpRequest, queryset: QuerySet):
        run_for_each(
            request,
            queryset,
            lambda application: services.application_approve(
                application=application, actor=request.user
            ),
            _("%(count)d application(s) approved; invitations are on their way."),
        )

    @admin.action(
        permissions=["change"], description=gettext_lazy("Reject the selected applications…")
    )
    def reject(self, request: HttpRequest, queryset: QuerySet):
        return run_for_each_with_reason(
            self,
            request,
            queryset,
            action="reject",
            title=_("Reject applications"),
            service=lambda application, reason: services.application_reject(
                application=application, actor=request.user, reason=reason
            ),
            success_message=_("%(count)d application(s) rejected; the applicants are told why."),
        )


@admin.register(Member)
class MemberAdmin(admin.ModelAdmin):
    list_display = ["legal_name", "local_name", "country", "status", "contact_name", "joined_at"]
    list_filter = ["status", "country"]
    search_fields = ["legal_name", "local_name", "registration_number", "email"]
    # Identity and status change only through the onboarding and suspension services.
    readonly_fields = ["country", "registration_number", "status", "suspension_reason", "joined_at"]
    actions = ["suspend", "reactivate"]
    inlines = [MemberEventInline]

    def has_add_permission(self, request):
        return False  # members come from approved applications

    @admin.action(permissions=["change"], description=gettext_lazy("Suspend the selected members…"))
    def suspend(self, request, queryset):
        return run_for_each_with_reason(
            self,
            request,
            queryset,
            action="suspend",
            title=_("Suspend members"),
            service=lambda member, reason: services.member_suspend(
                member=member, actor=request.user, reason=reason
            ),
            success_message=_(
                "%(count)d member(s) suspended; their people and API keys are shut out."
            ),
        )

    @admin.action(
        permissions=["change"], description=gettext_lazy("Reactivate the selected members")
    )
    def reactivate(self, request, queryset):
        run_for_each(
            request,
            queryset,
            lambda member: services.member_reactivate(member=member, actor=request.user),
            _("%(count)d member(s) reactivated."),
        )


class TwoFactorFilter(admin.SimpleListFilter):
    title = gettext_lazy("two-factor sign-in")
    parameter_name = "two_factor"

    def lookups(self, request, model_admin):
        return [("on", _("On")), ("off", _("Off"))]

    def queryset(self, request, queryset):
        if self.value() in ("on", "off"):
            return queryset.filter(has_two_factor=self.value() == "on")
        return queryset


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    ordering = ["email"]
    list_display = [
        "email",
        "full_name",
        "member",
        "role",
        "is_active",
        "is_staff",
        "two_factor",
        "last_login",
    ]
    list_filter = ["is_staff", "is_active", TwoFactorFilter, "role", "member__country"]
    list_select_related = ["member"]
    search_fields = ["email", "full_name", "member__legal_name"]
    autocomplete_fields = ["member"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        (
            gettext_lazy("Person"),
            {"fields": ["full_name", "language", "time_zone", "member", "role"]},
        ),
        (
            gettext_lazy("Permissions"),
            {"fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"]},
        ),
        (gettext_lazy("Dates"), {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (None, {"classes": ["wide"], "fields": ["email", "full_name", "password1", "password2"]}),
    ]
    actions = ["resend_invitation", "reset_two_factor"]

    def get_queryset(self, request):
        return selectors.with_two_factor(super().get_queryset(request))

    @admin.display(
        boolean=True, description=gettext_lazy("Two-factor sign-in"), ordering="has_two_factor"
    )
    def two_factor(self, obj):
        return obj.has_two_factor

    def get_readonly_fields(self, request, obj=None):
        # A member's people change company, role and access through the member's
        # admins or the audited services, never by editing the row here.
        if obj is not None and obj.member_id:
            return [
                "member",
                "role",
                "is_active",
                "is_staff",
                "is_superuser",
                "last_login",
                "date_joined",
            ]
        return ["last_login", "date_joined"]

    @admin.action(permissions=["change"], description=gettext_lazy("Send the invitation again"))
    def resend_invitation(self, request, queryset):
        run_for_each(
            request,
            queryset,
            lambda user: services.user_invitation_resend(user=user, actor=request.user),
            _("%(count)d invitation(s) sent again."),
        )

    @admin.action(permissions=["change"], description=gettext_lazy("Reset two-factor sign-in…"))
    def reset_two_factor(self, request, queryset):
        return run_for_each_with_reason(
            self,
            request,
            queryset,
            action="reset_two_factor",
            title=_("Reset two-factor sign-in"),
            intro=_(
                "Their authenticator and backup codes will stop working: they sign in with "
                "the password alone until they set up a new one (staff must, at once). Each "
                "is told by email."
            ),
            service=lambda user, reason: services.user_two_factor_reset(
                user=user, actor=request.user, reason=reason
            ),
            success_message=_("Two-factor sign-in reset for %(count)d person(s)."),
        )


# django-otp's own device pages show each person's secret key and its QR code to any
# admin; a lost phone is handled by the reset above, so they are not offered.
# django-otp's apps come before this one in INSTALLED_APPS, so their pages are registered by
# now; were that order to change, unregistering would fail at start-up rather than quietly.
admin.site.unregister([TOTPDevice, StaticDevice])


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "prefix",
        "member",
        "scopes",
        "created_at",
        "last_used_at",
        "revoked_at",
    ]
    list_filter = ["revoked_at", "member__country"]
    search_fields = ["name", "prefix", "member__legal_name"]
    list_select_related = ["member"]
    readonly_fields = [f.name for f in ApiKey._meta.fields]
    actions = ["revoke"]

    def has_add_permission(self, request):
        return False  # keys are created by members, who alone see the secret

    def has_delete_permission(self, request, obj=None):
        # Revoked, not deleted: the revocation is audited and reaches every process at once
        # (``alliance.api.key_cache``); the key's row stays for the record.
        return False

    @admin.action(permissions=["change"], description=gettext_lazy("Revoke the selected API keys"))
    def revoke(self, request, queryset):
        run_for_each(
            request,
            queryset,
            lambda api_key: services.api_key_revoke(api_key=api_key, actor=request.user),
            _("%(count)d API key(s) revoked."),
        )


@admin.register(MembershipEvent)
class MembershipEventAdmin(ReadOnlyAdmin):
    list_display = [
        "created_at",
        "action",
        "actor",
        "member",
        "application",
        "subject_user",
        "reason",
    ]
    list_filter = ["action", "created_at"]
    search_fields = ["member__legal_name", "application__legal_name", "actor__email", "reason"]
    list_select_related = ["actor", "member", "application", "subject_user"]
    date_hierarchy = "created_at"
