from django.contrib.auth.backends import ModelBackend

from alliance.models import User


class MemberAwareModelBackend(ModelBackend):
    """Email sign-in; loads the user's member with them, since every request checks it."""

    def get_user(self, user_id):
        try:
            user = User.objects.select_related("member").get(pk=user_id)
        except User.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None
