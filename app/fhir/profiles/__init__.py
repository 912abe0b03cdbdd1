"""Our StructureDefinitions (the profiles and their extensions), kept as JSON files in this
folder: the files are the source, served as they are under /fhir/StructureDefinition."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

PROFILES_DIR = Path(__file__).parent


@cache
def structure_definitions() -> tuple[dict[str, Any], ...]:
    return tuple(json.loads(path.read_text(encoding="utf-8")) for path in sorted(PROFILES_DIR.glob("*.json")))
