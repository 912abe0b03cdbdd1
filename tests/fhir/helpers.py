"""A FHIR client of the tests: follows a search's next links to the end, and syncs the
register as the README's recipe says."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from tests.fhir.r4 import fhir_json

Resource = dict[str, Any]


def path_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}" if parts.query else parts.path


@dataclass
class Walk:
    bundles: list[Resource] = field(default_factory=list)

    @property
    def matches(self) -> list[Resource]:
        return [e["resource"] for b in self.bundles for e in b.get("entry", []) if e["search"]["mode"] == "match"]

    @property
    def started(self) -> datetime:
        return datetime.fromisoformat(self.bundles[0]["meta"]["lastUpdated"])


def walk(client: Any, url: str, between_pages: Any = None, validate: bool = True) -> Walk:
    """Every page of a search, following next links; `between_pages(n)` runs after page n."""
    out = Walk()
    next_url: str | None = url
    while next_url:
        response = client.get(next_url)
        bundle = fhir_json(response) if validate else response.json()
        out.bundles.append(bundle)
        if between_pages:
            between_pages(len(out.bundles))
        next_url = next((path_of(link["url"]) for link in bundle["link"] if link["relation"] == "next"), None)
    return out


@dataclass
class SyncClient:
    """Keeps a copy of the published solutions: a full walk first, then changes since the
    last sync (with a margin for transactions that commit late) and, for removals, which of
    the ids it holds are still there."""

    client: Any
    held: dict[str, Resource] = field(default_factory=dict)
    since: datetime | None = None
    margin: timedelta = timedelta(seconds=60)

    def sync(self, count: int = 7) -> None:
        url = f"/fhir/DeviceDefinition?_count={count}"
        if self.since is not None:
            url += "&_lastUpdated=ge" + (self.since - self.margin).isoformat().replace("+00:00", "Z")
        changes = walk(self.client, url)
        for resource in changes.matches:
            self.held[resource["id"]] = resource
        self._drop_removed()
        self.since = changes.started

    def _drop_removed(self) -> None:
        ids = sorted(self.held, key=int)
        for start in range(0, len(ids), 100):
            batch = ids[start:start + 100]
            found = walk(self.client, f"/fhir/DeviceDefinition?_count=200&_id={','.join(batch)}").matches
            present = {r["id"] for r in found}
            for gone in set(batch) - present:
                del self.held[gone]
