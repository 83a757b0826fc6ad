"""Files from the wild: sampled column names against a full read, on real files shipped inside the packages
installed beside this one, and on hostile CSVs (old-Mac CR-only lines, CRLF, a BOM, quoted newlines,
numeric header names)."""

from __future__ import annotations

import csv
import io
import json
import os
import sysconfig
from pathlib import Path
from typing import Any

import pytest

from jupyter_sm_lineage.core.errors import LineageError
from jupyter_sm_lineage.core.schema import SampleOptions, sample_schema
from jupyter_sm_lineage.core.schema.sample import has_header
from tests.schema_fixtures import put, s3  # noqa: F401  (the s3 fixture)

EXTENSIONS = (".csv", ".tsv", ".json", ".jsonl")
#: Every Nth file of the sorted corpus (about 330 of the 3,300 files found here): the spread, not the count,
#: is what the rate measures, and the test stays a few seconds long.
STRIDE = 10


def full_read_names(path: Path) -> list[str] | None:
    """Column names from reading the whole file (pandas when installed, else the csv and json modules).

    CSV/TSV: the first row names the columns. JSON: an object's members, the union of an array's or a
    JSON Lines file's record members in first-seen order. None when the file holds no table.
    """
    text = path.read_bytes().decode("utf-8-sig")
    if path.suffix in (".csv", ".tsv"):
        try:
            import pandas as pd  # type: ignore[import-untyped]
        except ImportError:
            rows = list(csv.reader(io.StringIO(text, newline=""), delimiter="\t" if path.suffix == ".tsv" else ","))
            return list(rows[0]) if rows else None
        return [str(c) for c in pd.read_csv(path, sep=None, engine="python").columns]
    try:
        values: list[Any] = [json.loads(text)]
    except ValueError:
        try:
            values = [json.loads(line) for line in text.splitlines() if line.strip()]
        except ValueError:
            return None
    if len(values) == 1 and isinstance(values[0], list):
        values = values[0]
    if not values or not all(isinstance(v, dict) for v in values):
        return None
    names: dict[str, None] = {}
    for value in values:
        names.update(dict.fromkeys(value))
    return list(names)


def corpus() -> list[tuple[Path, list[str]]]:
    root = Path(sysconfig.get_paths()["purelib"])
    found = sorted(Path(d) / f for d, _, files in os.walk(root) for f in files if f.endswith(EXTENSIONS))
    out = []
    for path in found:
        names = full_read_names(path)
        if names is not None:
            out.append((path, names))
    return out[::STRIDE]


def test_sampled_column_names_match_a_full_read_of_real_files(s3: Any) -> None:  # noqa: F811
    files = corpus()
    assert len(files) >= 100, "the corpus is the data files of the installed packages"
    root = Path(sysconfig.get_paths()["purelib"])
    misses = []
    for path, names in files:
        key = "wild/" + path.relative_to(root).as_posix()
        uri = put(s3, key, path.read_bytes())
        try:
            sampled: Any = list(sample_schema(uri, s3).fields)
        except LineageError as exc:
            sampled = exc.message
        if sampled != names:
            misses.append((key, names[:5], str(sampled)[:80]))
    rate = 1 - len(misses) / len(files)
    assert rate >= 0.98, f"{rate:.3f} of {len(files)} files match; misses: {misses}"


ROWS = [["id", "name", "amount"], ["1", "alpha", "1.5"], ["2", "beta, gamma", "2.25"], ["3", "delta", "3.0"]]


def render(rows: list[list[str]], newline: str) -> bytes:
    buffer = io.StringIO(newline="")
    csv.writer(buffer, lineterminator=newline).writerows(rows)
    return buffer.getvalue().encode()


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"])
@pytest.mark.parametrize("sample_bytes", [None, 2048])
def test_line_endings_of_every_kind(s3: Any, newline: str, sample_bytes: int | None) -> None:  # noqa: F811
    body = render(ROWS + [[str(i), f"n{i}", f"{i}.5"] for i in range(4, 400)], newline)
    uri = put(s3, f"hostile/endings-{len(newline)}-{newline == chr(13)}.csv", body)
    options = SampleOptions(sample_bytes=sample_bytes) if sample_bytes else None

    schema = sample_schema(uri, s3, options=options)

    assert schema.fields == {"id": "int64", "name": "string", "amount": "double"}
    assert schema.meta["newline"] == {"\n": "LF", "\r\n": "CRLF", "\r": "CR"}[newline]
    assert schema.meta["truncated"] is bool(sample_bytes)


