"""The booking POST's SQL statements, counted in this process through Django's test
client against the benchmark database: one POST that books, and one refused because the
seat was just taken."""

from bench.measures.contention import free_slots
from bench.measures.national import ready_person

# As the form comes filled in from the person's profile (a Hello Work asks for the number).
FORM = {
    "full_name": "ベンチ 花子",
    "full_name_kana": "ベンチ ハナコ",
    "job_seeker_number": "01234-5678901",
}
TAKEN = ("埋まりました", "just been taken")
CONTROL = {"BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE"}


def booking_post_query_counts(office_slug: str) -> dict:
    """Two people who may book at the office (a profile, the terms in force agreed to, as
    the signed-in page's person) each open the booking form of the same free slot; the
    first books it, then the second presses "book" on it. Each POST's statements are
    counted (`statements`, BEGIN, SAVEPOINT and COMMIT included, as Django logs them) and
    listed (`sql`, for whoever makes them fewer); `outcome` says what the POST did
    ("booked", "taken", or what else it answered)."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from bookings.models import Office

    office = Office.objects.get(slug=office_slug)
    # Not "bench-p…": those are the bulk people, whose id range the past bookings spread over.
    first, second = (
        ready_person(office_slug, f"bench-booking-post-{n}@example.jp") for n in ("booked", "taken")
    )
    slots = free_slots(office, 1, latest_first=True)
    assert slots, f"{office_slug} has no free slot for the booking POST"
    path = f"/offices/{office_slug}/book/{slots[0].pk}/"
    clients = []
    for person in (first, second):
        client = Client(HTTP_HOST="127.0.0.1")
        client.force_login(person)
        assert client.get(path).status_code == 200  # the form, as the person saw it
        clients.append(client)

    def post(client: Client) -> dict:
        with CaptureQueriesContext(connection) as captured:
            response = client.post(path, FORM)
        # Read now: the next request's start empties the connection's query log.
        sql = [q["sql"][:300] for q in captured.captured_queries]
        location = response.headers.get("Location", "")
        if response.status_code == 302 and "/me/bookings/" in location:
            outcome = "booked"
        elif response.status_code == 302:
            page = client.get(location).content.decode()  # the message travels with it
            outcome = "taken" if any(t in page for t in TAKEN) else f"refused:{location}"
        else:
            outcome = f"other:{response.status_code}"
        control = sum(1 for q in sql if q.split(" ", 1)[0] in CONTROL)
        return {
            "statements": len(sql),
            "besides_transaction_control": len(sql) - control,
            "outcome": outcome,
            "sql": sql,
        }

    return {"office": office_slug, "booked": post(clients[0]), "taken": post(clients[1])}
