from django.contrib.auth.backends import ModelBackend

from .models import User


class LoginIdBackend(ModelBackend):
    """Sign-in with a user ID issued by an office (T10) instead of an e-mail address."""

    def authenticate(self, request, login_id=None, password=None, **kwargs):
        if not login_id or not password:
            return None
        user = User.objects.filter(login_id=login_id.strip().upper()).first()
        if user is None:
            User().set_password(password)  # same time whether or not the ID exists
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None
