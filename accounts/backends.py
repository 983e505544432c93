from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.http import HttpRequest

from .models import User


class LoginIdBackend(ModelBackend):
    """Sign-in with a user ID issued by an office (T10) instead of an e-mail address."""

    # Django's authenticate() passes the credentials by keyword and skips a backend whose
    # signature does not take them: this one takes `login_id` where ModelBackend has
    # `username`, on purpose, so the override cannot match the stub's signature.
    def authenticate(  # type: ignore[override]
        self,
        request: HttpRequest | None,
        login_id: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> User | None:
        if not login_id or not password:
            return None
        user = User.objects.filter(login_id=login_id.strip().upper()).first()
        if user is None:
            User().set_password(password)  # same time whether or not the ID exists
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None
