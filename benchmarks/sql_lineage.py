"""SQL lineage speed: jupyter_sm_lineage.core.sql against sqllineage, on the same statements, in one run.

The statements are the real-world cases of tests/sql_cases (TPC-H-style queries, dbt-style models,
vendor documentation examples), each parsed in its own dialect by both tools. Both compute table
and column lineage. A statement sqllineage rejects is dropped from both timings.

    python benchmarks/sql_lineage.py [--rounds 3] [--sqllineage-dialect ansi]
    python benchmarks/sql_lineage.py --baseline-python /path/to/venv/bin/python   # sqllineage elsewhere
    python benchmarks/sql_lineage.py --accuracy     # table-level exact match on tests/sql_cases
    python benchmarks/sql_lineage.py --scaling      # seconds per KiB for 64 KiB .. 1 MiB statements

sqllineage (PyPI ``sqllineage``) is looked for in this interpreter first, then in the interpreter
given by ``--baseline-python`` (or ``SQLLINEAGE_PYTHON``), where it runs in a subprocess that
times itself. Without it the benchmark says so and exits 0.
"""

from __future__ import annotations

import argparse
import io
import json
import logging
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import yaml

from jupyter_sm_lineage.core.sql import sql_lineage

ROOT = Path(__file__).resolve().parent.parent
CASES = ROOT / "tests" / "sql_cases"

#: sqlglot dialect -> sqlfluff dialect (what sqllineage accepts).
SQLFLUFF_DIALECTS = {
    None: "ansi",
    "": "ansi",
    "spark": "sparksql",
    "sparksql": "sparksql",
    "databricks": "databricks",
    "hive": "hive",
    "hiveql": "hive",
    "snowflake": "snowflake",
    "bigquery": "bigquery",
    "bq": "bigquery",
    "tsql": "tsql",
    "mssql": "tsql",
    "synapse": "tsql",
    "postgres": "postgres",
    "postgresql": "postgres",
    "pg": "postgres",
    "redshift": "redshift",
    "amazon-redshift": "redshift",
    "mysql": "mysql",
    "mariadb": "mariadb",
    "trino": "trino",
    "presto": "trino",
    "athena": "athena",
    "awsathena": "athena",
    "oracle": "oracle",
    "duckdb": "duckdb",
    "teradata": "teradata",
    "sqlite": "sqlite",
    "clickhouse": "clickhouse",
}

_BASELINE = r"""
import json, sys, time, warnings
warnings.simplefilter("ignore")
from sqllineage.runner import LineageRunner
statements = json.load(sys.stdin)
def run(sql, dialect):
    runner = LineageRunner(sql, dialect=dialect)
    runner.source_tables; runner.target_tables; runner.get_column_lineage()
ok = []
for i, (sql, dialect) in enumerate(statements):
    try:
        run(sql, dialect)
        ok.append(i)
    except Exception:
        pass
rounds = int(sys.argv[1])
start = time.perf_counter()
for _ in range(rounds):
    for i in ok:
        run(*statements[i])
elapsed = time.perf_counter() - start
print(json.dumps({"ok": ok, "elapsed": elapsed, "rounds": rounds}))
"""


def load_statements() -> list[tuple[str, str | None]]:
    """(sql, sqlglot dialect) for every case; scripts count once (sqllineage takes scripts too)."""
    statements = []
    for path in sorted(CASES.glob("*.yaml")):
        doc = yaml.safe_load(path.read_text())
        for case in doc["cases"]:
            if case.get("expect_errors"):
                continue
            statements.append((case["sql"], case.get("dialect", doc.get("dialect"))))
    return statements


def baseline(
    statements: list[tuple[str, str | None]], rounds: int, python: str | None, override: str | None
) -> dict[str, Any] | None:
    """Time sqllineage on the statements (in-process if importable, else in ``python``)."""
    payload = [(sql, override or SQLFLUFF_DIALECTS.get(dialect, "ansi")) for sql, dialect in statements]
    try:
        import sqllineage  # noqa: F401 - optional baseline
    except ImportError:
        if not python:
            return None
        proc = subprocess.run(
            [python, "-c", _BASELINE, str(rounds)],
            input=json.dumps(payload),
            capture_output=True,
            text=True,
            check=False,
            timeout=3600,
        )
        if proc.returncode != 0:
            print(proc.stderr[-2000:], file=sys.stderr)
            return None
        return dict(json.loads(proc.stdout.strip().splitlines()[-1]))
    namespace: dict[str, Any] = {}
    old_stdin = sys.stdin
    out = io.StringIO()
    sys.stdin = io.StringIO(json.dumps(payload))
    old_argv, old_stdout = sys.argv, sys.stdout
    sys.argv, sys.stdout = ["baseline", str(rounds)], out
    try:
        exec(_BASELINE, namespace)
    finally:
        sys.stdin, sys.argv, sys.stdout = old_stdin, old_argv, old_stdout
    return dict(json.loads(out.getvalue().strip().splitlines()[-1]))


