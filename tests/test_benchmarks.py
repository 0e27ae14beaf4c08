"""Every benchmark's ``--quick`` mode runs to the end (figures only: nothing is timed here)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parent.parent / "benchmarks"


@pytest.mark.parametrize("script", sorted(p.name for p in BENCHMARKS.glob("bench_*.py")))
def test_benchmark_quick_mode_runs(script: str, tmp_path: Path) -> None:
    """``python benchmarks/SCRIPT --quick`` exits 0 and prints satellite-steps/s figures."""
    proc = subprocess.run(
        [sys.executable, str(BENCHMARKS / script), "--quick"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-4000:]
    assert "sat" in proc.stdout
