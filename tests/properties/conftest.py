from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.properties._support import close_all


@pytest.fixture(scope="module", autouse=True)
def _close_screeners() -> Iterator[None]:
    """Screeners are built once and shared by a module's tests; free them at its end."""
    yield
    close_all()
