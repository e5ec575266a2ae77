"""Peppol channel benchmark (issue 18): build + the official rules, per CPU-second.

    .venv/bin/python bench/peppol.py [--documents 2000] [--customers N] [--seed 7] [--pdf-kb 0]

Not timed: generating the landing data, reading it through the ingest validation,
rendering each document's PDF (`--pdf-kb N` pads each PDF to at least N kB, to see what
a font-embedded PDF costs). One-off costs (schema load, XSLT compile) are printed apart:
a process pays them once. Timed on the same documents, one after the other in this
process pinned to one CPU (sched_setaffinity), CPU and wall time of:

  build        build_ubl(): UBL 2.1 Invoice / CreditNote with the PDF embedded
  naive        every layer on its own over the full document, stylesheets loaded once:
               lxml parse + XSD; Saxon parse + CEN XSLT to text + lxml SVRL parse; the
               same for the Peppol XSLT; lxml parse + own policy
  validate     validate_ubl(): one lxml parse, one Saxon parse of the document without
               its PDF content, both rule sets on that tree, SVRL asked in Saxon
  the step     build_ubl + validate_ubl, as the night runs it

then the profile of `validate` step by step. Targets (issue 18): the step >= 200
documents per CPU-second, validate >= 2x naive.
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
from tasks.peppol.rules import OFFICIAL, check_policy  # noqa: E402
from tasks.peppol.sample import peppol_samples  # noqa: E402
from tasks.peppol.validate import (  # noqa: E402
    has_findings,
    load_rules,
    load_schema,
    parse_ubl,
    text_without_attachments,
    validate_schematron,
    validate_ubl,
    validate_xsd,
)

TARGET = 200.0
TARGET_SPEEDUP = 2.0
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


def padded(pdf: bytes, kb: int) -> bytes:
    """The PDF grown to `kb` kB by a trailing comment (readers ignore bytes after %%EOF)."""
    missing = kb * 1024 - len(pdf)
    return pdf if missing <= 0 else pdf + b"\n%" + b"x" * missing


def make_samples(documents: int, customers: int | None, seed: int, pdf_kb: int) -> list:
    customers = customers or max(10, documents // (2 * DOCUMENTS_PER_CUSTOMER_YEAR) + 1)
    with tempfile.TemporaryDirectory() as folder:
        samples = peppol_samples(Path(folder), customers, years=2, seed=seed)
    if not samples:
        raise SystemExit("the generated data holds no B2B document")
    for sample in samples:
        sample.pdf = padded(sample.pdf, pdf_kb)
    return [samples[i % len(samples)] for i in range(documents)]


def validate_naive(ubl: bytes) -> list:
    failures = validate_xsd(parse_ubl(ubl))
    for artefact in OFFICIAL.schematrons:
        failures += validate_schematron(ubl, artefact)
    return failures + check_policy(parse_ubl(ubl))


def profile(ubls: list[bytes]) -> list[tuple[str, float]]:
    """validate_ubl's steps, each timed over every document."""
    processor, compiled, query = load_rules()
    cpu, _, roots = timed(lambda: [parse_ubl(u) for u in ubls])
    rows = [("lxml parse (full document)", cpu)]
    cpu, _, _ = timed(lambda: [validate_xsd(r) for r in roots])
    rows.append(("UBL 2.1 XSD (lxml)", cpu))
    cpu, _, texts = timed(lambda: [text_without_attachments(r) for r in roots])
    rows.append(("cut PDF + serialise", cpu))
    cpu, _, nodes = timed(lambda: [processor.parse_xml(xml_text=t) for t in texts])
    rows.append(("Saxon parse (no PDF)", cpu))
    for artefact, stylesheet in compiled:
        cpu, _, reports = timed(lambda s=stylesheet: [s.transform_to_value(xdm_node=n)
                                                      for n in nodes])  # fmt: skip
        rows.append((f"{artefact.layer} XSLT {artefact.version}", cpu))
        cpu, _, _ = timed(lambda r=reports: [has_findings(query, x) for x in r])
        rows.append((f"{artefact.layer} SVRL query", cpu))
    cpu, _, _ = timed(lambda: [check_policy(r) for r in roots])
    rows.append(("own policy (IPORTAL-*)", cpu))
    full = [u.decode("utf-8") for u in ubls]
    cpu, _, _ = timed(lambda: [processor.parse_xml(xml_text=t) for t in full])
    rows.append(("(naive only) Saxon parse, full", cpu))
    stylesheet = compiled[0][1]
    cpu, _, svrl = timed(lambda: [stylesheet.transform_to_string(xdm_node=n) for n in nodes])
    rows.append((f"(naive only) {compiled[0][0].layer} XSLT to text", cpu))
    return rows


