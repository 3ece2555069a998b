"""Serve synthetic plans with gunicorn and measure the main pages with wrk: `make bench`, `make bench-smoke`.

    BENCH_SCALE=small .venv/bin/python -m bench.run       # or --scale smoke|small|large

Uses DATABASE_URL when set, else a SQLite file in the temporary directory (never the development
db.sqlite3). Generates the scale's synthetic plans (kept and reused when they are already there),
collects static files into a temporary STATIC_ROOT, starts gunicorn with DEBUG off and the TLS
settings on (every request carries X-Forwarded-Proto: https), signs in a bench user (a board member
and lead of the first plan) by writing a session, and runs wrk (1 and 10 connections, three runs
each, the median kept) on every page, with a run of healthz beside each page's runs for its ratio.
The large scale also serves the small scale's database (BENCH_SMALL_DATABASE_URL, else the large
one's name with "_small") and runs each page there before each of its runs at 10 connections, for
the p95 comparison between the scales (see measure_pages). Writes bench/results/<date>-<scale>.json
and prints a table. Every request goes to 127.0.0.1 only; gunicorn is stopped at the end whatever
happens.
"""

import argparse
import contextlib
import datetime as dt
import http.client
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
SCALES = {
    "smoke": {"plans": 2, "actions_per_plan": 6, "months": 3, "measures_per_plan": 2},
    "small": {"plans": 15, "actions_per_plan": 50, "months": 36, "measures_per_plan": 30},
    "large": {"plans": 150, "actions_per_plan": 50, "months": 36, "measures_per_plan": 30},
}
SEED = 2019
HTML_PAGES = ["dashboard", "dashboard_cached", "action_list", "action_page", "my_actions", "measure_page", "pack"]
RATIO_FLOORS = {
    "dashboard": 0.10,
    # The same URL: `dashboard` is served by workers whose cache is switched off (CACHE_URL=dummy://),
    # `dashboard_cached` by workers with the shared cache, after a first request has filled it.
    "dashboard_cached": 0.35,
    "action_list": 0.10,
    "action_page": 0.10,
    "my_actions": 0.10,
    "measure_page": 0.10,
}
MAX_QUERIES, MAX_P99_MS, MAX_RSS_MB = 12, 300.0, 250.0
TIMING_FLOORS = {"import_500": 5.0, "pdf_seed": 3.0}


def configure(scale: str, static_root: str) -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-not-for-production")
    os.environ["DEBUG"] = "0"
    os.environ["ALLOWED_HOSTS"] = "127.0.0.1"
    os.environ["BENCH_STATIC_ROOT"] = static_root
    os.environ.pop("SECURE_SSL_REDIRECT", None)  # on, as in production: requests say they came over TLS
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{Path(tempfile.gettempdir()) / f'tracker-bench-{scale}.sqlite3'}")
    # The shared cache all workers use: Redis when one answers on this machine, else the database.
    os.environ.setdefault("CACHE_URL", REDIS_URL if redis_answers() else "db")
    if scale == "smoke":
        # Hashed names without WhiteNoise's compression: collectstatic in 2 s instead of about 25.
        os.environ["STATICFILES_BACKEND"] = "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"


REDIS_URL = "redis://127.0.0.1:6379/7"


def redis_answers() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=0.5) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def ensure_wrk() -> str:
    wrk = shutil.which("wrk")
    if wrk is None and os.environ.get("CI") == "true":
        print("Installing wrk from Debian (CI)")
        apt = shutil.which("apt-get") or "/usr/bin/apt-get"
        subprocess.run([apt, "update", "-qq"], check=True)  # noqa: S603
        subprocess.run([apt, "install", "-y", "-qq", "--no-install-recommends", "wrk"], check=True)  # noqa: S603
        wrk = shutil.which("wrk")
    if wrk is None:
        sys.exit("wrk is not installed: apt-get install wrk (Debian), then run the benchmark again.")
    return wrk