def accuracy(verbose: bool = False) -> tuple[int, int]:
    """(cases whose sources and targets both match exactly, cases) over tests/sql_cases."""
    hits = total = 0
    for path in sorted(CASES.glob("*.yaml")):
        doc = yaml.safe_load(path.read_text())
        for case in doc["cases"]:
            result = sql_lineage(case["sql"], case.get("dialect", doc.get("dialect")), case.get("schema"))
            ok = set(result.sources) == set(case.get("sources") or []) and set(result.targets) == set(
                case.get("targets") or []
            )
            total += 1
            hits += ok
            if verbose and not ok:
                print(f"miss {path.stem}/{case['id']}: {sorted(result.sources)} -> {sorted(result.targets)}")
    return hits, total


def _joins(size: int) -> str:
    parts = ["INSERT INTO tgt SELECT t0.c0 AS c0 FROM t0"]
    i = 1
    while sum(map(len, parts)) < size:
        parts.append(f" JOIN t{i} ON t{i}.id = t{i - 1}.id")
        i += 1
    return "".join(parts)


def _wide(size: int) -> str:
    columns = []
    i = 0
    while sum(map(len, columns)) < size:
        columns.append(f"s.col{i} + 1 AS out{i}, ")
        i += 1
    return "INSERT INTO tgt SELECT " + "".join(columns).rstrip(", ") + " FROM s"


def scaling() -> None:
    """Time per KiB of one statement of many joins / a huge select list, 64 KiB to 1 MiB.

    Linear work keeps the per-KiB figure flat; the ratio of the largest to the smallest is printed.
    """
    for name, make in (("joins", _joins), ("select list", _wide)):
        per_kib = []
        for kib in (64, 256, 1024):
            sql = make(kib * 1024)
            start = time.perf_counter()
            result = sql_lineage(sql, max_chars=len(sql))
            elapsed = time.perf_counter() - start
            size = len(json.dumps(result.to_dict()))
            per_kib.append(elapsed / kib)
            edges = len(result.columns)
            print(f"{name:12s} {kib:5d} KiB: {elapsed:6.2f} s, {edges:6d} edges, {size / 1e6:5.1f} MB JSON")
        print(f"{name:12s} time per KiB, 1 MiB / 64 KiB: {per_kib[-1] / per_kib[0]:.2f} (1.0 = linear)")


def ours(statements: list[tuple[str, str | None]], rounds: int) -> float:
    """Seconds for ``rounds`` passes of sql_lineage over the statements (after one warm-up pass)."""
    for sql, dialect in statements:
        sql_lineage(sql, dialect)
    start = time.perf_counter()
    for _ in range(rounds):
        for sql, dialect in statements:
            result = sql_lineage(sql, dialect)
            result.columns  # noqa: B018 - the edges are computed eagerly; touch them anyway
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rounds", type=int, default=3, help="timed passes over the statements")
    parser.add_argument("--baseline-python", default=os.environ.get("SQLLINEAGE_PYTHON"))
    parser.add_argument(
        "--sqllineage-dialect", default=None, help="force one sqllineage dialect (e.g. non-validating)"
    )
    parser.add_argument(
        "--accuracy", action="store_true", help="print table-level exact match on the cases and exit"
    )
    parser.add_argument("--verbose", action="store_true", help="with --accuracy, list the misses")
    parser.add_argument("--scaling", action="store_true", help="time 64 KiB to 1 MiB statements and exit")
    args = parser.parse_args(argv)
    logging.getLogger("sqlglot").setLevel(logging.ERROR)
    if args.scaling:
        scaling()
        return 0
    if args.accuracy:
        hits, total = accuracy(args.verbose)
        print(f"table-level exact match: {hits}/{total} = {hits / total:.3f}")
        return 0

    statements = load_statements()
    base = baseline(statements, max(1, args.rounds), args.baseline_python, args.sqllineage_dialect)
    if base is None:
        print("sqllineage is not installed (pip install sqllineage, or pass --baseline-python):")
        print("nothing to compare, skipping.")
        return 0
    common = [statements[i] for i in base["ok"]]
    mine = ours(common, max(1, args.rounds))
    n = len(common) * max(1, args.rounds)
    ours_rate = n / mine
    base_rate = len(base["ok"]) * base["rounds"] / base["elapsed"]
    print(f"statements: {len(common)} of {len(statements)} (those sqllineage accepts), rounds: {args.rounds}")
    label = args.sqllineage_dialect or "matching sqlfluff dialect"
    print(f"sqllineage ({label}): {base_rate:10.1f} statements/s")
    print(f"jupyter_sm_lineage.core.sql:        {ours_rate:10.1f} statements/s")
    print(f"ratio: {ours_rate / base_rate:.1f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
