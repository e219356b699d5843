"""llama_peer.py — llama.cpp's CPU flash-attention (ggml_flash_attn_ext) as a decode peer.

Debian 12 packages neither llama.cpp nor ggml, and PyPI has no llama-cpp-python wheel for this
platform, but its source package vendors llama.cpp, ggml included. So, once, into the cache
folder (bench/.peers-cache, git-ignored):
  1. `pip download --no-deps --no-binary :all: llama-cpp-python==PIN` fetches the sdist (76 MB;
     pip prepares its metadata, which takes about a minute);
  2. only vendor/llama.cpp/ggml's build files, headers, core sources and CPU backend are
     extracted (no other backend, no llama, no examples or tests);
  3. cmake builds ggml's static CPU libraries (GGML_NATIVE, GGML_OPENMP, -j2);
  4. gcc compiles bench/ggml_decode_peer.c against them (rebuilt when the .c is newer).
Every step is skipped when its output is in the cache. The vendored llama.cpp commit is read
from the sdist's submodule record (.git/modules/vendor/llama.cpp/HEAD) and printed with the
rows. A step that fails raises Unavailable with one line; its full output stays in the cache's
build.log.
"""
import os
import shutil
import subprocess
import sys
import tarfile

from _peers import ROOT

PACKAGE = "llama-cpp-python"
VERSION = "0.3.36"
SDIST_DIR = "llama_cpp_python-%s" % VERSION
GGML = SDIST_DIR + "/vendor/llama.cpp/ggml/"
SUBMODULE_HEAD = SDIST_DIR + "/.git/modules/vendor/llama.cpp/HEAD"
PEER_SOURCE = os.path.join(ROOT, "bench", "ggml_decode_peer.c")
DEFAULT_CACHE = os.path.join(ROOT, "bench", ".peers-cache")

# ggml/CMakeLists.txt and ggml/src/CMakeLists.txt of the pinned tree: the CPU backend alone
# (ggml_add_backend only descends into enabled backends), static, no tests or examples
CMAKE_OPTIONS = ["-DCMAKE_BUILD_TYPE=Release", "-DBUILD_SHARED_LIBS=OFF", "-DGGML_NATIVE=ON",
                 "-DGGML_OPENMP=ON", "-DGGML_CPU=ON", "-DGGML_BLAS=OFF", "-DGGML_CCACHE=OFF",
                 "-DGGML_BUILD_TESTS=OFF", "-DGGML_BUILD_EXAMPLES=OFF"]
WRAPPER = """cmake_minimum_required(VERSION 3.14)
project(ggml_decode_peer C CXX)
add_subdirectory(ggml)
"""
# the small t at which the peer must match the double reference within 1e-2
CHECK_SEQ = 256
# link order: the CPU backend needs ggml's registry and the base library
LIBRARIES = ["libggml.a", "libggml-cpu.a", "libggml-base.a"]

HOW = ("llama.cpp's ggml is built from PyPI's %s %s sdist (it vendors llama.cpp with ggml): "
       "python3 bench/peers_decode.py --llama-cpp downloads it once into bench/.peers-cache, "
       "builds only ggml's CPU backend with cmake (GGML_NATIVE, GGML_OPENMP, static, -j2: "
       "1.5-3 minutes once on a 2-core VM) and times ggml_flash_attn_ext with "
       "bench/ggml_decode_peer.c"
       % (PACKAGE, VERSION))


class Unavailable(Exception):
    """Why the peer cannot run, in one line."""


def wanted(member):
    """The sdist members the CPU build reads: ggml's build files and headers, its core sources
    (src/ without subfolders) and the CPU backend, plus the licence."""
    name = member.name
    if not (member.isfile() or member.isdir()):
        return False
    if name == SDIST_DIR + "/vendor/llama.cpp/LICENSE" or name == SUBMODULE_HEAD:
        return True
    if not name.startswith(GGML):
        return False
    rest = name[len(GGML):]
    if rest == "CMakeLists.txt" or rest.split("/")[0] in ("cmake", "include"):
        return True
    parts = rest.split("/")
    return parts[0] == "src" and (len(parts) == 2 or parts[1] == "ggml-cpu")


