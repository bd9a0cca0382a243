"""The Python SDK's retries are safe with an Idempotency-Key.

REELAY_LOSSY_BASE_URL is a proxy in front of reelay (test/helpers/lossy-proxy.ts) that cuts the
connection after reelay answered the first POST whose Idempotency-Key starts with `lose-`: the
video is made, the answer never arrives, and the SDK retries with the same headers. These calls
use a project of their own (REELAY_RETRY_KEY), so the main project's list tests see none of them,
and a client without the exchange log (the proxy is not the server under test).
"""

from __future__ import annotations

import os
import uuid

import openai

LOSSY_BASE_URL = os.environ.get("REELAY_LOSSY_BASE_URL", "")
BASE_URL = os.environ.get("REELAY_BASE_URL", "")
RETRY_KEY = os.environ.get("REELAY_RETRY_KEY", "")

SLOW = "[reelay:slow=600]"  # stays in_progress (cancellable), no render needed


def _videos_with_prompt(client: openai.OpenAI, prompt: str) -> list[str]:
    return [v.id for v in client.videos.list(limit=100) if v.prompt == prompt]


def test_a_create_whose_answer_was_lost_is_retried_into_the_same_video() -> None:
    assert LOSSY_BASE_URL and RETRY_KEY, "REELAY_LOSSY_BASE_URL and REELAY_RETRY_KEY must be set"
    direct = openai.OpenAI(api_key=RETRY_KEY, base_url=BASE_URL, max_retries=0)
    lossy = openai.OpenAI(api_key=RETRY_KEY, base_url=LOSSY_BASE_URL, max_retries=2, timeout=30.0)
    prompt = f"a lost answer {uuid.uuid4().hex[:8]} {SLOW}"
    key = f"lose-{uuid.uuid4()}"

    video = lossy.videos.create(prompt=prompt, seconds="4", extra_headers={"Idempotency-Key": key})
    assert video.prompt == prompt
    assert _videos_with_prompt(direct, prompt) == [video.id], "one video, the one the retry answered"

    # The same key again answers the first response, marked as a replay.
    raw = direct.videos.with_raw_response.create(prompt=prompt, seconds="4", extra_headers={"Idempotency-Key": key})
    assert raw.headers.get("idempotent-replayed") == "true"
    assert raw.parse().id == video.id
    # Another request under that key is refused, and the SDK does not retry a 422.
    try:
        direct.videos.create(prompt=prompt + " again", seconds="4", extra_headers={"Idempotency-Key": key})
        raise AssertionError("a different request with a used key was accepted")
    except openai.UnprocessableEntityError as err:
        assert err.code == "idempotency_key_reused"
    assert _videos_with_prompt(direct, prompt) == [video.id]
    direct.videos.delete(video.id)


def test_without_a_key_a_lost_answer_makes_a_second_video() -> None:
    # What the README says happens without the header: the retry is a new request.
    direct = openai.OpenAI(api_key=RETRY_KEY, base_url=BASE_URL, max_retries=0)
    prompt = f"no key {uuid.uuid4().hex[:8]} {SLOW}"
    first = direct.videos.create(prompt=prompt, seconds="4")
    second = direct.videos.create(prompt=prompt, seconds="4")
    assert first.id != second.id
    assert sorted(_videos_with_prompt(direct, prompt)) == sorted([first.id, second.id])
    for v in (first, second):
        direct.videos.delete(v.id)
