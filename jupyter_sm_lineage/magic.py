"""``%lineage`` and ``%%lineage_sql``: the notebook's front door to the explorer, viewers, service and exporter.

%load_ext jupyter_sm_lineage
%lineage                                   # the explorer
g = %lineage mlops-pipeline --view both    # the DAG; g["graph"] is the lineage graph
%lineage executions mlops-pipeline         # its runs, newest first
%lineage compare mlops-pipeline            # the latest run against the last good one
%lineage preview pipeline                  # the DAG of an SDK Pipeline (or definition JSON), no AWS call
"""

from __future__ import annotations

import json
import shlex
from typing import Any

from IPython.core.error import UsageError
from IPython.core.magic import Magics, cell_magic, line_magic, magics_class
from IPython.core.magic_arguments import argument, magic_arguments, parse_argstring
from IPython.display import HTML, display
from traitlets import Unicode

from .core.errors import LineageError

COMMANDS = ("catalog", "schema", "versions", "diff", "featuregroups", "executions", "compare", "preview", "export",
            "connect")
VIEWS = ("pipeline", "data", "both")


@magics_class
class LineageMagics(Magics):
    """The ``%lineage`` line magic and the ``%%lineage_sql`` cell magic."""

    region = Unicode("", config=True, help="Default region (else the service's default region).")

    def __init__(self, shell: Any = None, client: Any = None, **kwargs: Any) -> None:
        super().__init__(shell=shell, **kwargs)
        self._client = client

    @property
    def client(self) -> Any:
        from .widgets.client import default_client

        return self._client or default_client()

    def _region(self, given: str | None) -> str:
        if given:
            return given
        if self.region:
            return self.region
        regions = self.client.regions()
        if not regions:
            raise UsageError("no region: pass --region, or set AWS_DEFAULT_REGION / SM_LINEAGE_REGIONS")
        return str(regions[0])

    @magic_arguments()
    @argument(
        "target",
        nargs="?",
        default=None,
        help="a pipeline name, or one of: catalog, schema URI, versions URI, diff URI FROM TO, "
        "featuregroups [NAME], executions PIPELINE, compare PIPELINE [BASE] [HEAD], preview VAR, "
        "export PIPELINE, connect URL. Nothing: the explorer.",
    )
    @argument("args", nargs="*", help="the command's arguments (an s3:// URI, a name, versions)")
    @argument("--region", "-r", default=None, help="the AWS region (default: the service's default region)")
    @argument("--regions", default=None, help="catalog: comma-separated regions")
    @argument("--domain", "-d", default=None, help="catalog: only the pipelines of this Studio domain (name or id)")
    @argument("--view", "-v", default="both", choices=VIEWS, help="pipeline: steps only, datasets only, or both")
    @argument("--execution", "-e", default=None,
              help="pipeline/--explore/export: an execution ARN instead of the latest")
    @argument("--limit", type=int, default=50, help="executions: how many runs (newest first)")
    @argument("--schemas", action="store_true", help="pipeline: sample every dataset's schema onto the graph")
    @argument("--explore", action="store_true", help="pipeline: open the explorer on this pipeline")
    @argument("--no-widget", action="store_true", help="show static HTML instead of the interactive viewer")
    @argument("--save", action="store_true", help="schema: record the sampled schema as a new version")
    @argument("--policy", default=None, help="schema --save: a JSON object stored with the version")
    @argument("--executions", default="latest", help="export: latest | all | since-last | since=ISO-TIME")
    @argument(
        "--url", default=None, help="export: the OpenLineage endpoint (default: OPENLINEAGE_URL / openlineage.yml)"
    )
    @argument(
        "--transport",
        default=None,
        choices=("console", "file", "http", "async_http"),
        help="export: the openlineage-python transport",
    )
    @argument("--file", default=None, help="export --transport file: the JSON Lines file to append to")
    @argument("--spool", default=None, help="export: where undelivered events wait (default: the exporter's spool)")
    @argument("--dry-run", action="store_true", help="export: build the events, send nothing")
    @argument("--token", default=None, help="connect: the Jupyter server's token")
    @line_magic
    def lineage(self, line: str = "") -> Any:
        """Data lineage of SageMaker Pipelines.

        Commands::

            %lineage                                        the explorer (regions, domains, pipelines, tabs)
            %lineage PIPELINE [--region R] [--view pipeline|data|both] [--execution ARN] [--schemas]
            %lineage PIPELINE --explore [--execution ARN]   the explorer, on that pipeline (and run)
            %lineage executions PIPELINE [--limit N]        its runs, newest first
            %lineage compare PIPELINE [BASE] [HEAD]         what changed between two runs (ARNs; default:
                                                            the latest against the last good run before it)
            %lineage preview VAR                            the DAG and data flow of an SDK Pipeline (or its
                                                            definition JSON) in the namespace; no AWS call
            %lineage catalog [--regions a,b] [--domain D]
            %lineage schema s3://BUCKET/PREFIX [--save] [--policy JSON]
            %lineage versions s3://BUCKET/PREFIX
            %lineage diff s3://BUCKET/PREFIX FROM TO
            %lineage featuregroups [NAME]
            %lineage export PIPELINE [--executions latest|all|since-last]
                             [--url U | --transport file --file F] [--dry-run]
            %lineage connect URL [--token T]                read through a Jupyter server's routes

        Every command returns the answer as an object (a dict of the JSON contract with a static
        ``_repr_html_``), e.g. ``g = %lineage mlops-pipeline`` then ``g["graph"]["nodes"]``.
        """
        args = parse_argstring(self.lineage, line)
        try:
            return self._dispatch(args)
        except LineageError as exc:
            display(_error(exc.message))
            return None

    def _explorer(self, explorer_class: Any, **options: Any) -> Any:
        """An explorer; inside a running cell, displayed first and loaded right after the cell, so the
        first load shows its progress bar like every later one."""
        if not _CELL_RUNNING.get(id(self.shell)):
            return explorer_class(self.client, **options)
        explorer = explorer_class(self.client, load=False, **options)
        events = self.shell.events

        def load_after_cell(*_: Any) -> None:
            events.unregister("post_run_cell", load_after_cell)
            explorer.start()

        events.register("post_run_cell", load_after_cell)
        return explorer

    def _dispatch(self, args: Any) -> Any:
        from .widgets import results

        target, rest = args.target, list(args.args)
        if target is None:
            from .widgets.explorer import Explorer

            return self._explorer(Explorer, region=args.region or self.region or None)
        if target == "catalog":
            _no_more(target, rest, 0)
            regions = args.regions or args.region or None
            if args.domain:
                answer = self.client.pipelines(regions, domain_name=args.domain, include_latest_exec=True)
                if not any(r.get("pipelines") for r in answer.get("regions") or []):
                    answer = self.client.pipelines(regions, domain_id=args.domain, include_latest_exec=True)
                return results.CatalogResult(answer)
            return results.CatalogResult(self.client.catalog(regions))
        if target in ("schema", "versions", "diff"):
            return self._schema_command(target, rest, args)
        if target == "executions":
            if len(rest) != 1:
                raise UsageError("usage: %lineage executions PIPELINE [--region R] [--limit N]")
            region = self._region(args.region)
            return self._named(rest[0], region, lambda: results.ExecutionsResult(
                self.client.executions(region, rest[0], limit=args.limit)))
        if target == "compare":
            if not 1 <= len(rest) <= 3:
                raise UsageError("usage: %lineage compare PIPELINE [BASE] [HEAD] (execution ARNs; '-' for the "
                                 "default; HEAD may name a notebook variable holding a Pipeline or its definition)")
            base, head = (None if v in (None, "-") else v for v in [*rest[1:], None, None][:2])
            return self._compare(rest[0], base, head, args)
        if target == "preview":
            if len(rest) != 1:
                raise UsageError("usage: %lineage preview VAR (an SDK Pipeline, or its definition JSON or dict)")
            return self._preview(rest[0], args)
        if target == "featuregroups":
            _no_more(target, rest, 1)
            region = self._region(args.region)
            if rest:
                return results.FeatureGroupResult(self.client.feature_group(region, rest[0]))
            return results.FeatureGroupsResult(self.client.feature_groups(region))
        if target == "export":
            if len(rest) != 1:
                raise UsageError(
                    "usage: %lineage export PIPELINE [--region R] [--executions latest|all|since-last] "
                    "[--url URL | --transport file --file PATH] [--dry-run]"
                )
            return self._export(rest[0], args)
        if target == "connect":
            from .widgets.client import connect

            if len(rest) > 1:
                raise UsageError("usage: %lineage connect [URL] [--token TOKEN] (no URL: back to the in-kernel client)")
            self._client = connect(rest[0] if rest else None, args.token)
            return self._client
        if target.startswith("s3://"):
            raise UsageError(f"{target} is a dataset: use %lineage schema {target} (or versions)")
        _no_more("a pipeline", rest, 0)
        region = self._region(args.region)
        if args.explore:
            from .widgets.explorer import Explorer

            return self._explorer(Explorer, region=region, pipeline=target, execution=args.execution)
        lineage = self._named(target, region, lambda: results.LineageResult(
            self.client.lineage(
                region,
                target,
                view=args.view,
                include_latest_exec=True,
                execution_arn=args.execution,
                include_schemas=args.schemas,
            )
        ))
        if args.no_widget:
            display(HTML(lineage._repr_html_()))
        return lineage

    def _named(self, pipeline: str, region: str, call: Any) -> Any:
        """Run ``call``; a pipeline that is not there becomes our own sentence with the closest names."""
        from .core.errors import NotFound
        from .widgets.explorer import missing_pipeline

        try:
            return call()
        except NotFound:
            answer = self.client.pipelines([region])
            names = [str(p.get("name")) for r in answer.get("regions") or [] for p in r.get("pipelines") or []]
            if pipeline in names:
                raise
            raise NotFound(missing_pipeline(pipeline, region, names)) from None

    def _compare(self, pipeline: str, base: str | None, head: str | None, args: Any) -> Any:
        """``compare``: the answer, with the union of both runs' steps so that it draws coloured by change."""
        from .widgets import results
        from .widgets.compare import union_graph

        region = self._region(args.region)
        local = self._local_definition(head)
        if local is not None:  # "what would change if I upsert this?": definitions only, no execution read
            from .widgets.compare import union_graph

            answer = self._named(pipeline, region, lambda: self.client.compare(region, pipeline, head=local))
            deployed = self.client.lineage(region, pipeline, view="pipeline")
            proposed = {"graph": _definition_graph(local)}
            return results.CompareResult(answer, graph=union_graph(proposed, deployed))
        answer = self._named(pipeline, region, lambda: self.client.compare(region, pipeline, base=base, head=head))

        def run_lineage(side: str) -> Any:
            arn = (answer.get(side) or {}).get("arn")
            if not arn:
                return None
            return self.client.lineage(region, pipeline, view="pipeline", execution_arn=arn)

        return results.CompareResult(answer, graph=union_graph(run_lineage("head"), run_lineage("base")))

    def _local_definition(self, name: str | None) -> str | None:
        """A notebook variable named ``name`` holding a pipeline (``.definition()``), its JSON or a dict, as JSON
        text; None when ``name`` is not such a variable (then it is an execution ARN)."""
        namespace = self.shell.user_ns if self.shell is not None else {}
        if not name or name.startswith("arn:") or name not in namespace:
            return None
        value = namespace[name]
        definition = value.definition() if callable(getattr(value, "definition", None)) else value
        if isinstance(definition, dict):
            return json.dumps(definition)
        if isinstance(definition, (str, bytes)):
            return definition.decode() if isinstance(definition, bytes) else definition
        raise UsageError(f"{name} is a {type(value).__name__}: give an SDK Pipeline, definition JSON or a dict")

    def _preview(self, name: str, args: Any) -> Any:
        """The lineage of a definition in the notebook: an SDK Pipeline (``.definition()``), JSON text or a dict."""
        from .core.definition import parse_definition
        from .widgets import results

        namespace = self.shell.user_ns if self.shell is not None else {}
        if name not in namespace:
            raise UsageError(f"{name!r} is not a variable of this notebook (%lineage preview VAR)")
        value = namespace[name]
        definition = value.definition() if callable(getattr(value, "definition", None)) else value
        if not isinstance(definition, (str, bytes, dict)):
            raise UsageError(f"{name} is a {type(value).__name__}: give an SDK Pipeline, definition JSON or a dict")
        try:
            graph = parse_definition(definition).to_dict()
        except ValueError as exc:
            raise UsageError(f"{name} is not a pipeline definition: {exc}") from None
        title = getattr(value, "name", None) or name
        view = args.view
        if view != "both":
            from .widgets.explorer import pipeline_view

            lineage = pipeline_view({"graph": graph})
            graph = lineage["graph"]
        return results.LineageResult({"pipeline": {"name": str(title)}, "summary": {}, "graph": graph,
                                      "view": view, "preview": True})

    def _schema_command(self, command: str, rest: list[str], args: Any) -> Any:
        from .widgets import results
        from .widgets.client import split_s3

        if not rest or not rest[0].startswith("s3://"):
            raise UsageError(
                f"usage: %lineage {command} s3://BUCKET/PREFIX" + (" FROM TO" if command == "diff" else "")
            )
        uri = rest[0]
        bucket, prefix = split_s3(uri)
        region = self._region(args.region)
        if command == "schema":
            _no_more(command, rest, 1)
            policy = _unquote(args.policy)
            if policy is not None:
                try:
                    policy = json.loads(policy)
                except ValueError as exc:
                    raise UsageError(f'--policy must be a JSON object, e.g. \'{{"owner": "ml"}}\' ({exc})') from None
            if policy is not None and not args.save:
                raise UsageError("--policy is stored with a saved version: add --save")
            answer = self.client.dataset_schema(bucket, prefix, region, save=args.save, policy=policy)
            versions = self.client.schema_versions(bucket, prefix, region)
            return results.SchemaResult(answer, versions=versions)
        if command == "versions":
            _no_more(command, rest, 1)
            return results.VersionsResult(self.client.schema_versions(bucket, prefix, region))
        if len(rest) != 3:
            raise UsageError("usage: %lineage diff s3://BUCKET/PREFIX FROM TO (two version numbers)")
        try:
            old, new = int(rest[1]), int(rest[2])
        except ValueError:
            raise UsageError(f"versions must be numbers, not {rest[1]!r} and {rest[2]!r}") from None
        return results.DiffResult(self.client.schema_diff(bucket, prefix, region, old, new))

    def _export(self, pipeline: str, args: Any) -> Any:
        """Through the exporter's one export function (``export_pipeline``), as the CLI and the route do; with a
        client connected to a server (one that serves the OpenLineage operations), through the server's route,
        so that the server's OpenLineage configuration and spool are used."""
        region = self._region(args.region)
        try:
            from sm_lineage_exporter import export_pipeline, make_emitter
        except ImportError as exc:
            raise LineageError(f"the OpenLineage exporter is not installed ({exc})") from None

        if args.execution and args.executions != "latest":
            raise UsageError("give --execution ARN or --executions, not both")
        local = args.url or args.transport or args.file or args.spool
        if callable(getattr(self.client, "push_events", None)) and not local:
            return self._export_through_server(region, pipeline, args)
        bar = _progress_bar(f"export {pipeline}")
        try:
            emitter = None if args.dry_run else make_emitter(spool_dir=args.spool, transport=args.transport,
                                                             url=args.url, file=args.file)
            try:
                result = export_pipeline(region, pipeline, args.executions, execution_arn=args.execution,
                                         service=self._service(), emitter=emitter, dry_run=args.dry_run,
                                         progress=bar.update, on_total=bar.grow)
            finally:
                if emitter is not None:
                    emitter.close()
        except ValueError as exc:
            raise UsageError(str(exc)) from None
        finally:
            bar.close()
        answer = _export_result(result.summary(), "dry run (nothing sent)" if args.dry_run else _destination(args))
        answer.result = result  # the exporter's own object (events, delivery) for scripts
        return answer

    def _service(self) -> Any:
        """The client as the exporter's service when it is one (in a kernel); else None: the exporter then
        reads AWS through a service of its own (a client connected to a server, exporting locally)."""
        return self.client if callable(getattr(self.client, "all_executions", None)) else None

    def _export_through_server(self, region: str, pipeline: str, args: Any) -> Any:
        """Connected to a server: its exporter sends, with its own OpenLineage configuration and spool."""
        if args.dry_run:
            preview = self.client.preview_events(region, pipeline, execution_arn=args.execution)
            return _export_result({"region": region, "pipeline": pipeline,
                                   "executions": [preview["executionArn"]] if preview.get("executionArn") else [],
                                   "events": preview["count"], "delivered": 0, "spooled": 0},
                                  "dry run (nothing sent)")
        if args.execution:
            raise UsageError("--execution ARN is exported from the kernel: add --url or --transport")
        pushed = self.client.push_events(region, pipeline, executions=args.executions)
        return _export_result(pushed, f"the server at {self.client.base_url}")

    @magic_arguments()
    @argument("--dialect", "-d", default=None, help="sqlglot dialect: spark, hive, athena (trino), redshift, ...")
    @cell_magic
    def lineage_sql(self, line: str, cell: str) -> Any:
        """Tables and column lineage of the SQL in the cell (one statement or a script)."""
        from .widgets.results import SqlLineageResult

        args = parse_argstring(self.lineage_sql, line)
        if not cell.strip():
            raise UsageError("%%lineage_sql needs SQL in the cell")
        try:
            return SqlLineageResult(self.client.sql_lineage(cell, dialect=args.dialect))
        except LineageError as exc:
            display(_error(exc.message))
            return None


