"""Lifeboat next to the best plain tools a well-informed user would run (issue 15's targets).

    .venv/bin/python benchmarks/plain_tools_ratio.py [--size-mb 700] [--repeat 3] [--keep DIR] [--three-tables]
        [--server-18]

Zero-config, like backup_ratio.py, whose throwaway cluster and runner it
reuses: the system's newest PostgreSQL server (Debian 12: 15, as in issue
15's figures), or with --server-18 the one Lifeboat's private server uses.
The database is issue 15's shape: seven tables (countries, a lookup;
customers; orders with a foreign key to customers; events with jsonb; notes,
wide text; readings, narrow integers; attachments, bytea), about 10 rows a
kilobyte. --three-tables measures backup_ratio.py's database instead.

Timed in the same run, the order rotating each round, --repeat rounds, medians:
- backup:  `pg_dump -Fc --compress=zstd:1 -f FILE` and `pg_dump -Fd -j2
  --compress=zstd:1 -f DIR` (the same pg_dump 18 Lifeboat picks; unencrypted)
  against `lifeboat backup` (encrypted, exact row counts kept);
- restore: `pg_restore -j2 -d NEW DIR` (from that -Fd dump) and `pg_restore
  -d NEW FILE` (one job) against `lifeboat restore ID --into P --create`
  (one transaction, every table's rows checked afterwards). Each target
  database is created empty before the clock starts, except Lifeboat's,
  whose --create is part of the job.
- Lifeboat's peak memory (its own process, as in backup_ratio.py).
- CPU seconds per step (medians): the tool's own processes (Lifeboat with
  its pg_dump or pg_restore; the plain tool with its workers), and the
  whole machine's (the server's processes too; Linux). With the server on
  the same two cores both cores are busy through most steps, so what a
  step costs in CPU decides its time there.
Before each timed step the server checkpoints and the OS syncs. Exit 0
whatever the figures; PASS/MISS is printed against the targets.
"""
import argparse
import json
import os
import resource
import shutil
import statistics
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from benchmarks.backup_ratio import (  # noqa: E402
    DBNAME,
    MB,
    Lifeboat,
    StepFailed,
    close_cluster,
    database_facts,
    fill_database,
    open_cluster,
    run_in_scratch,
    settle,
    spread,
    timed,
    verdict,
)
from desktop.core.localpg.private_server import server_bin_dir  # noqa: E402

