from django.conf import settings
from django.core.checks import Warning, register


@register(deploy=True)
def passcode_keys_configured(app_configs, **kwargs):
    if settings.PASSCODE_KEYS:
        return []
    return [
        Warning(
            "PASSCODE_KEYS is not set: meeting passcodes are encrypted with a key derived "
            "from SECRET_KEY, so rotating SECRET_KEY would make them unreadable.",
            hint="Set PASSCODE_KEYS to one or more Fernet keys (newest first).",
            id="portal.W001",
        )
    ]