def prepare_data(sizes: dict) -> float | None:
    """Generate the scale's synthetic plans unless exactly these are already there; the seconds taken."""
    from django.core.management import call_command

    from governance.models import ActionUpdate, Meeting
    from measures.models import Measure
    from plans.models import Action, Plan

    first = Plan.objects.filter(slug="synthetic-1").first()
    if (
        first is not None
        and Plan.objects.filter(slug__startswith="synthetic-").count() == sizes["plans"]
        and Action.objects.filter(plan=first).count() == sizes["actions_per_plan"]
        and Measure.objects.filter(plan=first).count() == sizes["measures_per_plan"]
        and Meeting.objects.filter(board__plan=first).count() == sizes["months"]
        # Data from before the generator wrote the updates' history rows is made again.
        and ActionUpdate.history.filter(action__plan=first).exists()
    ):
        return None
    start = time.perf_counter()
    call_command(
        "generate_synthetic_data",
        plans=sizes["plans"],
        actions_per_plan=sizes["actions_per_plan"],
        months=sizes["months"],
        measures_per_plan=sizes["measures_per_plan"],
        seed=SEED,
    )
    return time.perf_counter() - start


def bench_user_and_pages():
    """A board member of the first plan who also holds the role leading its first action; the pages' paths."""
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
    from django.contrib.sessions.backends.db import SessionStore
    from django.db.models import Count

    from governance.models import BoardPack
    from measures.models import Measure
    from plans.models import Action, Membership, Plan, RoleHolder

    plan = Plan.objects.get(slug="synthetic-1")
    User = get_user_model()
    # "synthetic-" so that generate_synthetic_data removes it with the plans.
    user, _ = User.objects.get_or_create(
        username="synthetic-bench", defaults={"first_name": "Bench", "last_name": "User"}
    )
    Membership.objects.get_or_create(user=user, plan=plan, defaults={"kind": Membership.Kind.BOARD_MEMBER})
    # The action page of the action with the longest history (three years of monthly updates at full size).
    action = Action.objects.filter(plan=plan).annotate(months=Count("updates")).order_by("-months", "order").first()
    role = action.leads.order_by("pk").first()
    RoleHolder.objects.get_or_create(role=role, user=user, until=None)
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "plans.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    measure = Measure.objects.filter(plan=plan).order_by("code").first()
    pack = BoardPack.objects.filter(meeting__board__plan=plan).order_by("-meeting__date", "-version").first()
    slug = plan.slug
    pages = {
        "healthz": "/healthz",
        "dashboard": f"/plans/{slug}/dashboard/",
        "dashboard_cached": f"/plans/{slug}/dashboard/",
        "action_list": f"/plans/{slug}/actions/?state=all&due_after=2000-01-01",
        "action_page": f"/plans/{slug}/actions/{action.pk}/",
        "my_actions": "/my-actions/",
        "measure_page": f"/plans/{slug}/measures/{measure.pk}/",
        "pack": f"/plans/{slug}/packs/{pack.pk}/",
        "pack_pdf": f"/plans/{slug}/packs/{pack.pk}/download/pdf/",
    }
    return user, session.session_key, pages


def query_counts(user, pages: dict) -> dict[str, int]:
    from django.core.cache import cache
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from governance.board_views import _cache_keys
    from plans.models import Plan

    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(user)
    # Counted as a worker serves them once running: a first pass fills the process's memos (the plan by
    # its data version, each person's access), as the wrk warm-up does; then the dashboard's cache entry is
    # removed, so `dashboard` counts a build from the database and `dashboard_cached` a read of the cache.
    for path in pages.values():
        client.get(path, secure=True)
    cache.delete_many(_cache_keys(Plan.objects.select_related("data_version").get(slug="synthetic-1"), None))
    counts = {}
    for key, path in pages.items():
        with CaptureQueriesContext(connection) as queries:
            response = client.get(path, secure=True)
        if response.status_code != 200:
            raise RuntimeError(f"{key} ({path}) answered {response.status_code} in-process")
        # Signing in via force_login is not part of the page.
        counts[key] = len(queries)
    return counts


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def get(port: int, path: str, cookie: str) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("GET", path, headers={"X-Forwarded-Proto": "https", "Cookie": cookie})
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def wait_until_up(port: int, server: subprocess.Popen) -> None:
    for _ in range(300):
        if server.poll() is not None:
            raise RuntimeError("gunicorn stopped while starting")
        try:
            if get(port, "/healthz", "")[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.1)
    raise RuntimeError("gunicorn did not answer /healthz within 30 s")


