from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Users")

    def ready(self) -> None:
        from allauth.account.signals import password_changed
        from django.contrib.auth.signals import user_logged_in

        from portal import metrics

        from . import outbox, services

        def on_login(sender, request, user, **kwargs):
            method = getattr(request, "_sign_in_method", "email") if request else "email"
            services.record_sign_in(user=user, method=method)

        def on_password_changed(sender, request, user, **kwargs):
            services.password_changed(user=user)

        _name_third_party_models()
        metrics.register("notices", outbox.notice_metrics)
        user_logged_in.connect(on_login, weak=False, dispatch_uid="accounts.record_sign_in")
        password_changed.connect(
            on_password_changed, weak=False, dispatch_uid="accounts.password_changed"
        )


def _name_third_party_models() -> None:
    """allauth's MFA and session models have no translatable names or labels: the admin
    would show "Authenticators" and "User sessions" in Japanese pages. Name them here."""
    from allauth.mfa.models import Authenticator
    from allauth.usersessions.models import UserSession

    names = {
        Authenticator: (_("authenticator"), _("authenticators")),
        UserSession: (_("user session"), _("user sessions")),
    }
    for model, (singular, plural) in names.items():
        model._meta.verbose_name = singular
        model._meta.verbose_name_plural = plural
    labels = {
        "created_at": _("created at"),
        "last_used_at": _("last used at"),
        "type": _("type"),
        "user": _("user"),
        "ip": _("IP address"),
        "last_seen_at": _("last seen at"),
        "user_agent": _("user agent"),
    }
    for model in names:
        for field in model._meta.get_fields():
            if field.name in labels and hasattr(field, "verbose_name"):
                field.verbose_name = labels[field.name]