class _Bar:
    """A tqdm bar whose total grows as the exporter learns it (executions, then events)."""

    def __init__(self, description: str) -> None:
        from tqdm.auto import tqdm

        self._bar = tqdm(total=0, desc=description, unit="event", leave=True)

    def grow(self, count: int) -> None:
        self._bar.total = (self._bar.total or 0) + count
        self._bar.refresh()

    def update(self, count: int) -> None:
        self._bar.update(count)

    def close(self) -> None:
        self._bar.close()


def _progress_bar(description: str) -> _Bar:
    return _Bar(description)


def _definition_graph(definition: str) -> dict[str, Any]:
    from .core.definition import parse_definition

    try:
        return parse_definition(definition).to_dict()
    except ValueError as exc:
        raise UsageError(f"not a pipeline definition: {exc}") from None


def _export_result(summary: dict[str, Any], destination: str) -> Any:
    """The exporter's summary as the magic shows it: its events left out (``.result`` keeps them)."""
    from .widgets.results import ExportResult

    shown = {k: v for k, v in summary.items() if k != "notDeliveredEvents"}
    return ExportResult({**shown, "destination": destination})


def _destination(args: Any) -> str:
    import os

    if args.transport == "file":
        return f"file {args.file or 'openlineage-events.jsonl'}"
    url = args.url or os.environ.get("OPENLINEAGE_URL")
    if url:
        return url
    return args.transport or "openlineage-python's configuration (OPENLINEAGE_URL / openlineage.yml)"