def wrk_run(wrk: str, port: int, path: str, cookie: str, connections: int, seconds: int) -> dict:
    command = [
        wrk,
        f"-t{min(connections, 2)}",
        f"-c{connections}",
        f"-d{seconds}s",
        "--timeout",
        "10s",
        "--latency",
        "-s",
        str(BASE_DIR / "bench" / "report.lua"),
        "-H",
        "X-Forwarded-Proto: https",
        "-H",
        f"Cookie: {cookie}",
        f"http://127.0.0.1:{port}{path}",
    ]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout  # noqa: S603
    match = re.search(r"^BENCH_JSON (.*)$", output, re.MULTILINE)
    if match is None:
        raise RuntimeError(f"wrk printed no result for {path}:\n{output}")
    result = json.loads(match.group(1))
    if not result["requests"]:
        raise RuntimeError(f"wrk completed no request on {path}:\n{output}")
    # Errors (timeouts on a busy machine, non-2xx/3xx answers) are reported beside the figures.
    return result


def worker_peak_rss_mb(master: int) -> float:
    """The largest peak RSS (VmHWM) of the gunicorn master's workers, in MB."""
    peaks = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            status = (proc / "status").read_text()
        except OSError:
            continue
        ppid = re.search(r"^PPid:\s+(\d+)", status, re.MULTILINE)
        hwm = re.search(r"^VmHWM:\s+(\d+) kB", status, re.MULTILINE)
        if ppid and hwm and int(ppid.group(1)) == master:
            peaks.append(int(hwm.group(1)) / 1024)
    return round(max(peaks, default=0.0), 1)


def timed_script(module: str, pattern: str) -> float:
    """Run one of the existing benchmark scripts (five runs each) and read its median."""
    output = subprocess.run(  # noqa: S603
        [sys.executable, "-m", module], capture_output=True, text=True, check=True, cwd=BASE_DIR
    ).stdout
    print("  " + output.strip())
    return float(re.search(pattern, output).group(1))


