"""A pre-imported parent that forks one `iportal` CLI run per request (issue 10 harness).

Importing the flows (Prefect, reportlab, DuckDB, saxonche) costs about 7 s a process;
a crash trial needs two processes (the killed run and the rerun), so the harness pays
it once here and forks. Each child is a real, separate process: its own session
(process group, so a kill reaches its render workers too), its own environment
(IPORTAL_CRASH_AT, settings), its own output file; it runs exactly what `python -m
iportal ARGS` runs. Nothing of Prefect's runs in this parent before the fork (no
threads: checked at start), and the worker pools use forkserver, never a plain fork.

Protocol, one JSON object a line: request {"argv": [...], "env": {...}, "log": path};
answers {"pid": n} at once, then {"exit": code} when the child has ended (a negative
code is the signal that killed it). Start with PREFECT_API_URL already set: Prefect
reads its settings at import.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import threading
import traceback


def run_child(app, request: dict) -> None:
    """In the forked child: become a process group, take the environment, run the CLI."""
    os.setsid()
    os.environ.clear()
    os.environ.update(request["env"])
    log = os.open(request["log"], os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.dup2(log, 1)
    os.dup2(log, 2)
    code = 1
    try:
        app(args=request["argv"], prog_name="iportal")
        code = 0
    except SystemExit as done:
        code = done.code if isinstance(done.code, int) else (0 if done.code is None else 1)
    except BaseException:  # noqa: BLE001 - the child reports everything in its log
        traceback.print_exc()
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)


def serve(app) -> None:
    answers = sys.stdout
    for line in sys.stdin:
        request = json.loads(line)
        pid = os.fork()
        if pid == 0:
            run_child(app, request)
        answers.write(json.dumps({"pid": pid}) + "\n")
        answers.flush()
        _, status = os.waitpid(pid, 0)
        try:  # render or compose workers orphaned by a SIGKILL of their parent
            os.killpg(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        answers.write(json.dumps({"exit": os.waitstatus_to_exitcode(status)}) + "\n")
        answers.flush()


def main() -> None:
    import flows.backfill  # noqa: F401 - the expensive imports, paid once
    import flows.digest  # noqa: F401
    import flows.nightly  # noqa: F401
    from iportal.cli import app

    if threading.active_count() != 1:
        raise SystemExit("zygote: threads started at import; forking would copy them")
    serve(app)


if __name__ == "__main__":
    main()
