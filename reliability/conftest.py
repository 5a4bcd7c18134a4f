"""Fault tests for Keyward: `python -m pytest -q reliability` (RELIABILITY_KILLS=N, default 20; reliability/run.sh runs
the long version). The interop suite's helpers are reused from interop/ (kwhelpers, scale_helpers); the server under
test is .build/debug/keyward unless KEYWARD_BIN says otherwise."""
from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "interop"))
sys.path.insert(0, str(HERE))

import kwhelpers as kw  # noqa: E402

kw.scrub_proxy_env()

import killrounds  # noqa: E402


def pytest_terminal_summary(terminalreporter):
    if killrounds.SUMMARIES:
        terminalreporter.section("reliability")
        for line in killrounds.SUMMARIES:
            terminalreporter.write_line(line)
