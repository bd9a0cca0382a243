"""The SDK's typed errors, as reelay's answers make them, and its retry on 429.

Not exercised: PermissionDeniedError (403) — reelay has no route that answers 403 (another
project's resource is a 404, as the contract says), so the SDK can never raise it here. Nor
ConflictError (409), UnprocessableEntityError (422) or InternalServerError (5xx): no route of the
contract answers those to a well-formed request.
"""

from __future__ import annotations

import time
from typing import Any

import openai
import pytest

import conftest
import support
from support import ref
from support import header, path_of, read_log

UNKNOWN_VIDEO = "video_" + "0" * 32
UNKNOWN_CHARACTER = "char_" + "0" * 32


def sdk_error(call, cls: type[openai.APIStatusError]) -> Any:
    with pytest.raises(cls) as info:
        call()
    err = info.value
    # Every error is the contract's envelope: the SDK hands us its inner object as .body.
    assert isinstance(err.body, dict) and {"message", "type", "param", "code"} <= err.body.keys(), err.body
    assert err.request_id, "no x-request-id on an error"
    return err


def test_bad_request_errors_carry_code_and_param(client: openai.OpenAI, base_video: Any) -> None:
    seconds = sdk_error(lambda: client.videos.create(prompt="a kite", seconds="15"), openai.BadRequestError)  # type: ignore[arg-type]
    assert (seconds.status_code, seconds.type, seconds.code, seconds.param) == (400, "invalid_request_error", "invalid_value", "seconds")
    assert seconds.body["message"] == "Invalid value: '15'. Supported values are: '4', '8', '12', '16', and '20'."

    size = sdk_error(lambda: client.videos.create(prompt="a kite", size="720p"), openai.BadRequestError)  # type: ignore[arg-type]
    assert (size.code, size.param) == ("invalid_value", "size")
    assert "WxH" in size.message or "WIDTHxHEIGHT" in size.message, size.message
    assert "1280x720" in size.message and "720x1280" in size.message, size.message

    pro = sdk_error(lambda: client.videos.create(prompt="a kite", size="1792x1024"), openai.BadRequestError)
    assert pro.param == "size" and "pro" in pro.message.lower(), pro.message

    unknown = sdk_error(lambda: client.videos.create(prompt="a kite", extra_body={"duration": 5}), openai.BadRequestError)
    assert (unknown.code, unknown.param) == ("unknown_parameter", "duration")
    assert unknown.body["message"] == "Unknown parameter: 'duration'."

    short = sdk_error(
        lambda: client.videos.extend(prompt="again", seconds="3", **ref(base_video.id)),  # type: ignore[arg-type]
        openai.BadRequestError,
    )
    assert short.param == "seconds"


def test_not_found_for_unknown_ids_and_models(client: openai.OpenAI) -> None:
    for call in (
        lambda: client.videos.retrieve(UNKNOWN_VIDEO),
        lambda: client.videos.delete(UNKNOWN_VIDEO),
        lambda: client.videos.download_content(UNKNOWN_VIDEO),
        lambda: client.videos.remix(UNKNOWN_VIDEO, prompt="again"),
        lambda: client.videos.edit(prompt="again", **ref(UNKNOWN_VIDEO)),
        lambda: client.videos.extend(prompt="again", seconds="4", **ref(UNKNOWN_VIDEO)),
        lambda: client.videos.get_character(UNKNOWN_CHARACTER),
    ):
        err = sdk_error(call, openai.NotFoundError)
        # The contract's table: param null for an id that is not found.
        assert (err.status_code, err.type, err.code, err.param) == (404, "invalid_request_error", "not_found", None)
    model = sdk_error(lambda: client.videos.create(prompt="a kite", model="sora-9"), openai.NotFoundError)
    assert model.code == "model_not_found"
    assert model.body["message"] == "The model `sora-9` does not exist or you do not have access to it."


def test_request_too_large_is_a_413_in_the_envelope(client: openai.OpenAI, base_video: Any) -> None:
    # Remix goes as JSON; reelay's default JSON body limit is 1 MiB. The SDK has no class of its
    # own for 413: it is the base APIStatusError, and the SDK does not retry it.
    since = len(read_log())
    err = sdk_error(lambda: client.with_options(max_retries=2).videos.remix(base_video.id, prompt="x" * (1024 * 1024 + 1)), openai.APIStatusError)
    assert type(err) is openai.APIStatusError
    assert (err.status_code, err.type, err.code, err.param) == (413, "invalid_request_error", "request_too_large", None)
    assert len(read_log()) == since + 1


