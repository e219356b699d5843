"""attnscope — memory and cost of transformer attention, from Python.

Each function mirrors a sub-command of the ``attnscope`` program installed with this package
and returns what that command prints with ``--format json``: plain dicts and lists with the
same keys. Keyword arguments are the command's flags (``kv_dtype="fp8"`` is ``--kv-dtype
fp8``), so every flag the program has is available, including ones added after this file.
Bad input raises :class:`AttnscopeError` with the program's one-line message.

>>> import attnscope
>>> attnscope.kv("llama-3-8b", context=8192)["bytes_per_token"]
131072
"""
from __future__ import annotations

import os
import tempfile
from typing import Any, Dict, List, Optional

from ._program import AttnscopeError, AttnscopeWarning, flags, program, read_rows, run, run_json

__all__ = ["AttnscopeError", "AttnscopeWarning", "kv", "cost", "check", "models", "devices",
           "bench", "variants", "read_csv", "run", "program", "version"]

__version__ = "0.1.0"


def version() -> str:
    """The program's version line, e.g. ``attnscope 0.1.0``."""
    return run(["--version"]).strip()


def kv(model: str, *, context: Optional[int | str] = None, batch: Optional[int] = None,
       kv_dtype: Optional[str] = None, variant: Optional[str] = None,
       gpu: Optional[str] = None, mem: Optional[str] = None, tp: Optional[int] = None,
       per_layer: bool = False, **options: Any) -> Dict[str, Any]:
    """KV-cache size of ``model`` (a preset, a config.json path, a directory, or a Hugging
    Face id ``org/name[@revision]`` from the local hub cache) for ``batch`` sequences of
    ``context`` tokens, and with ``gpu`` or ``mem`` whether it fits. Returns the JSON of
    ``attnscope kv``: ``bytes_per_token``, ``total_bytes``, ``context_beyond_model``, ...
    A context beyond the model's limit also emits an :class:`AttnscopeWarning`."""
    args = flags(dict(context=context, batch=batch, kv_dtype=kv_dtype, variant=variant, gpu=gpu,
                      mem=mem, tp=tp, per_layer=per_layer, **options))
    return run_json(["kv", model, *args, "--format", "json"])


def cost(model: str, *, seq: Optional[int | str] = None, sweep: Optional[str] = None,
         phase: Optional[str] = None, variant: Optional[str] = None, causal: bool = False,
         device: Optional[str] = None, **options: Any) -> List[Dict[str, Any]]:
    """Analytic FLOPs, HBM traffic and roofline (``attnscope cost``), one dict per
    (variant, length)."""
    args = flags(dict(seq=seq, sweep=sweep, phase=phase, variant=variant, causal=causal,
                      device=device, **options))
    return run_json(["cost", model, *args, "--format", "json"])


def check(claims: "os.PathLike[str] | str", *, measure: bool = False) -> List[Dict[str, Any]]:
    """Checks a claims CSV (``attnscope check``): one dict per claim with its verdict,
    the claimed and computed values, and the assumption that explains a failing one."""
    return run_json(["check", os.fspath(claims), *flags(dict(measure=measure)), "--format",
                     "json"])


def models() -> List[Dict[str, Any]]:
    """The model presets with their key fields (``attnscope models --format json``)."""
    return run_json(["models", "--format", "json"])


def devices() -> List[Dict[str, Any]]:
    """The GPU presets with their cited numbers (``attnscope devices --format json``)."""
    return run_json(["devices", "--format", "json"])


def variants() -> str:
    """The attention variants, as ``attnscope variants`` prints them."""
    return run(["variants"])


def bench(model: Optional[str] = None, *, seq: Optional[int | str] = None,
          sweep: Optional[str] = None, variant: Optional[str] = None,
          backend: Optional[str] = None, out: "os.PathLike[str] | str | None" = None,
          **options: Any) -> Any:
    """Runs real kernels (``attnscope bench``) and returns the result rows: a pandas
    DataFrame when pandas is installed, else a list of dicts. ``out`` keeps the CSV (rows
    are appended); without it a temporary file is used and removed."""
    with tempfile.TemporaryDirectory(prefix="attnscope-") as tmp:
        path = os.fspath(out) if out is not None else os.path.join(tmp, "bench.csv")
        args = ["bench"] + ([model] if model else [])
        run(args + flags(dict(seq=seq, sweep=sweep, variant=variant, backend=backend,
                              out=path, **options)))
        return read_csv(path)


def read_csv(path: "os.PathLike[str] | str", *, pandas: Optional[bool] = None) -> Any:
    """A results CSV (bench --out, kv/cost --format csv) as a pandas DataFrame when pandas is
    installed (or ``pandas=True``, which then requires it), else as a list of dicts."""
    if pandas is not False:
        try:
            import pandas as pd
        except ImportError:
            if pandas:
                raise
        else:
            return pd.read_csv(path)
    return read_rows(path)
