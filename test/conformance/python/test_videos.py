"""Every client.videos method of the sync client, and client.models, against a real reelay."""

from __future__ import annotations

import json
import math
import pathlib
from urllib.parse import parse_qsl, urlsplit
from typing import Any

import openai
import pytest

import support
from support import assert_completed, assert_mp4, assert_video_id, header, path_of, read_log, ref, wait_completed

BLUE, ORANGE = (0x33, 0x66, 0xCC), (0xCC, 0x66, 0x33)


def sdk_error(call, cls: type[openai.APIStatusError]) -> openai.APIStatusError:
    with pytest.raises(cls) as info:
        call()
    return info.value


def entries(method: str, path: str, since: int = 0) -> list[dict[str, Any]]:
    return [e for e in read_log()[since:] if e["method"] == method and path_of(e) == path]


def test_create_and_poll_waits_as_the_server_says(client: openai.OpenAI, base_video: Any) -> None:
    v = base_video
    assert_video_id(v.id)
    assert (v.object, v.model, v.size, v.seconds) == ("video", "sora-2", "1280x720", "4")
    assert v.prompt == "a red kite over a green meadow on a sunny day"
    assert v.remixed_from_video_id is None
    # The create went as multipart, as the SDK sends every create.
    (create,) = [e for e in entries("POST", "/v1/videos") if e["body"] and v.id in e["body"]]
    assert create["request_content_type"].startswith("multipart/form-data")
    assert '"status":"queued"' in create["body"].replace(" ", "")
    # The poll helper's GETs: each waited at least the openai-poll-after-ms of the answer before it.
    polls = [e for e in entries("GET", f"/v1/videos/{v.id}") if e["request_headers"].get("x-stainless-poll-helper") == "true"]
    assert polls, "create_and_poll sent no retrieve"
    assert header(polls[-1], "openai-poll-after-ms") is None
    assert len(polls) >= 2, "the video was done at the first poll: nothing shows the wait"
    assert polls[0]["sent_at"] >= create["received_at"]
    for previous, p in zip(polls, polls[1:]):
        wait = int(header(previous, "openai-poll-after-ms") or "0")
        assert wait > 0, f"no openai-poll-after-ms on {previous['method']} {previous['url']} -> {previous['status']}"
        gap = p["sent_at"] - previous["received_at"]
        assert gap >= wait / 1000 - 0.005, f"polled {gap:.3f} s after an answer that said {wait} ms"


def test_create_with_input_reference_file_image_url_and_bare_bytes(client: openai.OpenAI, base_video: Any, base_mp4: bytes) -> None:
    png = support.png(1280, 720, BLUE, ORANGE)
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    prompt, seed = base_video.prompt, {"seed": 7}  # the base video's inputs, plus a first frame
    by_file = client.videos.create(
        prompt=prompt, seconds="4", size="1280x720", input_reference=("ref.png", png, "image/png"), extra_body=seed
    )
    url = support.image_url_ref(support.data_url("image/png", png))
    by_url = client.videos.create(prompt=prompt, seconds="4", size="1280x720", extra_body={**url["extra_body"], **seed})
    # Bare bytes: the SDK names the part "upload", application/octet-stream; reelay judges the bytes.
    by_bytes = client.videos.create(prompt=prompt, seconds="4", size="1280x720", input_reference=png, extra_body=seed)
    for e in entries("POST", "/v1/videos")[-3:]:
        assert e["request_content_type"].startswith("multipart/form-data")
    mp4s = []
    for created in (by_file, by_url, by_bytes):
        assert created.status == "queued"
        done = wait_completed(client, created.id)
        assert (done.size, done.seconds) == ("1280x720", "4")
        mp4s.append(client.videos.download_content(done.id).content)
        assert_mp4(mp4s[-1], "1280x720", 4)
    # The same image by either route makes the same (deterministic) video, unlike no image at all.
    assert mp4s[0] == mp4s[1], "a file and a data: URL of the same PNG gave different videos"
    assert mp4s[0] == mp4s[2], "a named PNG file and the same bytes unnamed gave different videos"
    assert mp4s[0] != base_mp4, "the reference image changed nothing"


