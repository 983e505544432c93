"""gunicorn's settings for the portal (read from the working directory; the Procfile and
the Dockerfile run gunicorn there).

One request per process: sync workers, 4 × the cores + 1 of them. A booking POST waits at
its gate (portal.gates, BOOKING_GATE_WIDTH at a time per machine) in its process while the
other processes serve pages. A process waiting at the gate uses no processor but is not
free for a page either, so there are more processes than the usual 2 × the cores + 1:
`make bench` measured the other visitors' office page during a rush of 200 bookings at
0.31–0.48× its rate before with 5 sync workers, 0.52–0.84× with 9 and 0.83–0.98× with 13,
and 0.34–0.60× with 5 gthread workers (bench/HISTORY.md, the runs of 2026-12-02, third
round); without a rush, at 8 clients, 9 workers serve a cheap page 2–10 % slower than 5
(each connection wakes every idle worker). `WEB_THREADS` above 1 runs gthread workers
instead.

The master loads the portal before it forks the workers (`preload_app`), builds what the
first requests would (portal.warmup) and freezes it out of the garbage collector's reach
(gc.freeze), so that the workers share those pages of memory instead of copying them: the
bench measured 97 → 46 MiB proportional memory (Pss) per worker. A code change needs a restart
of gunicorn (not a HUP of the master) to be loaded."""

import gc
import os

threads = int(os.environ.get("WEB_THREADS", "1"))
worker_class = "sync" if threads == 1 else "gthread"
workers = int(os.environ.get("WEB_CONCURRENCY", 4 * (os.cpu_count() or 1) + 1))
preload_app = True


def when_ready(server) -> None:
    """In the master, once the portal is loaded and before the first fork."""
    from portal.warmup import warm_up

    done = warm_up()
    gc.collect()
    gc.freeze()  # what is loaded now stays shared: the collector never writes to it
    server.log.info(
        "warmed up before the fork: %s templates, %s prepared queries",
        done["templates"],
        done["prepared_queries"],
    )
