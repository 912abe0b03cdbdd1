"""Locust scenario of the load test (`python -m bench.bench_load` runs it; see there).

Four kinds of users share the 50 (2-5 s between requests, as people read pages):
anonymous visitors and procurement staff search and browse, assessors answer their own
draft assessments through the JSON API, and
org_reporters report adoption for their own organisation. Every write carries values
unique to the user that made it and is recorded here when the server confirmed it; at
the end the record is written to $LOAD_WRITES so bench_load can count the database
against it (nothing lost, nothing duplicated).

Locust users are gevent greenlets in one process, so plain module-level counters are safe.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from locust import HttpUser, between, events, task

CONFIG: dict[str, Any] = json.loads(Path(os.environ["LOAD_CONFIG"]).read_text())
WRITES: dict[str, Any] = {"assessments": [], "answers": {}, "adoption": [], "failed_writes": 0}
_user_ids = itertools.count()
_reporter_ids = itertools.count()

WORDS = CONFIG["search_words"]
FACETS = [{}, {"type": "solution"}, {"purpose": "treatment"}, {"treatment_area": "kol"},
          {"type": "solution", "treatment_area": "diabetes"}, {"region": "1084"}]
SORTS = ["relevance", "relevance", "name", "newest", "adoption"]


# Every request's time, by route, kept here (locust's own CSV is written before the users
# stopped by --stop-timeout have finished, so it can miss the last requests).
REQUESTS: dict[str, dict[str, Any]] = {}


@events.request.add_listener
def _record(request_type: str, name: str, response_time: float, exception: Any = None,
            response: Any = None, **_kwargs: Any) -> None:
    route = REQUESTS.setdefault(f"{request_type} {name}", {"ms": [], "failures": 0, "status": {}})
    route["ms"].append(round(response_time, 2))
    status = str(getattr(response, "status_code", None) or type(exception).__name__)
    route["status"][status] = route["status"].get(status, 0) + 1
    if exception is not None:
        route["failures"] += 1


@events.test_start.add_listener
def _started(**_kwargs: Any) -> None:
    WRITES["started"] = time.time()


@events.test_stop.add_listener
@events.quitting.add_listener
def _save(**_kwargs: Any) -> None:
    WRITES.setdefault("stopped", time.time())
    Path(os.environ["LOAD_WRITES"]).write_text(json.dumps({"writes": WRITES, "requests": REQUESTS}))


def _search_params() -> dict[str, Any]:
    params: dict[str, Any] = {"q": random.choice(WORDS), "sort": random.choice(SORTS)}
    params.update(random.choice(FACETS))
    return params


class Browsing:
    """Reads shared by everyone: search (API and page with facets), lists and detail pages."""

    client: Any
    headers: dict[str, str] = {}

    def api_search(self) -> None:
        self.client.get("/api/search", params=_search_params(), headers=self.headers, name="/api/search")

    def search_page(self) -> None:
        self.client.get("/search", params=_search_params(), name="/search")

    def solutions(self) -> None:
        params: dict[str, Any] = {"offset": random.choice([0, 25, 50, 100])}
        if random.random() < .5:
            params["treatment_area"] = random.choice(["kol", "diabetes", "hjertesvigt", "genoptraening"])
        self.client.get("/solutions", params=params, name="/solutions")

    def solution_page(self) -> None:
        self.client.get(f"/solutions/{random.choice(CONFIG['solution_slugs'])}", name="/solutions/[slug]")

    def api_solutions(self) -> None:
        self.client.get("/api/solutions", params={"limit": 25, "offset": random.choice([0, 25, 50])},
                        headers=self.headers, name="/api/solutions")

    def register(self) -> None:
        self.client.get("/register", name="/register")

    def benchmark(self) -> None:
        self.client.get("/benchmark", name="/benchmark")

    def benchmark_org(self) -> None:
        self.client.get(f"/benchmark/organisations/{random.choice(CONFIG['reporter_orgs'])}",
                        name="/benchmark/organisations/[ref]")

    def needs(self) -> None:
        self.client.get("/needs", name="/needs")


class Anonymous(HttpUser, Browsing):
    weight = 3
    wait_time = between(2, 5)

    @task(4)
    def t_api_search(self) -> None:
        self.api_search()

    @task(3)
    def t_search_page(self) -> None:
        self.search_page()

    @task(2)
    def t_solutions(self) -> None:
        self.solutions()

    @task(2)
    def t_solution_page(self) -> None:
        self.solution_page()

    @task(1)
    def t_register(self) -> None:
        self.register()

    @task(1)
    def t_benchmark(self) -> None:
        self.benchmark()

    @task(1)
    def t_needs(self) -> None:
        self.needs()


class Procurement(HttpUser, Browsing):
    weight = 2
    wait_time = between(2, 5)

    def on_start(self) -> None:
        self.headers = {"Authorization": f"Bearer {CONFIG['procurement_token']}"}

    @task(4)
    def t_api_search(self) -> None:
        self.api_search()

    @task(2)
    def t_search_page(self) -> None:
        self.search_page()

    @task(2)
    def t_api_solutions(self) -> None:
        self.api_solutions()

    @task(2)
    def t_solution_page(self) -> None:
        self.solution_page()

    @task(1)
    def t_benchmark_org(self) -> None:
        self.benchmark_org()

    @task(1)
    def t_register(self) -> None:
        self.register()


class Assessor(HttpUser, Browsing):
    """Answers its own draft assessment: no other user touches it, so no 409 is expected."""

    weight = 3
    wait_time = between(2, 5)

    def on_start(self) -> None:
        self.uid = next(_user_ids)
        account = CONFIG["assessors"][self.uid % len(CONFIG["assessors"])]
        self.headers = {"Authorization": f"Bearer {account['token']}"}
        self.versions: dict[str, int] = {}
        self.n = 0
        self.assessment_id: int | None = None
        self.start_assessment()

    def start_assessment(self) -> None:
        slug = CONFIG["solution_slugs"][self.uid % len(CONFIG["solution_slugs"])]
        with self.client.post("/api/assessments", headers=self.headers, name="/api/assessments",
                              json={"solution_id": slug, "framework_id": CONFIG["framework"][0],
                                    "framework_version": CONFIG["framework"][1]},
                              catch_response=True) as response:
            if response.status_code == 201:
                self.assessment_id = response.json()["id"]
                WRITES["assessments"].append(self.assessment_id)
                WRITES["answers"][str(self.assessment_id)] = {}
            else:
                WRITES["failed_writes"] += 1
                response.failure(f"start assessment: {response.status_code} {response.text[:200]}")

    @task(5)
    def answer(self) -> None:
        if self.assessment_id is None:
            self.start_assessment()
            return
        code, kind = random.choice(CONFIG["criteria"])
        self.n += 1
        value = f"Svar {self.uid}-{self.n}" if kind == "text" else random.choice(["yes", "no"])
        comment = f"load {self.uid}-{self.n}"  # unique: every save changes the row
        body: dict[str, Any] = {"value": value, "comment": comment}
        if code in self.versions:
            body["version"] = self.versions[code]
        with self.client.put(f"/api/assessments/{self.assessment_id}/answers/{code}", json=body,
                             headers=self.headers, name="/api/assessments/[id]/answers/[code]",
                             catch_response=True) as response:
            if response.status_code == 200:
                self.versions[code] = response.json()["answer"]["version"]
                saved = WRITES["answers"][str(self.assessment_id)]
                entry = saved.setdefault(code, {"saves": 0})
                entry.update(saves=entry["saves"] + 1, comment=comment, version=self.versions[code])
            else:
                WRITES["failed_writes"] += 1
                response.failure(f"answer: {response.status_code} {response.text[:200]}")

    @task(1)
    def detail(self) -> None:
        if self.assessment_id is not None:
            self.client.get(f"/api/assessments/{self.assessment_id}", headers=self.headers,
                            name="/api/assessments/[id]")

    @task(1)
    def t_api_search(self) -> None:
        self.api_search()


class Reporter(HttpUser, Browsing):
    """Reports adoption for its own organisation; each report has a key no one else uses."""

    weight = 2
    wait_time = between(2, 5)

    def on_start(self) -> None:
        self.uid = next(_user_ids)
        rid = next(_reporter_ids)
        reporters = CONFIG["reporters"]
        account = reporters[rid % len(reporters)]
        self.org = account["organisation"]
        # Users sharing an account (more users than accounts) report on different solutions.
        slugs = CONFIG["solution_slugs"]
        self.solution = slugs[(rid // len(reporters)) % len(slugs)]
        self.headers = {"Authorization": f"Bearer {account['token']}"}
        self.n = 0

    @task(4)
    def report_adoption(self) -> None:
        self.n += 1
        effective = (date(2015, 1, 1) + timedelta(days=self.n)).isoformat()
        body = {"organisation": self.org, "solution": self.solution,
                "status": random.choice(["planned", "pilot", "in_operation"]), "effective_from": effective,
                "active_users": random.randint(0, 500)}
        with self.client.post("/api/benchmark/adoption", json=body, headers=self.headers,
                              name="/api/benchmark/adoption", catch_response=True) as response:
            if response.status_code == 201 and response.json().get("created") == 1:
                WRITES["adoption"].append([self.org, self.solution, effective])
            else:
                WRITES["failed_writes"] += 1
                response.failure(f"adoption: {response.status_code} {response.text[:200]}")

    @task(1)
    def t_benchmark_org(self) -> None:
        self.client.get(f"/api/benchmark/organisations/{self.org}", headers=self.headers,
                        name="/api/benchmark/organisations/[ref]")

    @task(1)
    def t_benchmark(self) -> None:
        self.benchmark()