SEVEN = "bench7"
DATA_VERSION = 2
# Orders per MB of the seven-table database (calibrated: 735,000 orders -> 510 MB).
ORDERS_PER_MB = 1440
SCHEMA_SQL = """
CREATE TABLE countries (code char(2) PRIMARY KEY, name text NOT NULL);
CREATE TABLE customers (id bigint PRIMARY KEY, full_name text NOT NULL, email text NOT NULL,
  country char(2) NOT NULL REFERENCES countries, created_at timestamptz NOT NULL);
CREATE TABLE orders (id bigint PRIMARY KEY, customer_id bigint NOT NULL, status text NOT NULL,
  placed_at timestamptz NOT NULL, amount numeric(10,2) NOT NULL);
CREATE TABLE events (id bigint PRIMARY KEY, order_id bigint NOT NULL, at timestamptz NOT NULL, detail jsonb NOT NULL);
CREATE TABLE notes (id bigint PRIMARY KEY, customer_id bigint NOT NULL, body text NOT NULL);
CREATE TABLE readings (sensor int NOT NULL, t int NOT NULL, v smallint NOT NULL);
CREATE TABLE attachments (id bigint PRIMARY KEY, order_id bigint NOT NULL, content bytea NOT NULL);
INSERT INTO countries SELECT chr(65 + i / 26) || chr(65 + i % 26), 'Country ' || i FROM generate_series(0, 249) i;
"""
FILL_SQL = [
    """INSERT INTO customers SELECT i, 'Name ' || md5(i::text), 'user' || i || '@example.com',
  chr(65 + (i % 250) / 26) || chr(65 + (i % 250) % 26), timestamptz '2015-01-01' + random() * interval '9 years'
FROM generate_series(1, {n} / 10) i""",
    """INSERT INTO orders SELECT i, 1 + floor(random() * ({n} / 10))::bigint,
  (ARRAY['pending','paid','shipped','delivered'])[1 + floor(random() * 4)::int],
  timestamptz '2018-01-01' + random() * interval '6 years', round((random() * 500)::numeric, 2)
FROM generate_series(1, {n}) i""",
    """INSERT INTO events SELECT i, 1 + floor(random() * {n})::bigint,
  timestamptz '2018-01-01' + random() * interval '6 years',
  jsonb_build_object('ip', '10.0.' || floor(random() * 256)::int || '.' || floor(random() * 256)::int,
                     'ms', floor(random() * 2000)::int, 'note', substr(md5(random()::text), 1, 12))
FROM generate_series(1, {n} * 2) i""",
    """INSERT INTO notes SELECT i, 1 + floor(random() * ({n} / 10))::bigint,
  repeat('Called the customer about order ' || i || '; ', 8) || md5(random()::text)
FROM generate_series(1, {n} / 5) i""",
    """INSERT INTO readings SELECT 1 + i % 500, i, floor(random() * 30000)::smallint
FROM generate_series(1, {n} * 3) i""",
    """INSERT INTO attachments SELECT i, 1 + floor(random() * {n})::bigint,
  decode(repeat(md5(random()::text), 16), 'hex') || decode(md5(random()::text), 'hex')
FROM generate_series(1, {n} / 20) i""",
]
FINISH_SQL = [
    "ALTER TABLE orders ADD FOREIGN KEY (customer_id) REFERENCES customers",
    "CREATE INDEX ON orders (customer_id)",
    "CREATE INDEX ON events (order_id)",
    "VACUUM (FREEZE, ANALYZE)",
]
TARGETS = {  # (Lifeboat's step, the plain step, target ratio)
    "backup vs -Fc zstd:1": ("lifeboat backup", "pg_dump -Fc zstd:1", 1.0),
    "backup vs -Fd -j2 zstd:1 (stretch)": ("lifeboat backup", "pg_dump -Fd -j2 zstd:1", 1.0),
    "restore vs pg_restore -j2": ("lifeboat restore", "pg_restore -j2", 1.1),
    "restore vs pg_restore, one job": ("lifeboat restore", "pg_restore", 1.0),
}
PEAK_TARGET_MB = 150


def build_seven(cluster, size_mb: int) -> None:
    fill_database(cluster, SEVEN, SCHEMA_SQL, FILL_SQL, FINISH_SQL, max(1000, size_mb * ORDERS_PER_MB), size_mb)


