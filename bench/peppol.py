"""Peppol channel benchmark (issue 7): UBL generation and each validation layer, one core.

    .venv/bin/python bench/peppol.py [--documents 5000] [--customers N] [--seed 7]

Not timed: generating the landing data, reading it through the ingest validation,
rendering each document's PDF. Timed on the same documents, one after the other in this
process pinned to one CPU (sched_setaffinity), CPU and wall time of:

  generation   build_ubl(): UBL 2.1 Invoice / CreditNote with the PDF embedded
  xsd          parse + UBL 2.1 schema (lxml)
  en16931      CEN EN 16931 rules: saxonche XSLT → SVRL → failed asserts
  peppol       parse + the Peppol BIS 3.0 checks of tasks.peppol.rules

and the step as the night runs it: build_ubl + validate_ubl (one parse for the layers).
One-off costs (schema load, XSLT compile) are printed apart: the night pays them once.
Target: generation + all validation >= 100 documents per CPU-second (the last row).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tasks.peppol.build import build_ubl  # noqa: E402
from tasks.peppol.rules import check_peppol_rules  # noqa: E402
from tasks.peppol.sample import peppol_samples  # noqa: E402
from tasks.peppol.validate import (  # noqa: E402
    load_en16931_rules,
    load_schema,
    parse_ubl,
    validate_en16931,
    validate_ubl,
    validate_xsd,
)

TARGET = 100.0
DOCUMENTS_PER_CUSTOMER_YEAR = 10  # measured: B2B documents per customer and year of history


def timed(step) -> tuple[float, float, object]:
    cpu, wall = time.process_time(), time.perf_counter()
    result = step()
    return time.process_time() - cpu, time.perf_counter() - wall, result


def pin_to_one_cpu() -> str:
    if not hasattr(os, "sched_setaffinity"):
        return "not pinned"
    cpu = min(os.sched_getaffinity(0))
    os.sched_setaffinity(0, {cpu})
    return f"pinned to CPU {cpu}"


def make_samples(documents: int, customers: int | None, seed: int) -> list:
    customers = customers or max(10, documents // (2 * DOCUMENTS_PER_CUSTOMER_YEAR) + 1)
    with tempfile.TemporaryDirectory() as folder:
        samples = peppol_samples(Path(folder), customers, years=2, seed=seed)
    if not samples:
        raise SystemExit("the generated data holds no B2B document")
    return [samples[i % len(samples)] for i in range(documents)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=int, default=5000)
    parser.add_argument("--customers", type=int, default=None)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    _, prepare, samples = timed(lambda: make_samples(args.documents, args.customers, args.seed))
    credit_notes = sum(s.document["document_type"] == "credit_note" for s in samples)
    print(f"{len(samples)} documents ({credit_notes} credit notes), data + PDFs in {prepare:.1f} s")
    print(pin_to_one_cpu())
    schema_cpu, _, _ = timed(lambda: (load_schema("Invoice"), load_schema("CreditNote")))
    xslt_cpu, xslt_wall, _ = timed(load_en16931_rules)
    print(
        f"one-off: schemas {schema_cpu:.2f} s CPU, XSLT compile {xslt_cpu:.2f} s CPU "
        f"({xslt_wall:.2f} s wall)"
    )

    build = lambda: [  # noqa: E731
        build_ubl(s.document, s.customer, s.issuer, s.pdf, "document.pdf") for s in samples
    ]
    rows = []
    cpu, wall, ubls = timed(build)
    rows.append(("generation", cpu, wall))
    failures = 0
    for name, layer in (
        ("xsd", lambda: [validate_xsd(parse_ubl(u)) for u in ubls]),
        ("en16931", lambda: [validate_en16931(u) for u in ubls]),
        ("peppol", lambda: [check_peppol_rules(parse_ubl(u)) for u in ubls]),
    ):
        cpu, wall, found = timed(layer)
        failures += sum(len(f) for f in found)
        rows.append((name, cpu, wall))

    pipeline = lambda: [  # noqa: E731
        validate_ubl(build_ubl(s.document, s.customer, s.issuer, s.pdf, "document.pdf"))
        for s in samples
    ]
    cpu, wall, _ = timed(pipeline)
    rows.append(("the step: build + validate_ubl", cpu, wall))

    count = len(ubls)
    print(f"\n{'step':<32}{'docs/CPU-s':>12}{'docs/s wall':>13}{'ms/doc':>9}")
    for name, cpu, wall in rows:
        print(f"{name:<32}{count / cpu:>12.0f}{count / wall:>13.0f}{1000 * cpu / count:>9.2f}")
    rate = count / rows[-1][1]
    mean_kb = sum(len(u) for u in ubls) / count / 1024
    print(f"\nfailed asserts: {failures}; mean UBL size {mean_kb:.1f} kB (PDF embedded)")
    verdict = "meets" if rate >= TARGET else "MISSES"
    print(f"{verdict} the target of {TARGET:.0f} documents per CPU-second")


if __name__ == "__main__":
    main()
