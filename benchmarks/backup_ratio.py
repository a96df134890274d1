"""Lifeboat's backup and restore next to plain pg_dump -Fc and pg_restore (issue 2's targets).

    .venv/bin/python benchmarks/backup_ratio.py [--size-mb 1000] [--repeat 3] [--keep DIR]

Zero-config: it starts its own throwaway PostgreSQL cluster (the system's
server programs, desktop/core/localpg/cluster.py) in a temporary folder, fills a
database of about --size-mb MB, and removes everything at the end. `--keep
DIR` keeps the cluster in DIR (reachable by the `postgres` account when run
as root, e.g. under /var/tmp) and reuses its data on the next run.

Why the data looks like this: pgbench's tables are mostly blank padding and
compress about 50:1, which would flatter any compressor and hide the cost of
encryption. These rows look like an application's (customers, orders,
events): names and statuses from short lists, amounts, timestamps, a small
jsonb per row, and random hex (API keys, tracking codes, UUIDs) that no
compressor can shrink. The mix dumps at about 3:1 with plain `pg_dump -Fc`
(printed below as the reference), like real business data. It is generated
on the server with generate_series, a few tables loaded in parallel, then
VACUUM FREEZE so no timed run pays for setting hint bits.

What is measured, in the same run, alternating which goes first, --repeat
times, medians reported:
- backup: `pg_dump -Fc -f FILE` (the same pg_dump binary Lifeboat picks)
  against `lifeboat backup PROFILE` (pg_dump -Z0 -> zstd -> Fernet -> file,
  plus exact row counts in the dump's snapshot);
- restore: `pg_restore -d NEWDB FILE` from the plain -Fc file into a fresh
  empty database (created before the clock starts) against `lifeboat
  restore ID --into PROFILE --create` (creates the database, restores in one
  transaction, then counts every table's rows against the manifest);
- Lifeboat's peak memory: the kernel's high-water mark (VmHWM in
  /proc/self/status; ru_maxrss elsewhere) of the Lifeboat process itself,
  which writes it to a file as it exits. pg_dump and pg_restore are separate
  processes and not included. Lifeboat runs as a child process through its
  CLI, exactly as a user or a scheduler runs it; its keyring is the
  test-only file backend tests/keyrings.FileKeyring.
Before each timed step the server takes a CHECKPOINT and the OS syncs, so no
run pays for the previous one's dirty pages.

It measures and does not judge: the exit status is 0 whatever the figures
(PASS/MISS is printed), non-zero only when a step crashed.
"""
import argparse
import json
import os
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import psycopg

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from desktop.core.localpg.cluster import LocalCluster  # noqa: E402
from desktop.core.localpg.server_programs import find_server_bin_dirs  # noqa: E402
from desktop.core.postgres.snapshot import count_rows, list_tables  # noqa: E402
from desktop.core.postgres.tools import PgTools, tools_for_server  # noqa: E402

DBNAME = "bench"
PLAIN_TARGET = "bench_restore_plain"
LIFEBOAT_TARGET = "bench_restore_lifeboat"
# Bump when the generated data changes, so a kept cluster is refilled.
DATA_VERSION = 1
# Rows in `orders` per MB of database (measured: 200,000 orders -> 136 MB
# with customers at 1/10 and events at 2x, indexes included).
ORDERS_PER_MB = 1470
MB = 1_000_000
TARGETS = {"backup": 1.0, "restore": 1.05}
PEAK_TARGET_MB = 150

SCHEMA_SQL = """
CREATE TABLE customers (
  id bigint PRIMARY KEY, full_name text NOT NULL, email text NOT NULL,
  country char(2) NOT NULL, created_at timestamptz NOT NULL,
  balance numeric(12,2) NOT NULL, api_key text NOT NULL);
CREATE TABLE orders (
  id bigint PRIMARY KEY, customer_id bigint NOT NULL, status text NOT NULL,
  placed_at timestamptz NOT NULL, amount numeric(10,2) NOT NULL,
  tracking_code text NOT NULL, attrs jsonb NOT NULL);
CREATE TABLE events (
  id bigint PRIMARY KEY, order_id bigint NOT NULL, kind text NOT NULL,
  at timestamptz NOT NULL, session_id uuid NOT NULL, detail jsonb NOT NULL);
"""

