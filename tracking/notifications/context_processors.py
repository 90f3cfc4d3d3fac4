"""The bell's count for every page: unread notifications of the signed-in person."""

from django.utils.functional import SimpleLazyObject

from tracking.notifications.in_app import unread_count


def unread_notifications(request):
    """``unread_notifications`` for a member's person: one indexed COUNT, only if a template
    shows it (htmx fragments and pages without the bell cost nothing); none for others."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not user.member_id:
        return {}
    return {"unread_notifications": SimpleLazyObject(lambda: unread_count(user))}
