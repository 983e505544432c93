"""Who may book at an office, and for each refusal: which rule, why, and what to do.

One small function per rule; `refusals` asks each in turn. Given the slot and what the
application says, the rules of one application are asked too (the person's counsellor,
"I will register")."""

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Profile, User
from accounts.selectors import profile_for

from ..models import Booking, Counsellor, IssuedAccount, Office, Slot
from .restrictions import counted_no_show, is_restricted
from .sessions import consultations_only, open_bookings_of_kind
from .support import support_of
from .suspensions import is_suspended_at


@dataclass(frozen=True)
class Refusal:
    """A rule the person does not meet: a short reason, and a short action (a link when
    they can act here; the office page gives the office's phone once, for the others)."""

    code: str
    reason: str
    action: str
    action_url: str = ""
    # The page (URL name) where the person supplies what is missing, when it is missing
    # data they can add themselves: a booking sends them there and back to their slot.
    step: str = ""


@dataclass(frozen=True)
class Application:
    """What an application says, for the rules that read it."""

    job_seeker_number: str = ""
    registering: bool = False  # "I have not registered yet and will register" (K2(2))


@dataclass(frozen=True)
class Standing:
    """The person at the office as the rules need it, when already read with the slot
    (`selectors.applying`): then the rules ask the database nothing more."""

    suspended: bool
    own_counsellor_id: int | None
    has_issued_account: bool
    no_shows: int = 0
    open_consultations: int = 0
    open_of_kind: int = 0


@dataclass(frozen=True)
class Asking:
    """What every rule may look at: one person at one office, now (and, when they apply,
    the slot and what the application says)."""

    user: User
    office: Office
    profile: Profile
    now: dt.datetime
    slot: Slot | None = None
    application: Application | None = None
    standing: Standing | None = None

    @property
    def profile_url(self) -> str:
        return reverse("profile") + "?next=" + self.office.get_absolute_url()


def booking_counts(user: User, office: Office, now: dt.datetime | None = None) -> tuple[int, int]:
    """(no-shows that count towards the office's policy, open consultation bookings: a
    session's do not count), in one query."""
    now = now or timezone.now()
    counts = Booking.objects.filter(user=user, slot__office=office).aggregate(
        no_shows=Count("pk", filter=counted_no_show(office, now)),
        open=Count(
            "pk",
            filter=Q(status__in=Booking.ACTIVE, slot__ends_at__gt=now) & consultations_only(),
        ),
    )
    return counts["no_shows"], counts["open"]


def issued_account_rule(asking: Asking) -> Refusal | None:
    office = asking.office
    if not office.requires_issued_account:
        return None
    if asking.standing is not None:
        issued = asking.standing.has_issued_account
    else:
        issued = IssuedAccount.objects.filter(
            office=office, user=asking.user, revoked_at__isnull=True
        ).exists()
    if issued:
        return None
    return Refusal(
        "issued_account",
        _("This office takes online bookings only from accounts it has issued."),
        _("Ask the office for a user ID."),
    )


def profile_rule(asking: Asking) -> Refusal | None:
    if asking.profile.is_complete:
        return None
    return Refusal(
        "profile",
        _("Your name, its reading in katakana and your phone number are needed."),
        _("Fill in your profile."),
        asking.profile_url,
        step="profile",
    )


def may_apply_as_registering(office: Office, profile: Profile) -> bool:
    """The office needs a job-seeker number, the person has none yet, and the office
    accepts people about to register (K2(2) 求職登録をされる方): they may apply saying so,
    and the application is a request a counsellor confirms."""
    return (
        office.requires_job_seeker_number
        and office.accepts_registering
        and not profile.job_seeker_number
    )


def job_seeker_number_rule(asking: Asking) -> Refusal | None:
    if not asking.office.requires_job_seeker_number or asking.profile.job_seeker_number:
        return None
    if asking.office.accepts_registering:
        return None  # the application gives a number or says "I will register"
    return Refusal(
        "job_seeker_number",
        _("This office needs your job-seeker number (求職番号)."),
        _("Enter it in your profile."),
        asking.profile_url,
        step="profile",
    )


def registering_rule(asking: Asking) -> Refusal | None:
    """An application says "I will register" only where the office accepts it, and where it
    does, an application without a number says so."""
    application, office = asking.application, asking.office
    if application is None:
        return None
    if application.registering and not office.accepts_registering:
        return Refusal(
            "registering",
            _("This office takes applications only from registered job seekers."),
            _("Ask the office."),
        )
    if (
        may_apply_as_registering(office, asking.profile)
        and not application.job_seeker_number
        and not application.registering
    ):
        return Refusal(
            "job_seeker_number",
            _(
                "Enter your job-seeker number (求職番号), or say that you have not registered "
                "yet and will register as a job seeker."
            ),
            _("Say so in the application."),
        )
    return None


def own_counsellor_rule(asking: Asking) -> Refusal | None:
    """A person in continuing support (I2(3)) books their own counsellor's slots."""
    if asking.slot is None:
        return None
    counsellor: Counsellor | None = None
    if asking.standing is not None:  # read with the slot: the counsellor's id alone
        counsellor_id = asking.standing.own_counsellor_id
    else:
        support = support_of(asking.user, asking.office)
        counsellor_id, counsellor = (
            (support.counsellor_id, support.counsellor) if support else (None, None)
        )
    if counsellor_id is None or asking.slot.counsellor_id == counsellor_id:
        return None
    counsellor = counsellor or Counsellor.objects.get(pk=counsellor_id)  # refusals only
    return Refusal(
        "own_counsellor",
        _("This office books you with your counsellor, %(name)s: please choose one of their times.")
        % {"name": counsellor.display_name},
        _("See their free times."),
        asking.office.get_absolute_url(),
    )


