"""Settings of `make bench`: the portal's, read from the environment the harness sets
(production values), plus what only the benchmark serves and runs."""

from portal.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"  # the portal's URLs and /bench/bare/
CELERY_IMPORTS = ["bench.tasks"]  # the no-op task, for the benchmark's worker