# {n} is the number of orders; each statement runs on its own connection.
FILL_SQL = [
    """INSERT INTO customers SELECT i,
  (ARRAY['Anna','Ben','Chloé','David','Emma','Farid','Grace','Hugo','Ines','Jonas','Kenji','Lena',
         'Marco','Nina','Omar','Priya','Quentin','Rosa','Sven','Tomás','Uma','Victor','Wen','Yusuf',
         'Zoe'])[1 + floor(random() * 25)::int] || ' ' ||
  (ARRAY['Smith','Müller','García','Rossi','Dubois','Kowalski','Nguyen','Tanaka','Silva','Johansson',
         'Okafor','Novak','Haddad','Petrov','Costa','Murphy'])[1 + floor(random() * 16)::int],
  'user' || i || '.' || substr(md5(random()::text), 1, 6) || '@' ||
  (ARRAY['example.com','mail.test','corp.example','shop.example'])[1 + floor(random() * 4)::int],
  (ARRAY['DE','FR','US','GB','JP','BR','IN','PL','SE','NG'])[1 + floor(random() * 10)::int],
  timestamptz '2015-01-01' + random() * interval '9 years',
  round((random() * 10000)::numeric, 2),
  md5(random()::text) || md5(random()::text)
FROM generate_series(1, {n} / 10) AS i""",
    """INSERT INTO orders SELECT i,
  1 + floor(random() * ({n} / 10))::bigint,
  (ARRAY['pending','paid','shipped','delivered','cancelled','refunded'])[1 + floor(random() * 6)::int],
  timestamptz '2018-01-01' + random() * interval '6 years',
  round((random() * 500)::numeric, 2),
  upper(substr(md5(random()::text), 1, 20)),
  jsonb_build_object('sku', 'SKU-' || floor(random() * 100000)::int,
                     'qty', 1 + floor(random() * 9)::int,
                     'gift', random() < 0.1,
                     'channel', (ARRAY['web','app','phone','store'])[1 + floor(random() * 4)::int])
FROM generate_series(1, {n}) AS i""",
    """INSERT INTO events SELECT i,
  1 + floor(random() * {n})::bigint,
  (ARRAY['created','viewed','paid','packed','shipped','emailed','returned'])[1 + floor(random() * 7)::int],
  timestamptz '2018-01-01' + random() * interval '6 years',
  md5(random()::text)::uuid,
  jsonb_build_object('ip', '10.' || floor(random() * 256)::int || '.' || floor(random() * 256)::int
                           || '.' || floor(random() * 256)::int,
                     'agent', (ARRAY['Firefox/128.0','Chrome/126.0','Safari/17.5','Edge/126.0'])
                              [1 + floor(random() * 4)::int],
                     'ms', floor(random() * 2000)::int,
                     'note', substr(md5(random()::text), 1, 16))
FROM generate_series(1, {n} * 2) AS i""",
]

FINISH_SQL = [
    "ALTER TABLE orders ADD FOREIGN KEY (customer_id) REFERENCES customers",
    "CREATE INDEX ON orders (customer_id)",
    "CREATE INDEX ON events (order_id)",
    "VACUUM (FREEZE, ANALYZE)",
]