class Build:
    """The cached llama.cpp peer: sources, ggml build and the compiled peer under one folder."""

    def __init__(self, cache=None):
        self.cache = cache or DEFAULT_CACHE
        self.sdist = os.path.join(self.cache, SDIST_DIR + ".tar.gz")
        self.source = os.path.join(self.cache, "ggml-%s-src" % VERSION)
        self.build = os.path.join(self.cache, "ggml-%s-build" % VERSION)
        self.peer = os.path.join(self.cache, "ggml_decode_peer")
        self.log = os.path.join(self.cache, "build.log")

    def built(self):
        return (os.path.exists(self.peer)
                and os.path.getmtime(self.peer) >= os.path.getmtime(PEER_SOURCE))

    def commit(self):
        with open(os.path.join(self.source, "HEAD")) as head:
            return head.read().strip()

    def step(self, what, cmd):
        """Runs cmd with its output appended to the log; a failure names its last line."""
        with open(self.log, "a") as log:
            log.write("\n$ %s\n" % " ".join(cmd))
            log.flush()
            start = log.tell()
            done = subprocess.run(cmd, stdout=log, stderr=subprocess.STDOUT)
        if done.returncode != 0:
            with open(self.log) as log:
                log.seek(start)
                lines = [line.strip() for line in log if line.strip()] or ["no output"]
            raise Unavailable("%s failed, exit %d: %s (all of it in %s)"
                              % (what, done.returncode, lines[-1], self.log))

    def prepare(self, fetch):
        """The peer's path, after fetching, extracting, building and compiling what is not
        cached yet; without fetch, only the compile step may run (the ggml build must be
        cached)."""
        libs = [os.path.join(self.build, "ggml", "src", lib) for lib in LIBRARIES]
        if not fetch and not all(os.path.exists(lib) for lib in libs):
            raise Unavailable("not built yet. " + HOW)
        os.makedirs(self.cache, exist_ok=True)
        if not os.path.exists(self.sdist):
            self.step("pip download %s==%s" % (PACKAGE, VERSION),
                      [sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary",
                       ":all:", "--retries", "2", "--timeout", "30",
                       "%s==%s" % (PACKAGE, VERSION), "--dest", self.cache])
            if not os.path.exists(self.sdist):
                raise Unavailable("pip download left no %s" % self.sdist)
        if not os.path.exists(self.source):
            self.extract()
        if not all(os.path.exists(lib) for lib in libs):
            for tool in ("cmake", "gcc", "g++"):
                if not shutil.which(tool):
                    raise Unavailable("%s is not installed" % tool)
            self.step("cmake configure of ggml", ["cmake", "-S", self.source, "-B", self.build]
                      + CMAKE_OPTIONS)
            self.step("cmake build of ggml", ["cmake", "--build", self.build, "-j", "2"])
            missing = [lib for lib in libs if not os.path.exists(lib)]
            if missing:
                raise Unavailable("the ggml build made no %s" % missing[0])
        if not self.built():
            self.step("gcc of bench/ggml_decode_peer.c",
                      ["gcc", "-O2", "-std=c11", "-Wall", "-Wextra", "-fopenmp",
                       "-I", os.path.join(self.source, "ggml", "include"), PEER_SOURCE] + libs
                      + ["-lstdc++", "-lm", "-lpthread", "-o", self.peer])
        return self.peer

    def extract(self):
        """Only the wanted members, into a temporary sibling renamed into place when whole:
        ggml/ as vendored, the licence, the commit, and a top-level CMakeLists.txt that adds
        ggml as a subproject, as llama.cpp's own does (built standalone, ggml's install step
        wants a ggml.pc.in that the sdist does not ship)."""
        partial = self.source + ".partial"
        shutil.rmtree(partial, ignore_errors=True)
        try:
            with tarfile.open(self.sdist) as sdist:
                members = [m for m in sdist.getmembers() if wanted(m)]
                # the data filter where this Python has it (3.11.4+); the names are checked above
                extra = {"filter": "data"} if hasattr(tarfile, "data_filter") else {}
                sdist.extractall(partial, members=members, **extra)
        except (tarfile.TarError, OSError) as err:
            raise Unavailable("cannot extract %s: %s" % (self.sdist, err))
        vendor = os.path.join(partial, SDIST_DIR, "vendor", "llama.cpp")
        os.rename(os.path.join(vendor, "ggml"), os.path.join(partial, "ggml"))
        os.rename(os.path.join(vendor, "LICENSE"), os.path.join(partial, "LICENSE"))
        os.rename(os.path.join(partial, SUBMODULE_HEAD), os.path.join(partial, "HEAD"))
        shutil.rmtree(os.path.join(partial, SDIST_DIR))
        with open(os.path.join(partial, "CMakeLists.txt"), "w") as top:
            top.write(WRAPPER)
        os.rename(partial, self.source)

    def run(self, heads, kv_heads, seq, threads, repeat):
        """One peer run's key=value line as a dict (numbers as floats where they parse)."""
        cmd = [self.peer, "--heads", heads, "--kv-heads", kv_heads, "--seq", seq,
               "--threads", threads, "--repeat", repeat, "--check-seq", CHECK_SEQ]
        done = subprocess.run([str(c) for c in cmd], capture_output=True, text=True,
                              env=dict(os.environ, OMP_NUM_THREADS=str(threads)))
        if done.returncode != 0:
            last = (done.stderr.strip().splitlines() or ["exit %d" % done.returncode])[-1]
            raise Unavailable("ggml_decode_peer failed: %s" % last)
        fields = dict(item.split("=", 1) for item in done.stdout.split() if "=" in item)
        for key, value in fields.items():
            try:
                fields[key] = float(value)
            except ValueError:
                pass
        return fields