def report(rows, count: int) -> None:
    print(f"\n{'step':<38}{'docs/CPU-s':>12}{'docs/s wall':>13}{'ms/doc':>9}")
    for name, cpu, wall in rows:
        print(f"{name:<38}{count / cpu:>12.0f}{count / wall:>13.0f}{1000 * cpu / count:>9.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=int, default=2000)
    parser.add_argument("--customers", type=int, default=None)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--pdf-kb", type=int, default=0)
    args = parser.parse_args()

    print(f"load average {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} "
          f"{os.getloadavg()[2]:.2f} (the machine is shared)")  # fmt: skip
    _, prepare, samples = timed(
        lambda: make_samples(args.documents, args.customers, args.seed, args.pdf_kb)
    )
    credit_notes = sum(s.document["document_type"] == "credit_note" for s in samples)
    print(f"{len(samples)} documents ({credit_notes} credit notes), data + PDFs in {prepare:.1f} s")
    print(f"rules: {OFFICIAL.release}")
    print(pin_to_one_cpu())
    schema_cpu, _, _ = timed(lambda: (load_schema("Invoice"), load_schema("CreditNote")))
    xslt_cpu, xslt_wall, _ = timed(load_rules)
    print(f"one-off: schemas {schema_cpu:.2f} s CPU, XSLT compile {xslt_cpu:.2f} s CPU "
          f"({xslt_wall:.2f} s wall)")  # fmt: skip

    def build():
        return [build_ubl(s.document, s.customer, s.issuer, s.pdf, "document.pdf")
                for s in samples]  # fmt: skip

    rows = []
    cpu, wall, ubls = timed(build)
    rows.append(("build", cpu, wall))
    cpu, wall, naive = timed(lambda: [validate_naive(u) for u in ubls])
    rows.append(("naive: every layer on its own", cpu, wall))
    cpu, wall, fast = timed(lambda: [validate_ubl(u) for u in ubls])
    rows.append(("validate_ubl", cpu, wall))
    cpu, wall, _ = timed(lambda: [validate_ubl(u) for u in build()])
    rows.append(("the step: build + validate_ubl", cpu, wall))
    count = len(ubls)
    report(rows, count)

    if [sorted(map(repr, f)) for f in naive] != [sorted(map(repr, f)) for f in fast]:
        raise SystemExit("naive and validate_ubl disagree")
    failures = sum(len(f) for f in fast)
    mean_kb = sum(len(u) for u in ubls) / count / 1024
    print(f"\nfindings: {failures} (same in both); mean UBL {mean_kb:.1f} kB with the PDF")
    print(f"\nprofile of validate_ubl ({count} documents)")
    for name, cpu in profile(ubls):
        print(f"  {name:<40}{1000 * cpu / count:>8.3f} ms/doc")

    rate = count / rows[-1][1]
    speedup = rows[1][1] / rows[2][1]
    step_naive = count / (rows[0][1] + rows[1][1])
    print(
        f"\nthe step: {rate:.0f} docs/CPU-s (naive build + validate {step_naive:.0f}); "
        f"validation {speedup:.2f}x naive"
    )
    met = rate >= TARGET and speedup >= TARGET_SPEEDUP
    print(
        f"{'meets' if met else 'MISSES'} the targets: >= {TARGET:.0f} documents per "
        f"CPU-second and >= {TARGET_SPEEDUP:.0f}x naive"
    )


if __name__ == "__main__":
    main()