# As a child process exits, writes to $LIFEBOAT_BENCH_STATS_FILE its own
# peak RSS (bytes) and CPU seconds (user + system), children (pg_dump,
# pg_restore) not included. VmHWM rather than ru_maxrss on Linux: a child
# started by vfork+exec inherits its parent's high-water mark in ru_maxrss,
# which would count the benchmark's own memory.
STATS_AT_EXIT = r"""
import atexit, json, os, re, sys

def _peak():
    try:
        with open("/proc/self/status") as status:
            return int(re.search(r"VmHWM:\s+(\d+) kB", status.read()).group(1)) * 1024
    except (OSError, AttributeError):
        import resource
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return peak if sys.platform == "darwin" else peak * 1024

def _write_stats():
    times = os.times()
    with open(os.environ["LIFEBOAT_BENCH_STATS_FILE"], "w") as out:
        json.dump({"peak": _peak(), "cpu": times.user + times.system}, out)

atexit.register(_write_stats)
"""
# Runs the real CLI (the `lifeboat` command's entry), with STATS_AT_EXIT.
CLI_RUNNER = STATS_AT_EXIT + """
from desktop.__main__ import main
sys.exit(main())
"""


class StepFailed(Exception):
    def __init__(self, message: str, seconds: float = 0.0):
        super().__init__(message)
        self.seconds = seconds  # how long the failed step ran


# --- the cluster and its data --------------------------------------------------

@dataclass
class Setup:
    cluster: LocalCluster
    tools: PgTools | None
    keep: bool