def test_with_raw_response_headers_while_running_and_when_done(client: openai.OpenAI, base_video: Any) -> None:
    raw = client.videos.with_raw_response.create(prompt="a slow sunrise over the sea [reelay:slow=15]", seconds="4")
    assert raw.status_code == 200
    assert raw.headers.get("x-request-id")
    assert raw.headers.get("openai-processing-ms", "").isdigit()
    queued = raw.parse()
    assert queued.status == "queued" and queued.progress == 0 and queued.completed_at is None
    assert int(raw.headers["openai-poll-after-ms"]) > 0

    running = client.videos.with_raw_response.retrieve(queued.id)
    assert running.parse().status in ("queued", "in_progress")
    assert int(running.headers["openai-poll-after-ms"]) > 0
    assert running.headers.get("x-request-id") and running.headers.get("x-request-id") != raw.headers.get("x-request-id")

    done = client.videos.with_raw_response.retrieve(base_video.id)
    assert done.parse().status == "completed"
    assert "openai-poll-after-ms" not in done.headers
    assert done.headers.get("x-request-id")
    assert done.headers.get("openai-processing-ms", "").isdigit()

    # Not ready: no content, no remix/edit/extend source.
    err = sdk_error(lambda: client.videos.download_content(queued.id), openai.BadRequestError)
    assert (err.status_code, err.code, err.type) == (400, "video_not_ready", "invalid_request_error")
    for call in (
        lambda: client.videos.remix(queued.id, prompt="again"),
        lambda: client.videos.edit(prompt="again", **ref(queued.id)),
        lambda: client.videos.extend(prompt="again", seconds="4", **ref(queued.id)),
    ):
        assert sdk_error(call, openai.BadRequestError).type == "invalid_request_error"

    # Delete cancels the running job.
    deleted = client.videos.delete(queued.id)
    assert (deleted.id, deleted.object, deleted.deleted) == (queued.id, "video.deleted", True)
    assert sdk_error(lambda: client.videos.retrieve(queued.id), openai.NotFoundError).status_code == 404


def test_download_content_every_variant_and_write_to_file(client: openai.OpenAI, base_video: Any, tmp_path: pathlib.Path) -> None:
    video = client.videos.download_content(base_video.id)
    assert video.response.headers["content-type"] == "video/mp4"
    assert_mp4(video.content, "1280x720", 4)
    default = client.videos.download_content(base_video.id, variant="video").content
    assert default == video.content

    thumb = client.videos.download_content(base_video.id, variant="thumbnail")
    assert thumb.response.headers["content-type"] == "image/webp"
    tw, th = support.webp_size(thumb.content)
    assert tw > 0 and abs(tw / th - 16 / 9) < 0.02, f"thumbnail {tw}x{th} is not 16:9"

    sprite = client.videos.download_content(base_video.id, variant="spritesheet")
    assert sprite.response.headers["content-type"] == "image/jpeg"
    sw, sh = support.jpeg_size(sprite.content)
    assert sw > tw / 4 and sh > 0, f"spritesheet {sw}x{sh}"

    for name, part in (("v.mp4", video), ("t.webp", thumb), ("s.jpg", sprite)):
        part.write_to_file(tmp_path / name)
        assert (tmp_path / name).read_bytes() == part.content
    assert (tmp_path / "v.mp4").read_bytes()[4:8] == b"ftyp"
    assert (tmp_path / "t.webp").read_bytes()[8:12] == b"WEBP"
    assert (tmp_path / "s.jpg").read_bytes()[:3] == b"\xff\xd8\xff"

    # Streamed, and a byte range as a player asks for one.
    with client.videos.with_streaming_response.download_content(base_video.id) as streamed:
        assert streamed.headers["content-type"] == "video/mp4"
        assert b"".join(streamed.iter_bytes()) == video.content
    part = client.videos.with_raw_response.download_content(base_video.id, extra_headers={"Range": "bytes=100-1123"})
    assert part.status_code == 206
    assert part.headers["content-range"] == f"bytes 100-1123/{len(video.content)}"
    assert part.content == video.content[100:1124]

    bad = sdk_error(lambda: client.videos.download_content(base_video.id, variant="poster"), openai.BadRequestError)  # type: ignore[arg-type]
    assert bad.param == "variant"


