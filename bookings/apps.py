from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BookingsConfig(AppConfig):
    name = "bookings"
    verbose_name = _("Offices and bookings")

    def ready(self) -> None:
        from accounts import mailbox

        from .attachments import render_room

        mailbox.register("room", render_room)

        from accounts.signals import user_suspended

        from .attendance import cancel_bookings_of_suspended

        def on_suspended(sender, user, actor, reason, **kwargs):
            cancel_bookings_of_suspended(user=user, actor=actor, reason=reason)

        user_suspended.connect(
            on_suspended, weak=False, dispatch_uid="bookings.cancel_on_suspension"
        )

        from accounts.hooks import register_phone_change_rule

        from .attendance import phone_change_refusal

        register_phone_change_rule(phone_change_refusal)

        from django.db.models.signals import post_delete, post_save

        from terms.models import Consent

        from . import my_page_cache
        from .models import Booking, Slot

        for signal in (post_save, post_delete):
            for model in (Booking, Consent):
                signal.connect(
                    my_page_cache.person_changed,
                    sender=model,
                    weak=False,
                    dispatch_uid=f"bookings.my_page.{model.__name__}.{signal is post_save}",
                )
        post_save.connect(
            my_page_cache.slot_saved, sender=Slot, weak=False, dispatch_uid="bookings.my_page.slot"
        )
