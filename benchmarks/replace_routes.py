"""`lifeboat restore --replace` into a drifted development database, by its two routes.

    .venv/bin/python benchmarks/replace_routes.py [--size-mb 700] [--repeat 3] [--keep DIR] [--server-18]

The database is plain_tools_ratio.py's (seven tables), and so is the cluster
(--keep reuses it). Its backup is restored once into `bench_target`; each
round then drifts that target (a seventh of one table's rows deleted, a
table added) and times, the order rotating:
- `lifeboat restore ID --into target --replace` as it goes for a development
  database nothing else uses: built beside and swapped (jobs/restore/swap.py);
- the same with a setting of the database's own (ALTER DATABASE ... SET),
  which keeps the replace in place, in one transaction;
- what the manual guide does by hand: drop the database, create it, then
  `pg_restore -j2` from a `-Fd -j2 --compress=zstd:1` dump of the source
  (psql -c for the first two: the bundled tools have no dropdb/createdb).
Medians of --repeat rounds, and each route's ratio to the hand-made one.
Exit 0 whatever the figures.
"""
import argparse
import statistics
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from benchmarks.backup_ratio import Lifeboat, StepFailed, close_cluster, open_cluster, run_in_scratch, settle, timed  # noqa: E402,E501
from benchmarks.plain_tools_ratio import DATA_VERSION, SEVEN, build_seven  # noqa: E402
from desktop.core.localpg.private_server import server_bin_dir  # noqa: E402

TARGET = "bench_target"
DRIFT = ("DELETE FROM readings WHERE sensor % 7 = 0; DROP TABLE IF EXISTS drift; "
         "CREATE TABLE drift AS SELECT generate_series(1, 100000) AS a;")
ROUTES = ("swapped", "in place", "drop, create, pg_restore -j2")


def benchmark(args: argparse.Namespace, work: Path) -> None:
    setup = open_cluster(args.keep, work, args.size_mb, bin_dir=server_bin_dir() if args.server_18 else None,
                         dbname=SEVEN, build=build_seven, data_version=DATA_VERSION)
    cluster, tools = setup.cluster, setup.tools
    try:
        lifeboat = Lifeboat(work)
        lifeboat.add_profile("source", cluster, SEVEN)
        lifeboat.add_profile("target", cluster, TARGET)
        backup_id = lifeboat.run("backup", "source")[1].strip().splitlines()[-1]
        with cluster.client_env(SEVEN) as env:
            timed([tools.pg_dump, "-Fd", "-j2", "--compress=zstd:1", "-f", work / "plain.dir"], env)
        cluster.drop_database(TARGET)
        lifeboat.run("restore", backup_id, "--into", "target", "--create")
        seconds: dict[str, list[float]] = {route: [] for route in ROUTES}

        def lifeboat_replace(route: str) -> float:
            setting = "RESET work_mem" if route == "swapped" else "SET work_mem = '7MB'"
            cluster.run_psql("postgres", f"ALTER DATABASE {TARGET} {setting}")
            settle(cluster)
            return lifeboat.run("restore", backup_id, "--into", "target", "--replace")[0]

        def by_hand() -> float:
            settle(cluster)
            with cluster.client_env(TARGET) as env:
                drop, _ = timed([tools.psql, "-X", "-d", "postgres", "-c", f"DROP DATABASE {TARGET}"], env)
                create, _ = timed([tools.psql, "-X", "-d", "postgres", "-c", f"CREATE DATABASE {TARGET}"], env)
                try:
                    restore, _ = timed([tools.pg_restore, "-j2", "-d", TARGET, work / "plain.dir"], env)
                except StepFailed as exc:  # pg_restore 18 into 15: only SET transaction_timeout refused
                    restore = exc.seconds
            return drop + create + restore

        for number in range(args.repeat):
            for route in ROUTES[number % 3:] + ROUTES[:number % 3]:
                cluster.run_psql(TARGET, DRIFT)
                seconds[route].append(by_hand() if route == ROUTES[2] else lifeboat_replace(route))
            print(f"  round {number + 1}: " + ", ".join(f"{r} {v[-1]:.2f} s" for r, v in seconds.items()), flush=True)
        plain = statistics.median(seconds[ROUTES[2]])
        print(f"\nMedians of {args.repeat} rounds")
        for route, values in seconds.items():
            median = statistics.median(values)
            print(f"  {route:38}{median:>7.2f} s  ratio {median / plain:.2f}")
        cluster.drop_database(TARGET)
    finally:
        close_cluster(setup)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mb", type=int, default=700)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--keep", type=Path, metavar="DIR", help="keep the cluster in DIR and reuse it")
    parser.add_argument("--server-18", action="store_true", help="the private server's PostgreSQL 18")
    return run_in_scratch("replace-routes", benchmark, parser.parse_args())


if __name__ == "__main__":
    sys.exit(main())
