"""Two offices, A and B, each with everything the admin shows of an office and its people,
for the office-wall tests (tests/test_office_walls.py).

Every personal detail of office B's people is distinctive (`Side.markers`), so a test can
look for it in any response: a name, its katakana reading, an e-mail address, a phone in
each form it is printed in, a consent's IP address and user agent, a meeting ID, a user ID,
a consultation ID. Office A's people have their own, which never overlap B's.

Built with plain ORM writes (no services, no passwords: hashing would be most of the time).
Every staff member has a TOTP authenticator, so `tests.support.staff.sign_in_staff` signs
them in as after a second factor.
"""

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, cast

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.usersessions.models import UserSession
from django.contrib.auth.models import Group
from django.db.models import Model
from django.utils import timezone

from accounts.models import Message, Profile, StaffAccess, User
from bookings.models import (
    Absence,
    Booking,
    ContinuingSupport,
    Counsellor,
    IssuedAccount,
    NoShowLift,
    Office,
    OfficeClosure,
    Room,
    Slot,
    SlotTemplate,
    StaffMembership,
    Suspension,
    WaitingEntry,
)
from portal import crypto
from terms.models import Consent, TermsDocument, TermsVersion
from tests.support.staff import give_totp

# The models of which the world holds a row of office A and one of office B (for models
# that belong to no office: two rows only a national administrator may reach).
WORLD_MODELS = frozenset(
    {
        "bookings.office",
        "bookings.counsellor",
        "bookings.slottemplate",
        "bookings.slot",
        "bookings.officeclosure",
        "bookings.absence",
        "bookings.booking",
        "bookings.issuedaccount",
        "bookings.staffmembership",
        "bookings.suspension",
        "bookings.continuingsupport",
        "bookings.waitingentry",
        "terms.termsdocument",
        "terms.termsversion",
        "terms.consent",
        "accounts.user",
        "accounts.profile",
        "accounts.message",
        "accounts.staffaccess",
        "account.emailaddress",
        "mfa.authenticator",
        "usersessions.usersession",
        "auth.group",
    }
)

SPOTS = {
    # letter: (index, IP address of the person's consent and session)
    "A": (1, "198.51.100.11"),
    "B": (2, "203.0.113.77"),
}


@dataclass
class Side:
    """One office and everything of it."""

    letter: str
    office: Office
    document: TermsDocument
    version: TermsVersion
    draft: TermsVersion
    counsellor: Counsellor
    counsellor_membership: StaffMembership
    manager: User
    manager_membership: StaffMembership
    template: SlotTemplate
    slot: Slot
    free_slot: Slot
    closure: OfficeClosure
    absence: Absence
    person: User
    profile: Profile
    email_address: EmailAddress
    consent: Consent
    booking: Booking
    room: Room
    no_shows: list[Booking]
    issued: IssuedAccount
    message: Message
    lift: NoShowLift
    suspension: Suspension
    support: ContinuingSupport
    authenticator: Authenticator
    user_session: UserSession
    staff_access: StaffAccess
    waiting: WaitingEntry
    markers: list[str] = field(default_factory=list)


@dataclass
class World:
    a: Side
    b: Side
    outsider: User
    superuser: User
    groups: tuple[Group, Group]

    def objects(self) -> dict[str, tuple[Model, Model]]:
        """For each model label: office A's row and office B's row (for models that do not
        belong to an office: two rows only a national administrator may reach)."""
        pairs: dict[str, tuple[Model, Model]] = {
            "bookings.office": (self.a.office, self.b.office),
            "bookings.counsellor": (self.a.counsellor, self.b.counsellor),
            "bookings.slottemplate": (self.a.template, self.b.template),
            "bookings.slot": (self.a.slot, self.b.slot),
            "bookings.officeclosure": (self.a.closure, self.b.closure),
            "bookings.absence": (self.a.absence, self.b.absence),
            "bookings.booking": (self.a.booking, self.b.booking),
            "bookings.issuedaccount": (self.a.issued, self.b.issued),
            "bookings.staffmembership": (
                self.a.counsellor_membership,
                self.b.counsellor_membership,
            ),
            "bookings.suspension": (self.a.suspension, self.b.suspension),
            "bookings.continuingsupport": (self.a.support, self.b.support),
            "bookings.waitingentry": (self.a.waiting, self.b.waiting),
            "terms.termsdocument": (self.a.document, self.b.document),
            "terms.termsversion": (self.a.draft, self.b.draft),
            "terms.consent": (self.a.consent, self.b.consent),
            "accounts.user": (self.a.person, self.b.person),
            "accounts.profile": (self.a.profile, self.b.profile),
            "accounts.message": (self.a.message, self.b.message),
            "accounts.staffaccess": (self.a.staff_access, self.b.staff_access),
            "account.emailaddress": (self.a.email_address, self.b.email_address),
            "mfa.authenticator": (self.a.authenticator, self.b.authenticator),
            "usersessions.usersession": (self.a.user_session, self.b.user_session),
            "auth.group": self.groups,
        }
        return pairs

    def every_row(self) -> list[Model]:
        rows: list[Model] = [self.outsider, self.superuser]
        for side in (self.a, self.b):
            rows += [
                side.counsellor.user,
                side.manager,
                side.version,
                side.room,
                side.lift,
                side.free_slot,
                *side.no_shows,
                *[slot for slot in Slot.objects.filter(bookings__in=side.no_shows)],
            ]
        for pair in self.objects().values():
            rows += list(pair)
        return rows