def open_cluster(keep_dir: Path | None, work: Path, size_mb: int, dbname: str = DBNAME,
                 build: Callable[[LocalCluster, int], None] | None = None, data_version: int = DATA_VERSION,
                 bin_dir: Path | None = None) -> Setup:
    """The cluster (the newest system server, or `bin_dir`'s) with database `dbname` of
    about size_mb MB, made by `build` (default: build_database)."""
    bin_dirs = [bin_dir] if bin_dir else find_server_bin_dirs()
    if not bin_dirs:
        raise StepFailed("No PostgreSQL server programs found (initdb, pg_ctl, postgres): "
                         "run packaging/install-deps or apt-get install postgresql.")
    if keep_dir:
        keep_dir = keep_dir.absolute()
        keep_dir.mkdir(parents=True, exist_ok=True)
    home = keep_dir or work
    meta_file = home / "benchmark.json"
    meta = json.loads(meta_file.read_text()) if meta_file.exists() else {}
    password = meta.get("password") or secrets.token_urlsafe(24)
    requested = home / "pgdata"
    cluster = LocalCluster(bin_dirs[0], requested, password=password, fast=True).start()
    if keep_dir and cluster.data_dir != requested:
        cluster.destroy()
        raise StepFailed(f"--keep {keep_dir}: the postgres account cannot reach that folder, so the "
                         "cluster could not live there. Choose one it can reach, e.g. under /var/tmp.")
    setup = Setup(cluster, tools=None, keep=keep_dir is not None)
    wanted = {"size_mb": size_mb, "data_version": data_version}
    try:
        if meta.get(dbname) != wanted:
            (build or build_database)(cluster, size_mb)
            meta.update({"password": password, dbname: wanted})
            fd = os.open(meta_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w") as out:
                json.dump(meta, out)
        else:
            print(f"Reusing the {size_mb} MB database {dbname} kept in {keep_dir}.")
        with psycopg.connect(cluster.conninfo(dbname)) as conn:
            setup.tools = tools_for_server(conn.info.server_version)
    except BaseException:
        close_cluster(setup)
        raise
    return setup


def close_cluster(setup: Setup) -> None:
    if setup.keep:
        setup.cluster.stop()
    else:
        setup.cluster.destroy()


def build_database(cluster: LocalCluster, size_mb: int) -> None:
    fill_database(cluster, DBNAME, SCHEMA_SQL, FILL_SQL, FINISH_SQL, max(1000, size_mb * ORDERS_PER_MB), size_mb)


def fill_database(cluster: LocalCluster, dbname: str, schema: str, fills: list[str], finish: list[str],
                  n: int, size_mb: int) -> None:
    """Creates `dbname` afresh: `schema`, then the `fills` ({n} filled in) in parallel, then `finish`."""
    started = time.perf_counter()
    print(f"Generating a ~{size_mb} MB database {dbname}...", flush=True)
    cluster.drop_database(dbname)
    cluster.create_database(dbname)
    with psycopg.connect(cluster.conninfo(dbname), autocommit=True) as conn:
        conn.execute(schema)
    errors: list[BaseException] = []

    def fill(statement: str) -> None:
        try:
            with psycopg.connect(cluster.conninfo(dbname), autocommit=True) as conn:
                conn.execute(statement.format(n=n))
        except BaseException as exc:  # re-raised below, on the main thread
            errors.append(exc)

    threads = [threading.Thread(target=fill, args=(sql,)) for sql in fills]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    with psycopg.connect(cluster.conninfo(dbname), autocommit=True) as conn:
        for statement in finish:
            conn.execute(statement)
    print(f"  generated in {time.perf_counter() - started:.0f} s", flush=True)


def database_facts(cluster: LocalCluster, dbname: str = DBNAME) -> tuple[int, int, str]:
    """(size in bytes, total rows, server version)."""
    with psycopg.connect(cluster.conninfo(dbname)) as conn:
        size = conn.execute("SELECT pg_database_size(current_database())").fetchone()[0]
        rows = sum(count_rows(conn, list_tables(conn)).values())
        version = conn.execute("SHOW server_version").fetchone()[0]
    return size, rows, version


def settle(cluster: LocalCluster) -> None:
    """Flush the previous step's dirty pages before the clock starts."""
    with psycopg.connect(cluster.conninfo(), autocommit=True) as conn:
        conn.execute("CHECKPOINT")
    os.sync()


# --- running the tools --------------------------------------------------------------

def timed(argv: list, env: dict, stdin: str | None = None) -> tuple[float, str]:
    started = time.perf_counter()
    result = subprocess.run([str(a) for a in argv], env=env, input=stdin, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if result.returncode != 0:
        raise StepFailed(f"{' '.join(str(a) for a in argv[:3])}... exited {result.returncode}:\n"
                         f"{result.stderr[-3000:]}", seconds)
    return seconds, result.stdout


def uncompressed_dump_size(setup: Setup) -> int:
    """Bytes of `pg_dump -Fc -Z0`: the reference for the compression ratio
    (and an untimed first read that brings the tables into the page cache)."""
    with setup.cluster.client_env(DBNAME) as env:
        proc = subprocess.Popen([str(setup.tools.pg_dump), "-Fc", "-Z0"], env=env,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        size = 0
        while block := proc.stdout.read(1 << 20):
            size += len(block)
        stderr = proc.stderr.read().decode(errors="replace")
        if proc.wait() != 0:
            raise StepFailed(f"pg_dump -Z0 failed:\n{stderr[-3000:]}")
    return size


class Lifeboat:
    """`lifeboat` as a child process with its own LIFEBOAT_HOME and keyring."""

    def __init__(self, work: Path):
        self.home = work / "lifeboat-home"
        self._stats_file = work / "lifeboat-stats.json"
        env = {k: v for k, v in os.environ.items() if not k.startswith(("PG", "LIFEBOAT_"))}
        env.update(
            LIFEBOAT_HOME=str(self.home),
            PYTHON_KEYRING_BACKEND="tests.keyrings.FileKeyring",
            LIFEBOAT_TEST_KEYRING_FILE=str(work / "keyring.json"),
            LIFEBOAT_BENCH_STATS_FILE=str(self._stats_file),
            PYTHONPATH=os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])),
        )
        # An installed Lifeboat starts from compiled bytecode; without it every
        # run would compile ~200 modules again (0.1-0.2 s) and time that too.
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        self.env = env

    def run(self, *args: str, stdin: str | None = None, runner: str = CLI_RUNNER) -> tuple[float, str, dict]:
        """(seconds, stdout, {"peak": bytes, "cpu": seconds} of the Lifeboat process itself)."""
        self._stats_file.unlink(missing_ok=True)
        seconds, out = timed([sys.executable, "-c", runner, *args], self.env, stdin)
        return seconds, out, json.loads(self._stats_file.read_text())

    def add_profile(self, name: str, cluster: LocalCluster, dbname: str) -> None:
        self.run("profile", "add", name, "--host", cluster.host, "--port", str(cluster.port),
                 "--dbname", dbname, "--user", cluster.superuser, "--env", "development",
                 "--password-stdin", stdin=cluster.password + "\n")


