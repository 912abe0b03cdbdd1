"""The app as `blaastempel serve` runs it (app.asgi:create)."""

from __future__ import annotations

import os
import subprocess
import sys

START_AND_COUNT = """
import asyncio, gc
from app.asgi import create

async def main() -> None:
    app = create()
    before = gc.get_freeze_count()
    async with app.lifespan():
        print(before, gc.get_freeze_count())

asyncio.run(main())
"""


def test_the_served_app_freezes_its_start_up_heap(database_url: str) -> None:
    # In a child process: freezing is for a server's lifetime, not for the test run's.
    env = {**os.environ, "DATABASE_URL": database_url, "SECRET_KEY": "test-secret-key-0123456789abcdef"}
    done = subprocess.run([sys.executable, "-c", START_AND_COUNT], env=env, capture_output=True,
                          text=True, timeout=120, check=True)
    before, after = map(int, done.stdout.split()[-2:])
    assert before == 0
    assert after > 100_000  # modules, routes, templates: what every full collection walked
