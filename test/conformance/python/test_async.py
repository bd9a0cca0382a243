"""The AsyncOpenAI client (asyncio) through the same operations: each test runs its own event
loop with asyncio.run and makes its client inside it."""

from __future__ import annotations

import asyncio
from typing import Any, Callable

import openai
import pytest

import support
from support import ref
from support import assert_completed, assert_mp4, read_log


async def async_error(awaitable, cls: type[openai.APIStatusError]) -> Any:
    with pytest.raises(cls) as info:
        await awaitable
    return info.value


def test_async_create_poll_download_remix_delete(async_client_factory: Callable[..., openai.AsyncOpenAI]) -> None:
    async def main() -> None:
        async with async_client_factory() as client:
            video = await client.videos.create_and_poll(prompt="a lighthouse on a cliff at dusk", seconds="4", size="720x1280")
            assert_completed(video)
            assert (video.size, video.seconds, video.model) == ("720x1280", "4", "sora-2")

            # Several requests in flight at once on one client.
            again, raw, models, mp4, thumb, sprite = await asyncio.gather(
                client.videos.retrieve(video.id),
                client.videos.with_raw_response.retrieve(video.id),
                client.models.list(),
                client.videos.download_content(video.id),
                client.videos.download_content(video.id, variant="thumbnail"),
                client.videos.download_content(video.id, variant="spritesheet"),
            )
            assert again.id == video.id and again.status == "completed"
            assert raw.headers.get("x-request-id") and "openai-poll-after-ms" not in raw.headers
            assert "sora-2" in [m.id async for m in models]
            assert_mp4(mp4.content, "720x1280", 4)
            tw, th = support.webp_size(thumb.content)
            assert abs(tw / th - 9 / 16) < 0.02, f"thumbnail {tw}x{th} is not 9:16"
            assert support.jpeg_size(sprite.content)[0] > 0

            remix = await client.videos.remix(video.id, prompt="the lighthouse beam sweeps the fog")
            assert remix.remixed_from_video_id == video.id
            done = await client.videos.poll(remix.id)
            assert_completed(done)
            assert (done.size, done.seconds) == ("720x1280", "4")

            model = await client.models.retrieve("sora-2")
            assert model.id == "sora-2"

            missing = await async_error(client.videos.retrieve("video_" + "f" * 32), openai.NotFoundError)
            assert missing.status_code == 404
            bad = await async_error(client.videos.create(prompt="a kite", seconds="15"), openai.BadRequestError)  # type: ignore[arg-type]
            assert (bad.code, bad.param) == ("invalid_value", "seconds")

            queued = await client.videos.create(prompt="a storm rolls in [reelay:slow=15]", seconds="4")
            deleted = await client.videos.delete(queued.id)
            assert (deleted.id, deleted.object, deleted.deleted) == (queued.id, "video.deleted", True)
            await async_error(client.videos.retrieve(queued.id), openai.NotFoundError)

    asyncio.run(main())


def test_async_edit_extend_and_characters(async_client_factory: Callable[..., openai.AsyncOpenAI], base_video: Any, base_mp4: bytes) -> None:
    async def main() -> None:
        async with async_client_factory() as client:
            character = await client.videos.create_character(name="Admiral Purr", video=("purr.mp4", base_mp4, "video/mp4"))
            got = await client.videos.get_character(character.id)  # type: ignore[arg-type]
            assert (got.id, got.name) == (character.id, "Admiral Purr")

            # Created one after the other (the list tests expect the server's order to be the log's).
            edit = await client.videos.edit(prompt="in black and white", video=("source.mp4", base_mp4, "video/mp4"))
            ext = await client.videos.extend(prompt="the kite lands", seconds="4", **ref(base_video.id))
            assert ext.seconds == "8"
            edit_done, ext_done = await asyncio.gather(client.videos.poll(edit.id), client.videos.poll(ext.id))
            assert_completed(edit_done)
            assert_completed(ext_done)
            assert (edit_done.size, edit_done.seconds) == ("1280x720", "4")
            assert ext_done.seconds == "8"
            assert_mp4((await client.videos.download_content(ext_done.id)).content, "1280x720", 8)

    asyncio.run(main())


def test_async_list_auto_paginates(async_client_factory: Callable[..., openai.AsyncOpenAI]) -> None:
    async def main() -> None:
        async with async_client_factory() as client:
            live = support.live_main_videos()
            assert len(live) >= 3, f"only {len(live)} videos"
            since = len(read_log())
            page = client.videos.list(limit=2)
            ids = [v.id async for v in page]
            assert ids == list(reversed(live))
            pages = [e for e in read_log()[since:] if e["method"] == "GET" and support.path_of(e) == "/v1/videos"]
            assert len(pages) == -(-len(live) // 2)
            assert all(e["client"] == "async" for e in pages)

    asyncio.run(main())