# --- one round ----------------------------------------------------------------------

@dataclass
class Figures:
    seconds: dict[str, list[float]] = field(default_factory=lambda: {
        "plain backup": [], "lifeboat backup": [], "plain restore": [], "lifeboat restore": []})
    # The Lifeboat process's own {"peak": bytes, "cpu": seconds}, per job.
    stats: dict[str, list[dict]] = field(default_factory=lambda: {"backup": [], "restore": []})
    plain_size: int = 0
    lifeboat_size: int = 0


def plain_backup(setup: Setup, path: Path, figures: Figures) -> None:
    with setup.cluster.client_env(DBNAME) as env:
        seconds, _ = timed([setup.tools.pg_dump, "-Fc", "-f", path], env)
    figures.seconds["plain backup"].append(seconds)
    figures.plain_size = path.stat().st_size


def lifeboat_backup(lifeboat: Lifeboat, figures: Figures) -> str:
    seconds, out, stats = lifeboat.run("backup", "bench")
    backup_id = out.strip().splitlines()[-1]
    _, shown, _ = lifeboat.run("show", backup_id, "--json")
    figures.seconds["lifeboat backup"].append(seconds)
    figures.stats["backup"].append(stats)
    figures.lifeboat_size = json.loads(shown)["size_bytes"]
    return backup_id


def plain_restore(setup: Setup, path: Path, figures: Figures) -> None:
    setup.cluster.drop_database(PLAIN_TARGET)
    setup.cluster.create_database(PLAIN_TARGET)
    settle(setup.cluster)
    with setup.cluster.client_env(PLAIN_TARGET) as env:
        seconds, _ = timed([setup.tools.pg_restore, "-d", PLAIN_TARGET, path], env)
    figures.seconds["plain restore"].append(seconds)
    setup.cluster.drop_database(PLAIN_TARGET)


def lifeboat_restore(setup: Setup, lifeboat: Lifeboat, backup_id: str, figures: Figures) -> None:
    setup.cluster.drop_database(LIFEBOAT_TARGET)
    settle(setup.cluster)
    seconds, _, stats = lifeboat.run("restore", backup_id, "--into", "target", "--create")
    figures.seconds["lifeboat restore"].append(seconds)
    figures.stats["restore"].append(stats)
    setup.cluster.drop_database(LIFEBOAT_TARGET)


def run_round(number: int, setup: Setup, lifeboat: Lifeboat, work: Path, figures: Figures) -> None:
    plain_file = work / f"plain-{number}.dump"
    lifeboat_first = number % 2 == 1
    backup_id = ""

    def backup_plain() -> None:
        settle(setup.cluster)
        plain_backup(setup, plain_file, figures)

    def backup_lifeboat() -> None:
        nonlocal backup_id
        settle(setup.cluster)
        backup_id = lifeboat_backup(lifeboat, figures)

    for step in ([backup_lifeboat, backup_plain] if lifeboat_first else [backup_plain, backup_lifeboat]):
        step()
    restores = [lambda: plain_restore(setup, plain_file, figures),
                lambda: lifeboat_restore(setup, lifeboat, backup_id, figures)]
    for step in (reversed(restores) if lifeboat_first else restores):
        step()
    plain_file.unlink()
    s = {name: values[-1] for name, values in figures.seconds.items()}
    print(f"  round {number + 1}: backup plain {s['plain backup']:.1f} s, lifeboat {s['lifeboat backup']:.1f} s;"
          f" restore plain {s['plain restore']:.1f} s, lifeboat {s['lifeboat restore']:.1f} s"
          f" (load average {os.getloadavg()[0]:.1f})", flush=True)


# --- the report ----------------------------------------------------------------------

def verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


