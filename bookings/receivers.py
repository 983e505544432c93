"""Signal wiring of bookings, connected once by `BookingsConfig.ready()`."""

from django.apps import apps
from django.db.models.signals import post_delete, post_migrate, post_save

from accounts import mailbox
from accounts.hooks import register_phone_change_rule, register_reissue_contact
from accounts.models import Profile
from terms.models import Consent

from . import caches
from .attachments import render_room
from .models import (
    Booking,
    ContinuingSupport,
    Counsellor,
    IssuedAccount,
    NoShowLift,
    Office,
    Slot,
    Suspension,
)
from .roles import ensure_role_groups
from .selectors.issued_accounts import reissue_contact
from .services.areas import sync_office_areas
from .services.immediate import phone_change_refusal


def person_changed(sender, instance, **kwargs) -> None:
    """A booking, a consent (or, for the office page, the profile, a suspension, an issued
    account, a no-show lift, a continuing support) of `instance.user` was saved or deleted:
    My Page and the person's part of the office page render afresh."""
    caches.my_page.changed(instance.user_id)


def slot_saved(sender, instance: Slot, created: bool, **kwargs) -> None:
    """A slot's time edited in admin shows on the My Page of everyone booked on it."""
    if created:
        return
    for user_id in instance.bookings.values_list("user_id", flat=True).distinct():
        caches.my_page.changed(user_id)


def counsellor_saved(sender, instance: Counsellor, created: bool, **kwargs) -> None:
    """The office page names a person's own counsellor (continuing support) from their
    kept part: a counsellor's edit (their name) renders it afresh for the people assigned."""
    if created:
        return
    assigned = ContinuingSupport.objects.filter(counsellor=instance, ended_at__isnull=True)
    for user_id in assigned.values_list("user_id", flat=True):
        caches.my_page.changed(user_id)


def office_saved(sender, instance: Office, **kwargs) -> None:
    """The home page finds an office by the municipalities it serves as they are now, and
    shows its card as it is now."""
    sync_office_areas(office=instance)
    caches.offices.changed(caches.ALL_OFFICES)


def office_deleted(sender, instance: Office, **kwargs) -> None:
    caches.offices.changed(caches.ALL_OFFICES)


def connect() -> None:
    post_migrate.connect(
        ensure_role_groups, sender=apps.get_app_config("bookings"), dispatch_uid="bookings.roles"
    )
    mailbox.register("room", render_room)
    register_phone_change_rule(phone_change_refusal)
    register_reissue_contact(reissue_contact)
    for signal in (post_save, post_delete):
        # The office page's "Can I book?" part also reads the profile, suspensions,
        # issued accounts and no-show lifts, and the person's own counsellor is kept with
        # it (views.offices), under the same version.
        for model in (
            Booking,
            Consent,
            Profile,
            Suspension,
            IssuedAccount,
            NoShowLift,
            ContinuingSupport,
        ):
            signal.connect(
                person_changed,
                sender=model,
                weak=False,
                dispatch_uid=f"bookings.my_page.{model.__name__}.{signal is post_save}",
            )
    post_save.connect(slot_saved, sender=Slot, weak=False, dispatch_uid="bookings.my_page.slot")
    post_save.connect(
        counsellor_saved, sender=Counsellor, weak=False, dispatch_uid="bookings.my_page.counsellor"
    )
    post_save.connect(office_saved, sender=Office, weak=False, dispatch_uid="bookings.areas")
    post_delete.connect(
        office_deleted, sender=Office, weak=False, dispatch_uid="bookings.offices.deleted"
    )
