from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Users")

    def ready(self) -> None:
        from allauth.account.signals import password_changed
        from django.contrib.auth.signals import user_logged_in

        from . import services

        def on_login(sender, request, user, **kwargs):
            method = getattr(request, "_sign_in_method", "email") if request else "email"
            services.record_sign_in(user=user, method=method)

        def on_password_changed(sender, request, user, **kwargs):
            services.password_changed(user=user)

        user_logged_in.connect(on_login, weak=False, dispatch_uid="accounts.record_sign_in")
        password_changed.connect(
            on_password_changed, weak=False, dispatch_uid="accounts.password_changed"
        )
