from django.core.management.base import BaseCommand

from bookings.demo import load_demo


class Command(BaseCommand):
    help = "Load the demo offices, staff and sign-ins. Safe to run again: it changes nothing."

    def handle(self, *args: object, **options: object) -> None:
        sign_ins = load_demo()
        self.stdout.write(self.style.SUCCESS("Demo data is loaded. Demo sign-ins:"))
        for sign_in in sign_ins:
            self.stdout.write(f"  {sign_in.role:<66} {sign_in.email:<34} {sign_in.password}")
