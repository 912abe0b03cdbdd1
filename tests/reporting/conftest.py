"""Report tests write their PDFs and status files under the test run's temporary folder."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _reports_dir(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BLAASTEMPEL_REPORTS_DIR", str(tmp_path_factory.getbasetemp() / "reports"))