def test_a_byte_order_mark_is_not_part_of_the_first_name(s3: Any) -> None:  # noqa: F811
    uri = put(s3, "hostile/bom.csv", b"\xef\xbb\xbf" + render(ROWS, "\r\n"))

    assert list(sample_schema(uri, s3).fields) == ["id", "name", "amount"]


def test_quoted_newlines_survive_the_cut_of_the_sample(s3: Any) -> None:  # noqa: F811
    rows = [["id", "note"]] + [[str(i), f"line one\nline two of {i}\r\nthree"] for i in range(200)]
    uri = put(s3, "hostile/quoted.csv", render(rows, "\n"))
    for size in (1024, 1500, 2048, 4096):
        schema = sample_schema(uri, s3, options=SampleOptions(sample_bytes=size))
        assert schema.fields == {"id": "int64", "note": "string"}, size


def test_long_names_followed_by_year_columns_are_a_header(s3: Any) -> None:  # noqa: F811
    # The World Bank layout: names, codes, then one column per year; early years often empty.
    header = ["Country Name", "Country Code", "Indicator Name", "Indicator Code", *map(str, range(1960, 1970))]
    rows = [header] + [[f"Country {c}", f"C{c:02d}", "Population growth (annual %)", "SP.POP.GROW",
                        *["" if y < 2 else f"{(c + y) * 0.37:.3f}" for y in range(10)]] for c in range(30)]
    uri = put(s3, "hostile/years.csv", render(rows, "\n"))

    schema = sample_schema(uri, s3)

    assert schema.meta["header"] is True
    assert list(schema.fields) == header


@pytest.mark.parametrize(
    ("rows", "header"),
    [
        # Headers
        ([["id", "2019", "2020"], ["1", "1.5", "2.5"], ["2", "1.0", "3.5"]], True),
        ([["name", "city"], ["alice", "paris"], ["bob", "rome"]], True),
        ([["150", "4", "setosa", "versicolor"], ["5.1", "3.5", "1.4", "0"], ["4.9", "3.0", "1.4", "0"]], True),
        ([["a", "b"]], True),
        # Data: SageMaker's headerless training CSVs, categories, identifiers of one shape
        ([["1", "0.5", "0.25"], ["0", "0.7", "0.125"], ["1", "0.1", "0.5"]], False),
        ([["M", "0.455", "15"], ["F", "0.3", "7"], ["M", "0.2", "9"]], False),
        ([["0", "name-0", "0", "true"], ["1", "name-1", "1.25", "false"]], False),
        ([["1", "2"]], False),
    ],
)
def test_header_detection(rows: list[list[str]], header: bool) -> None:
    assert has_header(rows) is header


def test_json_larger_than_the_sample_names_the_members_it_starts(s3: Any) -> None:  # noqa: F811
    body = json.dumps({"version": 2, "examples": {f"Op{i}": [{"input": {"x": i}}] for i in range(5000)}},
                      indent=2).encode()
    uri = put(s3, "hostile/big-object.json", body)

    assert list(sample_schema(uri, s3).fields) == ["version", "examples"]


def test_json_records_of_mixed_types_are_typed_field_by_field(s3: Any) -> None:  # noqa: F811
    body = json.dumps([{"a": 1, "b": [1, "x"]}, {"a": 2, "b": {"k": True}, "c": None}]).encode()
    uri = put(s3, "hostile/mixed.json", body)

    fields = sample_schema(uri, s3).fields

    assert list(fields) == ["a", "b", "c"] and fields["a"] == "int64" and fields["b"] == "string"