def test_remix_and_poll(client: openai.OpenAI, base_video: Any) -> None:
    remix = client.videos.remix(base_video.id, prompt="the same kite, now at sunset")
    assert entries("POST", f"/v1/videos/{base_video.id}/remix")[-1]["request_content_type"] == "application/json"
    assert remix.remixed_from_video_id == base_video.id and remix.id != base_video.id
    done = client.videos.poll(remix.id)
    assert_completed(done)
    assert done.remixed_from_video_id == base_video.id
    assert (done.model, done.size, done.seconds) == (base_video.model, base_video.size, base_video.seconds)
    assert done.prompt == "the same kite, now at sunset"


def test_edit_by_video_id(client: openai.OpenAI, base_video: Any) -> None:
    edit = client.videos.edit(prompt="make it night time", **ref(base_video.id))
    assert entries("POST", "/v1/videos/edits")[-1]["request_content_type"].startswith("multipart/form-data")
    done = wait_completed(client, edit.id)
    assert (done.model, done.size, done.seconds) == (base_video.model, base_video.size, base_video.seconds)
    assert_mp4(client.videos.download_content(done.id).content, "1280x720", 4)


def test_edit_by_uploaded_file(client: openai.OpenAI, base_mp4: bytes, tmp_path: pathlib.Path) -> None:
    source = tmp_path / "source.mp4"
    source.write_bytes(base_mp4)
    edit = client.videos.edit(prompt="make it snow", video=source)
    assert entries("POST", "/v1/videos/edits")[-1]["request_content_type"].startswith("multipart/form-data")
    done = wait_completed(client, edit.id)
    assert (done.size, done.seconds) == ("1280x720", "4")
    assert_mp4(client.videos.download_content(done.id).content, "1280x720", 4)


def test_extend_reports_the_stitched_total(client: openai.OpenAI, base_video: Any) -> None:
    ext = client.videos.extend(prompt="the kite climbs into the clouds", seconds="4", **ref(base_video.id))
    assert ext.seconds == "8"
    done = wait_completed(client, ext.id)
    assert (done.seconds, done.size, done.model) == ("8", base_video.size, base_video.model)
    extended = client.videos.download_content(done.id).content
    assert_mp4(extended, "1280x720", 8)


def test_characters_create_get_and_use(client: openai.OpenAI, base_mp4: bytes) -> None:
    # The clip is a 4 s video the local engine made (the base video).
    character = client.videos.create_character(name="Captain Whiskers", video=("whiskers.mp4", base_mp4, "video/mp4"))
    assert entries("POST", "/v1/videos/characters")[-1]["request_content_type"].startswith("multipart/form-data")
    assert character.id and character.id.startswith("char_") and len(character.id) == 37
    int(character.id[5:], 16)
    assert character.name == "Captain Whiskers"
    assert isinstance(character.created_at, int) and character.created_at > 0

    got = client.videos.get_character(character.id)
    assert (got.id, got.name, got.created_at) == (character.id, character.name, character.created_at)

    # VideoCreateParams has no `characters`: extra_body sends it (multipart characters[][id]).
    prompt = "Captain Whiskers sails a small boat across a lake"
    created = client.videos.create(prompt=prompt, seconds="4", size="1280x720", extra_body={"characters": [{"id": character.id}]})
    done = wait_completed(client, created.id)
    assert done.prompt == prompt
    assert_mp4(client.videos.download_content(done.id).content, "1280x720", 4)

    unnamed = sdk_error(
        lambda: client.videos.create(prompt="a small boat on a lake", extra_body={"characters": [{"id": character.id}]}),
        openai.BadRequestError,
    )
    assert "Captain Whiskers" in unnamed.message
    not_video = sdk_error(
        lambda: client.videos.create_character(name="Nobody", video=("x.mp4", b"not a video at all", "video/mp4")),
        openai.BadRequestError,
    )
    assert not_video.param == "video"
    long_name = sdk_error(
        lambda: client.videos.create_character(name="x" * 81, video=("whiskers.mp4", base_mp4, "video/mp4")),
        openai.BadRequestError,
    )
    assert long_name.param == "name"


def test_delete_then_not_found_everywhere(client: openai.OpenAI) -> None:
    created = client.videos.create(prompt="a paper boat on a puddle", seconds="4", size="720x1280")
    done = wait_completed(client, created.id)
    deleted = client.videos.delete(done.id)
    assert (deleted.id, deleted.object, deleted.deleted) == (done.id, "video.deleted", True)
    for call in (
        lambda: client.videos.retrieve(done.id),
        lambda: client.videos.delete(done.id),
        lambda: client.videos.download_content(done.id),
        lambda: client.videos.remix(done.id, prompt="again"),
    ):
        assert sdk_error(call, openai.NotFoundError).status_code == 404
    assert done.id not in [v.id for v in client.videos.list(limit=100)]


