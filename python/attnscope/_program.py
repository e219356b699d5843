"""Running the attnscope C program and turning its answers into Python values.

The package is a thin layer over the same program the command line runs, so every answer is
the C library's answer. Running it as a child process means a bad input, or a bug in C, can
only ever become a Python exception: the interpreter itself is never at risk.
"""
from __future__ import annotations

import csv
import json
import os
import subprocess
import warnings
from importlib import metadata
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple


class AttnscopeError(Exception):
    """The program refused the request. ``str(err)`` is its one-line message (naming the
    file, field and value); ``status`` is its exit status (2 for bad input)."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


class AttnscopeWarning(UserWarning):
    """A warning line from the program, e.g. a context beyond the model's limit."""


def _installed_file(tail: Tuple[str, ...]) -> Optional[Path]:
    """The installed file of this distribution whose path ends with ``tail``."""
    try:
        dist = metadata.distribution("attnscope")
    except metadata.PackageNotFoundError:
        return None
    for entry in dist.files or []:
        if tuple(entry.parts[-len(tail):]) == tail:
            return Path(str(dist.locate_file(entry))).resolve()
    return None


def program() -> str:
    """Path of the attnscope program: $ATTNSCOPE_BIN, else the one installed with this package."""
    override = os.environ.get("ATTNSCOPE_BIN")
    if override:
        return override
    found = _installed_file(("bin", "attnscope"))
    if found is None or not found.exists():
        raise AttnscopeError(
            "the attnscope program is not installed with this package "
            "(pip install ./python, or set ATTNSCOPE_BIN to a built attnscope)", 1)
    return str(found)


def _environment() -> Dict[str, str]:
    """The program's environment: the presets installed with the package, unless told."""
    env = dict(os.environ)
    if not env.get("ATTNSCOPE_DATA_DIR") and not os.environ.get("ATTNSCOPE_BIN"):
        preset = _installed_file(("attnscope", "models", "presets", "llama-3-8b.json"))
        if preset is not None:
            env["ATTNSCOPE_DATA_DIR"] = str(preset.parent.parent)
    return env


def flags(options: Mapping[str, Any]) -> List[str]:
    """Keyword arguments as command-line flags: ``kv_dtype="fp8"`` is ``--kv-dtype fp8``,
    ``True`` is a bare flag, ``None`` and ``False`` are left out, lists are comma-joined."""
    args: List[str] = []
    for key, value in options.items():
        if value is None or value is False:
            continue
        flag = "--" + key.replace("_", "-")
        if value is True:
            args.append(flag)
        elif isinstance(value, (list, tuple)):
            args += [flag, ",".join(str(v) for v in value)]
        else:
            args += [flag, str(value)]
    return args


def run(args: Sequence[str]) -> str:
    """Runs ``attnscope ARGS...`` and returns its standard output. Warning lines become
    AttnscopeWarning; a non-zero exit becomes AttnscopeError carrying the program's line."""
    for arg in args:
        if not isinstance(arg, str) or "\0" in arg:
            raise AttnscopeError(f"argument {arg!r}: expected a string without NUL bytes", 2)
    proc = subprocess.run([program(), *args], capture_output=True, text=True,
                          errors="replace", env=_environment(), stdin=subprocess.DEVNULL)
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    problems = []
    for line in lines:
        text = line[len("attnscope: "):] if line.startswith("attnscope: ") else line
        if text.startswith("warning: "):
            warnings.warn(text[len("warning: "):], AttnscopeWarning, stacklevel=4)
        else:
            problems.append(text)
    if proc.returncode < 0:
        raise AttnscopeError(f"attnscope {' '.join(args[:1])} was killed by signal "
                             f"{-proc.returncode}", 1)
    if proc.returncode != 0:
        message = "; ".join(problems) or f"attnscope exited with status {proc.returncode}"
        raise AttnscopeError(message, proc.returncode)
    return proc.stdout


def run_json(args: Sequence[str]) -> Any:
    return json.loads(run(args))


def _number(text: str) -> Any:
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text


def read_rows(path: "os.PathLike[str] | str") -> List[Dict[str, Any]]:
    """A results CSV as a list of dicts, numbers as int or float."""
    with open(path, newline="") as f:
        return [{k: _number(v) for k, v in row.items()} for row in csv.DictReader(f)]
