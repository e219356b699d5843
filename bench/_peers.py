"""_peers.py — what the peer scripts (peers.py: prefill and decode beside numpy and PyTorch;
peers_decode.py: decode against the machine's roofline) share: the source root, logging, the
meson build they run, running a command or stopping with its output, and a timing loop."""
import os
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
WHO = os.path.splitext(os.path.basename(sys.argv[0]))[0]  # the script, naming its messages


def log(text):
    print(text, flush=True)


def find_build(asked):
    """The meson build directory: the one asked for, else the first configured default."""
    for name in ([asked] if asked else ["build-fast", "build", "build-dev"]):
        path = os.path.join(ROOT, name)
        if os.path.exists(os.path.join(path, "build.ninja")):
            return path
    sys.exit("%s: no configured meson build (give --build DIR)" % WHO)


def run(cmd, env=None):
    """stdout of cmd (its items made strings); exits naming the command when it fails."""
    cmd = [str(c) for c in cmd]
    done = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if done.returncode != 0:
        sys.exit("%s: %s failed:\n%s%s" % (WHO, " ".join(cmd), done.stdout, done.stderr))
    return done.stdout


def timed(fn, min_repeats=5, min_seconds=0.5):
    """Warm-up, then repeats until both a count and a time are reached: (median, min, max)."""
    fn()
    times = []
    while len(times) < min_repeats or sum(times) < min_seconds:
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), min(times), max(times)
