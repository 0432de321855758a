"""Course files: what a file really is (magic bytes, not the name), an MP4's duration, and
serving a stored file with HTTP Range requests (RFC 9110 §14).

Accepted: MP4 and WebM video, PDF, HTML. The extension must agree with the content.
"""

from __future__ import annotations

import os
import re
import struct
from collections.abc import Iterator

from django.http import HttpResponse, StreamingHttpResponse

from ganxun.core.errors import DomainError
from ganxun.learning.models import MediaType

SNIFF_BYTES = 4096
EXTENSIONS_OF = {
    MediaType.MP4: {".mp4", ".m4v"},
    MediaType.WEBM: {".webm"},
    MediaType.PDF: {".pdf"},
    MediaType.HTML: {".html", ".htm"},
}
ACCEPTED = "MP4、WebM 视频，PDF 文档，HTML 文档"


def sniff(head: bytes) -> str | None:
    """The media type the first bytes of a file show, or None when it is none we accept."""
    if len(head) >= 12 and head[4:8] == b"ftyp":
        return MediaType.MP4
    if head[:4] == b"\x1a\x45\xdf\xa3":
        # EBML header: Matroska and WebM share it; only the DocType "webm" is a WebM file.
        return MediaType.WEBM if b"\x42\x82\x84webm" in head[:64] else None
    if head[:5] == b"%PDF-":
        return MediaType.PDF
    text = head.lstrip(b"\xef\xbb\xbf").lstrip().lower()
    if text.startswith((b"<!doctype html", b"<html")):
        try:
            head.decode("utf-8")
        except UnicodeDecodeError as exc:
            if exc.start < len(head) - 4:  # a character cut at the end of the sniffed bytes is fine
                return None
        return MediaType.HTML
    return None


def check_upload(name: str, head: bytes) -> str:
    """The media type of an upload named `name` starting with `head`, or DomainError saying why not."""
    media_type = sniff(head)
    extension = os.path.splitext(name or "")[1].lower()
    if media_type is None:
        raise DomainError(f"文件内容不是可接受的格式（{ACCEPTED}）。请检查文件是否损坏或被改了扩展名。",
                          code="unsupported_media", field="file")
    if extension not in EXTENSIONS_OF[media_type]:
        allowed = "、".join(sorted(EXTENSIONS_OF[media_type]))
        raise DomainError(f"文件内容是{MediaType(media_type).label}，但扩展名是“{extension or '无'}”（应为 {allowed}）。",
                          code="extension_mismatch", field="file")
    return media_type


def mp4_duration_seconds(path: str) -> int | None:
    """Duration of an MP4 from its movie header (moov/mvhd), rounded; None if not found."""
    try:
        with open(path, "rb") as handle:
            size = os.fstat(handle.fileno()).st_size
            box = _find_box(handle, 0, size, b"moov")
            if box is None:
                return None
            mvhd = _find_box(handle, box[0], box[1], b"mvhd")
            if mvhd is None:
                return None
            handle.seek(mvhd[0])
            version = handle.read(4)[0]
            if version == 1:
                handle.seek(16, os.SEEK_CUR)
                timescale, duration = struct.unpack(">IQ", handle.read(12))
            else:
                handle.seek(8, os.SEEK_CUR)
                timescale, duration = struct.unpack(">II", handle.read(8))
    except (OSError, struct.error, IndexError):
        return None
    if not timescale:
        return None
    return round(duration / timescale)


def _find_box(handle, start: int, end: int, kind: bytes) -> tuple[int, int] | None:
    """(payload start, payload end) of the first box `kind` between start and end."""
    offset = start
    while offset + 8 <= end:
        handle.seek(offset)
        header = handle.read(8)
        if len(header) < 8:
            return None
        box_size, box_kind = struct.unpack(">I4s", header)
        payload = offset + 8
        if box_size == 1:
            box_size = struct.unpack(">Q", handle.read(8))[0]
            payload += 8
        elif box_size == 0:
            box_size = end - offset
        if box_size < 8:
            return None
        if box_kind == kind:
            return payload, min(offset + box_size, end)
        offset += box_size
    return None


# --- Range requests ----------------------------------------------------------------------------

_RANGE = re.compile(r"^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$", re.IGNORECASE)
CHUNK = 64 * 1024


class Unsatisfiable(Exception):
    pass


def parse_range(header: str | None, size: int) -> tuple[int, int] | None:
    """(first, last) byte positions (inclusive) asked for by a Range header, None to send the
    whole file (no header, another unit, several ranges, or bad syntax — RFC 9110 lets the
    server ignore those), or Unsatisfiable (no byte of the range exists)."""
    if not header:
        return None
    match = _RANGE.match(header)
    if match is None:
        return None
    first, last = match.groups()
    if first == "" and last == "":
        return None
    if first == "":
        suffix = int(last)
        if suffix == 0 or size == 0:
            raise Unsatisfiable
        return max(size - suffix, 0), size - 1
    start = int(first)
    if last != "" and int(last) < start:
        return None  # invalid range-spec: ignored like bad syntax
    if start >= size:
        raise Unsatisfiable
    end = int(last) if last != "" else size - 1
    return start, min(end, size - 1)


def _read(path: str, start: int, length: int) -> Iterator[bytes]:
    with open(path, "rb") as handle:
        handle.seek(start)
        remaining = length
        while remaining > 0:
            chunk = handle.read(min(CHUNK, remaining))
            if not chunk:
                break
            remaining -= len(chunk)
            yield chunk


def ranged_file_response(request, *, path: str, size: int, content_type: str, etag: str,
                         filename: str = "") -> HttpResponse:
    """The file at `path`, whole (200) or the asked byte range (206), or 416 for a range past
    its end. `If-Range` with another ETag sends the whole file (it changed)."""
    header = request.headers.get("Range")
    if_range = request.headers.get("If-Range")
    if header and if_range and if_range.strip() != etag:
        header = None
    try:
        wanted = parse_range(header, size)
    except Unsatisfiable:
        response = HttpResponse(status=416)
        response["Content-Range"] = f"bytes */{size}"
        response["Accept-Ranges"] = "bytes"
        return response
    start, end = wanted if wanted is not None else (0, size - 1)
    length = max(end - start + 1, 0)
    body = iter(()) if request.method == "HEAD" else _read(path, start, length)
    response = StreamingHttpResponse(body, status=206 if wanted is not None else 200, content_type=content_type)
    response["Content-Length"] = str(length)
    response["Accept-Ranges"] = "bytes"
    response["ETag"] = etag
    if wanted is not None:
        response["Content-Range"] = f"bytes {start}-{end}/{size}"
    if filename:
        response["Content-Disposition"] = f"inline; filename*=UTF-8''{_quote(filename)}"
    response["Cache-Control"] = "private, max-age=3600"
    return response


def _quote(name: str) -> str:
    from urllib.parse import quote

    return quote(name, safe="")
