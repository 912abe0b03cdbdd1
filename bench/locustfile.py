"""Locust scenario of the load test (`python -m bench.bench_load` runs it; see there).

Kinds of users share the 50 (2-5 s between requests, as people read pages): anonymous
visitors and procurement staff search and browse; assessors answer their own draft
assessments, through the JSON API or logged in through the assessment form (HTMX, with the
CSRF token); org_reporters report adoption for their own organisation through the API or
the report form; vendors log in, create a published solution through the form and keep
editing it. With several server processes (CONFIG["bases"]) every user sends each request
to the next process in turn, so a write through one process is read back through another
(a vendor's edit is checked on the other process's solution page at once).

Every write carries values unique to the user that made it and is recorded here when the
server confirmed it; at the end the record is written to $LOAD_WRITES so bench_load can
count the database against it (nothing lost, nothing duplicated) and look for it where it
should be found (search, benchmark).

Locust users are gevent greenlets in one process, so plain module-level counters are safe.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import re
import string
import time
from datetime import date, timedelta
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from locust import HttpUser, between, events, task

CONFIG: dict[str, Any] = json.loads(Path(os.environ["LOAD_CONFIG"]).read_text())
BASES: list[str] = CONFIG["bases"]
WRITES: dict[str, Any] = {"assessments": [], "answers": {}, "adoption": [], "solutions": {},
                          "failed_writes": 0}
_user_ids = itertools.count()
_reporter_ids = itertools.count()
_form_reporter_ids = itertools.count()
_vendor_ids = itertools.count()
_markers = itertools.count(1)

WORDS = CONFIG["search_words"]
FACETS = [{}, {"type": "solution"}, {"purpose": "treatment"}, {"treatment_area": "kol"},
          {"type": "solution", "treatment_area": "diabetes"}, {"region": "1084"}]
SORTS = ["relevance", "relevance", "name", "newest", "adoption"]
PASSWORD = CONFIG["password"]


# Every request's time, by route and by server process, kept here (locust's own CSV is
# written before the users stopped by --stop-timeout have finished, so it can miss the last
# requests).
REQUESTS: dict[str, dict[str, Any]] = {}
PROCESSES: dict[str, dict[str, Any]] = {}
_PROCESS_OF_PORT = {str(urlsplit(base).port): chr(ord("A") + i) for i, base in enumerate(BASES)}


@events.request.add_listener
def _record(request_type: str, name: str, response_time: float, exception: Any = None,
            response: Any = None, **_kwargs: Any) -> None:
    route = REQUESTS.setdefault(f"{request_type} {name}", {"ms": [], "failures": 0, "status": {}})
    route["ms"].append(round(response_time, 2))
    status = str(getattr(response, "status_code", None) or type(exception).__name__)
    route["status"][status] = route["status"].get(status, 0) + 1
    url = getattr(getattr(response, "request", None), "url", None) or ""
    process = PROCESSES.setdefault(_PROCESS_OF_PORT.get(str(urlsplit(url).port), "?"), {"ms": [], "failures": 0})
    process["ms"].append(round(response_time, 2))
    if exception is not None:
        route["failures"] += 1
        process["failures"] += 1


@events.test_start.add_listener
def _started(**_kwargs: Any) -> None:
    WRITES["started"] = time.time()


@events.test_stop.add_listener
@events.quitting.add_listener
def _save(**_kwargs: Any) -> None:
    WRITES.setdefault("stopped", time.time())
    Path(os.environ["LOAD_WRITES"]).write_text(json.dumps(
        {"writes": WRITES, "requests": REQUESTS, "processes": PROCESSES}))


def _search_params() -> dict[str, Any]:
    params: dict[str, Any] = {"q": random.choice(WORDS), "sort": random.choice(SORTS)}
    params.update(random.choice(FACETS))
    return params


def new_marker(prefix: str = "kvzq") -> str:
    """A made-up word no record has: letters only (every engine reads it as one word), all of
    one length (none is the start of another), each counter digit written twice (any two
    differ in at least two letters, beyond one-typo tolerance), ending in "x" (no Danish or
    English stemmer takes it apart)."""
    n, letters = next(_markers), ""
    for _ in range(4):
        n, digit = divmod(n, 26)
        letters += string.ascii_lowercase[digit] * 2
    return f"{prefix}{letters}x"


def danish_day(day: date) -> str:
    return f"{day.day:02d}.{day.month:02d}.{day.year}"


class Forms(HTMLParser):
    """The forms of a page as a browser would submit them: [{"action", "class", "fields":
    [(name, value)], "options": {name: [values]}}]; checked boxes, selected options (else a
    single select's first), text areas."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[dict[str, Any]] = []
        self._open = False
        self._select: dict[str, Any] | None = None
        self._textarea: list[str] | None = None
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.forms.append({"action": a.get("action", ""), "class": a.get("class", ""), "fields": [],
                               "options": {}})
            self._open = True
        elif not self._open:
            return
        elif tag == "input" and a.get("name") and "disabled" not in a:
            self._input(a)
        elif tag == "select" and a.get("name"):
            self._select = {"name": a["name"], "multiple": "multiple" in a, "chosen": [], "all": []}
        elif tag == "option" and self._select is not None:
            self._select["all"].append(a.get("value", ""))
            if "selected" in a:
                self._select["chosen"].append(a.get("value", ""))
        elif tag == "textarea" and a.get("name"):
            self._textarea = [a["name"], ""]

    def _input(self, a: dict[str, str]) -> None:
        form, kind, name = self.forms[-1], a.get("type", "text"), a["name"]
        if kind in ("checkbox", "radio"):
            form["options"].setdefault(name, []).append(a.get("value", "on"))
            if "checked" in a:
                form["fields"].append((name, a.get("value", "on")))
        elif kind not in ("submit", "button", "file", "image", "reset"):
            form["fields"].append((name, a.get("value", "")))

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self._textarea[1] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._open = False
        elif tag == "select" and self._select is not None:
            s, form = self._select, self.forms[-1]
            form["options"][s["name"]] = s["all"]
            chosen = s["chosen"] or ([] if s["multiple"] or not s["all"] else s["all"][:1])
            form["fields"] += [(s["name"], v) for v in chosen]
            self._select = None
        elif tag == "textarea" and self._textarea is not None:
            self.forms[-1]["fields"].append((self._textarea[0], self._textarea[1].removeprefix("\n")))
            self._textarea = None


def form_on(html: str, action: str) -> dict[str, Any] | None:
    """The page's form that posts to `action` (a path), or None."""
    return next((f for f in Forms(html).forms if f["action"] == action), None)


def with_values(form: dict[str, Any], values: dict[str, str]) -> list[tuple[str, str]]:
    """The form's fields with `values` put in place of (or added beside) their own."""
    return [(k, v) for k, v in form["fields"] if k not in values] + list(values.items())


class Browsing:
    """Reads shared by everyone: search (API and page with facets), lists and detail pages.
    Each request goes to the next server process in turn."""

    client: Any
    headers: dict[str, str] = {}
    turn = 0

    def url(self, path: str) -> str:
        self.turn += 1
        return BASES[self.turn % len(BASES)] + path

    def get(self, path: str, name: str | None = None, **kwargs: Any) -> Any:
        return self.client.get(self.url(path), name=name or path, **kwargs)

    def api_search(self) -> None:
        self.get("/api/search", params=_search_params(), headers=self.headers)

    def search_page(self) -> None:
        self.get("/search", params=_search_params())

    def solutions(self) -> None:
        params: dict[str, Any] = {"offset": random.choice([0, 25, 50, 100])}
        if random.random() < .5:
            params["treatment_area"] = random.choice(["kol", "diabetes", "hjertesvigt", "genoptraening"])
        self.get("/solutions", params=params)

    def solution_page(self) -> None:
        self.get(f"/solutions/{random.choice(CONFIG['solution_slugs'])}", name="/solutions/[slug]")

    def api_solutions(self) -> None:
        self.get("/api/solutions", params={"limit": 25, "offset": random.choice([0, 25, 50])}, headers=self.headers)

    def register(self) -> None:
        self.get("/register")

    def benchmark(self) -> None:
        self.get("/benchmark")

    def benchmark_org(self) -> None:
        self.get(f"/benchmark/organisations/{random.choice(CONFIG['reporter_orgs'])}",
                 name="/benchmark/organisations/[ref]")

    def needs(self) -> None:
        self.get("/needs")


class Browser(Browsing):
    """A logged-in browser: the session cookie (sent to every process: cookies do not name
    a port) and the CSRF token of the session for forms and HTMX."""

    def login(self, email: str) -> bool:
        page = self.get("/login")
        form = form_on(page.text, "/login")
        if form is None:
            WRITES["failed_writes"] += 1
            return False
        with self.client.post(self.url("/login"), data=with_values(form, {"email": email, "password": PASSWORD}),
                              name="/login", catch_response=True) as response:
            if response.status_code != 200 or "blaastempel_session" not in self.client.cookies:
                response.failure(f"login {email}: {response.status_code} {response.text[:200]}")
                return False
        return True

    def csrf(self) -> str:
        return str(self.client.cookies.get("csrftoken", ""))

    def submit(self, page_path: str, name: str, values: dict[str, str],
               action: str | None = None) -> tuple[Any, list[tuple[str, str]]] | None:
        """Open the page, fill in its form and post it (to the next process): the response
        (redirects followed) and what was posted; None when the page had no such form."""
        page = self.get(page_path, name=name)
        form = form_on(page.text, action or page_path)
        if form is None:
            WRITES["failed_writes"] += 1
            return None
        for field in values:
            if values[field] == "" and form["options"].get(field):  # a required choice: the first one
                values[field] = next(v for v in form["options"][field] if v)
        posted = with_values(form, values)
        return self.client.post(self.url(action or page_path), data=posted, name=f"{name} (post)",
                                catch_response=True), posted


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


def _record_answer(assessment_id: int, code: str, comment: str, version: int) -> None:
    saved = WRITES["answers"][str(assessment_id)]
    entry = saved.setdefault(code, {"saves": 0})
    entry.update(saves=entry["saves"] + 1, comment=comment, version=version)


def _started_assessment(assessment_id: int) -> None:
    WRITES["assessments"].append(assessment_id)
    WRITES["answers"][str(assessment_id)] = {}


class Assessor(HttpUser, Browsing):
    """Answers its own draft assessment through the API: no other user touches it, so no
    409 is expected."""

    weight = 2
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
        with self.client.post(self.url("/api/assessments"), headers=self.headers, name="/api/assessments",
                              json={"solution_id": slug, "framework_id": CONFIG["framework"][0],
                                    "framework_version": CONFIG["framework"][1]},
                              catch_response=True) as response:
            if response.status_code == 201:
                self.assessment_id = response.json()["id"]
                _started_assessment(response.json()["id"])
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
        with self.client.put(self.url(f"/api/assessments/{self.assessment_id}/answers/{code}"), json=body,
                             headers=self.headers, name="/api/assessments/[id]/answers/[code]",
                             catch_response=True) as response:
            if response.status_code == 200:
                self.versions[code] = response.json()["answer"]["version"]
                _record_answer(self.assessment_id, code, comment, self.versions[code])
            else:
                WRITES["failed_writes"] += 1
                response.failure(f"answer: {response.status_code} {response.text[:200]}")

    @task(1)
    def detail(self) -> None:
        if self.assessment_id is not None:
            self.get(f"/api/assessments/{self.assessment_id}", name="/api/assessments/[id]", headers=self.headers)

    @task(1)
    def t_api_search(self) -> None:
        self.api_search()


ASSESSMENT_URL = re.compile(r"/assessments/(\d+)$")
VERSION_FIELD = re.compile(r'name="version" value="(\d*)"')


class FormAssessor(HttpUser, Browser):
    """Logs in and answers its own draft assessment in the assessment form: starts it with
    the form on the solution's page, then saves answers as the page's HTMX does (the
    criterion's form with the CSRF header), each with the version the last answer showed."""

    weight = 2
    wait_time = between(2, 5)

    def on_start(self) -> None:
        self.uid = next(_user_ids)
        account = CONFIG["form_assessors"][self.uid % len(CONFIG["form_assessors"])]
        self.versions: dict[str, str] = {}
        self.n = 0
        self.assessment_id: int | None = None
        if self.login(account["email"]):
            self.start_assessment()

    def start_assessment(self) -> None:
        slug = CONFIG["solution_slugs"][self.uid % len(CONFIG["solution_slugs"])]
        values = {"framework": "{}@{}".format(*CONFIG["framework"])}
        sent = self.submit(f"/solutions/{slug}/assessments", "/solutions/[slug]/assessments", values)
        if sent is None:
            return
        with sent[0] as response:
            found = ASSESSMENT_URL.search(urlsplit(response.url).path)
            if response.status_code == 200 and found:
                self.assessment_id = int(found.group(1))
                _started_assessment(self.assessment_id)
            else:
                WRITES["failed_writes"] += 1
                response.failure(f"start assessment (form): {response.status_code} {response.url}")

    @task(5)
    def answer(self) -> None:
        if self.assessment_id is None:
            return
        code, kind = random.choice(CONFIG["criteria"])
        self.n += 1
        value = f"Formsvar {self.uid}-{self.n}" if kind == "text" else random.choice(["yes", "no"])
        comment = f"form {self.uid}-{self.n}"
        body = {"value": value, "comment": comment, "version": self.versions.get(code, ""),
                "_csrf_token": self.csrf()}
        with self.client.post(self.url(f"/assessments/{self.assessment_id}/answers/{code}"), data=body,
                              headers={"HX-Request": "true", "X-CSRFToken": self.csrf()},
                              name="/assessments/[id]/answers/[code] (htmx)", catch_response=True) as response:
            form = form_on(response.text, f"/assessments/{self.assessment_id}/answers/{code}")
            version = dict(form["fields"]).get("version", "") if form else ""
            if response.status_code == 200 and form and version.isdigit() and "has-error" not in form["class"]:
                self.versions[code] = version
                _record_answer(self.assessment_id, code, comment, int(version))
            else:
                WRITES["failed_writes"] += 1
                response.failure(f"answer (form): {response.status_code} {response.text[:300]}")

    @task(1)
    def form_page(self) -> None:
        if self.assessment_id is not None:
            self.get(f"/assessments/{self.assessment_id}", name="/assessments/[id]")

    @task(1)
    def t_search_page(self) -> None:
        self.search_page()


class Reporter(HttpUser, Browsing):
    """Reports adoption for its own organisation through the API; each report has a key no
    one else uses."""

    weight = 1
    wait_time = between(2, 5)

    def on_start(self) -> None:
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
        status = random.choice(["planned", "pilot", "in_operation"])
        body = {"organisation": self.org, "solution": self.solution, "status": status,
                "effective_from": effective, "active_users": random.randint(0, 500)}
        with self.client.post(self.url("/api/benchmark/adoption"), json=body, headers=self.headers,
                              name="/api/benchmark/adoption", catch_response=True) as response:
            if response.status_code == 201 and response.json().get("created") == 1:
                WRITES["adoption"].append([self.org, self.solution, effective, status])
            else:
                WRITES["failed_writes"] += 1
                response.failure(f"adoption: {response.status_code} {response.text[:200]}")

    @task(1)
    def t_benchmark_org(self) -> None:
        self.get(f"/api/benchmark/organisations/{self.org}", name="/api/benchmark/organisations/[ref]",
                 headers=self.headers)

    @task(1)
    def t_benchmark(self) -> None:
        self.benchmark()


class FormReporter(HttpUser, Browser):
    """Logs in and reports adoption for its own organisation in the report form (the
    solution typed by its name, the day as a Danish page shows it)."""

    weight = 1
    wait_time = between(2, 5)

    def on_start(self) -> None:
        rid = next(_form_reporter_ids)
        reporters = CONFIG["form_reporters"]
        account = reporters[rid % len(reporters)]
        self.org = account["organisation"]
        slugs = CONFIG["solution_slugs"]
        self.solution = slugs[(rid // len(reporters) + 1) % len(slugs)]
        self.n = 0
        self.logged_in = self.login(account["email"])

    @task(4)
    def report_adoption(self) -> None:
        if not self.logged_in:
            return
        self.n += 1
        effective = date(2016, 1, 1) + timedelta(days=self.n)
        status = random.choice(["planned", "pilot", "in_operation"])
        values = {"organisation": self.org, "solution_name": CONFIG["solution_names"][self.solution],
                  "status": status, "effective_from": danish_day(effective),
                  "active_users": str(random.randint(0, 500))}
        sent = self.submit("/benchmark/report", "/benchmark/report", values)
        if sent is None:
            return
        with sent[0] as response:
            if response.status_code == 200 and 'class="notice success"' in response.text:
                WRITES["adoption"].append([self.org, self.solution, effective.isoformat(), status])
            else:
                WRITES["failed_writes"] += 1
                response.failure(f"adoption (form): {response.status_code} {response.text[:300]}")

    @task(1)
    def t_benchmark_org(self) -> None:
        self.get(f"/benchmark/organisations/{self.org}", name="/benchmark/organisations/[ref]")


class Vendor(HttpUser, Browser):
    """Logs in, creates a published solution in the form, then keeps editing its short
    description (a new made-up word each time) and checks the edit on the other process's
    page at once. bench_load looks the last word up in search afterwards, and the earlier
    ones must no longer find the solution."""

    weight = 1
    wait_time = between(2, 5)

    def on_start(self) -> None:
        vid = next(_vendor_ids)
        account = CONFIG["vendors"][vid % len(CONFIG["vendors"])]
        self.slug: str | None = None
        if self.login(account["email"]):
            self.create()

    def create(self) -> None:
        marker, name = new_marker(), new_marker("kvzn")
        values = {"name": f"Lasttest {name}", "short_description_da": f"Prøveløsning {marker} til lasttesten",
                  "description_da": "Oprettet af lasttesten.", "purpose": "", "target_users": "",
                  "origin": "", "published": "true"}
        sent = self.submit("/solutions/new", "/solutions/new", values)
        if sent is None:
            return
        with sent[0] as response:
            path = urlsplit(response.url).path
            if response.status_code == 200 and path.startswith("/solutions/") and marker in response.text:
                self.slug = path.removeprefix("/solutions/")
                WRITES["solutions"][self.slug] = {"name": name, "marker": marker, "old": [], "saves": 1}
            else:
                WRITES["failed_writes"] += 1
                response.failure(f"create solution (form): {response.status_code} {response.url}")

    @task(4)
    def edit(self) -> None:
        if self.slug is None:
            return
        marker = new_marker()
        values = {"short_description_da": f"Opdateret prøveløsning {marker} til lasttesten"}
        sent = self.submit(f"/solutions/{self.slug}/edit", "/solutions/[slug]/edit", values)
        if sent is None:
            return
        with sent[0] as response:
            if response.status_code != 200 or urlsplit(response.url).path != f"/solutions/{self.slug}":
                WRITES["failed_writes"] += 1
                response.failure(f"edit solution (form): {response.status_code} {response.text[:300]}")
                return
        entry = WRITES["solutions"][self.slug]
        entry["old"].append(entry["marker"])
        entry.update(marker=marker, saves=entry["saves"] + 1)
        with self.client.get(self.url(f"/solutions/{self.slug}"), name="/solutions/[slug] (read back)",
                             catch_response=True) as page:
            if page.status_code != 200:
                page.failure(f"read back: {page.status_code}")
            elif marker not in page.text:
                page.failure(f"the edit of {self.slug} just saved is not shown on its page")

    @task(1)
    def t_search_page(self) -> None:
        self.search_page()