@contextlib.contextmanager
def gunicorn(static_root: str, **env: str):
    """gunicorn with 2 × cores + 1 sync workers on a free port, stopped whatever happens."""
    workers = 2 * (os.cpu_count() or 1) + 1
    port = free_port()
    server = subprocess.Popen(  # noqa: S603
        [str(BIN / "gunicorn"), "improvement_tracker.wsgi", "-w", str(workers), "-b", f"127.0.0.1:{port}"],
        cwd=BASE_DIR,
        env=os.environ | env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        wait_until_up(port, server)
        yield port, server.pid
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()


def _medians(found: list[dict]) -> dict:
    return {
        name: round(statistics.median(r[name] for r in found), 2) for name in ("rps", "p50_ms", "p95_ms", "p99_ms")
    } | {"errors": sum(r["errors"] for r in found)}


def measure_pages(wrk: str, port: int, pages: dict, cookie: str, smoke: bool, small: dict | None = None) -> dict:
    """Each page at 1 and 10 connections (three runs each, the medians kept), with a run of `healthz` just
    before each page's runs: a page's ratio is to the baseline measured beside it, so the machine's speed
    drifting during the benchmark (healthz moved by a third between runs here) does not move the ratios.

    `small` (the large run's: {"port", "pages", "cookie"} of a server on the small scale's database): at 10
    connections each of the page's runs follows a run of the same page at the small scale, so that p95 at
    the two scales is compared between runs seconds apart, not between benchmarks a quarter of an hour
    apart (the machine's speed moved p95 of pages that do not depend on the scale by a third that way)."""
    seconds = 2 if smoke else int(os.environ.get("BENCH_SECONDS", "5"))
    plan = [(1, 1)] if smoke else [(1, 3), (10, 3)]
    results: dict[str, dict] = {}
    for key, path in pages.items():
        status, _ = get(port, path, cookie)
        if status != 200:
            raise RuntimeError(f"{key} ({path}) answered {status} from gunicorn")
        small_path = small["pages"][key] if small else None
        if small_path is not None:
            status, _ = get(small["port"], small_path, small["cookie"])
            if status != 200:
                raise RuntimeError(f"{key} ({small_path}) answered {status} from the small scale's gunicorn")
            wrk_run(wrk, small["port"], small_path, small["cookie"], 10, 1)
        if not smoke:
            wrk_run(wrk, port, path, cookie, 10, 1)  # warm-up: every worker sees the page
        results[key] = {}
        for connections, runs in plan:
            beside = None
            if key != "healthz" and not smoke:
                beside = wrk_run(wrk, port, pages["healthz"], cookie, connections, seconds)["rps"]
            found, found_small = [], []
            for _ in range(runs):
                if small_path is not None and connections == 10:
                    found_small.append(wrk_run(wrk, small["port"], small_path, small["cookie"], connections, seconds))
                found.append(wrk_run(wrk, port, path, cookie, connections, seconds))
            row = _medians(found)
            if beside is not None:
                row["healthz_rps"] = round(beside, 2)
            if found_small:
                row["small_scale_beside"] = _medians(found_small)
            results[key][str(connections)] = row
            print(f"  {key:18} c={connections:<3} {row}")
    for values in results.values():
        for connections, row in values.items():
            base = row.get("healthz_rps") or results["healthz"][connections]["rps"]
            row["ratio_to_healthz"] = round(row["rps"] / base, 3) if base else 0.0
    return results


def floors(report: dict) -> dict[str, dict]:
    found = {}
    pages = report["pages"]
    for key, limit in RATIO_FLOORS.items():
        value = pages[key]["connections"]["10"]["ratio_to_healthz"]
        found[f"{key}_ratio_c10"] = {"value": value, "limit": limit, "pass": value >= limit}
    for key, page in pages.items():
        found[f"{key}_queries"] = {
            "value": page["queries"],
            "limit": MAX_QUERIES,
            "pass": page["queries"] <= MAX_QUERIES,
        }
    for key in HTML_PAGES:
        value = pages[key]["connections"]["10"]["p99_ms"]
        found[f"{key}_p99_ms_c10"] = {"value": value, "limit": MAX_P99_MS, "pass": value <= MAX_P99_MS}
    for key, limit in TIMING_FLOORS.items():
        value = report["timings"].get(key)
        if value is not None:
            found[f"{key}_s"] = {"value": value, "limit": limit, "pass": value <= limit}
    rss = report["peak_rss_mb"]
    found["peak_rss_mb"] = {"value": rss, "limit": MAX_RSS_MB, "pass": rss <= MAX_RSS_MB}
    return found


def cross_scale_floors(report: dict, small_queries: dict[str, int] | None) -> dict[str, dict]:
    """At the large scale: the same query count on every page as at the small scale (counted in the same
    run), and p95 at 10 connections no more than 1.2 times the small scale's, from the runs of the small
    scale made beside the large scale's (`small_scale_beside`)."""
    if report["scale"]["name"] != "large" or small_queries is None:
        return {}
    found = {}
    for key, page in report["pages"].items():
        found[f"{key}_queries_same_as_small"] = {
            "value": page["queries"],
            "limit": small_queries[key],
            "pass": page["queries"] == small_queries[key],
        }
        row = page["connections"]["10"]
        if "small_scale_beside" in row:
            ratio = row["p95_ms"] / max(row["small_scale_beside"]["p95_ms"], 0.001)
            found[f"{key}_p95_c10_large_over_small"] = {"value": round(ratio, 3), "limit": 1.2, "pass": ratio <= 1.2}
    return found


def against_small_results(report: dict) -> dict:
    """For reference: p95 at 10 connections over the newest small-scale benchmark's, made at another time."""
    small_files = sorted((BASE_DIR / "bench" / "results").glob("*-small.json"))
    if report["scale"]["name"] != "large" or not small_files:
        return {}
    small = json.loads(small_files[-1].read_text())
    return {
        key: round(
            page["connections"]["10"]["p95_ms"] / max(small["pages"][key]["connections"]["10"]["p95_ms"], 0.001), 3
        )
        for key, page in report["pages"].items()
        if key in small["pages"]
    } | {"file": small_files[-1].name}


def print_table(report: dict) -> None:
    connections = sorted({c for page in report["pages"].values() for c in page["connections"]}, key=int)
    head = f"{'page':18} {'queries':>7}" + "".join(
        f" | c={c:<3}{'rps':>8} {'p50':>7} {'p95':>7} {'p99':>7} {'ratio':>6}" for c in connections
    )
    print(head)
    print("-" * len(head))
    for key, page in report["pages"].items():
        line = f"{key:18} {page['queries']:>7}"
        for c in connections:
            row = page["connections"][c]
            line += (
                f" |      {row['rps']:>8.1f} {row['p50_ms']:>7.1f} {row['p95_ms']:>7.1f} {row['p99_ms']:>7.1f}"
                f" {row['ratio_to_healthz']:>6.3f}"
            )
        print(line)
    print(f"timings: {report['timings']}; peak worker RSS {report['peak_rss_mb']} MB")
    for name, floor in report["floors"].items():
        print(f"  {'pass' if floor['pass'] else 'FAIL'}  {name}: {floor['value']} (limit {floor['limit']})")


SMALL_CACHE_PREFIX = "bench-small"


def small_database_url() -> str:
    """The small scale's database, for the large run's paired runs: BENCH_SMALL_DATABASE_URL, else the large
    one's name with "_small" (tracker_bench → tracker_bench_small), else the small scale's SQLite file."""
    given = os.environ.get("BENCH_SMALL_DATABASE_URL")
    if given:
        return given
    large = os.environ["DATABASE_URL"]
    if large.startswith("sqlite:"):
        return f"sqlite:///{Path(tempfile.gettempdir()) / 'tracker-bench-small.sqlite3'}"
    head, _, tail = large.rpartition("/")
    name, _, query = tail.partition("?")
    return f"{head}/{name}_small" + (f"?{query}" if query else "")


def ensure_postgres_database(url: str) -> None:
    """CREATE DATABASE for a PostgreSQL URL whose database is missing (SQLite makes its file itself)."""
    if not url.startswith(("postgres://", "postgresql://")):
        return
    import dj_database_url
    import psycopg

    found = dj_database_url.parse(url)
    name = found["NAME"]
    server = {"host": found["HOST"], "port": found["PORT"], "user": found["USER"], "password": found["PASSWORD"]}
    with psycopg.connect(dbname="postgres", autocommit=True, **{k: v for k, v in server.items() if v}) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is None:
            conn.execute(f'CREATE DATABASE "{name}"')  # noqa: S608 - our own benchmark database's name


def prepare_small(static_root: str) -> dict:
    """The small scale's data, bench user, pages and query counts, prepared by this script in a process of its
    own (on the small scale's database); the environment its gunicorn needs."""
    url = small_database_url()
    ensure_postgres_database(url)
    env = {"DATABASE_URL": url, "CACHE_KEY_PREFIX": SMALL_CACHE_PREFIX}
    output = subprocess.run(  # noqa: S603
        [sys.executable, "-m", "bench.run", "--scale", "small", "--prepare-only"],
        cwd=BASE_DIR,
        env=os.environ | env | {"BENCH_STATIC_ROOT": static_root},
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    match = re.search(r"^BENCH_PREPARED (.*)$", output, re.MULTILINE)
    if match is None:
        raise RuntimeError(f"the small scale was not prepared:\n{output}")
    return json.loads(match.group(1)) | {"env": env}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", choices=SCALES, default=os.environ.get("BENCH_SCALE", "large"))
    parser.add_argument(
        "--prepare-only",
        action="store_true",
        help="generate the data, sign in the bench user and count each page's queries, print them, and stop",
    )
    args = parser.parse_args()
    scale, smoke = args.scale, args.scale == "smoke"
    wrk = None if args.prepare_only else ensure_wrk()
    # The large run's preparing of the small scale uses the static files that run collected.
    static_root = os.environ["BENCH_STATIC_ROOT"] if args.prepare_only else tempfile.mkdtemp(prefix="tracker-bench-")
    configure(scale, static_root)
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, connections

    sizes = SCALES[scale]
    print(f"Benchmark at scale {scale} {sizes} on {connection.vendor}")
    call_command("migrate", interactive=False, verbosity=0)
    generated = prepare_data(sizes)
    print("  data: reused" if generated is None else f"  data: generated in {generated:.1f} s")
    if not args.prepare_only:
        call_command("collectstatic", interactive=False, verbosity=0)
    from django.conf import settings
    from django.core.cache import cache

    call_command("createcachetable", verbosity=0)
    cache.clear()  # the dashboard's first request below builds it: its query count is the uncached one
    user, session_key, pages = bench_user_and_pages()
    queries = query_counts(user, pages)
    connections.close_all()
    cookie = f"{settings.SESSION_COOKIE_NAME}={session_key}"
    if args.prepare_only:
        prepared = {"cookie": cookie, "pages": pages, "queries": queries, "generated": generated}
        print("BENCH_PREPARED " + json.dumps(prepared))
        return 0
    # The large run measures the small scale beside it (see measure_pages), from a server of its own.
    small = prepare_small(static_root) if scale == "large" else None
    if small is not None:
        print(f"  small scale beside: {small['env']['DATABASE_URL']}")
    # Every page but the uncached dashboard from workers sharing the cache; then the dashboard from
    # workers whose cache is switched off, so that each of its requests builds it from the database.
    try:
        shared = {key: path for key, path in pages.items() if key != "dashboard"}
        with contextlib.ExitStack() as servers:
            port, master = servers.enter_context(gunicorn(static_root))
            beside = None
            if small is not None:
                beside = small | {"port": servers.enter_context(gunicorn(static_root, **small["env"]))[0]}
            results = measure_pages(wrk, port, shared, cookie, smoke, beside)
            peak_rss = worker_peak_rss_mb(master)
        with contextlib.ExitStack() as servers:
            port, master = servers.enter_context(gunicorn(static_root, CACHE_URL="dummy://"))
            beside = None
            if small is not None:
                uncached_env = small["env"] | {"CACHE_URL": "dummy://"}
                beside = small | {"port": servers.enter_context(gunicorn(static_root, **uncached_env))[0]}
            uncached = measure_pages(
                wrk, port, {"healthz": pages["healthz"], "dashboard": pages["dashboard"]}, cookie, smoke, beside
            )
            peak_rss = max(peak_rss, worker_peak_rss_mb(master))
        # Ratios from the healthz of the same server run.
        results = {"healthz": results["healthz"], "dashboard": uncached["dashboard"]} | {
            key: value for key, value in results.items() if key != "healthz"
        }
        results = {key: results[key] for key in pages}
    finally:
        shutil.rmtree(static_root, ignore_errors=True)
    timings: dict[str, float | None] = {"import_500": None, "pdf_seed": None}
    if not smoke:
        timings["import_500"] = timed_script("bench.import_500", r"median ([0-9.]+) s")
        timings["pdf_seed"] = timed_script("bench.pdf_seed", r"PDF median ([0-9.]+) s")
    if generated is not None:
        timings["generate_synthetic_data"] = round(generated, 1)
    report = {
        "machine": {
            "cores": os.cpu_count() or 1,
            "database": connection.vendor,
            "cache": settings.CACHES["default"]["BACKEND"].rsplit(".", 1)[-1],
        },
        "scale": {"name": scale, **sizes},
        "pages": {key: {"queries": queries[key], "connections": results[key]} for key in pages},
        "timings": timings,
        "peak_rss_mb": peak_rss,
        "floors": {},
    }
    if small is not None:
        report["small_scale_beside"] = {"database": small["env"]["DATABASE_URL"], "queries": small["queries"]}
        report["p95_c10_over_small_results"] = against_small_results(report)
    if not smoke:
        report["floors"] = floors(report) | cross_scale_floors(report, small["queries"] if small else None)
    out = BASE_DIR / "bench" / "results" / f"{dt.date.today():%Y-%m-%d}-{scale}.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(report, indent=2) + "\n")
    print_table(report)
    print(f"Written {out.relative_to(BASE_DIR)}")
    failed = [name for name, floor in report["floors"].items() if not floor["pass"]]
    if failed and os.environ.get("BENCH_STRICT") == "1":
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
