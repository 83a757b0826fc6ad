"""``sm-lineage-export``: pipeline executions, SQL lineage and dataset schemas as OpenLineage events.

    sm-lineage-export pipeline NAME --region R [--executions latest|all|since-last|since=ISO-TIME] [--dry-run]
    sm-lineage-export sql FILE --dialect D [--job-namespace N --job-name J]
    sm-lineage-export schema s3://bucket/prefix/ --region R [--version N]
    sm-lineage-export replay

Sending commands print their summary as one JSON object on stdout (``--dry-run``: the events, as JSON
Lines) and what went wrong on stderr.

Exit status: 0 all delivered; 1 some events spooled, refused, quarantined or not even spooled, or AWS
failed (see the message); 2 bad input.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TextIO

from .emit import TRANSPORTS, Emitter, make_client, sender
from .export import ExportResult
from .serialize import to_json
from .spool import REJECTED, ReplayResult, Spool

EXIT_OK, EXIT_UNDELIVERED, EXIT_USAGE = 0, 1, 2


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="sm-lineage-export", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)

    def transport_flags(sub: argparse.ArgumentParser) -> None:
        group = sub.add_argument_group("transport (default: openlineage-python's configuration)")
        group.add_argument("--transport", choices=TRANSPORTS, help="override the configured transport")
        group.add_argument("--url", help="backend URL (overrides OPENLINEAGE_URL); implies --transport http")
        group.add_argument("--api-key", help="API key (overrides OPENLINEAGE_API_KEY)")
        group.add_argument("--endpoint", help="HTTP endpoint path (default api/v1/lineage)")
        group.add_argument("--file", help="output file of --transport file (JSON Lines, appended)")
        group.add_argument("--timeout", type=float, help="HTTP timeout in seconds")
        group.add_argument("--retries", type=int, help="HTTP retries before giving up on an event")
        group.add_argument("--spool-dir", help="where undelivered events wait (default $SM_LINEAGE_SPOOL_DIR "
                                               "or $XDG_DATA_HOME/jupyter-sm-lineage/spool)")
        group.add_argument("--dry-run", action="store_true", help="print the events (JSON Lines), send nothing")
        group.add_argument("--producer", help="producer URI of the events")
        group.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None,
                           help="progress bar on stderr (default: when stderr is a terminal)")

    pipeline = commands.add_parser("pipeline", help="export pipeline executions")
    pipeline.add_argument("name")
    pipeline.add_argument("--region", required=True)
    pipeline.add_argument("--executions", default="latest",
                          help="latest (default) | all | since-last | since=ISO-TIME")
    pipeline.add_argument("--namespace", help="job namespace (default sagemaker://ACCOUNT/REGION)")
    pipeline.add_argument("--schemas", action=argparse.BooleanOptionalAction, default=True,
                          help="sample dataset schemas from S3 for the schema facet (default on)")
    pipeline.add_argument("--state-dir", help="watermarks of since-last (default $SM_LINEAGE_STATE_DIR "
                                              "or $XDG_DATA_HOME/jupyter-sm-lineage/state)")
    transport_flags(pipeline)

    sql = commands.add_parser("sql", help="export the lineage of a SQL file")
    sql.add_argument("file", help="SQL file ('-' for stdin)")
    sql.add_argument("--dialect", help="sqlglot dialect (athena, redshift, spark, snowflake, ...)")
    sql.add_argument("--job-namespace", default="sql")
    sql.add_argument("--job-name", help="default: the file name without extension")
    sql.add_argument("--dataset-namespace", help="namespace of the tables (default DIALECT://default)")
    transport_flags(sql)

    schema = commands.add_parser("schema", help="export a dataset's schema (a DatasetEvent)")
    schema.add_argument("uri", help="s3://bucket/prefix")
    schema.add_argument("--region", required=True)
    schema.add_argument("--version", type=int, help="a stored schema version (default: sample now and save)")
    transport_flags(schema)

    replay = commands.add_parser("replay", help="send spooled events in order; remove what was acknowledged")
    replay.add_argument("--drop-rejected", action="store_true",
                        help="move events the backend refuses (4xx) to rejected.jsonl instead of stopping")
    transport_flags(replay)
    return parser


def main(argv: Sequence[str] | None = None, stdout: TextIO | None = None, stderr: TextIO | None = None) -> int:
    out, err = stdout or sys.stdout, stderr or sys.stderr
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.WARNING, stream=err, format="%(levelname)s %(name)s: %(message)s")
    try:
        return int(_COMMANDS[args.command](args, out, err))
    except BrokenPipeError:
        # The reader went away (`... --dry-run | head`): stop quietly, as Unix tools do.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0
    except ValueError as exc:
        print(f"sm-lineage-export: {exc}", file=err)
        return EXIT_USAGE
    except OSError as exc:
        # Not the input's fault (that is checked first): the machine could not do the export.
        print(f"sm-lineage-export: {exc}", file=err)
        return EXIT_UNDELIVERED
    except Exception as exc:
        from jupyter_sm_lineage.core.errors import InvalidRequest, LineageError, NotFound

        if isinstance(exc, LineageError):
            print(f"sm-lineage-export: {exc.message}", file=err)
            # Bad input is a usage error; AWS refusing or failing is a failed export.
            return EXIT_USAGE if isinstance(exc, InvalidRequest | NotFound) else 1
        raise


def _emitter(args: argparse.Namespace) -> Emitter | None:
    if args.dry_run:
        return None
    client = make_client(transport=args.transport, url=args.url, api_key=args.api_key, file=args.file,
                         timeout=args.timeout, retries=args.retries, endpoint=args.endpoint)
    return Emitter(client, Spool(args.spool_dir))


class _Bar:
    """A tqdm bar on stderr whose total grows as work is discovered."""

    def __init__(self, args: argparse.Namespace, err: TextIO, unit: str) -> None:
        from tqdm import tqdm

        disable = None if args.progress is None else not args.progress
        self.bar = tqdm(total=0, unit=unit, file=err, disable=disable, leave=False)

    def grow(self, n: int) -> None:
        self.bar.total = (self.bar.total or 0) + n
        self.bar.refresh()

    def tick(self, n: int) -> None:
        self.bar.update(n)

    def close(self) -> None:
        self.bar.close()


def _report(result: ExportResult, args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """Say on stderr what went wrong, print the summary on stdout; the exit status."""
    summary = result.summary()
    delivery = result.delivery
    for message in result.errors:
        print(f"sm-lineage-export: {message}", file=err)
    if result.running:
        print(f"sm-lineage-export: {len(result.running)} execution(s) still running, left for the next "
              "since-last export", file=err)
    for rejection in delivery.rejected:
        print(f"sm-lineage-export: the backend refused an event: {rejection.message}\n  event: "
              f"{to_json(rejection.event)}", file=err)
    for message in dict.fromkeys(delivery.errors):
        print(f"sm-lineage-export: {message}", file=err)
    if delivery.spooled:
        print(f"sm-lineage-export: {delivery.spooled} event(s) not delivered, spooled to {summary['spoolDir']}; "
              "send them with `sm-lineage-export replay`", file=err)
    if delivery.lost:
        retry = " (a since-last export sends them again)" if getattr(args, "executions", None) == "since-last" \
            else ""
        print(f"sm-lineage-export: {len(delivery.lost)} event(s) could not be delivered nor spooled "
              f"({delivery.spool_error or 'no spool'}): they are in notDeliveredEvents of the summary on "
              f"stdout{retry}", file=err)
    if result.ok:
        print(f"sm-lineage-export: {delivery.sent} event(s) sent", file=err)
    out.write(json.dumps(summary, separators=(",", ":"), ensure_ascii=False) + "\n")
    out.flush()
    return EXIT_OK if result.ok else EXIT_UNDELIVERED


def _print(events: list[Any], out: TextIO) -> None:
    for event in events:
        out.write(to_json(event) + "\n")
    out.flush()


def cmd_pipeline(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from .export import export_pipeline, parse_executions
    from .watermark import WatermarkStore

    parse_executions(args.executions)
    emitter = _emitter(args)
    bar = _Bar(args, err, "step")
    try:
        result = export_pipeline(
            args.region, args.name, args.executions, emitter=emitter, dry_run=args.dry_run,
            state=WatermarkStore(args.state_dir), include_schemas=args.schemas, producer=args.producer,
            namespace=args.namespace, progress=bar.tick, on_total=bar.grow)
    finally:
        bar.close()
        if emitter is not None:
            emitter.close()
    if args.dry_run:
        for message in result.errors:
            print(f"sm-lineage-export: {message}", file=err)
        _print(result.events, out)
        return EXIT_OK if not result.errors else EXIT_UNDELIVERED
    print(f"sm-lineage-export: {len(result.executions)} execution(s) of {args.name} exported", file=err)
    return _report(result, args, out, err)


def cmd_sql(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from .export import export_sql

    try:
        text = sys.stdin.read() if args.file == "-" else Path(args.file).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ValueError(f"cannot read {args.file}: {exc}") from None
    name = args.job_name or ("sql" if args.file == "-" else Path(args.file).stem)
    return _send(args, out, err, lambda emitter: export_sql(
        text, emitter=emitter, dialect=args.dialect, job_namespace=args.job_namespace, job_name=name,
        dataset_namespace=args.dataset_namespace, producer=args.producer))


def cmd_schema(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from .export import export_schema

    return _send(args, out, err, lambda emitter: export_schema(
        args.region, args.uri, version=args.version, emitter=emitter, producer=args.producer))


def _send(args: argparse.Namespace, out: TextIO, err: TextIO,
          export: Callable[[Emitter | None], ExportResult]) -> int:
    """Run one export with the command line's emitter: print the events (--dry-run) or report the delivery."""
    emitter = _emitter(args)
    try:
        result = export(emitter)
    finally:
        if emitter is not None:
            emitter.close()
    if args.dry_run:
        _print(result.events, out)
        return EXIT_OK
    return _report(result, args, out, err)