def test_another_projects_video_and_character_do_not_exist(client: openai.OpenAI, other_client: openai.OpenAI, base_video: Any, base_mp4: bytes) -> None:
    character = client.videos.create_character(name="Rex", video=("rex.mp4", base_mp4, "video/mp4"))
    for call in (
        lambda: other_client.videos.retrieve(base_video.id),
        lambda: other_client.videos.download_content(base_video.id),
        lambda: other_client.videos.download_content(base_video.id, variant="thumbnail"),
        lambda: other_client.videos.remix(base_video.id, prompt="mine now"),
        lambda: other_client.videos.edit(prompt="mine now", **ref(base_video.id)),
        lambda: other_client.videos.extend(prompt="mine now", seconds="4", **ref(base_video.id)),
        lambda: other_client.videos.delete(base_video.id),
        lambda: other_client.videos.get_character(character.id),  # type: ignore[arg-type]
    ):
        err = sdk_error(call, openai.NotFoundError)
        assert err.status_code == 404
    assert base_video.id not in [v.id for v in other_client.videos.list(limit=100)]
    # The owner still has both.
    assert client.videos.retrieve(base_video.id).status == "completed"
    assert client.videos.get_character(character.id).name == "Rex"  # type: ignore[arg-type]


def test_authentication_error_for_a_bad_key() -> None:
    bad = conftest.make_client("sk-reelay-not-a-real-key-abcd", "badkey")
    try:
        for call in (bad.models.list, lambda: bad.videos.retrieve(UNKNOWN_VIDEO), lambda: bad.videos.create(prompt="a kite")):
            err = sdk_error(call, openai.AuthenticationError)
            assert (err.status_code, err.type, err.code, err.param) == (401, "invalid_request_error", "invalid_api_key", None)
            assert "abcd" in err.message and "not-a-real" not in err.message, err.message
    finally:
        bad.close()


def _drain(limited: openai.OpenAI) -> tuple[int, openai.RateLimitError]:
    """Spends the project's bucket: how many calls passed, and the RateLimitError that ended them."""
    for passed in range(conftest.LIMITED_RPM + 10):
        try:
            limited.models.list()
        except openai.RateLimitError as err:
            return passed, err
    raise AssertionError(f"{conftest.LIMITED_RPM + 10} calls in a row passed a {conftest.LIMITED_RPM}/min limit")


def test_rate_limit_error_without_retries(limited_client: openai.OpenAI) -> None:
    first = limited_client.models.with_raw_response.list()
    assert first.headers["x-ratelimit-limit-requests"] == str(conftest.LIMITED_RPM)
    passed, err = _drain(limited_client)
    assert passed >= conftest.LIMITED_RPM - 2, f"only {passed} calls passed a {conftest.LIMITED_RPM}/min limit"
    assert (err.status_code, err.type, err.code, err.param) == (429, "requests", "rate_limit_exceeded", None)
    assert int(err.response.headers["retry-after"]) >= 1
    assert int(err.response.headers["retry-after-ms"]) > 0
    assert err.response.headers["x-ratelimit-remaining-requests"] == "0"
    # max_retries=0: exactly one request for that call.
    assert read_log()[-1]["request_headers"]["x-stainless-retry-count"] == "0"


def test_retry_honours_retry_after(limited_client: openai.OpenAI) -> None:
    # Empty the bucket just after a token was spent, so the next 429 asks for most of a token's
    # time (~2 s at 30/min), far from the SDK's own backoff of at most 0.5 s.
    for _ in range(3):
        _, err = _drain(limited_client)
        wait_ms = int(err.response.headers["retry-after-ms"])
        if wait_ms >= 1000:
            break
        time.sleep(wait_ms / 1000 + 0.05)
    else:
        raise AssertionError("could not empty the bucket right after a token was spent")
    since = len(read_log())
    models = limited_client.with_options(max_retries=3).models.list()
    assert "sora-2" in [m.id for m in models]
    tries = [e for e in read_log()[since:] if path_of(e) == "/v1/models"]
    statuses = [e["status"] for e in tries]
    assert statuses[0] == 429 and statuses[-1] == 200 and set(statuses[:-1]) == {429}, statuses
    assert [e["request_headers"]["x-stainless-retry-count"] for e in tries] == [str(i) for i in range(len(tries))]
    for limited, retry in zip(tries, tries[1:]):
        waited = retry["sent_at"] - limited["received_at"]
        # The SDK reads retry-after-ms first (Retry-After is the same wait rounded up to seconds).
        asked = int(header(limited, "retry-after-ms") or 0) / 1000
        assert asked > 0.5, f"retry-after-ms {asked * 1000:.0f}: too short to tell from the SDK's own backoff"
        assert waited >= asked - 0.005, f"retried {waited:.3f} s after a 429 that asked for {asked:.3f} s"
        assert waited < asked + 2, f"retried {waited:.3f} s after a 429 that asked for {asked:.3f} s"
