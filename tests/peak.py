"""Run a command and measure its peak resident memory, its own alone.

Linux carries a process's high-water RSS across exec, so a child forked from a large process (pytest, a
benchmark holding its data) reports the parent's size as its peak. A small Python process in between forks
the command from itself: the command's peak is then its own (as /usr/bin/time measures it)."""

import subprocess
import sys
import time

_BETWEEN = """
import os, sys
pid = os.fork()
if pid == 0:
    os.execv(sys.argv[1], sys.argv[1:])
_pid, status, usage = os.wait4(pid, 0)
sys.stderr.write(f"\\nCPU_S={usage.ru_utime + usage.ru_stime}\\nPEAK_KIB={usage.ru_maxrss}\\n")
sys.exit(os.waitstatus_to_exitcode(status))
"""


def run_measured(argv: list[str], **popen) -> tuple[int, float, float, str, str]:
    """(exit status, seconds, peak resident MB, stdout, stderr) of `argv` (argv[0] an absolute path)."""
    status, elapsed, _cpu, peak, out, err = run_measured_cpu(argv, **popen)
    return status, elapsed, peak, out, err


def run_measured_cpu(argv: list[str], **popen) -> tuple[int, float, float, float, str, str]:
    """(exit status, seconds, CPU seconds, peak resident MB, stdout, stderr): the CPU seconds (user and
    system, the command's own) say more than the wall clock on a machine others are loading."""
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", _BETWEEN, *argv], capture_output=True, text=True, check=False, **popen
    )
    elapsed = time.perf_counter() - started
    head, _, peak = done.stderr.rpartition("\nPEAK_KIB=")
    head, _, cpu = head.rpartition("\nCPU_S=")
    return done.returncode, elapsed, float(cpu.strip() or 0), int(peak.strip() or 0) / 1024, done.stdout, head
