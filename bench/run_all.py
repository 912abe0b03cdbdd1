"""Run every benchmark in bench/ one after the other (`make bench`)."""

from __future__ import annotations

import importlib
import pkgutil
import sys

import bench


def main() -> None:
    names = sorted(m.name for m in pkgutil.iter_modules(bench.__path__) if m.name.startswith("bench_"))
    for name in names:
        print(f"\n# {name}", flush=True)
        module = importlib.import_module(f"bench.{name}")
        sys.argv = [name]
        module.main()


if __name__ == "__main__":
    main()
