"""What masking costs: a masked refresh against the same refresh without masking (issue 13's target).

    .venv/bin/python benchmarks/masking_ratio.py [--size-mb 200] [--repeat 3] [--keep DIR]

Zero-config like backup_ratio.py, whose throwaway cluster and data it reuses
(customers with names, e-mails and API keys; orders; events with jsonb).
The policy is what a person gets from `lifeboat mask review --accept-suggestions`
on that database (the customers' names, e-mails and API keys); the columns
it masks are printed. --heavy also masks most of the other rows' bytes
(orders' tracking codes and jsonb, events' jsonb): the cost when nearly
every row goes through a rule.

Timed, alternating which goes first, --repeat times, medians reported:
`lifeboat refresh bench --into target --backup ID` (masked) against the same
command with --no-mask. Both take the same route (pg_restore --file=- ->
psql, one transaction, --replace, row-count check), so the difference is the
masking filter alone. The target database is dropped, created empty and the
server checkpointed before each run. It measures and does not judge: exit 0
whatever the figures.
"""
import argparse
import json
import os
import statistics
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from benchmarks.backup_ratio import (  # noqa: E402
    DBNAME,
    MB,
    Lifeboat,
    close_cluster,
    database_facts,
    open_cluster,
    run_in_scratch,
    settle,
    spread,
    verdict,
)

TARGET_DB = "bench_refresh"
TARGET_RATIO = 1.5
HEAVY = {"public.orders.tracking_code": "hash", "public.orders.attrs": "text", "public.events.detail": "text"}


def timed_refresh(setup, lifeboat: Lifeboat, backup_id: str, masked: bool) -> tuple[float, str]:
    setup.cluster.drop_database(TARGET_DB)
    setup.cluster.create_database(TARGET_DB)
    settle(setup.cluster)
    extra = () if masked else ("--no-mask",)
    seconds, out, _ = lifeboat.run("refresh", "bench", "--into", "target", "--backup", backup_id, *extra)
    return seconds, out


def benchmark(args: argparse.Namespace, work: Path) -> None:
    setup = open_cluster(args.keep, work, args.size_mb)
    try:
        size, rows, version = database_facts(setup.cluster)
        lifeboat = Lifeboat(work)
        lifeboat.add_profile("bench", setup.cluster, DBNAME)
        lifeboat.add_profile("target", setup.cluster, TARGET_DB)
        setup.cluster.create_database(TARGET_DB)
        lifeboat.run("mask", "review", "bench", "--accept-suggestions")
        for column, rule in HEAVY.items() if args.heavy else ():
            lifeboat.run("mask", "set", "bench", "--column", column, "--rule", rule)
        _, shown, _ = lifeboat.run("mask", "show", "bench", "--json")
        masked_columns = [key for key, c in json.loads(shown)["columns"].items() if c["rule"] != "keep"]
        _, out, _ = lifeboat.run("backup", "bench")
        backup_id = out.strip().splitlines()[-1]
        print(f"Database: {size / MB:.0f} MB, {rows:,} rows, PostgreSQL {version}; {os.cpu_count()} CPUs; "
              f"masked: {', '.join(masked_columns)}", flush=True)
        times: dict[str, list[float]] = {"plain": [], "masked": []}
        for number in range(args.repeat):
            order = (True, False) if number % 2 else (False, True)
            for masked in order:
                seconds, out = timed_refresh(setup, lifeboat, backup_id, masked)
                times["masked" if masked else "plain"].append(seconds)
                if masked and number == 0:
                    print("  " + "\n  ".join(line for line in out.splitlines() if line.startswith("masked ")))
            print(f"  round {number + 1}: without masking {times['plain'][-1]:.1f} s, masked "
                  f"{times['masked'][-1]:.1f} s (load average {os.getloadavg()[0]:.1f})", flush=True)
        plain, masked = statistics.median(times["plain"]), statistics.median(times["masked"])
        ratio = masked / plain
        print(f"\nMedians of {args.repeat} rounds: without masking {plain:.1f} s [{spread(times['plain'])}], "
              f"masked {masked:.1f} s [{spread(times['masked'])}]")
        print(f"masked / plain restore time: {ratio:.2f} (target <= {TARGET_RATIO}) {verdict(ratio <= TARGET_RATIO)}")
    finally:
        setup.cluster.drop_database(TARGET_DB)
        close_cluster(setup)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mb", type=int, default=200, help="database size in MB (default 200)")
    parser.add_argument("--repeat", type=int, default=3, help="rounds; medians are reported (default 3)")
    parser.add_argument("--heavy", action="store_true", help="mask most rows too, not only the customers'")
    parser.add_argument("--keep", type=Path, metavar="DIR", help="keep the generated cluster in DIR, reuse it")
    return run_in_scratch("masking_ratio", benchmark, parser.parse_args())


if __name__ == "__main__":
    sys.exit(main())