class Round:
    def __init__(self, setup, lifeboat: Lifeboat, dbname: str, work: Path):
        self.setup, self.lifeboat, self.dbname, self.work = setup, lifeboat, dbname, work
        self.seconds: dict[str, list[float]] = {}
        self.cpu: dict[str, list[tuple[float, float]]] = {}  # (the tool's processes, the machine)
        self.peaks: dict[str, list[int]] = {"backup": [], "restore": []}
        self.sizes: dict[str, int] = {}
        self.backup_id = ""

    def record(self, name: str, seconds: float, before: tuple[float, float]) -> None:
        self.seconds.setdefault(name, []).append(seconds)
        after = cpu_seconds()
        self.cpu.setdefault(name, []).append((after[0] - before[0], after[1] - before[1]))

    def pg_tool(self, name: str, dbname: str, *argv) -> None:
        settle(self.setup.cluster)
        before = cpu_seconds()
        with self.setup.cluster.client_env(dbname) as env:
            try:
                seconds, _ = timed(list(argv), env)
            except StepFailed as exc:
                seconds = _only_transaction_timeout(exc)
        self.record(name, seconds, before)

    def backups(self) -> list:
        tools = self.setup.tools
        fc, fd = self.work / "plain.dump", self.work / "plain.dir"
        return [
            lambda: self.pg_tool("pg_dump -Fc zstd:1", self.dbname, tools.pg_dump, "-Fc", "--compress=zstd:1",
                                 "-f", fc),
            lambda: self.pg_tool("pg_dump -Fd -j2 zstd:1", self.dbname, tools.pg_dump, "-Fd", "-j2",
                                 "--compress=zstd:1", "-f", fd),
            self.lifeboat_backup,
        ]

    def restores(self) -> list:
        return [
            lambda: self.pg_restore("pg_restore -j2", "-j2", self.work / "plain.dir"),
            lambda: self.pg_restore("pg_restore", self.work / "plain.dump"),
            self.lifeboat_restore,
        ]

    def lifeboat_backup(self) -> None:
        settle(self.setup.cluster)
        before = cpu_seconds()
        seconds, out, stats = self.lifeboat.run("backup", "source")
        self.record("lifeboat backup", seconds, before)
        self.peaks["backup"].append(stats["peak"])
        self.backup_id = out.strip().splitlines()[-1]
        _, shown, _ = self.lifeboat.run("show", self.backup_id, "--json")
        self.sizes["lifeboat"] = json.loads(shown)["size_bytes"]

    def pg_restore(self, name: str, *args) -> None:
        cluster = self.setup.cluster
        cluster.drop_database("bench_target")
        cluster.create_database("bench_target")
        self.pg_tool(name, "bench_target", self.setup.tools.pg_restore, "-d", "bench_target", *args)
        cluster.drop_database("bench_target")

    def lifeboat_restore(self) -> None:
        cluster = self.setup.cluster
        cluster.drop_database("bench_target")
        settle(cluster)
        before = cpu_seconds()
        seconds, _, stats = self.lifeboat.run("restore", self.backup_id, "--into", "target", "--create")
        self.record("lifeboat restore", seconds, before)
        self.peaks["restore"].append(stats["peak"])
        cluster.drop_database("bench_target")

    def run(self, number: int) -> None:
        for steps in (self.backups(), self.restores()):
            shift = number % len(steps)
            for step in steps[shift:] + steps[:shift]:
                step()
        self.sizes["pg_dump -Fc zstd:1"] = (self.work / "plain.dump").stat().st_size
        (self.work / "plain.dump").unlink()
        shutil.rmtree(self.work / "plain.dir")
        latest = ", ".join(f"{name} {values[-1]:.1f} s" for name, values in self.seconds.items())
        print(f"  round {number + 1}: {latest} (load average {os.getloadavg()[0]:.1f})", flush=True)


