"""Fetch axe-core (the accessibility engine the browser tests inject) from the npm registry.

Standard library only, so `make test` works on a machine with python3, pip and make and
without npm. The version and the tarball's sha512 (`dist.integrity` from
https://registry.npmjs.org/axe-core/<version>) are pinned here; a download whose hash
differs is refused. `axe.min.js` is extracted to `.tools/axe-core/<version>/axe.min.js`.
Running it again when the file is there does nothing.

    python3 tools/fetch_axe.py          # fetch if missing, print the path
    python3 tools/fetch_axe.py --path   # only print where the file belongs
"""

from __future__ import annotations

import base64
import hashlib
import io
import sys
import tarfile
import urllib.request
from pathlib import Path

AXE_VERSION = "4.14.1"
AXE_INTEGRITY = ("sha512-FHfa+lmNjQZfJz1q8wKqIDwC6DExcHt/pkjNQb09a3NPjCKg2rhu5qb2S4r76A"
                 "SyFNNtuFooJpZe37OgudVGtQ==")
TARBALL_URL = f"https://registry.npmjs.org/axe-core/-/axe-core-{AXE_VERSION}.tgz"
ROOT = Path(__file__).resolve().parent.parent
AXE_PATH = ROOT / ".tools" / "axe-core" / AXE_VERSION / "axe.min.js"
MEMBER = "package/axe.min.js"


def verify(data: bytes, integrity: str = AXE_INTEGRITY) -> None:
    algorithm, _, expected = integrity.partition("-")
    digest = base64.b64encode(hashlib.new(algorithm, data).digest()).decode("ascii")
    if digest != expected:
        raise SystemExit(f"axe-core {AXE_VERSION}: integrity mismatch "
                         f"(expected {integrity}, got {algorithm}-{digest}); nothing written")


def fetch(target: Path = AXE_PATH) -> Path:
    if target.is_file() and target.stat().st_size > 0:
        return target
    request = urllib.request.Request(TARBALL_URL, headers={"User-Agent": "blaastempel-fetch-axe"})
    with urllib.request.urlopen(request, timeout=60) as response:
        data = response.read()
    verify(data)
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as archive:
        member = archive.extractfile(MEMBER)
        if member is None:
            raise SystemExit(f"axe-core {AXE_VERSION}: {MEMBER} not in the tarball")
        script = member.read()
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(".js.part")
    partial.write_bytes(script)
    partial.replace(target)  # atomic: a half-written file is never taken as present
    return target


def main(argv: list[str]) -> int:
    if "--path" in argv:
        print(AXE_PATH)
        return 0
    print(fetch())
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