def residence_rule(asking: Asking) -> Refusal | None:
    office, profile = asking.office, asking.profile
    if not office.requires_residence or profile.municipality_code in office.municipality_codes:
        return None
    if profile.municipality_code:
        reason = _("You live outside the area this office serves.")
    else:
        reason = _("This office serves people who live in its area: your address is needed.")
    return Refusal(
        "residence",
        reason,
        _("Check your postal code."),
        asking.profile_url,
        step="" if profile.municipality_code else "profile",
    )


def environment_rule(asking: Asking) -> Refusal | None:
    if asking.profile.environment_confirmed_at is not None:
        return None
    return Refusal(
        "environment",
        _(
            "Before your first booking, confirm that your device and connection are "
            "ready for a video consultation."
        ),
        _("Go through the checklist."),
        reverse("environment") + "?next=" + asking.office.get_absolute_url(),
        step="environment",
    )


def _no_show_refusal(asking: Asking, no_shows: int) -> Refusal:
    office = asking.office
    return Refusal(
        "no_show",
        _(
            "Online booking at this office is restricted: %(count)s bookings were "
            "cancelled as no-shows in the last %(days)s days."
        )
        % {"count": no_shows, "days": office.no_show_window_days},
        _("Ask the office to lift it."),
    )


def session_job_seeker_number_rule(asking: Asking) -> Refusal | None:
    """A session asks for a job-seeker number only where staff ticked it (I1)."""
    slot = asking.slot
    if slot is None or not slot.requires_job_seeker_number or asking.profile.job_seeker_number:
        return None
    return Refusal(
        "job_seeker_number",
        _(
            "This session is for registered job seekers: your job-seeker number (求職番号) "
            "is needed."
        ),
        _("Enter it in your profile."),
        asking.profile_url,
        step="profile",
    )


def _kind_limit_refusal(asking: Asking) -> Refusal | None:
    slot = asking.slot
    if slot is None or slot.kind_limit is None:
        return None
    if asking.standing is not None:
        open_of_kind = asking.standing.open_of_kind
    else:
        open_of_kind = open_bookings_of_kind(asking.user.pk, slot, asking.now)
    if open_of_kind < slot.kind_limit:
        return None
    return Refusal(
        "kind_limit",
        _("You already have as many open bookings of this kind of session as the office allows."),
        _("Cancel or attend your other booking first (see My Page)."),
        reverse("my_page"),
    )


def _limit_refusal(asking: Asking) -> Refusal:
    return Refusal(
        "limit",
        _("You already have as many open bookings at this office as it allows."),
        _("See My Page."),
        reverse("my_page"),
    )


def booking_history_rules(asking: Asking) -> list[Refusal]:
    """The no-show restriction and the office's limit of open bookings: both from one
    count of the person's bookings at the office."""
    if asking.standing is not None:
        no_shows, open_count = asking.standing.no_shows, asking.standing.open_consultations
    else:
        no_shows, open_count = booking_counts(asking.user, asking.office, asking.now)
    found = []
    if is_restricted(no_shows, asking.office):
        found.append(_no_show_refusal(asking, no_shows))
    if asking.slot is not None and asking.slot.is_session:
        # A session does not count against the consultation limit; its kind may have one.
        if (refusal := _kind_limit_refusal(asking)) is not None:
            found.append(refusal)
    elif open_count >= asking.office.booking_limit:
        found.append(_limit_refusal(asking))
    return found


RULES: list[Callable[[Asking], Refusal | None]] = [
    issued_account_rule,
    profile_rule,
    job_seeker_number_rule,
    residence_rule,
    environment_rule,
    registering_rule,
    own_counsellor_rule,
]

# A session's own rules (I1): consent to its terms (the booking's consent gate) and what
# staff ticked, not the office's one-to-one ones (job-seeker number, residence, "I will
# register", the person's own counsellor).
SESSION_RULES: list[Callable[[Asking], Refusal | None]] = [
    issued_account_rule,
    profile_rule,
    session_job_seeker_number_rule,
    environment_rule,
]


def refusals(
    user: User,
    office: Office,
    *,
    now: dt.datetime | None = None,
    slot: Slot | None = None,
    application: Application | None = None,
    standing: Standing | None = None,
) -> list[Refusal]:
    """Every rule of the office the user does not meet now (empty: the user may book);
    with `slot` and `application`, also the rules of applying for that slot so; with
    `standing` (read with the slot), from it instead of the database."""
    now = now or timezone.now()
    asking = Asking(user, office, profile_for(user), now, slot, application, standing)
    suspended = standing.suspended if standing is not None else is_suspended_at(user, office)
    if suspended:
        return [
            Refusal(
                "suspended",
                _("Your use of online consultations at this office is suspended."),
                _("Ask the office."),
            )
        ]
    rules = SESSION_RULES if slot is not None and slot.is_session else RULES
    found = [refusal for rule in rules if (refusal := rule(asking)) is not None]
    return found + booking_history_rules(asking)