def cpu_seconds() -> tuple[float, float]:
    """CPU seconds so far of this process's finished children and their own (a tool
    and the processes it waited for), and of the whole machine (0 where there is
    no /proc/stat)."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    try:
        with open("/proc/stat") as stat:
            ticks = [int(n) for n in stat.readline().split()[1:]]
        busy = (sum(ticks) - ticks[3] - ticks[4]) / os.sysconf("SC_CLK_TCK")  # all but idle and iowait
    except OSError:
        busy = 0.0
    return children.ru_utime + children.ru_stime, busy


def _only_transaction_timeout(exc: StepFailed) -> float:
    """pg_restore 18 into an older server fails on `SET transaction_timeout`
    alone, ignores it and restores everything else: the plain tool's time
    counts (as a user would see it); any other error stops the benchmark."""
    errors = [line for line in str(exc).splitlines() if "ERROR:" in line]
    if not errors or any("transaction_timeout" not in line for line in errors):
        raise exc
    return exc.seconds


def report(figures: Round, repeat: int) -> None:
    median = {name: statistics.median(values) for name, values in figures.seconds.items()}
    print(f"\nMedians of {repeat} rounds (range in brackets); CPU seconds: the tool's processes / the machine's")
    for name, values in figures.seconds.items():
        tool, machine = (statistics.median(part) for part in zip(*figures.cpu[name]))
        print(f"  {name:26}{median[name]:>7.2f} s [{spread(values)}]   CPU {tool:5.2f} / {machine:5.2f}")
    print(f"\n{'':38}{'ratio':>7}{'target':>9}  result")
    for label, (ours, plain, target) in TARGETS.items():
        ratio = median[ours] / median[plain]
        print(f"{label:38}{ratio:>7.2f}{'<= ' + format(target, '.2f'):>9}  {verdict(ratio <= target)}")
    size_ratio = figures.sizes["lifeboat"] / figures.sizes["pg_dump -Fc zstd:1"]
    print(f"{'file size vs -Fc zstd:1 (encrypted)':38}{size_ratio:>7.3f}{'<= 1.02':>9}  {verdict(size_ratio <= 1.02)}"
          f"   ({figures.sizes['lifeboat'] / MB:.1f} MB against {figures.sizes['pg_dump -Fc zstd:1'] / MB:.1f} MB)")
    for job, peaks in figures.peaks.items():
        peak_mb = max(peaks) / MB
        print(f"Lifeboat {job}: peak RSS {peak_mb:.0f} MB (highest of {len(peaks)}; target <= {PEAK_TARGET_MB} MB)"
              f" {verdict(peak_mb <= PEAK_TARGET_MB)}")


PHASE_LINES = ("split backup: ", "restore beside: ", "restore check: ")


def print_phase_lines(lifeboat: Lifeboat) -> None:
    """Where the time went, from Lifeboat's log: how each backup was split between
    two pg_dumps (jobs/split_dump.py), each restore's phases and its check."""
    for log in lifeboat.home.rglob("lifeboat.log"):
        for line in log.read_text().splitlines():
            for phase in PHASE_LINES:
                if phase in line:
                    print(phase + line.split(phase, 1)[1])


def benchmark(args: argparse.Namespace, work: Path) -> None:
    dbname = DBNAME if args.three_tables else SEVEN
    seven = {} if args.three_tables else {"dbname": SEVEN, "build": build_seven, "data_version": DATA_VERSION}
    setup = open_cluster(args.keep, work, args.size_mb, bin_dir=server_bin_dir() if args.server_18 else None, **seven)
    try:
        size, rows, version = database_facts(setup.cluster, dbname)
        lifeboat = Lifeboat(work)
        lifeboat.add_profile("source", setup.cluster, dbname)
        lifeboat.add_profile("target", setup.cluster, "bench_target")
        print(f"Database {dbname}: {size / MB:.0f} MB, {rows:,} rows, PostgreSQL {version}; "
              f"pg_dump/pg_restore {setup.tools.version}; {os.cpu_count()} CPUs", flush=True)
        figures = Round(setup, lifeboat, dbname, work)
        for number in range(args.repeat):
            figures.run(number)
        report(figures, args.repeat)
        print_phase_lines(lifeboat)
    finally:
        close_cluster(setup)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mb", type=int, default=700, help="database size in MB (default 700)")
    parser.add_argument("--repeat", type=int, default=3, help="rounds; medians are reported (default 3)")
    parser.add_argument("--keep", type=Path, metavar="DIR", help="keep the cluster in DIR and reuse it")
    parser.add_argument("--three-tables", action="store_true", help="backup_ratio.py's database instead")
    parser.add_argument("--server-18", action="store_true",
                        help="the server from build/pgtools (PostgreSQL 18) instead of the system's; "
                             "with --keep, a folder of its own")
    args = parser.parse_args()
    if args.size_mb < 1 or args.repeat < 1:
        parser.error("--size-mb and --repeat must be 1 or more")
    return args


def main() -> int:
    return run_in_scratch("plain_tools_ratio", benchmark, parse_args())


if __name__ == "__main__":
    sys.exit(main())