def _unquote(value: str | None) -> str | None:
    """IPython splits magic arguments without removing quotes: ``'{"a": 1}'`` -> ``{"a": 1}``."""
    if value and len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
        return value[1:-1]
    return value


def _no_more(command: str, rest: list[str], allowed: int) -> None:
    if len(rest) > allowed:
        extra = " ".join(shlex.quote(r) for r in rest[allowed:])
        raise UsageError(f"unexpected argument(s) for {command}: {extra} (see %lineage?)")


def _error(message: str) -> Any:
    from .widgets.html import error_html

    class _ErrorDisplay:
        def _repr_html_(self) -> str:
            return error_html(message)

        def __repr__(self) -> str:
            return f"lineage: {message}"

    return _ErrorDisplay()


#: Per shell: whether a cell is running (the magic then defers an explorer's first load past the cell).
_CELL_RUNNING: dict[int, bool] = {}


def load_ipython_extension(ipython: Any) -> None:
    """``%load_ext jupyter_sm_lineage``: register ``%lineage`` and ``%%lineage_sql``."""
    ipython.register_magics(LineageMagics)
    key = id(ipython)
    if key not in _CELL_RUNNING:
        _CELL_RUNNING[key] = False
        ipython.events.register("pre_run_cell", lambda *_: _CELL_RUNNING.__setitem__(key, True))
        ipython.events.register("post_run_cell", lambda *_: _CELL_RUNNING.__setitem__(key, False))
