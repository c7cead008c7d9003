"""The timer bench/frontends.py runs inside a front end's system (a root under an overlay,
in a mount and PID namespace of its own: tests/harness/system.py), once per system.

Entering the namespace (nsenter, chroot, env) costs a few milliseconds that belong to
neither the package manager nor us, and differs from one entry to the next: so one
process is started in there per system and kept, and it times each command from inside.
It reads one JSON object a line on stdin: ``{"argv": [...]}`` (and optionally
``"input"``, text for the command's stdin); runs the command with its stdout and stderr
to files in /tmp; answers one JSON line on stdout: ``wall`` (seconds, perf_counter around
spawn and wait4), ``cpu`` (user + system seconds of the command and its children),
``returncode``, ``stdout``, ``stderr`` (whole: microdnf's summary of a large
transaction comes after tens of kilobytes of its table and before as many of cleanups).

Runs under the root's own Python (3.13 in Debian 13 and unstable); standard library only.
"""

import json
import os
import subprocess
import sys
import time

def one(request):
    out, err = "/tmp/bench-driver.stdout", "/tmp/bench-driver.stderr"
    stdin = subprocess.PIPE if request.get("input") is not None else subprocess.DEVNULL
    with open(out, "w") as o, open(err, "w") as e:
        start = time.perf_counter()
        proc = subprocess.Popen(request["argv"], stdin=stdin, stdout=o, stderr=e)
        if stdin == subprocess.PIPE:
            proc.stdin.write(request["input"].encode())
            proc.stdin.close()
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    with open(out, errors="replace") as o, open(err, errors="replace") as e:
        stdout, stderr = o.read(), e.read()
    return {"wall": wall, "cpu": usage.ru_utime + usage.ru_stime,
            "returncode": proc.returncode, "stdout": stdout, "stderr": stderr}


def main():
    sys.stdout.write(json.dumps({"ready": True}) + "\n")
    sys.stdout.flush()
    for line in sys.stdin:
        try:
            answer = one(json.loads(line))
        except Exception as error:          # say it, and stay up for the next command
            answer = {"error": "%s: %s" % (type(error).__name__, error)}
        sys.stdout.write(json.dumps(answer) + "\n")
        sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
