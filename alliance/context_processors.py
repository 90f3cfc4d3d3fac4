def current_member(request):
    user = getattr(request, "user", None)
    member = user.member if user is not None and user.is_authenticated and user.member_id else None
    return {"current_member": member}
