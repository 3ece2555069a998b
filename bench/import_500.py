"""Time a 500-action plan import on the configured database (DATABASE_URL, else SQLite).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/tracker_bench .venv/bin/python -m bench.import_500

Builds a plan in the JSON format (10 recommendations × 50 actions, two leads and two statements
each), imports it through the same service as `manage.py import_plan`, reports the median of
five runs, and removes the plan.
"""

import json
import os
import statistics
import sys
import time


def plan_json(actions: int = 500) -> bytes:
    recommendations = []
    for r in range(10):
        recommendations.append(
            {
                "reference": str(r + 1),
                "text": f"Recommendation {r + 1}",
                "actions": [
                    {
                        "reference": f"{r + 1}.{a + 1}",
                        "description": f"Action {a + 1} of recommendation {r + 1}, described at some length.",
                        "leads": [f"Head of Service {(a + r) % 20}", f"Director {a % 7}"],
                        "start": None,
                        "due": ["December 2019", "Ongoing", "Quarterly from April 2019"][a % 3],
                        "outcomes": [f"Outcome {a} of {r}"],
                        "measures": [f"Measure {a} of {r}", "A measure shared by the recommendation"],
                    }
                    for a in range(actions // 10)
                ],
            }
        )
    return json.dumps(
        {
            "slug": "bench-import-500",
            "title": "Benchmark plan",
            "organisation": "Bench",
            "recommendations": recommendations,
        }
    ).encode()


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "improvement_tracker.settings")
    os.environ.setdefault("SECRET_KEY", "bench-only")
    import django

    django.setup()
    from django.db import connection

    from plans.models import Plan
    from plans.services import plan_import_file

    content = plan_json()
    timings = []
    for _ in range(5):
        Plan.objects.filter(slug="bench-import-500").delete()
        start = time.perf_counter()
        plan, result = plan_import_file(content=content, fmt="json")
        timings.append(time.perf_counter() - start)
        assert plan is not None and plan.actions.count() == 500, result.errors
    Plan.objects.filter(slug="bench-import-500").delete()
    print(
        f"import_500 on {connection.vendor}: median {statistics.median(timings):.3f} s "
        f"(runs: {', '.join(f'{t:.3f}' for t in timings)})"
    )


if __name__ == "__main__":
    sys.exit(main())
