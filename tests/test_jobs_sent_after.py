"""A booking POST's jobs leave after the POST has left the booking gate (portal.jobs'
`sent_after` around portal.gates' `gated`): the next POST in a rush does not wait for
them. Held back, they are still sent, in the order of their commits, even when the view
fails after committing."""

from http import HTTPStatus
from typing import cast

import pytest
from celery import Task
from django.db import transaction
from django.test import override_settings

from accounts import outbox
from bookings import services
from bookings.models import Booking
from bookings.services import rooms
from bookings.views import bookings as booking_views
from portal.jobs import enqueue_on_commit, sent_after
from tests.factories import jst, make_counsellor, make_eligible, make_office_with_terms, make_slot


class Recorded:
    """A task that records what would have been sent, and what was true at the time."""

    def __init__(self, name: str, sent: list, seen=lambda: None) -> None:
        self.name, self.sent, self.seen = name, sent, seen

    def apply_async(self, args=(), kwargs=None, **options) -> None:
        self.sent.append((self.name, args, self.seen()))


@pytest.fixture
def job() -> tuple[Task, list]:
    """A recorded job, and what it would have sent."""
    sent: list = []
    return cast(Task, Recorded("job", sent)), sent  # called here as a Celery task is


@pytest.mark.django_db(transaction=True)
def test_jobs_committed_inside_are_sent_when_the_view_returns_in_order(job):
    task, sent = job

    @sent_after
    def view() -> str:
        with transaction.atomic():
            enqueue_on_commit(task, 1)
        with transaction.atomic():
            enqueue_on_commit(task, 2)
        assert sent == []  # committed, and held back
        return "done"

    assert view() == "done"
    assert sent == [("job", (1,), None), ("job", (2,), None)]
    # Outside such a view, a job leaves at its commit, as before.
    with transaction.atomic():
        enqueue_on_commit(task, 3)
        assert len(sent) == 2
    assert sent[-1] == ("job", (3,), None)


@pytest.mark.django_db(transaction=True)
def test_a_view_that_fails_after_its_commit_still_sends_and_a_rollback_sends_nothing(job):
    task, sent = job

    @sent_after
    def view() -> None:
        with transaction.atomic():
            enqueue_on_commit(task, "committed")
        try:
            with transaction.atomic():
                enqueue_on_commit(task, "rolled back")
                raise ValueError("inside")
        except ValueError:
            pass
        raise RuntimeError("after the commit")

    with pytest.raises(RuntimeError):
        view()
    assert sent == [("job", ("committed",), None)]


@pytest.mark.django_db(transaction=True)
@override_settings(BOOKING_GATE_WIDTH=1)
def test_a_booking_post_sends_its_jobs_once_out_of_the_gate(
    client, make_user, monkeypatch, freeze, real_notice_jobs
):
    freeze(jst(2026, 11, 24, 9, 0))
    office = make_office_with_terms(slug="gated", municipality_codes=["01213"])
    slot = make_slot(office, make_counsellor(office), jst(2026, 11, 26, 10, 0))
    client.force_login(make_eligible(make_user(), office))
    gate = booking_views.BOOKING_GATE

    def outside_the_gate() -> bool:
        return gate._places_here().free.qsize() == gate.current_width()  # no place held

    sent: list = []
    room = Recorded(rooms.issue_room_task.name, sent, outside_the_gate)
    notices = Recorded(outbox.send_message_notices_task.name, sent, outside_the_gate)
    monkeypatch.setattr(rooms.issue_room_task, "apply_async", room.apply_async)
    monkeypatch.setattr(outbox.send_message_notices_task, "apply_async", notices.apply_async)

    inside: list[bool] = []
    apply_for = services.apply_for

    def watched(*args, **kwargs):  # the booking as the view makes it, checked meanwhile
        inside.append(not outside_the_gate())
        return apply_for(*args, **kwargs)

    monkeypatch.setattr(services, "apply_for", watched)
    data = {"full_name": "山田 花子", "full_name_kana": "ヤマダ ハナコ", "job_seeker_number": ""}
    response = client.post(f"/offices/gated/book/{slot.pk}/", data)
    assert response.status_code == HTTPStatus.FOUND
    booking = Booking.objects.get(slot=slot)
    assert inside == [True]  # the POST held the gate's place while it booked
    assert [(name, seen) for name, _args, seen in sent] == [
        (outbox.send_message_notices_task.name, True),
        (rooms.issue_room_task.name, True),
    ]
    assert sent[1][1] == (booking.pk,)
