"""gunicorn's settings for the portal (read from the working directory; the Procfile and
the Dockerfile run gunicorn there).

One request per process: sync workers, 2 × the cores + 1 of them. A booking POST waits at
its gate (portal.gates, BOOKING_GATE_WIDTH at a time per machine) in its process while the
other processes serve pages. `make bench` chose this against gthread workers (one per core
× 8 threads; bench/HISTORY.md, the runs of 2026-12-02): during a rush of 200 bookings the
other visitors' office page kept 0.58–0.75× its rate before with sync workers, 0.34–0.45×
with gthread (the process making a booking has its interpreter busy, and its page threads
wait for it), and the pages were as fast or faster; the price is memory, 1.8× the peer's
per machine instead of 0.8×. `WEB_THREADS` above 1 runs gthread workers instead.

The master loads the portal before it forks the workers (`preload_app`), builds what the
first requests would (portal.warmup) and freezes it out of the garbage collector's reach
(gc.freeze), so that the workers share those pages of memory instead of copying them: the
bench measured 96 → 67 MiB proportional memory per worker. A code change needs a restart
of gunicorn (not a HUP of the master) to be loaded."""

import gc
import os

threads = int(os.environ.get("WEB_THREADS", "1"))
worker_class = "sync" if threads == 1 else "gthread"
workers = int(os.environ.get("WEB_CONCURRENCY", 2 * (os.cpu_count() or 1) + 1))
preload_app = True


def when_ready(server) -> None:
    """In the master, once the portal is loaded and before the first fork."""
    from portal.warmup import warm_up

    done = warm_up()
    gc.collect()
    gc.freeze()  # what is loaded now stays shared: the collector never writes to it
    server.log.info("warmed up before the fork: %s templates", done["templates"])
