"""Building blocks of admin actions shared by every app: run a service per row, ask for a reason."""

from django import forms
from django.contrib import admin, messages
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from config.exceptions import ApplicationError


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"), widget=forms.Textarea(attrs={"rows": 4}), max_length=2000
    )


def run_for_each(request, queryset, service, success_message: str) -> None:
    """Call the service on every selected row; report each refusal and count the rest."""
    done = 0
    for obj in queryset:
        try:
            service(obj)
            done += 1
        except ApplicationError as error:
            messages.error(request, f"{obj}: {error.message}")
    if done:
        messages.success(request, success_message % {"count": done})


def ask_first(model_admin, request, queryset, *, form, action: str, title: str, intro=""):
    """The page an admin action shows to ask for its input (again, with its errors)."""
    return render(
        request,
        "admin/reason_form.html",
        {
            **model_admin.admin_site.each_context(request),
            "title": title,
            "intro": intro,
            "objects": queryset,
            "form": form,
            "action": action,
            "opts": model_admin.model._meta,
        },
    )


def run_for_each_with_reason(
    model_admin,
    request,
    queryset,
    *,
    action: str,
    title: str,
    service,
    success_message: str,
    intro="",
):
    """Ask for a reason first (again, with its error, if it is missing), then call
    ``service(obj, reason)`` on every selected row as ``run_for_each`` does."""
    form = ReasonForm(request.POST if "confirm" in request.POST else None)
    if not form.is_valid():
        return ask_first(
            model_admin, request, queryset, form=form, action=action, title=title, intro=intro
        )
    reason = form.cleaned_data["reason"]
    run_for_each(request, queryset, lambda obj: service(obj, reason), success_message)
    return None


class ReadOnlyAdmin(admin.ModelAdmin):
    """For records of what happened (audit rows, received events): looked at, never edited."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyInline(admin.TabularInline):
    """Rows shown beside their parent as a record: nothing added, changed or deleted here."""

    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False
