"""Shared pytest set-up: the `datasets`, `browser` and `slow` markers and their fixtures.

- `@pytest.mark.datasets`: the test reads the shared datasets folder, `$NEWSANALYSIS_DATASETS` or else
  `<repo>/../shared/datasets`; it is skipped, with the path in the message, when the folder is absent.
- `@pytest.mark.browser`: the test drives headless Chromium (`$NEWSANALYSIS_CHROMIUM`, or `chromium` /
  `chromium-browser` / `google-chrome` on PATH); skipped when none is found, unless
  `NEWSANALYSIS_REQUIRE_BROWSER=1` (set in CI), in which case it fails.
- `@pytest.mark.slow`: the test takes over a minute; `pytest -m "not slow"` leaves it out.
"""
import os
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def datasets_path() -> Path:
    "Where the shared datasets are expected: `$NEWSANALYSIS_DATASETS`, else `<repo>/../shared/datasets`."
    return Path(os.environ.get("NEWSANALYSIS_DATASETS") or ROOT.parent / "shared" / "datasets").resolve()


def chromium_path() -> str | None:
    "The Chromium (or Chrome) binary to use, or None."
    env = os.environ.get("NEWSANALYSIS_CHROMIUM")
    if env:
        return env if Path(env).is_file() and os.access(env, os.X_OK) else None
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        found = shutil.which(name)
        if found:
            return found
    return None


def _datasets_missing_msg(p: Path) -> str:
    return f"shared datasets not found at {p} (set NEWSANALYSIS_DATASETS)"


def _browser_missing_msg() -> str:
    return ("no Chromium binary found (install it: apt-get install -y chromium, or set NEWSANALYSIS_CHROMIUM); "
            "browser tests of the docs site need it")


def _browser_required() -> bool:
    return os.environ.get("NEWSANALYSIS_REQUIRE_BROWSER", "") not in ("", "0", "false", "no")


def pytest_configure(config):
    config.addinivalue_line("markers", "datasets: needs the shared datasets folder (NEWSANALYSIS_DATASETS); "
                                       "skipped when it is absent")
    config.addinivalue_line("markers", "browser: drives headless Chromium; skipped when no chromium binary is found "
                                       "(fails instead when NEWSANALYSIS_REQUIRE_BROWSER=1)")
    config.addinivalue_line("markers", "slow: takes over a minute (100k articles, 10 MB article); deselect with -m 'not slow'")


def pytest_report_header(config):
    ds = datasets_path()
    chrome = chromium_path()
    return [f"newsanalysis datasets: {ds} ({'found' if ds.is_dir() else 'absent: datasets tests skip'})",
            f"newsanalysis browser: {chrome or 'none: browser tests ' + ('FAIL' if _browser_required() else 'skip')}"]


def pytest_runtest_setup(item):
    if item.get_closest_marker("datasets") is not None:
        ds = datasets_path()
        if not ds.is_dir():
            pytest.skip(_datasets_missing_msg(ds))
    if item.get_closest_marker("browser") is not None and chromium_path() is None:
        if _browser_required():
            pytest.fail(_browser_missing_msg() + " and NEWSANALYSIS_REQUIRE_BROWSER is set", pytrace=False)
        pytest.skip(_browser_missing_msg())


@pytest.fixture(scope="session")
def datasets_dir() -> Path:
    "The shared datasets folder; skips the test when it is absent."
    ds = datasets_path()
    if not ds.is_dir():
        pytest.skip(_datasets_missing_msg(ds))
    return ds


@pytest.fixture(scope="session")
def chromium() -> str:
    "The path of the Chromium binary; skips (or fails in CI) when there is none."
    path = chromium_path()
    if path is None:
        if _browser_required():
            pytest.fail(_browser_missing_msg() + " and NEWSANALYSIS_REQUIRE_BROWSER is set", pytrace=False)
        pytest.skip(_browser_missing_msg())
    return path
