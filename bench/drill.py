"""Failure drill: PostgreSQL restarts under the running app and dies under an import. Not run by CI.

    .venv/bin/python -m bench.drill          # about a minute; needs PostgreSQL's server binaries

Creates a PostgreSQL cluster of its own with initdb in a temporary directory on a free port (as
the `postgres` user when run as root), migrates a database, loads the seed plan, collects static
files and starts gunicorn against it (DEBUG off, persistent connections with health checks, as in
production). Then:

1. requests pages in a loop while PostgreSQL restarts (`pg_ctl restart -m fast`): errors while it
   is down are reported; once it is back, no request may fail with a 500;
2. imports a large plan (bench.import_500's format, 4,000 actions) and stops PostgreSQL while the
   import's transaction is open: nothing may be committed; after a restart the same import is run
   again and must succeed.

Prints what happened step by step and exits 1 if a check failed. Removes gunicorn, the cluster and
the temporary directory whatever happens. Touches no other database.
"""

import glob
import http.client
import json
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
DATABASE = "tracker_drill"
SEED = "barking-dagenham-ilacs-2019"
IMPORT_ACTIONS = 4000
START = time.monotonic()
# How long the oldest open transaction in the drill's database (other than ours) has been open.
OPEN_FOR_SQL = (
    "SELECT coalesce(max(extract(epoch FROM now() - xact_start)), 0) FROM pg_stat_activity "
    "WHERE datname = 'tracker_drill' AND pid <> pg_backend_pid() AND xact_start IS NOT NULL"
)


def say(message: str) -> None:
    print(f"[{time.monotonic() - START:6.1f} s] {message}", flush=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def postgres_bin() -> Path:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[-3]))
    if not found:
        sys.exit("No initdb under /usr/lib/postgresql/*/bin: apt-get install postgresql, then run the drill again.")
    return Path(found[-1]).parent


