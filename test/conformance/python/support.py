"""Helpers for the Python SDK suite: the exchange log, the files it uploads, and checks on the
files it downloads (MP4, WebP and JPEG read by their bytes, with no decoder to install)."""

from __future__ import annotations

import base64
import json
import os
import struct
import time
import zlib
from typing import Any, Iterator

import openai

LOG_PATH = os.environ.get("REELAY_EXCHANGE_LOG", "")

# The local engine renders 24 frames a second.
FRAME = 1 / 24


# --- the exchange log ------------------------------------------------------------------------


def read_log() -> list[dict[str, Any]]:
    """Every response recorded so far, oldest first (conftest.py's hooks write them)."""
    if not os.path.exists(LOG_PATH):
        return []
    with open(LOG_PATH, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def header(entry: dict[str, Any], name: str) -> str | None:
    """A response header of a log entry (the log keeps them as [name, value] pairs)."""
    for k, v in entry["headers"]:
        if k.lower() == name.lower():
            return v
    return None


def path_of(entry: dict[str, Any]) -> str:
    from urllib.parse import urlsplit

    return urlsplit(entry["url"]).path


def live_main_videos() -> list[str]:
    """The main project's videos in creation order, from the log alone: every video a create,
    remix, edit or extension answered 200 with, less every video a delete answered 200 for."""
    created: list[str] = []
    deleted: set[str] = set()
    for e in read_log():
        if e["project"] != "main" or e["status"] != 200 or e["body"] is None:
            continue
        body = json.loads(e["body"])
        p = path_of(e)
        if e["method"] == "POST" and body.get("object") == "video" and p != "/v1/videos/characters":
            created.append(body["id"])
        if e["method"] == "DELETE" and body.get("deleted") is True:
            deleted.add(body["id"])
    return [v for v in created if v not in deleted]


# --- openai 3.22.1's reference objects --------------------------------------------------------


def ref(video_id: str) -> dict[str, Any]:
    """Keyword arguments that send `video: {"id": video_id}` to edit or extend.

    openai 3.22.1 types `video` (and create's `input_reference`) as a file *or* a reference object,
    but sends the field through its multipart file extraction, which raises RuntimeError ("Expected
    entry at `video` to be bytes, an io.IOBase instance, PathLike or a tuple") for the object form
    before any request is made (test_sdk_refuses_reference_objects_in_file_fields pins this). So the
    object goes in extra_body, which the SDK serialises into the same multipart form: `video[id]`.
    """
    return {"video": openai.omit, "extra_body": {"video": {"id": video_id}}}


def image_url_ref(url: str) -> dict[str, Any]:
    """create's `input_reference: {"image_url": url}`, sent as ref() sends a video (multipart
    `input_reference[image_url]`)."""
    return {"extra_body": {"input_reference": {"image_url": url}}}


# --- waiting ---------------------------------------------------------------------------------


def wait_completed(client: openai.OpenAI, video_id: str, timeout: float = 120.0) -> Any:
    """Retrieves until terminal; the video must have completed."""
    deadline = time.monotonic() + timeout
    while True:
        v = client.videos.retrieve(video_id)
        if v.status in ("completed", "failed"):
            assert_completed(v)
            return v
        assert time.monotonic() < deadline, f"video {video_id} still {v.status} after {timeout} s"
        time.sleep(0.25)


def assert_completed(v: Any) -> None:
    assert v.status == "completed", f"video {v.id} is {v.status}: {v.error}"
    assert v.progress == 100
    assert v.error is None
    assert v.completed_at is not None and v.completed_at >= v.created_at
    assert v.expires_at is not None and v.expires_at > v.completed_at


def assert_video_id(video_id: str) -> None:
    assert len(video_id) == 38 and video_id.startswith("video_"), video_id
    int(video_id[6:], 16)
    assert video_id[6:] == video_id[6:].lower()


# --- files we upload -------------------------------------------------------------------------


def png(width: int, height: int, top: tuple[int, int, int], bottom: tuple[int, int, int]) -> bytes:
    """An RGB PNG, the top half one colour and the bottom half another (zlib and struct only)."""
    row_top = b"\x00" + bytes(top) * width
    row_bottom = b"\x00" + bytes(bottom) * width
    raw = row_top * (height // 2) + row_bottom * (height - height // 2)

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")


def data_url(mime: str, data: bytes) -> str:
    return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"


# --- files we download -----------------------------------------------------------------------


def _boxes(buf: bytes, start: int, end: int) -> Iterator[tuple[str, int, int]]:
    """ISO-BMFF boxes between start and end: (type, payload start, box end)."""
    i = start
    while i + 8 <= end:
        size, kind = struct.unpack(">I4s", buf[i : i + 8])
        head = 8
        if size == 1:
            size = struct.unpack(">Q", buf[i + 8 : i + 16])[0]
            head = 16
        elif size == 0:
            size = end - i
        if size < head or i + size > end:
            raise AssertionError(f"broken MP4 box {kind!r} at {i} (size {size})")
        yield kind.decode("latin-1"), i + head, i + size
        i += size


def _child(buf: bytes, start: int, end: int, *path: str) -> tuple[int, int]:
    for kind, s, e in _boxes(buf, start, end):
        if kind == path[0]:
            return (s, e) if len(path) == 1 else _child(buf, s, e, *path[1:])
    raise AssertionError(f"MP4 has no {'/'.join(path)} box")


def mp4_info(buf: bytes) -> dict[str, Any]:
    """Codec, size, duration and box order of an MP4, read from its boxes."""
    assert buf[4:8] == b"ftyp", f"not an MP4: starts {buf[:12]!r}"
    top = [kind for kind, _, _ in _boxes(buf, 0, len(buf))]
    assert "moov" in top and "mdat" in top, f"top-level boxes {top}"
    moov = _child(buf, 0, len(buf), "moov")
    s, _ = _child(buf, *moov, "mvhd")
    if buf[s] == 1:
        timescale, duration = struct.unpack(">IQ", buf[s + 20 : s + 32])
    else:
        timescale, duration = struct.unpack(">II", buf[s + 12 : s + 20])
    video = None
    for kind, ts, te in _boxes(buf, *moov):
        if kind != "trak":
            continue
        hs, _ = _child(buf, ts, te, "mdia", "hdlr")
        if buf[hs + 8 : hs + 12] != b"vide":
            continue
        ks, _ = _child(buf, ts, te, "tkhd")
        at = ks + (88 if buf[ks] == 1 else 76)
        width, height = (v >> 16 for v in struct.unpack(">II", buf[at : at + 8]))
        ss, se = _child(buf, ts, te, "mdia", "minf", "stbl", "stsd")
        codec = buf[ss + 12 : ss + 16].decode("latin-1")
        video = {"width": width, "height": height, "codec": codec}
    assert video is not None, "MP4 has no video track"
    return {
        **video,
        "size": f"{video['width']}x{video['height']}",
        "duration": duration / timescale,
        "faststart": top.index("moov") < top.index("mdat"),
    }


def assert_mp4(buf: bytes, size: str, seconds: float) -> dict[str, Any]:
    info = mp4_info(buf)
    assert info["codec"] == "avc1", f"codec {info['codec']}, expected H.264 (avc1)"
    assert info["size"] == size, f"MP4 is {info['size']}, expected {size}"
    assert abs(info["duration"] - seconds) <= FRAME + 1e-3, f"MP4 lasts {info['duration']} s, expected {seconds}"
    assert info["faststart"], "moov is after mdat (not faststart)"
    return info


def webp_size(buf: bytes) -> tuple[int, int]:
    assert buf[:4] == b"RIFF" and buf[8:12] == b"WEBP", f"not a WebP: starts {buf[:12]!r}"
    kind = buf[12:16]
    if kind == b"VP8 ":
        assert buf[23:26] == b"\x9d\x01\x2a", "VP8 start code missing"
        w, h = struct.unpack("<HH", buf[26:30])
        return w & 0x3FFF, h & 0x3FFF
    if kind == b"VP8L":
        assert buf[20] == 0x2F, "VP8L signature missing"
        bits = int.from_bytes(buf[21:25], "little")
        return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
    if kind == b"VP8X":
        return int.from_bytes(buf[24:27], "little") + 1, int.from_bytes(buf[27:30], "little") + 1
    raise AssertionError(f"unknown WebP chunk {kind!r}")


def jpeg_size(buf: bytes) -> tuple[int, int]:
    assert buf[:3] == b"\xff\xd8\xff", f"not a JPEG: starts {buf[:4]!r}"
    i = 2
    while i + 4 <= len(buf):
        assert buf[i] == 0xFF, f"bad JPEG marker at {i}"
        marker = buf[i + 1]
        length = struct.unpack(">H", buf[i + 2 : i + 4])[0]
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            h, w = struct.unpack(">HH", buf[i + 5 : i + 9])
            return w, h
        i += 2 + length
    raise AssertionError("JPEG without a frame header")
