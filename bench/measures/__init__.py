"""What the benchmark measures, each against a yardstick measured in the same run."""

from .bookings import booking_post_query_counts
from .contention import contention
from .jobs import job_throughput
from .pages import home_query_counts, http_suite, query_counts, signed_in_query_counts
from .rush import rush
from .sweeps import time_sweeps

__all__ = [
    "booking_post_query_counts",
    "contention",
    "home_query_counts",
    "http_suite",
    "job_throughput",
    "query_counts",
    "rush",
    "signed_in_query_counts",
    "time_sweeps",
]
