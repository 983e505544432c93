from django.conf import settings
from django.core.management.base import BaseCommand

from bookings.demo import load_demo
from bookings.demo.data import DEMO_TOTP_SECRET


class Command(BaseCommand):
    help = "Load the demo offices, staff and sign-ins. Safe to run again: it changes nothing."

    def handle(self, *args: object, **options: object) -> None:
        sign_ins = load_demo()
        self.stdout.write(self.style.SUCCESS("Demo data is loaded. Demo sign-ins:"))
        for sign_in in sign_ins:
            self.stdout.write(
                f"  {sign_in.role:<66} {sign_in.email:<34} {sign_in.password}"
                + ("  + TOTP code" if sign_in.totp else "")
            )
        if settings.DEBUG:
            # The demo's staff second factor, for a developer's machine only.
            self.stdout.write(
                "Staff pass the second factor with a TOTP code: add the development secret "
                f"{DEMO_TOTP_SECRET} to an authenticator app, or print the current code with\n"
                '  python manage.py shell --no-imports -c "from bookings.demo import totp_code; '
                'print(totp_code())"'
            )
