"""Real threads released together, for the race tests on PostgreSQL."""

import threading

from django.db import connections


def race(worker, count: int) -> list:
    """Run worker(i) in `count` threads released together; return what each returned
    (or the exception it raised)."""
    barrier = threading.Barrier(count)
    results: list = [None] * count

    def run(i: int) -> None:
        try:
            barrier.wait(timeout=30)
            results[i] = worker(i)
        except Exception as error:
            results[i] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results
