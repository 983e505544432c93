"""One room per session, with real processes: a Celery worker on Redis, PostgreSQL, a fake
Zoom (as tests/test_rooms_worker.py does for consultations). However the participants'
room jobs arrive (together, twice, after a worker's child was killed mid-create), the
session gets exactly one meeting, and every participant its code."""

import datetime as dt
import os
import signal
import threading

import pytest
from django.utils import timezone

from accounts.models import Message
from bookings.models import Booking, Room, SessionKind, SessionRoom, Slot
from tests.factories import book, make_counsellor, make_eligible, make_office_with_terms
from tests.support.worker import celery_worker, children_of, wait_for
from tests.test_rooms_worker import fake_zoom  # noqa: F401 - the fixture

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.django_db(transaction=True)]
PARTICIPANTS = 4


@pytest.fixture
def session(make_user):
    office = make_office_with_terms(
        slug="zoom-sessions", municipality_codes=["01213"], meeting_provider="zoom"
    )
    counsellor = make_counsellor(office)
    day = timezone.localdate() + dt.timedelta(days=3)
    start = timezone.make_aware(dt.datetime.combine(day, dt.time(14, 0)))
    slot = Slot.objects.create(
        office=office,
        counsellor=counsellor,
        starts_at=start,
        ends_at=start + dt.timedelta(minutes=60),
        kind=SessionKind.SEMINAR,
        capacity=5,
        title="オンライン就職セミナー",
    )
    people = [make_eligible(make_user(f"p{n}@example.jp"), office) for n in range(PARTICIPANTS)]
    return office, slot, people


def access_messages():
    return Message.objects.filter(kind=Message.Kind.ACCESS_CODE)


def assert_one_shared_room(bookings) -> None:
    session_room = SessionRoom.objects.get()
    rooms = Room.objects.filter(booking__in=bookings)
    assert rooms.count() == len(bookings)
    assert {(r.session_room_id, r.meeting_id) for r in rooms} == {
        (session_room.pk, session_room.meeting_id)
    }
    assert access_messages().count() == len(bookings)
    assert {m.user_id for m in access_messages()} == {b.user_id for b in bookings}


def test_participants_confirmed_together_and_twice_get_one_meeting(session, fake_zoom):  # noqa: F811
    from bookings.tasks import issue_room_task

    office, slot, people = session
    with celery_worker(extra_env=fake_zoom["env"], concurrency=2) as (worker, queue):
        bookings = [book(office, person, slot) for person in people]
        # Every job delivered once more, at once: duplicates and retries.
        jobs = [issue_room_task.apply_async(args=(b.pk,), queue=queue) for b in bookings]
        wait_for(
            lambda: (
                all(
                    f"issue_room[{job.id}] succeeded" in worker.log_path.read_text() for job in jobs
                )
                and access_messages().count() == len(bookings)
            ),
            timeout=90,
            what="every participant's room",
        )
    assert all(b.status == Booking.Status.CONFIRMED for b in bookings)
    assert fake_zoom["creates"] == 1
    assert_one_shared_room(bookings)


def test_a_worker_child_killed_while_making_the_meeting_still_makes_one(session, fake_zoom):  # noqa: F811
    office, slot, people = session
    arrived, release = threading.Event(), threading.Event()

    def hold_first(count: int) -> None:
        if count == 1:
            arrived.set()
            release.wait(30)

    fake_zoom["create_hook"] = hold_first
    with celery_worker(extra_env=fake_zoom["env"]) as (worker, _queue):
        bookings = [book(office, person, slot) for person in people]
        assert arrived.wait(30), "the worker never called Zoom"
        os.kill(children_of(worker.pid)[0], signal.SIGKILL)  # dies while Zoom answers
        release.set()
        wait_for(
            lambda: access_messages().count() == len(bookings),
            timeout=90,
            what="redelivery and the other participants' rooms",
        )
    # The killed child's meeting was never recorded: the redelivered job made the one.
    assert fake_zoom["creates"] == 2
    assert_one_shared_room(bookings)
