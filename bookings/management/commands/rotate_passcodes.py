from django.core.management.base import BaseCommand
from django.db import transaction

from bookings.models import Counsellor, Room
from portal import crypto


class Command(BaseCommand):
    help = (
        "Re-encrypt every stored passcode with the newest key of PASSCODE_KEYS. Put a new key "
        "first, run this, then remove the old key."
    )

    def handle(self, *args: object, **options: object) -> None:
        rooms = counsellors = 0
        with transaction.atomic():
            for room in Room.objects.select_for_update().exclude(passcode_encrypted=""):
                room.passcode_encrypted = crypto.rotate(room.passcode_encrypted)
                room.save(update_fields=["passcode_encrypted"])
                rooms += 1
            for counsellor in Counsellor.objects.select_for_update().exclude(
                fixed_passcode_encrypted=""
            ):
                counsellor.fixed_passcode_encrypted = crypto.rotate(
                    counsellor.fixed_passcode_encrypted
                )
                counsellor.save(update_fields=["fixed_passcode_encrypted"])
                counsellors += 1
        self.stdout.write(f"Re-encrypted {rooms} room passcodes and {counsellors} fixed rooms.")
