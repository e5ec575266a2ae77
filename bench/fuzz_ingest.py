"""Coverage-guided fuzzing of the ingest parser and validator with atheris (issue 10).

Optional: atheris is not a locked dependency. Install it beside the project, not in it:

    uv pip install --python .venv/bin/python --target /tmp/atheris-lib atheris
    PYTHONPATH=/tmp/atheris-lib .venv/bin/python bench/fuzz_ingest.py -atheris_runs=200000

Every input is fed three ways: as a JSON Lines line (reader, then the validator), as a
JSON object laid over a good document (structured but wrong), and as the body of a
customers CSV under a correct header. Anything but a Rejection, a RowError or
UnreadableFile is a crash: libFuzzer stops and writes the input to crash-<sha1>.
Seeds: the lines of tests/reliability/corpus/documents_hostile.jsonl.
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

import atheris

with atheris.instrument_imports():
    from domain.validate import CUSTOMER_FIELDS, RowError, validate_customer, validate_document
    from tasks.ingest.read import UnreadableFile, parse_json_line, read_customer_rows

ROOT = Path(__file__).resolve().parents[1]
ISSUERS = frozenset({"DL2", "DL5"})
GOOD = json.loads(
    (ROOT / "tests/reliability/corpus/documents_hostile.jsonl").read_bytes()[3:].split(b"\r\n")[0]
)
HEADER = (",".join(CUSTOMER_FIELDS) + "\r\n").encode()
SCRATCH = Path(tempfile.mkdtemp(prefix="fuzz-ingest-")) / "customers_fuzz.csv"


def validate_quietly(fn, row: dict) -> None:
    try:
        fn(row, ISSUERS)
    except RowError:
        pass


def one_input(data: bytes) -> None:
    row = parse_json_line(data)
    if isinstance(row, dict):
        validate_quietly(validate_document, row)
        validate_quietly(validate_document, GOOD | row)
    SCRATCH.write_bytes(HEADER + data)
    try:
        for _, customer in read_customer_rows(SCRATCH):
            if isinstance(customer, dict):
                validate_quietly(validate_customer, customer)
    except UnreadableFile:
        pass


def seed_corpus() -> Path:
    seeds = SCRATCH.parent / "seeds"
    seeds.mkdir()
    lines = (ROOT / "tests/reliability/corpus/documents_hostile.jsonl").read_bytes().split(b"\r\n")
    for n, line in enumerate(line for line in lines if len(line) < 4096):
        (seeds / f"seed-{n}").write_bytes(line)
    return seeds


if __name__ == "__main__":
    args = sys.argv + ([str(seed_corpus())] if not any(a.startswith("/") for a in sys.argv[1:])
                       else [])  # fmt: skip
    atheris.Setup(args, one_input)
    atheris.Fuzz()
