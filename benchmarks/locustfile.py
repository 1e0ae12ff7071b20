"""The load of benchmarks/bench_load.py (issue 16 item 7): clerks at a district's pages, each simulated user
logged in as one of the bench's logins (a branch secretary, a township organizer, a district reviewer) and
asking, at a constant rate, for a mix of the person page, the to-do list, the findings lists and step
entries (the entry form, and an entry the rules refuse, which writes nothing).

Set by bench_load.py through the environment: BENCH_TARGETS (a JSON file: each login's password and the
paths it may ask for), BENCH_PER_USER (requests per second of one user), BENCH_SAMPLES (where each
request's time is written when locust stops), BENCH_WARMUP (seconds from the start whose requests are left
out of the figures: the logins and the servers' first requests)."""

import json
import os
import random
import time
from pathlib import Path

from locust import HttpUser, constant_throughput, events, task

TARGETS = json.loads(Path(os.environ["BENCH_TARGETS"]).read_text(encoding="utf-8"))
PER_USER = float(os.environ.get("BENCH_PER_USER", "2"))
WARMUP = float(os.environ.get("BENCH_WARMUP", "5"))
STARTED = time.monotonic()
SAMPLES: list[tuple[str, float, bool]] = []  # (page, milliseconds, failed)


@events.request.add_listener
def _sample(request_type, name, response_time, response_length, exception=None, **_kw):
    if name != "login" and time.monotonic() - STARTED >= WARMUP:
        SAMPLES.append((name, response_time, exception is not None))


@events.quitting.add_listener
def _write(environment, **_kw):
    with open(os.environ["BENCH_SAMPLES"], "w", encoding="utf-8") as out:
        json.dump(SAMPLES, out)


class Clerk(HttpUser):
    wait_time = constant_throughput(PER_USER)

    def on_start(self) -> None:
        self.login = random.choice(sorted(TARGETS))
        self.paths = TARGETS[self.login]
        self.client.get("/accounts/login/", name="login")
        token = self.client.cookies.get("csrftoken", "")
        answer = self.client.post(
            "/accounts/login/",
            {"username": self.login, "password": self.paths["password"], "csrfmiddlewaretoken": token},
            name="login",
            allow_redirects=False,
        )
        if answer.status_code != 302:
            raise RuntimeError(f"login {self.login} refused: {answer.status_code}")

    def _get(self, name: str, path: str) -> None:
        with self.client.get(path, name=name, catch_response=True, allow_redirects=False) as answer:
            if answer.status_code != 200:
                answer.failure(f"{answer.status_code} on {path}")

    @task(4)
    def person_page(self) -> None:
        self._get("person page", random.choice(self.paths["persons"]))

    @task(2)
    def todo(self) -> None:
        self._get("to-do list", "/todo/")

    @task(2)
    def findings(self) -> None:
        self._get("findings list", random.choice(self.paths["findings"]))

    @task(1)
    def step_form(self) -> None:
        self._get("step entry form", random.choice(self.paths["steps"]))

    @task(1)
    def step_refused(self) -> None:
        path = random.choice(self.paths["steps"])
        step = path.rsplit("=", 1)[1]
        data = {
            "step": step,
            "date": "2000-01-01",
            "csrfmiddlewaretoken": self.client.cookies.get("csrftoken"),
        }
        headers = {"HX-Request": "true", "Referer": self.client.base_url + path}
        with self.client.post(
            path,
            data,
            name="step entry (refused)",
            headers=headers,
            catch_response=True,
            allow_redirects=False,
        ) as answer:
            if answer.status_code != 200:  # refused on the form, never recorded (a redirect) nor a 500
                answer.failure(f"{answer.status_code} on {path}")
