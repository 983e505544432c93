"""What the benchmark measures, each against a yardstick measured in the same run."""

from .contention import contention
from .jobs import job_throughput
from .pages import http_suite, query_counts
from .sweeps import time_sweeps

__all__ = ["contention", "http_suite", "job_throughput", "query_counts", "time_sweeps"]
