"""The validation suite (``orbitwin.validation``): every registered case passes, the
quick subset through the command line exits 0, and the CLI's filters, JSON output
and errors behave."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from orbitwin import cli, validation

QUICK = [c.key for c in validation.select(quick=True)]
FULL_ONLY = [c.key for c in validation.select() if not c.quick]


@pytest.mark.parametrize("key", QUICK)
def test_quick_case_passes(key: str) -> None:
    r = validation.run_case(key)
    assert r.exception is None, r.exception
    m = r.measurement
    assert m.passed, f"{key}: error {m.error:.3g} {m.unit} > tolerance {m.tolerance:.3g}"


@pytest.mark.parametrize("key", FULL_ONLY)
def test_full_case_passes(key: str) -> None:
    """The cases outside --quick (a few seconds each)."""
    r = validation.run_case(key)
    assert r.exception is None, r.exception
    assert r.measurement.passed, r.as_dict()


def test_registry_covers_every_model_family() -> None:
    models = validation.models()
    for family in (
        "orbit",
        "sun",
        "eclipse",
        "thermal",
        "power",
        "radiation",
        "ground",
        "compute",
    ):
        assert family in models
    assert len(QUICK) >= 15
    for c in validation.select():
        assert c.reference and c.fn.__doc__, c.key


def test_cli_validate_quick_exits_zero(tmp_path: Path, capsys) -> None:
    out = tmp_path / "v.json"
    rc = cli.main(["validate", "--quick", "--json", str(out)])
    text = capsys.readouterr().out
    assert rc == 0
    assert "orbit" in text and "passed" in text
    data = json.loads(out.read_text())
    assert data["passed"] is True
    assert {c["model"] + "." + c["case"] for c in data["cases"]} == set(QUICK)
    for c in data["cases"]:
        assert c["error"] <= c["tolerance"]


def test_cli_model_filter(tmp_path: Path, capsys) -> None:
    out = tmp_path / "v.json"
    assert cli.main(["validate", "--model", "compute", "--json", str(out)]) == 0
    data = json.loads(out.read_text())
    assert {c["model"] for c in data["cases"]} == {"compute"}


def test_cli_unknown_model_names_the_allowed_ones(capsys) -> None:
    assert cli.main(["validate", "--model", "nope"]) == cli.EXIT_ERROR
    err = capsys.readouterr().err
    assert "'nope'" in err and "thermal" in err


def test_failing_case_exits_nonzero(monkeypatch, capsys) -> None:
    """A case over its tolerance, or one that raises, fails the run with exit 1."""

    def bad() -> validation.Measurement:
        """Always over tolerance."""
        return validation.Measurement(2.0, 1.0, "K")

    def crash() -> validation.Measurement:
        """Always raises."""
        raise RuntimeError("boom")

    reg = dict(validation.load())
    reg["compute.bad"] = validation.Case("compute", "bad", "none", True, bad)
    reg["compute.crash"] = validation.Case("compute", "crash", "none", True, crash)
    monkeypatch.setattr(validation, "REGISTRY", reg)
    monkeypatch.setattr(validation, "load", lambda: reg)
    assert cli.main(["validate", "--model", "compute"]) == validation.EXIT_FAILED
    out = capsys.readouterr().out
    assert "NO" in out and "boom" in out and "2 failed" in out


def test_orbitwin_validate_command_runs_as_a_process() -> None:
    """The installed entry point: ``python -m orbitwin.cli validate --quick --model sun``."""
    proc = subprocess.run(
        [sys.executable, "-m", "orbitwin.cli", "validate", "--quick", "--model", "sun"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "equinox_solstice_longitude" in proc.stdout