def _user(email: str, **extra: Any) -> User:
    user = User.objects.create_user(email=email, password=None, **extra)
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    return user


def build_side(letter: str) -> Side:
    n, ip = SPOTS[letter]
    low = letter.lower()
    now = timezone.now()
    office = Office.objects.create(
        slug=f"walls-{low}",
        name=f"壁テスト窓口{letter}",
        name_en=f"Wall test office {letter}",
        kind=Office.Kind.HELLO_WORK,
        phone="0144-32-5221",
        start_times=["10:00", "11:00", "14:00", "15:00"],
        weekdays=[0, 1, 2, 3, 4],
        meeting_provider=Office.MeetingProvider.FIXED,
        no_show_limit=2,
    )
    document = TermsDocument.objects.create(
        slug=f"walls-terms-{low}", title=f"利用規約{letter}", title_en=f"Terms {letter}"
    )
    office.terms_documents.add(document)
    version = TermsVersion.objects.create(
        document=document,
        number=1,
        text=f"## 第1条\n\n窓口{letter}の規約です。\n",
        published_at=now - dt.timedelta(days=31),
        effective_at=now - dt.timedelta(days=30),
    )
    draft = TermsVersion.objects.create(
        document=document, number=2, text=f"## 第1条\n\n窓口{letter}の規約（改定案）です。\n"
    )

    counsellor_user = _user(f"{low}counsellor@example.jp", is_staff=True)
    counsellor_membership = StaffMembership.objects.create(
        user=counsellor_user, office=office, role=StaffMembership.Role.COUNSELLOR
    )
    counsellor = Counsellor.objects.create(
        user=counsellor_user,
        office=office,
        display_name=f"{letter}counsellorname",
        fixed_meeting_id=f"FIXED{letter}770{n}",
        fixed_join_url=f"https://meet.example.jp/fixed-{low}-770{n}",
        fixed_passcode_encrypted=crypto.encrypt(f"fixedpass{letter}"),
    )
    manager = _user(f"{low}manager@example.jp", is_staff=True)
    manager_membership = StaffMembership.objects.create(
        user=manager, office=office, role=StaffMembership.Role.MANAGER
    )

    template = SlotTemplate.objects.create(
        office=office, counsellor=counsellor, weekday=n, start_time=dt.time(10, 0)
    )

    def slot_at(days: int, hour: int) -> Slot:
        start = (now + dt.timedelta(days=days)).replace(hour=hour, minute=0, second=0)
        return Slot.objects.create(
            office=office,
            counsellor=counsellor,
            starts_at=start,
            ends_at=start + dt.timedelta(minutes=30),
        )

    slot = slot_at(7, 10)
    free_slot = slot_at(8, 11)
    closure = OfficeClosure.objects.create(
        office=office,
        start_date=dt.date(2030, 12, 29),
        end_date=dt.date(2031, 1, 3),
        reason=f"年末年始{letter}",
    )
    away_from = (now + dt.timedelta(days=30)).replace(hour=13, minute=0, second=0)
    absence = Absence.objects.create(
        counsellor=counsellor,
        starts_at=away_from,
        ends_at=away_from + dt.timedelta(hours=3),
        reason=f"研修{letter}",
        recorded_by=manager,
    )

    family, given, kana = (
        f"{letter}person",
        f"{letter}given",
        "エーパーソン" if n == 1 else "ビーパーソン",
    )
    phone = f"090-9999-000{n}"
    person = _user(f"{low}person@example.jp", login_id=f"{letter}LOGIN770{n}")
    email_address = EmailAddress.objects.get(user=person)
    profile = Profile.objects.create(
        user=person,
        family_name=family,
        given_name=given,
        family_name_kana=kana,
        given_name_kana="ハナコ",
        phone=phone,
        postal_code="0530000",
        municipality_code="01213",
        municipality_name="北海道苫小牧市",
        job_seeker_number=f"9999{n}-777700{n}",
        environment_confirmed_at=now,
    )
    consent = Consent(
        user=person,
        version=version,
        method=Consent.Method.EXPLICIT,
        ip_address=ip,
        user_agent=f"WallsBrowser{letter}/770{n}",
    )
    consent.save()
    applicant = {
        "full_name": f"{family} {given}",
        "full_name_kana": f"{kana} ハナコ",
        "phone": phone,
        "job_seeker_number": f"9999{n}-777700{n}",
    }
    booking = Booking.objects.create(
        slot=slot,
        user=person,
        status=Booking.Status.CONFIRMED,
        confirmed_at=now,
        **applicant,
    )
    room = Room.objects.create(
        booking=booking,
        provider="fixed",
        meeting_id=f"ROOM{letter}880{n}",
        passcode_encrypted=crypto.encrypt(f"roompass{letter}"),
        join_url=f"https://meet.example.jp/room-{low}-880{n}",
    )
    no_shows = []
    for days in (10, 20):
        start = (now - dt.timedelta(days=days)).replace(hour=14, minute=0, second=0)
        past = Slot.objects.create(
            office=office,
            counsellor=counsellor,
            starts_at=start,
            ends_at=start + dt.timedelta(minutes=30),
        )
        no_shows.append(
            Booking.objects.create(
                slot=past,
                user=person,
                status=Booking.Status.NO_SHOW,
                no_show_at=start + dt.timedelta(minutes=10),
                **applicant,
            )
        )
    issued = IssuedAccount.objects.create(
        office=office, user=person, consultation_id=f"{letter}CONS770{n}"
    )
    message = Message.objects.create(
        user=person,
        kind=Message.Kind.GENERAL,
        params={
            "office_id": office.pk,
            "subject": f"Notice for {family}",
            "body": f"Dear {family} {given}",
            "subject_en": "",
            "body_en": "",
        },
    )
    lift = NoShowLift.objects.create(
        office=office,
        user=person,
        lifted_by=manager,
        reason="earlier lift",
        at=now - dt.timedelta(days=60),
    )
    suspension = Suspension.objects.create(
        user=person, office=office, reason=f"suspended at {letter}", suspended_by=manager
    )
    support = ContinuingSupport.objects.create(
        user=person, office=office, counsellor=counsellor, assigned_by=manager
    )
    authenticator = Authenticator.objects.create(
        user=person,
        type=Authenticator.Type.RECOVERY_CODES,
        data={"seed": "00" * 20, "used_mask": 0},
    )
    user_session = UserSession.objects.create(
        user=person,
        ip=ip,
        user_agent=f"WallsBrowser{letter}/770{n}",
        session_key=f"wallsession{low}770{n}",
    )
    staff_access = StaffAccess.objects.create(
        staff=manager, subject=person, what="user", object_id=str(person.pk)
    )
    # The person waits for a seat in the office's free slot (a full session's waiting list).
    waiting = WaitingEntry.objects.create(slot=free_slot, user=person)
    markers = [
        family,
        given,
        kana,
        person.email,
        phone,
        phone.replace("-", ""),
        "+81" + phone.replace("-", "")[1:],
        ip,
        consent.user_agent,
        room.meeting_id,
        room.join_url,
        counsellor.fixed_meeting_id,
        counsellor.fixed_join_url,
        counsellor.display_name,
        counsellor_user.email,
        manager.email,
        person.login_id,
        issued.consultation_id,
        profile.job_seeker_number,
    ]
    return Side(
        letter=letter,
        office=office,
        document=document,
        version=version,
        draft=draft,
        counsellor=counsellor,
        counsellor_membership=counsellor_membership,
        manager=manager,
        manager_membership=manager_membership,
        template=template,
        slot=slot,
        free_slot=free_slot,
        closure=closure,
        absence=absence,
        person=person,
        profile=profile,
        email_address=email_address,
        consent=consent,
        booking=booking,
        room=room,
        no_shows=no_shows,
        issued=issued,
        message=message,
        lift=lift,
        suspension=suspension,
        support=support,
        authenticator=authenticator,
        user_session=user_session,
        staff_access=staff_access,
        waiting=waiting,
        markers=cast(list[str], markers),  # every one of them is set in this world
    )


def build_world() -> World:
    a = build_side("A")
    b = build_side("B")
    outsider = _user("outsider@example.jp", is_staff=True)
    superuser = User.objects.create_superuser(email="national@example.jp", password=None)
    for staff in (a.counsellor.user, a.manager, b.counsellor.user, b.manager, outsider, superuser):
        give_totp(staff)  # staff open the admin only with a second factor
    groups = (
        Group.objects.get(name=StaffMembership.group_name(StaffMembership.Role.COUNSELLOR)),
        Group.objects.get(name=StaffMembership.group_name(StaffMembership.Role.MANAGER)),
    )
    return World(a=a, b=b, outsider=outsider, superuser=superuser, groups=groups)