class Cluster:
    """A throwaway PostgreSQL cluster: trust authentication, 127.0.0.1 only, fsync off."""

    def __init__(self, root: Path, port: int):
        self.bin, self.root, self.port = postgres_bin(), root, port
        self.data, self.log = root / "data", root / "postgres.log"
        self.as_user: list[str] = []
        if os.geteuid() == 0:
            # initdb and postgres refuse to run as root.
            user = pwd.getpwnam("postgres")
            os.chown(root, user.pw_uid, user.pw_gid)
            self.as_user = ["runuser", "-u", "postgres", "--"]

    def run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        return subprocess.run([*self.as_user, *args], check=check, capture_output=True, text=True, cwd=self.root)  # noqa: S603

    def pg_ctl(self, *args: str) -> None:
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=50"
        command = [str(self.bin / "pg_ctl"), "-D", str(self.data), "-l", str(self.log), "-w", "-t", "60"]
        self.run(*command, *(["-o", options] if "start" in args or "restart" in args else []), *args)

    def create(self) -> None:
        self.run(
            str(self.bin / "initdb"), "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8",
            "--locale=C", "--no-instructions",
        )  # fmt: skip
        self.pg_ctl("start")
        self.psql("postgres", f"CREATE DATABASE {DATABASE}")

    def psql(self, database: str, sql: str) -> str:
        result = self.run(
            str(self.bin / "psql"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "-d", database,
            "-At", "-v", "ON_ERROR_STOP=1", "-c", sql,
        )  # fmt: skip
        return result.stdout.strip()

    def destroy(self) -> None:
        if (self.data / "postmaster.pid").exists():
            self.run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop", check=False)


def app_env(port: int, static_root: Path) -> dict[str, str]:
    env = dict(os.environ)
    env |= {
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "SECRET_KEY": "drill-only-secret-key-not-for-production",
        "DEBUG": "0",
        "ALLOWED_HOSTS": "127.0.0.1",
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:{port}/{DATABASE}",
        "CONN_MAX_AGE": "60",
        "BENCH_STATIC_ROOT": str(static_root),
        "STATICFILES_BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage",
        "LOG_LEVEL": "WARNING",
    }
    env.pop("SECURE_SSL_REDIRECT", None)
    return env


def manage(env: dict, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    return subprocess.run(  # noqa: S603
        [str(BIN / "python"), "manage.py", *args], cwd=BASE_DIR, env=env, check=check, capture_output=True, text=True
    )


SESSION_SCRIPT = """
from importlib import import_module
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
from plans.models import Membership, Plan
SessionStore = import_module(settings.SESSION_ENGINE).SessionStore
user, _ = get_user_model().objects.get_or_create(username="drill", defaults={"first_name": "Drill"})
Membership.objects.get_or_create(user=user, plan=Plan.objects.get(slug="%s"), defaults={"kind": "board_member"})
session = SessionStore()
session[SESSION_KEY] = str(user.pk)
session[BACKEND_SESSION_KEY] = "plans.backends.ModelBackend"
session[HASH_SESSION_KEY] = user.get_session_auth_hash()
session.create()
print(f"{settings.SESSION_COOKIE_NAME}={session.session_key}")
"""


def get(port: int, path: str, cookie: str, *, location: bool = False):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=15)
    try:
        conn.request("GET", path, headers={"X-Forwarded-Proto": "https", "Cookie": cookie})
        response = conn.getresponse()
        response.read()
        return (response.status, response.getheader("Location")) if location else response.status
    finally:
        conn.close()


class Traffic(threading.Thread):
    """Requests the pages in turn until stopped; records (start time, path, status or error)."""

    def __init__(self, port: int, pages: list[str], cookie: str):
        super().__init__(daemon=True)
        self.port, self.pages, self.cookie = port, pages, cookie
        self.records: list[tuple[float, str, str]] = []
        self.stopping = threading.Event()

    def run(self) -> None:
        n = 0
        while not self.stopping.is_set():
            path = self.pages[n % len(self.pages)]
            n += 1
            began = time.monotonic()
            try:
                outcome = str(get(self.port, path, self.cookie))
            except OSError as error:
                outcome = type(error).__name__
            self.records.append((began, path, outcome))
            time.sleep(0.02)


def start_gunicorn(env: dict, port: int) -> subprocess.Popen:
    server = subprocess.Popen(  # noqa: S603
        [str(BIN / "gunicorn"), "improvement_tracker.wsgi", "-w", "2", "-b", f"127.0.0.1:{port}", "--timeout", "30"],
        cwd=BASE_DIR,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    for _ in range(300):
        if server.poll() is not None:
            raise RuntimeError("gunicorn stopped while starting")
        try:
            if get(port, "/healthz", "") == 200:
                return server
        except OSError:
            pass
        time.sleep(0.1)
    raise RuntimeError("gunicorn did not answer /healthz within 30 s")


def stop_process_group(process: subprocess.Popen | None) -> None:
    if process is None or process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def drill_restart(cluster: Cluster, app_port: int, pages: list[str], cookie: str) -> bool:
    say("Step 1: PostgreSQL restarts while the app serves")
    for path in pages:
        status, where = get(app_port, path, cookie, location=True)
        say(f"  before: {path} answers {status}" + (f" (to {where})" if where else ""))
    traffic = Traffic(app_port, pages, cookie)
    traffic.start()
    time.sleep(1.5)
    down_at = time.monotonic()
    say("  pg_ctl restart -m fast ...")
    cluster.pg_ctl("-m", "fast", "restart")
    back_at = time.monotonic()
    say(f"  PostgreSQL is back after {back_at - down_at:.2f} s; requests go on for 4 s")
    time.sleep(4)
    traffic.stopping.set()
    traffic.join()
    during = Counter(o for began, _, o in traffic.records if down_at <= began < back_at)
    after = [(path, o) for began, path, o in traffic.records if began >= back_at]
    before = Counter(o for began, _, o in traffic.records if began < down_at)
    say(f"  while running before the restart: {dict(before)}")
    say(f"  while PostgreSQL restarted: {dict(during) or 'no request started'} (errors here are expected)")
    say(f"  after it was back: {dict(Counter(o for _, o in after))} over {len(after)} requests")
    failures = [f"{path} -> {o}" for path, o in after if o == "500" or not o.isdigit()]
    if failures:
        say(f"  FAIL: {len(failures)} failed requests after PostgreSQL was back, first: {failures[:3]}")
        return False
    say("  PASS: no 500 once PostgreSQL was back")
    return True


def drill_import(cluster: Cluster, env: dict, root: Path) -> bool:
    from bench.import_500 import plan_json

    say(f"Step 2: PostgreSQL stops in the middle of a {IMPORT_ACTIONS:,}-action import")
    plan_file = root / "large-plan.json"
    plan_file.write_bytes(plan_json(IMPORT_ACTIONS))
    count_sql = "SELECT (SELECT count(*) FROM plans_plan), (SELECT count(*) FROM plans_action)"
    plans_before = cluster.psql(DATABASE, count_sql)
    say(f"  plans | actions before: {plans_before}")
    importer = subprocess.Popen(  # noqa: S603
        [str(BIN / "python"), "manage.py", "import_plan", str(plan_file)],
        cwd=BASE_DIR,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        # Wait until the import's transaction has been open for a second (it is writing actions).
        deadline = time.monotonic() + 120
        while float(cluster.psql("postgres", OPEN_FOR_SQL) or 0) < 1.0:
            if importer.poll() is not None:
                say(f"  FAIL: the import finished before PostgreSQL could be stopped:\n{importer.stdout.read()}")
                return False
            if time.monotonic() > deadline:
                say("  FAIL: the import never opened its transaction")
                return False
            time.sleep(0.05)
        say("  the import's transaction has been open for 1 s: pg_ctl stop -m fast")
        cluster.pg_ctl("-m", "fast", "stop")
        code = importer.wait(timeout=60)
        output = importer.stdout.read().strip().splitlines()
        say(f"  the import exited with code {code}: {output[-1] if output else '(no output)'}")
    finally:
        stop_process_group(importer)
    say("  pg_ctl start")
    cluster.pg_ctl("start")
    plans_after = cluster.psql(DATABASE, count_sql)
    ok = code != 0 and plans_after == plans_before
    say(f"  plans | actions after: {plans_after} -> {'PASS: nothing committed' if ok else 'FAIL'}")
    started = time.monotonic()
    rerun = manage(env, "import_plan", str(plan_file), check=False)
    imported = cluster.psql(DATABASE, "SELECT count(*) FROM plans_action a JOIN plans_plan p ON p.id = a.plan_id "
                                      "WHERE p.slug = 'bench-import-500'")  # fmt: skip
    rerun_ok = rerun.returncode == 0 and imported == str(IMPORT_ACTIONS)
    say(
        f"  the rerun exited with code {rerun.returncode} in {time.monotonic() - started:.1f} s, "
        f"{imported} actions imported -> {'PASS' if rerun_ok else 'FAIL: ' + (rerun.stderr or rerun.stdout)[-300:]}"
    )
    return ok and rerun_ok


def main() -> int:
    root = Path(tempfile.mkdtemp(prefix="tracker-drill-"))
    cluster = Cluster(root, free_port())
    server = None
    results: dict[str, bool] = {}
    try:
        say(f"PostgreSQL {cluster.bin.parts[-2]}: initdb in {root}, port {cluster.port}")
        cluster.create()
        static_root = root / "static"
        env = app_env(cluster.port, static_root)
        manage(env, "migrate", "--no-input")
        manage(env, "createcachetable")
        manage(env, "loaddata", "seed_plan", "seed_board", "seed_measures")
        manage(env, "collectstatic", "--no-input")
        say("migrated (and the cache table made), seed plan loaded, static files collected")
        cookie = manage(env, "shell", "-c", SESSION_SCRIPT % SEED).stdout.strip().splitlines()[-1]
        app_port = free_port()
        server = start_gunicorn(env, app_port)
        say(f"gunicorn (2 workers, CONN_MAX_AGE=60, CONN_HEALTH_CHECKS on) answers on 127.0.0.1:{app_port}")
        pages = ["/healthz", "/accounts/login/", f"/plans/{SEED}/", f"/plans/{SEED}/dashboard/"]
        results["restart while serving"] = drill_restart(cluster, app_port, pages, cookie)
        results["stop during an import"] = drill_import(cluster, env, root)
        statuses = Counter(get(app_port, path, cookie) for path in pages)
        results["serving after the drill"] = 500 not in statuses
        say(f"the app after the drill: {dict(statuses)}")
    except subprocess.CalledProcessError as error:
        say(f"FAIL: {' '.join(map(str, error.cmd))[:200]} exited {error.returncode}: {(error.stderr or '')[-500:]}")
        results["setup"] = False
    finally:
        stop_process_group(server)
        cluster.destroy()
        shutil.rmtree(root, ignore_errors=True)
        say("cleaned up: gunicorn stopped, cluster stopped, temporary directory removed")
    print(json.dumps({"drill": {name: "pass" if ok else "FAIL" for name, ok in results.items()}}, indent=2))
    return 0 if results and all(results.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
