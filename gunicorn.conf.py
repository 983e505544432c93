"""gunicorn's settings for the portal (read from the working directory; the Procfile and
the Dockerfile run gunicorn there). Threads, not one request per process: a booking POST
waits at its gate (portal.gates, BOOKING_GATE_WIDTH at a time per machine) holding a
thread, not a process, while the other threads serve pages; `make bench` measures the rush
this way, at gate widths 1 and 2 (bench/HISTORY.md)."""

import os

worker_class = "gthread"
workers = int(os.environ.get("WEB_CONCURRENCY", os.cpu_count() or 2))
threads = int(os.environ.get("WEB_THREADS", "8"))