def spread(values: list[float]) -> str:
    return f"{min(values):.1f}-{max(values):.1f}"


def report(figures: Figures, repeat: int) -> None:
    median = {name: statistics.median(values) for name, values in figures.seconds.items()}
    print()
    print(f"Medians of {repeat} rounds (range in brackets)")
    print(f"{'':9}{'plain (s)':>20}{'lifeboat (s)':>20}{'ratio':>7}{'target':>9}  result")
    for step, target in TARGETS.items():
        plain, ours = figures.seconds[f"plain {step}"], figures.seconds[f"lifeboat {step}"]
        ratio = median[f"lifeboat {step}"] / median[f"plain {step}"]
        print(f"{step:9}{median[f'plain {step}']:>8.1f} [{spread(plain):>9}]"
              f"{median[f'lifeboat {step}']:>8.1f} [{spread(ours):>9}]"
              f"{ratio:>7.2f}{'<= ' + format(target, '.2f'):>9}  {verdict(ratio <= target)}")
    print(f"{'file':9}{figures.plain_size / MB:>8.1f} MB{'':10}{figures.lifeboat_size / MB:>8.1f} MB{'':10}"
          f"{figures.lifeboat_size / figures.plain_size:>7.2f}   (plain -Fc vs Lifeboat's encrypted file)")
    for job, runs in figures.stats.items():
        peak_mb = max(run["peak"] for run in runs) / MB
        cpu = statistics.median(run["cpu"] for run in runs)
        print(f"Lifeboat {job}: peak RSS {peak_mb:.0f} MB (highest of {len(runs)} runs; target < "
              f"{PEAK_TARGET_MB} MB) {verdict(peak_mb < PEAK_TARGET_MB)}; "
              f"its own CPU {cpu:.1f} s (median, user + system)")


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mb", type=int, default=1000, help="database size in MB (default 1000)")
    parser.add_argument("--repeat", type=int, default=3, help="rounds; medians are reported (default 3)")
    parser.add_argument("--keep", type=Path, metavar="DIR",
                        help="keep the generated cluster in DIR and reuse it next time")
    args = parser.parse_args()
    if args.size_mb < 1 or args.repeat < 1:
        parser.error("--size-mb and --repeat must be 1 or more")
    return args


def benchmark(args: argparse.Namespace, work: Path) -> None:
    setup = open_cluster(args.keep, work, args.size_mb)
    try:
        size, rows, version = database_facts(setup.cluster)
        raw = uncompressed_dump_size(setup)
        lifeboat = Lifeboat(work)
        lifeboat.add_profile("bench", setup.cluster, DBNAME)
        lifeboat.add_profile("target", setup.cluster, LIFEBOAT_TARGET)
        print(f"Database: {size / MB:.0f} MB, {rows:,} rows in 3 tables, PostgreSQL {version}; "
              f"pg_dump/pg_restore {setup.tools.version} from {setup.tools.bin_dir}; "
              f"{os.cpu_count()} CPUs", flush=True)
        figures = Figures()
        for number in range(args.repeat):
            run_round(number, setup, lifeboat, work, figures)
        print(f"\nUncompressed dump (pg_dump -Fc -Z0): {raw / MB:.0f} MB; plain -Fc compresses it "
              f"{raw / figures.plain_size:.1f}:1, Lifeboat (zstd + Fernet) {raw / figures.lifeboat_size:.1f}:1")
        report(figures, args.repeat)
    finally:
        close_cluster(setup)


def run_in_scratch(name: str, benchmark, args) -> int:
    """benchmark(args, work) in a temporary folder removed afterwards; 1 when a step failed."""
    work = Path(tempfile.mkdtemp(prefix=f"lifeboat-{name}-"))
    try:
        benchmark(args, work)
    except StepFailed as exc:
        print(f"\n{name}: a step failed: {exc}", file=sys.stderr)
        return 1
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


def main() -> int:
    return run_in_scratch("backup_ratio", benchmark, parse_args())


if __name__ == "__main__":
    sys.exit(main())
