"""The Python package against the CLI it wraps: same answers for every preset, bad input
raises (never crashes the interpreter), warnings and Hugging Face ids carried through.

ATTNSCOPE_CLI names the reference program (default: the meson build's build/attnscope);
the package under test is the one pip installed, with its own program and presets.
"""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import attnscope

ROOT = Path(__file__).resolve().parents[2]
CLI = os.environ.get("ATTNSCOPE_CLI", str(ROOT / "build" / "attnscope"))
PRESETS = sorted(p.stem for p in (ROOT / "models" / "presets").glob("*.json"))


def cli_json(*args):
    env = dict(os.environ, ATTNSCOPE_DATA_DIR=str(ROOT / "models"))
    proc = subprocess.run([CLI, *args, "--format", "json"], capture_output=True, text=True,
                          env=env, check=True)
    return json.loads(proc.stdout)


def without_paths(answer):
    """The installed presets live elsewhere than the source tree's: compare file names."""
    if isinstance(answer, list):
        return [without_paths(a) for a in answer]
    return {k: (Path(v).name if k == "config" else v) for k, v in answer.items()}


def test_acceptance_bytes_per_token():
    assert attnscope.kv("llama-3-8b", context=8192)["bytes_per_token"] == 131072


def test_installed_program_is_the_command():
    out = subprocess.run([attnscope.program(), "--version"], capture_output=True, text=True)
    assert out.stdout.strip() == "attnscope 0.1.0" == attnscope.version()
    assert Path(attnscope.program()).parent == Path(sys.executable).parent


def test_reference_cli_exists():
    assert os.access(CLI, os.X_OK), f"build the CLI first (meson): {CLI}"


@pytest.mark.filterwarnings("ignore::attnscope.AttnscopeWarning")  # 32K is beyond some
@pytest.mark.parametrize("preset", PRESETS)
def test_kv_same_as_cli(preset):
    for opts in ([], ["--context", "4096", "--gpu", "h100-sxm"], ["--context", "32K", "--batch", "8", "--kv-dtype", "fp8"]):
        py = attnscope.kv(preset, **{o[2:].replace("-", "_"): v for o, v in zip(opts[::2], opts[1::2])})
        assert without_paths(py) == without_paths(cli_json("kv", preset, *opts))


@pytest.mark.filterwarnings("ignore::attnscope.AttnscopeWarning")  # 2048 is beyond GPT-2's
@pytest.mark.parametrize("preset", PRESETS)
def test_cost_same_as_cli(preset):
    py = attnscope.cost(preset, seq=2048, causal=True)
    assert py == cli_json("cost", preset, "--seq", "2048", "--causal")
    assert len(py) >= 5 and all(row["model"] == preset for row in py)


def test_models_and_devices_same_as_cli():
    assert [m["name"] for m in attnscope.models()] == PRESETS
    assert without_paths(attnscope.models()) == without_paths(cli_json("models"))
    assert without_paths(attnscope.devices()) == without_paths(cli_json("devices"))
    assert "h100-sxm" in [d["name"] for d in attnscope.devices()]


def test_check_same_as_cli():
    claims = ROOT / "claims" / "published.csv"
    verdicts = attnscope.check(claims)
    assert verdicts == cli_json("check", str(claims))
    assert {v["verdict"] for v in verdicts} <= {"HOLDS", "FAILS", "UNCHECKABLE"}


@pytest.mark.parametrize("call, needle", [
    (lambda: attnscope.kv("no-such-model"), "'no-such-model': no such file, directory or model preset"),
    (lambda: attnscope.kv("llama-3-8b", kv_dtype="fp7"), "--kv-dtype 'fp7'"),
    (lambda: attnscope.kv("llama-3-8b", context=-5), "--context '-5'"),
    (lambda: attnscope.kv("llama-3-8b", batch="1e99"), "--batch '1e99'"),
    (lambda: attnscope.kv("llama-3-8b", gpu="tpu-v9"), "'tpu-v9'"),
    (lambda: attnscope.kv("llama-3-8b", no_such_flag=1), "'--no-such-flag'"),
    (lambda: attnscope.cost("llama-3-8b"), "give --seq"),
    (lambda: attnscope.kv("llama-3-8b\0x"), "NUL"),
    (lambda: attnscope.kv(42), "expected a string"),
    (lambda: attnscope.check("/nonexistent/claims.csv"), "/nonexistent/claims.csv"),
])
def test_bad_input_raises_one_line(call, needle):
    with pytest.raises(attnscope.AttnscopeError) as err:
        call()
    assert needle in str(err.value)
    assert "\n" not in str(err.value)
    assert err.value.status == 2


def test_malformed_config_names_file_and_field(tmp_path):
    config = tmp_path / "config.json"
    config.write_text('{"num_hidden_layers": 0, "num_attention_heads": 8, "hidden_size": 512}')
    with pytest.raises(attnscope.AttnscopeError, match=r"config\.json: field 'num_hidden_layers' = 0"):
        attnscope.kv(str(tmp_path))


def test_context_beyond_model_warns():
    with pytest.warns(attnscope.AttnscopeWarning, match="context 131,072 is beyond llama-3-8b's limit of 8,192"):
        r = attnscope.kv("llama-3-8b", context="128K")
    assert r["context_beyond_model"] is True and r["model_context_limit"] == 8192
    r = attnscope.kv("llama-3.1-405b", context="128K")
    assert r["context_beyond_model"] is False and r["rope_scaling"]["type"] == "llama3"


def test_hugging_face_id_from_fake_cache(tmp_path, monkeypatch):
    commit = "0123456789abcdef0123456789abcdef01234567"
    snap = tmp_path / "models--meta-llama--Meta-Llama-3-8B" / "snapshots" / commit
    snap.mkdir(parents=True)
    (snap / "config.json").write_text((ROOT / "models" / "presets" / "llama-3-8b.json").read_text())
    (snap.parent.parent / "refs").mkdir()
    (snap.parent.parent / "refs" / "main").write_text(commit)
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path))
    r = attnscope.kv("meta-llama/Meta-Llama-3-8B", context=8192)
    assert r["bytes_per_token"] == 131072 and r["config"] == str(snap / "config.json")
    with pytest.raises(attnscope.AttnscopeError, match="`huggingface-cli download meta-llama/Other config.json`"):
        attnscope.kv("meta-llama/Other")


def test_bench_rows_and_read_csv(tmp_path):
    out = tmp_path / "results.csv"
    rows = attnscope.bench(heads=2, kv_heads=2, head_dim=16, seq=64, variant="flash",
                           repeat=1, min_time=0, threads=1, out=out)
    plain = attnscope.read_csv(out, pandas=False)
    assert len(plain) == 1 and plain[0]["variant"] == "flash" and plain[0]["time_s"] > 0
    try:
        import pandas  # noqa: F401
    except ImportError:
        assert rows == plain
        with pytest.raises(ImportError):
            attnscope.read_csv(out, pandas=True)
    else:
        assert list(rows["variant"]) == ["flash"]
