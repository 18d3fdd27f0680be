"""Fixtures every integration test may ask for, beyond the real servers of ``tests/conftest.py``."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.world import World, build_world


@pytest.fixture
async def world(sessions: Any) -> World:
    """Aurora with Anna, Borealis with Bob (``tests/support/world.py``). A module whose tests need
    other staff defines its own ``world`` with ``build_world``."""
    return await build_world(sessions)
