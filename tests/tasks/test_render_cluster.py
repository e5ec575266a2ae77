"""Distributed rendering (issue 9): the render step on a real two-worker Dask cluster.

The coordinator (this process) selects and records; the workers, separate processes
reached over TCP, only draw and write through the storage (DESIGN rules 2-3).
"""

from __future__ import annotations

import hashlib
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from config import DEFAULT_ISSUERS
from tasks import paper, renditions, route, runs
from tasks.generate import write_landing_files
from tasks.ingest import IngestContext, ingest_file, list_landing_files
from tasks.print_batch import build_print_batch
from tasks.render.cluster import cluster_client, cluster_executor
from tasks.storage import StorageConfig, open_storage
from warehouse.store import open_writer

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("cluster")]
AS_OF = datetime(2026, 11, 27, 2, tzinfo=ZoneInfo("Europe/Brussels"))


def routed_warehouse(data_dir) -> str:
    """Tonight's documents of 8 customers ingested and routed; returns the run id."""
    landing = data_dir / "landing"
    write_landing_files(landing, customers=8, years=0, seed=9, as_of=date(2026, 11, 27))
    database = data_dir / "warehouse.duckdb"
    with open_writer(database, "test") as con:
        go_live = runs.resolve_go_live(con, None, AS_OF)
        run_id = runs.start_run(con, "nightly", AS_OF, "test")
    ctx = IngestContext(database, landing / "processed", frozenset(DEFAULT_ISSUERS), go_live,
                        run_id, batch_size=500, lock_timeout=60, actor="test")  # fmt: skip
    for path in list_landing_files(landing):
        ingest_file(path, ctx)
    with open_writer(database, "test") as con:
        route.route_batch(con, AS_OF, run_id, 10_000, "test")
    return run_id


def render_on_cluster(data_dir, run_id: str, storage: StorageConfig, address: str) -> list:
    """The nightly render step's body: select (coordinator), draw (cluster), record."""
    database = data_dir / "warehouse.duckdb"
    with open_writer(database, "test") as con:
        jobs = renditions.select_render_jobs(con, None, DEFAULT_ISSUERS, 1000)
    rendered, failures = renditions.render_batch(jobs, 1, storage, address)
    assert failures == []
    with open_writer(database, "test") as con:
        renditions.record_renditions(con, rendered, data_dir, run_id, "test")
    return jobs


def recorded(data_dir) -> list[tuple]:
    with open_writer(data_dir / "warehouse.duckdb", "test") as con:
        return con.execute("SELECT path, sha256, bytes FROM renditions ORDER BY path").fetchall()


def test_render_step_runs_on_two_workers_and_the_coordinator_records(dask_cluster, tmp_path):
    run_id = routed_warehouse(tmp_path)
    client = cluster_client(dask_cluster)
    before = client.run(lambda dask_worker: dask_worker.state.executed_count)
    jobs = render_on_cluster(tmp_path, run_id, StorageConfig(str(tmp_path)), dask_cluster)
    after = client.run(lambda dask_worker: dask_worker.state.executed_count)
    assert len(jobs) >= 8
    assert all(after[w] > before[w] for w in after), "both workers drew documents"
    rows = recorded(tmp_path)
    assert [path for path, _, _ in rows] == sorted(job.out_path for job in jobs)
    for path, sha256, size in rows:  # keys relative to the data dir, as always
        data = (tmp_path / path).read_bytes()
        assert (hashlib.sha256(data).hexdigest(), len(data)) == (sha256, size)
    with open_writer(tmp_path / "warehouse.duckdb", "test") as con:
        assert renditions.select_render_jobs(con, None, DEFAULT_ISSUERS, 1000) == []


def test_cluster_writes_to_object_storage_and_the_print_batch_reads_it(
    dask_cluster, s3_server, tmp_path
):
    run_id = routed_warehouse(tmp_path)
    render_on_cluster(tmp_path, run_id, s3_server, dask_cluster)
    storage = open_storage(s3_server)
    rows = recorded(tmp_path)
    assert rows and not (tmp_path / "documents").exists()  # all in the bucket
    for key, sha256, _ in rows:
        assert hashlib.sha256(storage.read(key)).hexdigest() == sha256
    with open_writer(tmp_path / "warehouse.duckdb", "test") as con:
        [batch_id] = paper.assign_print_batches(con, AS_OF, run_id, "test")[:1] or [None]
        pieces = paper.mail_pieces(con, batch_id, tmp_path) if batch_id else []
    documents = [p for p in pieces if p.kind == "document"]
    assert documents, "the generated night has paper documents"
    with paper.local_mail_pieces(pieces, storage) as local:
        batch = build_print_batch(local, tmp_path / "print", batch_id, local[0].issuer)
    assert batch.pieces == len(pieces) and batch.ready_path.exists()


def test_unreachable_scheduler_means_the_local_pool(caplog):
    assert cluster_executor("tcp://127.0.0.1:9", timeout=1) is None
    assert "rendering locally" in caplog.text
