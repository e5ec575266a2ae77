"""Render step: documents to PDF files, in parallel worker processes (DESIGN rule 2).

    render_one(job, storage=None) -> RenderedDocument
    render_documents(jobs, workers, *, executor=None, errors=None, storage=None)
        -> list[RenderedDocument]
    start_rendering(...) -> outcomes; collect_renderings(outcomes, errors)   (the same,
        in two halves: the caller works while the pool draws)
    render_pool(workers) -> ProcessPoolExecutor   (an explicit pool, if the caller wants one)
    shared_pool(workers) -> ProcessPoolExecutor   (the night's kept one: tasks/pool.py)

Workers are stateless: they get a RenderJob (plain data), draw it, write the PDF
(storage None: atomically to the local path job.out_path; else to the key job.out_path
in that storage, a folder or an object store, see tasks/storage.py) and return the key,
path, sha256, page count and size. They never open the warehouse; the flow's own process
records the results (DESIGN rule 3). The executor may be a Dask client's, so the same
chunks run on a cluster (tasks/render/cluster.py).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence
from concurrent.futures import Executor, ProcessPoolExecutor
from functools import partial

from domain.records import RenderedDocument, RenderJob
from tasks.pool import MP_CONTEXT, new_pool, shared_pool, shutdown_pools
from tasks.render.pdf import draw_document, draw_rendition
from tasks.storage import StorageConfig, open_storage, write_atomic

__all__ = [
    "RenderError",
    "draw_document",
    "render_documents",
    "render_one",
    "render_pool",
    "start_rendering",
    "collect_renderings",
    "shared_pool",
    "shutdown_pools",
    "write_atomic",
]

MAX_CHUNK = 100  # documents per worker round-trip (IPC costs about one document's time)
CHUNKS_PER_WORKER = 4  # enough chunks to even out slow (multi-page) documents


class RenderError(Exception):
    """A document that could not be rendered; the message quotes its key (R31)."""

    def __init__(self, issuer: str, document_number: str, reason: str) -> None:
        super().__init__(f"render failed for {issuer}/{document_number}: {reason}")
        self.issuer = issuer
        self.document_number = document_number
        self.reason = reason

    def __reduce__(self):  # travels back from worker processes
        return (type(self), (self.issuer, self.document_number, self.reason))


def render_one(job: RenderJob, storage: StorageConfig | None = None) -> RenderedDocument:
    """Draw one document, write it to job.out_path (a local path, or a key in
    `storage`), describe the result."""
    try:
        drawing = draw_rendition(job)
    except Exception as exc:  # bad data in one document: name the document (R31)
        raise RenderError(job.issuer, job.document_number, f"{type(exc).__name__}: {exc}") from exc
    data = drawing.data
    if storage is None:
        write_atomic(job.out_path, data)
    else:
        open_storage(storage).write(job.out_path, data)
    return RenderedDocument(
        issuer=job.issuer,
        document_number=job.document_number,
        path=job.out_path,
        sha256=hashlib.sha256(data).hexdigest(),
        pages=drawing.pages,
        bytes=len(data),
        missing_glyphs="".join(drawing.missing),
    )


def _render_chunk(
    jobs: Sequence[RenderJob], storage: StorageConfig | None = None
) -> list[RenderedDocument | RenderError]:
    """Worker side: one round-trip renders a chunk; a failing document does not sink the
    others (DESIGN rule 7), its error travels back in its place."""
    results: list[RenderedDocument | RenderError] = []
    for job in jobs:
        try:
            results.append(render_one(job, storage))
        except RenderError as exc:
            results.append(exc)
    return results


def warm_worker() -> None:
    """Worker initializer: labels and number shapes of every language, loaded once."""
    from tasks.render.labels import LANGUAGES, format_amount, format_number
    from tasks.render.pdf import _labels

    for language in LANGUAGES:
        _labels(language)
        format_amount("0", language)
        format_number("1", language)


def render_pool(workers: int, context: str = MP_CONTEXT) -> ProcessPoolExecutor:
    """A new process pool for rendering (caller shuts it down); reuse it across batches."""
    return new_pool(workers, warm_worker, context)


def _chunks(jobs: Sequence[RenderJob], workers: int) -> list[Sequence[RenderJob]]:
    """A list, not a generator: a Dask client's map refuses iterators."""
    size = max(1, min(MAX_CHUNK, -(-len(jobs) // (workers * CHUNKS_PER_WORKER))))
    return [jobs[i : i + size] for i in range(0, len(jobs), size)]


def render_documents(
    jobs: Sequence[RenderJob],
    workers: int,
    *,
    executor: Executor | None = None,
    errors: list[RenderError] | None = None,
    storage: StorageConfig | None = None,
) -> list[RenderedDocument]:
    """Render a batch; results in the order of `jobs`.

    workers == 1 (and no executor): a plain loop in this process. Otherwise the batch is
    cut into chunks mapped over `executor` (any concurrent.futures Executor, e.g. a Dask
    client's get_executor()) or over this process's kept pool of `workers` processes.
    If `errors` is a list, documents that fail are appended to it as RenderError and left
    out of the result (the caller quarantines them, DESIGN rule 7); otherwise the first
    failure raises it. With `storage`, each job's out_path is a key in it (see
    render_one); the configuration travels with every chunk, so a worker on another
    machine writes to the same place.
    """
    outcomes = start_rendering(jobs, workers, executor=executor, storage=storage)
    return collect_renderings(outcomes, errors)


def start_rendering(
    jobs: Sequence[RenderJob],
    workers: int,
    *,
    executor: Executor | None = None,
    storage: StorageConfig | None = None,
) -> Iterator[RenderedDocument | RenderError]:
    """Hand the batch to the workers and return at once (issue 21: the caller records
    the previous batch meanwhile); iterating waits for the outcomes, in order. In this
    process (workers == 1, no executor) the batch is drawn before returning."""
    if not jobs:
        return iter(())
    jobs = list(jobs)
    if executor is None and workers <= 1:
        return iter(_render_chunk(jobs, storage))
    pool = executor if executor is not None else shared_pool(workers)
    render_chunk = partial(_render_chunk, storage=storage)  # picklable: travels as is
    chunked = pool.map(render_chunk, _chunks(jobs, max(1, workers)))
    return (outcome for chunk in chunked for outcome in chunk)


def collect_renderings(
    outcomes: Iterator[RenderedDocument | RenderError], errors: list[RenderError] | None
) -> list[RenderedDocument]:
    """The drawn documents; failures into `errors`, or the first one raised without it."""
    results: list[RenderedDocument] = []
    for outcome in outcomes:
        if isinstance(outcome, RenderError):
            if errors is None:
                raise outcome
            errors.append(outcome)
        else:
            results.append(outcome)
    return results
