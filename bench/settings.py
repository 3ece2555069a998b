"""The project's settings with STATIC_ROOT from BENCH_STATIC_ROOT, so a benchmark collects its static
files into a directory of its own instead of the repository's staticfiles/."""

import os

from improvement_tracker.settings import *  # noqa: F403

STATIC_ROOT = os.environ.get("BENCH_STATIC_ROOT", STATIC_ROOT)  # noqa: F405
