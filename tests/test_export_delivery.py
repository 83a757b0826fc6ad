"""Delivery: a real local receiver (Marquez's contract) that accepts, refuses, fails or hangs; nothing lost."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

from sm_lineage_exporter import to_dict
from sm_lineage_exporter.cli import main
from sm_lineage_exporter.emit import Emitter, make_client, sender
from sm_lineage_exporter.spool import Spool
from tests.receiver import Receiver

GOLDEN = Path(__file__).parent / "golden"


def fast_client(url: str, **extra: Any) -> Any:
    # No backoff and few retries: the test is about outcomes, not waiting.
    return make_client(transport="http", url=url, timeout=extra.pop("timeout", 2.0), retries=extra.pop("retries", 1),
                       **extra)


def keys(items: list[Any]) -> list[tuple[str, str]]:
    dicts = [to_dict(e) if not isinstance(e, str) else json.loads(e) for e in items]
    return [(d["run"]["runId"], d["eventType"]) for d in dicts]


def test_every_event_arrives_in_order(receiver: Receiver, events: list[Any], tmp_path: Path) -> None:
    delivery = Emitter(fast_client(receiver.url), Spool(tmp_path)).emit(events)
    assert delivery.ok and delivery.sent == len(events)
    assert keys(receiver.events) == keys(events)
    assert Spool(tmp_path).pending() == []


def test_transient_5xx_is_retried_by_openlineage_python(receiver: Receiver, events: list[Any], tmp_path: Path) -> None:
    receiver.fail_next(1, 503)
    delivery = Emitter(fast_client(receiver.url, retries=2), Spool(tmp_path)).emit(events)
    assert delivery.ok and receiver.requests == len(events) + 1
    assert keys(receiver.events) == keys(events)


def test_backend_down_spools_the_rest_and_replay_delivers_exactly_once(
        receiver: Receiver, events: list[Any], tmp_path: Path) -> None:
    # Given: the backend takes three events, then answers 503 to everything
    spool = Spool(tmp_path)
    emitter = Emitter(fast_client(receiver.url), spool)
    first = emitter.emit(events[:3])
    receiver.fail_always(503)
    # When
    delivery = emitter.emit(events[3:])
    # Then: nothing after the failure was attempted, everything is spooled in order
    assert delivery.spooled == len(events) - 3 and delivery.sent == 0 and first.sent == 3
    assert keys(spool.pending()) == keys(events[3:])
    # When the backend recovers, replay sends the spooled events in order and empties the spool
    receiver.recover()
    result = spool.replay(sender(fast_client(receiver.url)))
    assert result.ok and result.sent == len(events) - 3
    assert keys(receiver.events) == keys(events)
    assert spool.pending() == [] and not list(tmp_path.glob("*.jsonl"))


def test_replay_stops_at_the_first_failure_and_keeps_the_rest(
        receiver: Receiver, events: list[Any], tmp_path: Path) -> None:
    spool = Spool(tmp_path)
    receiver.fail_always()
    Emitter(fast_client(receiver.url), spool).emit(events)
    receiver.recover()
    # The backend goes down again after two replayed events
    original = sender(fast_client(receiver.url))
    calls = {"n": 0}

    def flaky(line: str) -> None:
        calls["n"] += 1
        if calls["n"] == 3:
            receiver.fail_always()
        original(line)

    partial = spool.replay(flaky)
    assert partial.sent == 2 and partial.remaining == len(events) - 2 and partial.errors
    receiver.recover()
    rest = spool.replay(sender(fast_client(receiver.url)))
    assert rest.ok and rest.sent == len(events) - 2
    assert keys(receiver.events) == keys(events)


def test_refused_event_is_reported_with_message_and_event_and_spooled(
        receiver: Receiver, events: list[Any], tmp_path: Path) -> None:
    # Given: the backend refuses one job's events
    receiver.refuse(lambda e: "job name not allowed" if e["job"]["name"].endswith(".Train") else None, 422)
    spool = Spool(tmp_path)
    # When
    delivery = Emitter(fast_client(receiver.url), spool).emit(events)
    # Then: the others are delivered, the refused ones reported and spooled
    refused = [e for e in events if e.job.name.endswith(".Train")]
    assert len(delivery.rejected) == len(refused) == 2
    assert delivery.rejected[0].status == 422 and "job name not allowed" in delivery.rejected[0].message
    assert delivery.rejected[0].event["job"]["name"] == "mlops-pipeline.Train"
    assert delivery.sent == len(events) - 2 and keys(spool.pending()) == keys(refused)
    # Replay with --drop-rejected moves them aside instead of blocking the queue
    result = spool.replay(sender(fast_client(receiver.url)), drop_rejected=True)
    assert result.rejected == 2 and spool.pending() == []
    assert len((tmp_path / "rejected.jsonl").read_text().splitlines()) == 2


def test_hanging_backend_times_out_and_spools(receiver: Receiver, events: list[Any], tmp_path: Path) -> None:
    receiver.hang()
    spool = Spool(tmp_path)
    delivery = Emitter(fast_client(receiver.url, timeout=0.3, retries=0), spool).emit(events[:4])
    receiver.release()
    assert delivery.spooled == 4 and delivery.sent == 0 and "Timeout" in " ".join(delivery.errors)
    assert keys(spool.pending()) == keys(events[:4])
    result = spool.replay(sender(fast_client(receiver.url)))
    assert result.ok and receiver.wait_for(4, timeout=10)
    # A hung request may have been taken late by the receiver: Marquez upserts by run ID and state,
    # so what counts is that every event arrived, in effect once.
    assert set(keys(receiver.events)) == set(keys(events[:4]))


def test_async_transport_spools_what_it_could_not_deliver(
        receiver: Receiver, events: list[Any], tmp_path: Path) -> None:
    receiver.refuse(lambda e: "no" if e["job"]["name"].endswith(".Evaluate") else None, 400)
    client = make_client(transport="async_http", url=receiver.url, timeout=2.0, retries=0)
    spool = Spool(tmp_path)
    emitter = Emitter(client, spool)
    delivery = emitter.emit(events)
    emitter.close()
    assert delivery.sent == len(events) - 2 and delivery.spooled == 2
    assert {k for k in keys(spool.pending())} == {k for k in keys(events) if k not in keys(receiver.events)}


def test_cli_exits_non_zero_saying_how_many_were_spooled_then_replay(
        receiver: Receiver, tmp_path: Path) -> None:
    sql = tmp_path / "spend.sql"
    sql.write_text("INSERT INTO mart.spend SELECT customer_id, sum(amount) AS total FROM sales.orders "
                   "GROUP BY customer_id")
    receiver.fail_always()
    common = ["--url", receiver.url, "--retries", "0", "--timeout", "2", "--spool-dir", str(tmp_path / "spool")]
    err = io.StringIO()
    code = main(["sql", str(sql), "--dialect", "athena", *common], stdout=io.StringIO(), stderr=err)
    assert code == 1 and "2 event(s) not delivered, spooled" in err.getvalue()
    receiver.recover()
    err = io.StringIO()
    assert main(["replay", *common], stdout=io.StringIO(), stderr=err) == 0
    assert "2 event(s) replayed, 0 still spooled" in err.getvalue()
    assert [e["eventType"] for e in receiver.events] == ["START", "COMPLETE"]
    assert receiver.events[1]["outputs"][0]["facets"]["columnLineage"]["fields"]["total"]


def test_orphaned_partial_segment_is_replayed(receiver: Receiver, events: list[Any], tmp_path: Path) -> None:
    # Given: a writer that died before closing its segment (simulated by releasing its lock unclosed)
    spool = Spool(tmp_path)
    writer = spool.writer()
    for event in events[:2]:
        writer.write(event)
    writer.abandon()  # the process "died": the lock is gone, the file stays .partial
    assert list(tmp_path.glob("*.partial"))
    # When / Then
    assert spool.replay(sender(fast_client(receiver.url))).sent == 2
    assert keys(receiver.events) == keys(events[:2])


def test_async_transport_keeps_each_runs_start_before_its_end_and_spools_in_order_when_down(
        receiver: Receiver, events: list[Any], tmp_path: Path) -> None:
    client = make_client(transport="async_http", url=receiver.url, timeout=2.0, retries=0)
    with Emitter(client, Spool(tmp_path)) as emitter:
        delivery = emitter.emit(events)
        assert delivery.ok and delivery.sent == len(events) and sorted(keys(receiver.events)) == sorted(keys(events))
        arrived = keys(receiver.events)
        for run_id in {run for run, _ in arrived}:
            kinds = [kind for run, kind in arrived if run == run_id]
            assert kinds[0] == "START" and len(kinds) == 2, kinds
        # The backend goes down: nothing is delivered, everything is spooled in emission order
        receiver.fail_always()
        down = emitter.emit(events)
    assert (down.sent, down.spooled) == (0, len(events)) and down.errors
    assert keys(Spool(tmp_path).pending()) == keys(events)