def cmd_replay(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    spool = Spool(args.spool_dir)
    waiting = len(spool)
    if args.dry_run:
        for line in spool.pending():
            out.write(line + "\n")
        return EXIT_OK
    if not waiting:
        print(f"sm-lineage-export: nothing spooled in {spool.directory}", file=err)
        out.write(json.dumps(ReplayResult().summary(spool.directory), separators=(",", ":")) + "\n")
        return EXIT_OK
    client = make_client(transport=args.transport, url=args.url, api_key=args.api_key, file=args.file,
                         timeout=args.timeout, retries=args.retries, endpoint=args.endpoint)
    bar = _Bar(args, err, "event")
    bar.grow(waiting)
    try:
        result = spool.replay(sender(client), progress=bar.tick, drop_rejected=args.drop_rejected)
    except RuntimeError as exc:  # another replay holds the spool
        print(f"sm-lineage-export: {exc}", file=err)
        return EXIT_UNDELIVERED
    finally:
        bar.close()
        client.close()
    for message in result.errors:
        print(f"sm-lineage-export: {message}", file=err)
    for where, count in result.quarantined.items():
        print(f"sm-lineage-export: {count} spooled line(s) that are not events moved to {where}", file=err)
    if result.rejected:
        print(f"sm-lineage-export: {result.rejected} refused event(s) moved to {spool.directory / REJECTED}",
              file=err)
    print(f"sm-lineage-export: {result.sent} event(s) replayed, {result.remaining} still spooled", file=err)
    out.write(json.dumps(result.summary(spool.directory), separators=(",", ":")) + "\n")
    out.flush()
    return EXIT_OK if result.ok else EXIT_UNDELIVERED


_COMMANDS = {"pipeline": cmd_pipeline, "sql": cmd_sql, "schema": cmd_schema, "replay": cmd_replay}


if __name__ == "__main__":
    sys.exit(main())
