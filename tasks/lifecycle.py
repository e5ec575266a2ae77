"""Child processes die with the run that started them (issue 19), also on SIGKILL.

    die_with_parent(sig)            the kernel signals this process when its parent dies
    watch_owner(pid)                a worker ends itself when the owner process ends
    pool_initializer(owner, warm)   both, for ProcessPoolExecutor workers
    mark_owner() -> owner           IPORTAL_RUN_OWNER=<pid>:<start ticks> for every child
    owner_of(pid) -> owner | None   what /proc says about a process
    sweep_orphans() -> [pid]        ends what a crashed run left behind

Measured on this machine (Linux 6.18, Python 3.11, Prefect 3.9) after `kill -9` of a
nightly mid-render: Prefect's ephemeral API (uvicorn), the resource tracker, the
forkserver and both pool workers all survived, re-parented to PID 1. The workers hold
the forkserver's "alive" pipe open (CPython passes it to every child), so the forkserver
never sees its parent go, and the tracker waits for both. A parent-death signal in the
workers does not help either: their parent is the forkserver, which does not die. What
works: each worker watches the *flow* process through a pidfd (a thread blocked in
poll, no polling loop) and kills itself when it ends; then the forkserver reads EOF and
exits, then the tracker. The API server gets PR_SET_PDEATHSIG from its start
(iportal/prefect_env.py). Anything still alive later is found by its environment marker
and ended by the next run or `iportal status` (sweep_orphans), after /proc confirms
that its owner is gone (pid and start time, so a reused pid is never mistaken).
"""

from __future__ import annotations

import ctypes
import os
import select
import signal
import threading

OWNER_VARIABLE = "IPORTAL_RUN_OWNER"
PR_SET_PDEATHSIG = 1
_libc = ctypes.CDLL(None, use_errno=True)  # loaded before any fork: preexec_fn-safe


def die_with_parent(sig: int = signal.SIGKILL) -> None:
    """Ask the kernel to send `sig` when the parent (the thread that forked us) ends.
    Runs in a preexec_fn: no imports, no allocation beyond the call."""
    _libc.prctl(PR_SET_PDEATHSIG, sig, 0, 0, 0)


def start_ticks(pid: int) -> int | None:
    """The process's start time in clock ticks since boot (/proc/PID/stat field 22), or
    None when there is no such process or only its zombie is left."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as handle:
            stat = handle.read()
    except OSError:
        return None
    # The command name (field 2) may hold spaces and parentheses: split after the last ')'.
    fields = stat.rsplit(")", 1)[1].split()
    return None if fields[0] in ("Z", "X") else int(fields[19])


def owner_of(pid: int) -> str | None:
    ticks = start_ticks(pid)
    return None if ticks is None else f"{pid}:{ticks}"


def is_running(owner: str) -> bool:
    """True while the process named by `owner` ("pid:ticks") is the one still alive."""
    pid, _, ticks = owner.partition(":")
    return pid.isdigit() and owner_of(int(pid)) == f"{pid}:{ticks}"


def mark_owner() -> str:
    """This process owns the children it starts from now on: they inherit the marker."""
    owner = owner_of(os.getpid()) or str(os.getpid())
    os.environ[OWNER_VARIABLE] = owner
    return owner


def watch_owner(pid: int) -> None:
    """In a worker: end this process as soon as process `pid` has ended (or already has)."""
    try:
        pidfd = os.pidfd_open(pid)
    except ProcessLookupError:
        os.kill(os.getpid(), signal.SIGKILL)
        return

    def wait_then_die() -> None:
        select.select([pidfd], [], [])  # readable once the process has exited
        os.kill(os.getpid(), signal.SIGKILL)

    threading.Thread(target=wait_then_die, name="iportal-owner-watch", daemon=True).start()


def pool_initializer(owner_pid: int, warm=None) -> None:
    """ProcessPoolExecutor initializer: die with the forkserver (our parent) and with the
    flow process that made the pool (`owner_pid`), then warm up if asked."""
    die_with_parent()
    watch_owner(owner_pid)
    if warm is not None:
        warm()


def _environment(pid: str) -> dict[bytes, bytes]:
    with open(f"/proc/{pid}/environ", "rb") as handle:
        pairs = handle.read().split(b"\0")
    return dict(p.split(b"=", 1) for p in pairs if b"=" in p)


def orphans() -> list[tuple[int, str]]:
    """(pid, owner) of every process whose owner marker names a process that has ended."""
    found = []
    mine = owner_of(os.getpid())
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) == os.getpid():
            continue
        try:
            owner = _environment(entry).get(OWNER_VARIABLE.encode())
        except OSError:  # gone meanwhile, or another user's
            continue
        if owner and owner.decode() != mine and not is_running(owner.decode()):
            found.append((int(entry), owner.decode()))
    return found


def sweep_orphans() -> list[int]:
    """SIGKILL what crashed runs left behind; the pids ended. Each one is pinned with a
    pidfd and checked again through it, so a pid reused meanwhile is left alone."""
    ended = []
    for pid, owner in orphans():
        try:
            pidfd = os.pidfd_open(pid)
        except ProcessLookupError:
            continue
        try:
            still = _environment(str(pid)).get(OWNER_VARIABLE.encode(), b"").decode()
            if still == owner and not is_running(owner):
                signal.pidfd_send_signal(pidfd, signal.SIGKILL)
                ended.append(pid)
        except (OSError, ProcessLookupError):
            pass
        finally:
            os.close(pidfd)
    return ended