def test_models_list_and_retrieve(client: openai.OpenAI) -> None:
    page = client.models.list()
    assert isinstance(page, openai.pagination.SyncPage)
    models = list(page)
    ids = [m.id for m in models]
    for known in ("sora-2", "sora-2-pro", "sora-2-2025-10-06", "sora-2-2025-12-08", "sora-2-pro-2025-10-06"):
        assert known in ids, known
    for m in models:
        assert m.object == "model" and "reelay-local" in m.owned_by and isinstance(m.created, int)

    pro = client.models.retrieve("sora-2-pro")
    assert pro.id == "sora-2-pro"
    caps = pro.model_extra["capabilities"]  # an extension field, kept by the SDK's models
    assert "1920x1080" in caps["sizes"]
    assert caps["seconds"] == ["4", "8", "12", "16", "20"]
    std = client.models.retrieve("sora-2")
    assert sorted(std.model_extra["capabilities"]["sizes"]) == ["1280x720", "720x1280"]

    missing = sdk_error(lambda: client.models.retrieve("sora-9"), openai.NotFoundError)
    assert (missing.code, missing.param) == ("model_not_found", "model")
    assert missing.body["message"] == "The model `sora-9` does not exist or you do not have access to it."


def test_list_auto_paginates_every_video_once_in_order(client: openai.OpenAI) -> None:
    # Enough videos for several pages (queued ones are listed too).
    while len(support.live_main_videos()) < 7:
        client.videos.create(prompt="filler: a quiet pond", seconds="4")
    live = support.live_main_videos()
    since = len(read_log())

    page = client.videos.list(limit=2)
    assert isinstance(page, openai.pagination.SyncConversationCursorPage)
    desc = [v.id for v in page]  # iterating the page fetches the pages after it
    assert len(set(desc)) == len(desc), "a video came twice"
    assert desc == list(reversed(live)), "not every video exactly once, newest first"

    pages = entries("GET", "/v1/videos", since)
    assert len(pages) == math.ceil(len(live) / 2) >= 4
    previous = None
    for i, p in enumerate(pages):
        body = json.loads(p["body"])
        query = dict(parse_qsl(urlsplit(p["url"]).query))
        assert query["limit"] == "2"
        assert body["has_more"] is (i < len(pages) - 1), f"has_more on page {i + 1} of {len(pages)}"
        assert body["first_id"] == body["data"][0]["id"] and body["last_id"] == body["data"][-1]["id"]
        if previous is not None:
            assert query["after"] == previous["last_id"]
        previous = body

    asc = [v.id for v in client.videos.list(limit=3, order="asc")]
    assert asc == live

    first = client.videos.list(limit=len(live) - 1)
    assert len(first.data) == len(live) - 1 and first.has_next_page()
    second = first.get_next_page()
    assert [v.id for v in second.data] == [live[0]] and not second.has_next_page()

    everything = client.videos.list(limit=len(live))
    assert [v.id for v in everything.data] == list(reversed(live)) and not everything.has_next_page()


def test_sdk_refuses_reference_objects_in_file_fields(client: openai.OpenAI, base_video: Any) -> None:
    """openai 3.22.1 types edit/extend's `video` and create's `input_reference` as a file or a
    reference object, but raises RuntimeError for the object form before sending anything, so this
    suite sends those objects through extra_body (support.ref). When this test fails, the pinned SDK
    has fixed it: send `video={"id": ...}` and `input_reference={"image_url": ...}` directly."""
    since = len(read_log())
    for call in (
        lambda: client.videos.edit(prompt="again", video={"id": base_video.id}),
        lambda: client.videos.extend(prompt="again", seconds="4", video={"id": base_video.id}),
        lambda: client.videos.create(prompt="a kite", input_reference={"image_url": "https://example.com/a.png"}),
    ):
        with pytest.raises(RuntimeError, match="to be bytes, an io.IOBase instance, PathLike or a tuple"):
            call()
    assert len(read_log()) == since, "the SDK sent a request after all"
