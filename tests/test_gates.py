"""A rush of booking POSTs passes a few at a time per machine (portal.gates; as many as
BOOKING_GATE_WIDTH says, 2 by default): within a process (threads) and across processes (file
locks); a POST that waited too long is told to try again and books nothing; GETs never
wait."""

import multiprocessing
import threading
import time
from http import HTTPStatus

import pytest
from django.test import override_settings

from bookings.models import Booking
from bookings.views import bookings as booking_views
from portal.gates import Gate
from tests.factories import jst, make_counsellor, make_eligible, make_office_with_terms, make_slot


def test_one_thread_at_a_time_passes(tmp_path):
    gate = Gate("test", tmp_path)
    inside, most = 0, 0
    lock = threading.Lock()
    start = threading.Barrier(8)

    def run():
        nonlocal inside, most
        start.wait()
        with gate.passed(timeout=10) as passed:
            assert passed
            with lock:
                inside += 1
                most = max(most, inside)
            time.sleep(0.01)  # work inside the gate, long enough for others to arrive
            with lock:
                inside -= 1

    threads = [threading.Thread(target=run) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert most == 1


def test_a_thread_that_waited_too_long_does_not_pass(tmp_path):
    gate = Gate("test", tmp_path)
    with gate.passed(timeout=1) as first:
        assert first
        outcome = []
        waiter = threading.Thread(
            target=lambda: outcome.append(gate.passed(timeout=0.05).__enter__())
        )
        waiter.start()
        waiter.join()
    assert outcome == [False]


def _hold(path, held, release, width=1):
    gate = Gate("test", path, width=width)
    with gate.passed(timeout=5) as passed:
        assert passed
        held.set()
        release.wait(10)


def test_another_process_waits_for_the_gate(tmp_path):
    context = multiprocessing.get_context("fork")
    held, release = context.Event(), context.Event()
    holder = context.Process(target=_hold, args=(tmp_path, held, release))
    holder.start()
    try:
        assert held.wait(10)
        gate = Gate("test", tmp_path)
        got_in = threading.Event()

        def enter():
            with gate.passed(timeout=10) as passed:
                assert passed
                got_in.set()

        waiter = threading.Thread(target=enter)
        waiter.start()
        assert not got_in.wait(0.3)  # the other process holds the file lock
        release.set()
        assert got_in.wait(10)  # and it passes once that process is done
        waiter.join()
    finally:
        release.set()
        holder.join(10)


@pytest.mark.django_db
@override_settings(BOOKING_GATE_WIDTH=1)  # the one place is held below
def test_a_booking_post_that_waited_too_long_books_nothing(client, make_user, monkeypatch, freeze):
    freeze(jst(2026, 11, 24, 9, 0))
    office = make_office_with_terms(slug="gated", municipality_codes=["01213"])
    slot = make_slot(office, make_counsellor(office), jst(2026, 11, 26, 10, 0))
    client.force_login(make_eligible(make_user(), office))
    path = f"/offices/gated/book/{slot.pk}/"
    data = {"full_name": "山田 花子", "full_name_kana": "ヤマダ ハナコ", "job_seeker_number": ""}
    monkeypatch.setattr(booking_views.BOOKING_GATE, "timeout", 0.05)
    with booking_views.BOOKING_GATE.passed(timeout=1) as held:  # another booking is made
        assert held
        assert client.get(path).status_code == HTTPStatus.OK  # a GET does not wait
        response = client.post(path, data)
    assert response.status_code == HTTPStatus.SERVICE_UNAVAILABLE
    assert response["Retry-After"] == "10"
    assert "ただいま予約が集中しています" in response.content.decode()
    assert not Booking.objects.exists()
    # Once the gate is free, the same POST books.
    assert client.post(path, data).status_code == HTTPStatus.FOUND
    assert Booking.objects.filter(slot=slot).count() == 1


def test_with_width_two_two_threads_are_in_at_once_and_a_third_waits(tmp_path):
    gate = Gate("test", tmp_path, width=2)
    release = threading.Event()
    inside = threading.Semaphore(0)

    def hold():
        with gate.passed(timeout=10) as passed:
            assert passed
            inside.release()
            release.wait(10)

    holders = [threading.Thread(target=hold) for _ in range(2)]
    for holder in holders:
        holder.start()
    try:
        assert inside.acquire(timeout=10) and inside.acquire(timeout=10)  # both are in
        third = threading.Thread(target=hold)
        third.start()
        assert not inside.acquire(timeout=0.3)  # the third waits
        release.set()
        assert inside.acquire(timeout=10)  # and passes once a place is free
        third.join(10)
    finally:
        release.set()
        for holder in holders:
            holder.join(10)


def test_with_width_two_two_processes_hold_it_and_a_third_waits(tmp_path):
    context = multiprocessing.get_context("fork")
    events = [(context.Event(), context.Event()) for _ in range(2)]
    holders = [
        context.Process(target=_hold, args=(tmp_path, held, release, 2)) for held, release in events
    ]
    for holder in holders:
        holder.start()
    try:
        assert all(held.wait(10) for held, _ in events)  # two processes are in at once
        gate = Gate("test", tmp_path, width=2)
        got_in = threading.Event()

        def enter():
            with gate.passed(timeout=10) as passed:
                assert passed
                got_in.set()

        waiter = threading.Thread(target=enter)
        waiter.start()
        assert not got_in.wait(0.3)  # both file locks are held
        events[1][1].set()  # the second holder is done
        assert got_in.wait(10)
        waiter.join()
    finally:
        for _, release in events:
            release.set()
        for holder in holders:
            holder.join(10)


def test_the_width_is_the_gates_setting_read_at_each_use(tmp_path):
    gate = Gate("test", tmp_path)
    assert gate.current_width() == 1
    with override_settings(TEST_GATE_WIDTH=2):
        assert gate.current_width() == 2
        with gate.passed(timeout=1) as first, gate.passed(timeout=1) as second:
            assert first and second
            with gate.passed(timeout=0.05) as third:
                assert not third
    assert sorted(p.name for p in tmp_path.iterdir()) == ["gate-test-0.lock", "gate-test-1.lock"]


@pytest.mark.django_db
def test_at_width_two_a_third_booking_post_waits_and_then_answers_503(
    client, make_user, monkeypatch, freeze
):
    freeze(jst(2026, 11, 24, 9, 0))
    office = make_office_with_terms(slug="gated", municipality_codes=["01213"])
    slot = make_slot(office, make_counsellor(office), jst(2026, 11, 26, 10, 0))
    client.force_login(make_eligible(make_user(), office))
    path = f"/offices/gated/book/{slot.pk}/"
    data = {"full_name": "山田 花子", "full_name_kana": "ヤマダ ハナコ", "job_seeker_number": ""}
    gate = booking_views.BOOKING_GATE
    monkeypatch.setattr(gate, "timeout", 0.05)
    with override_settings(BOOKING_GATE_WIDTH=2):
        with gate.passed(timeout=1) as one, gate.passed(timeout=1) as two:  # two bookings
            assert one and two
            response = client.post(path, data)
            assert response.status_code == HTTPStatus.SERVICE_UNAVAILABLE
            assert response["Retry-After"] == "10"
            assert not Booking.objects.exists()
        with gate.passed(timeout=1) as one:  # one booking is made: there is room for this
            assert one
            assert client.post(path, data).status_code == HTTPStatus.FOUND
    assert Booking.objects.filter(slot=slot).count() == 1
