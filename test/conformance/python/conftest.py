"""The official `openai` Python package against a real reelay.

test/conformance/python-sdk.test.ts starts the server and runs this suite with:
  REELAY_BASE_URL      the server's /v1 base URL
  REELAY_API_KEY       a key of the main project
  REELAY_OTHER_KEY     a key of a second project (isolation)
  REELAY_LIMITED_KEY   a key of a project limited to REELAY_LIMITED_RPM requests a minute
  REELAY_EXCHANGE_LOG  a file to append one JSON line to for every response any client receives

The log is written by httpx event hooks on the http_client each client is given; the Node test
then validates every recorded response against the OpenAPI document and the contract's headers.
openai 3.x speaks HTTP through `httpx2` (not `httpx`), so the hooks are httpx2's.
"""

from __future__ import annotations

import json
import os
import threading
import time
from typing import Any, Callable

import httpx2
import openai
import pytest

import support

REQUIRED = ["REELAY_BASE_URL", "REELAY_API_KEY", "REELAY_OTHER_KEY", "REELAY_LIMITED_KEY", "REELAY_EXCHANGE_LOG"]


def pytest_configure(config: pytest.Config) -> None:
    missing = [name for name in REQUIRED if not os.environ.get(name)]
    if missing:
        raise pytest.UsageError(
            f"missing {', '.join(missing)}: run this suite through "
            "`node --import tsx --test test/conformance/python-sdk.test.ts`, which starts reelay"
        )


BASE_URL = os.environ.get("REELAY_BASE_URL", "")
API_KEY = os.environ.get("REELAY_API_KEY", "")
OTHER_KEY = os.environ.get("REELAY_OTHER_KEY", "")
LIMITED_KEY = os.environ.get("REELAY_LIMITED_KEY", "")
LIMITED_RPM = int(os.environ.get("REELAY_LIMITED_RPM", "30"))

# Request headers worth keeping in the log (the SDK's own, which tell sync from async, retries
# and the poll helper); the key itself is never written.
KEPT_REQUEST_HEADERS = (
    "content-type",
    "content-length",
    "accept",
    "range",
    "user-agent",
    "x-stainless-async",
    "x-stainless-retry-count",
    "x-stainless-poll-helper",
    "x-stainless-lang",
    "x-stainless-package-version",
)

_lock = threading.Lock()
_sent_at: dict[int, float] = {}


def _current_test() -> str:
    return os.environ.get("PYTEST_CURRENT_TEST", "").rsplit(" ", 1)[0]


def _on_request(request: httpx2.Request) -> None:
    _sent_at[id(request)] = time.monotonic()


def _record(response: httpx2.Response, client: str, project: str) -> None:
    request = response.request
    content_type = response.headers.get("content-type", "")
    entry = {
        "client": client,
        "project": project,
        "test": _current_test(),
        "method": request.method,
        "url": str(request.url),
        "request_content_type": request.headers.get("content-type"),
        "request_headers": {k: request.headers[k] for k in KEPT_REQUEST_HEADERS if k in request.headers},
        "status": response.status_code,
        "headers": [[k, v] for k, v in response.headers.multi_items()],
        "body": response.text if "application/json" in content_type else None,
        # time.monotonic() seconds, comparable across every client of this process.
        "sent_at": _sent_at.pop(id(request), None),
        "received_at": time.monotonic(),
    }
    with _lock, open(support.LOG_PATH, "a", encoding="utf-8") as f:
        f.write(json.dumps(entry) + "\n")


def sync_http_client(project: str) -> httpx2.Client:
    def on_response(response: httpx2.Response) -> None:
        if "application/json" in response.headers.get("content-type", ""):
            response.read()
        _record(response, "sync", project)

    return openai.DefaultHttpxClient(event_hooks={"request": [_on_request], "response": [on_response]})


def async_http_client(project: str) -> httpx2.AsyncClient:
    async def on_request(request: httpx2.Request) -> None:
        _on_request(request)

    async def on_response(response: httpx2.Response) -> None:
        if "application/json" in response.headers.get("content-type", ""):
            await response.aread()
        _record(response, "async", project)

    return openai.DefaultAsyncHttpxClient(event_hooks={"request": [on_request], "response": [on_response]})


def make_client(key: str = API_KEY, project: str = "main", max_retries: int = 0) -> openai.OpenAI:
    return openai.OpenAI(
        api_key=key, base_url=BASE_URL, max_retries=max_retries, timeout=120.0, http_client=sync_http_client(project)
    )


def make_async_client(key: str = API_KEY, project: str = "main", max_retries: int = 0) -> openai.AsyncOpenAI:
    """Call inside the event loop that will use it (each async test runs its own asyncio.run)."""
    return openai.AsyncOpenAI(
        api_key=key, base_url=BASE_URL, max_retries=max_retries, timeout=120.0, http_client=async_http_client(project)
    )


@pytest.fixture(scope="session")
def client():
    c = make_client()
    yield c
    c.close()


@pytest.fixture(scope="session")
def other_client():
    c = make_client(OTHER_KEY, "other")
    yield c
    c.close()


@pytest.fixture(scope="session")
def limited_client():
    c = make_client(LIMITED_KEY, "limited")
    yield c
    c.close()


@pytest.fixture(scope="session")
def async_client_factory() -> Callable[..., openai.AsyncOpenAI]:
    return make_async_client


@pytest.fixture(scope="session")
def base_video(client: openai.OpenAI) -> Any:
    """One completed 4 s 1280x720 video (seed 7) that the remix, edit, extend, character and
    isolation tests start from, made with create_and_poll."""
    video = client.videos.create_and_poll(
        prompt="a red kite over a green meadow on a sunny day", seconds="4", size="1280x720", extra_body={"seed": 7}
    )
    support.assert_completed(video)
    return video


@pytest.fixture(scope="session")
def base_mp4(client: openai.OpenAI, base_video: Any) -> bytes:
    return client.videos.download_content(base_video.id).content
