"""Mutation score per module from `mutmut results`, minus the mutants listed as
equivalent (with the reason) in tests/mutation/equivalent.txt. Run by `make mutate`.

Usage: python tests/mutation/report.py [REPORT.md]   (exit 1 when domain/ is below 95 %)
"""

from __future__ import annotations

import subprocess
import sys
from collections import Counter, defaultdict
from pathlib import Path

HERE = Path(__file__).parent
TARGET = 0.95


def read_equivalents() -> dict[str, str]:
    equivalents = {}
    for line in (HERE / "equivalent.txt").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            name, _, why = line.partition(" ")
            equivalents[name] = why.strip()
    return equivalents


def read_results() -> dict[str, str]:
    out = subprocess.run(
        [sys.executable, "-m", "mutmut", "results", "--all", "true"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    results = {}
    for line in out.splitlines():
        name, _, status = line.strip().rpartition(": ")
        if name:
            results[name] = status
    return results


def module_of(name: str) -> str:
    return name.split(".x_")[0].split(".xǁ")[0]


def write_report(results: dict[str, str], equivalents: dict[str, str]) -> tuple[str, float]:
    per_module: dict[str, Counter] = defaultdict(Counter)
    survivors: dict[str, list[str]] = defaultdict(list)
    for name, status in sorted(results.items()):
        module = module_of(name)
        if status != "killed" and name in equivalents:
            status = "equivalent"
        per_module[module][status] += 1
        if status in {"survived", "no tests", "timeout", "suspicious"}:
            survivors[module].append(f"{name}: {status}")
    lines = [
        "# Mutation report",
        "",
        "| module | mutants | killed | equivalent | left | score |",
        "|---|---|---|---|---|---|",
    ]
    total = killed_total = 0
    for module, counts in sorted(per_module.items()):
        n = sum(counts.values())
        killed, equivalent = counts["killed"], counts["equivalent"]
        score = (killed + equivalent) / n if n else 1.0
        total += n
        killed_total += killed + equivalent
        lines.append(
            f"| {module} | {n} | {killed} | {equivalent} | {n - killed - equivalent} "
            f"| {score:.1%} |"
        )
    overall = killed_total / total if total else 1.0
    lines += ["", f"Overall: {killed_total} of {total} killed or equivalent ({overall:.1%}).", ""]
    for module, names in sorted(survivors.items()):
        lines += [f"## Left in {module}", "", *[f"- {n}" for n in names], ""]
    return "\n".join(lines), overall


def main() -> int:
    report, overall = write_report(read_results(), read_equivalents())
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("mutants/report.md")
    target.write_text(report)
    print(report.split("\n## ")[0])
    print(f"report: {target}")
    return 0 if overall >= TARGET else 1


if __name__ == "__main__":
    sys.exit(main())
