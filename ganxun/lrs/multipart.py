"""multipart/mixed in and out, as the Statement resource uses it for attachments.

Request: the first part is application/json (the statements); each later part
carries one attachment's raw content with `X-Experience-API-Hash` (its SHA-2) and
`Content-Transfer-Encoding: binary`. Response of GET ?attachments=true: the same
shape. Parsed by hand: Django's MultiPartParser handles form-data only.
"""

from __future__ import annotations

import hashlib
import secrets

from ganxun.lrs.http import XapiError

_HASHES = {56: hashlib.sha224, 64: hashlib.sha256, 96: hashlib.sha384, 128: hashlib.sha512}


def content_type_parameters(header: str) -> tuple[str, dict[str, str]]:
    """'multipart/mixed; boundary="x"' → ("multipart/mixed", {"boundary": "x"})."""
    kind, *rest = header.split(";")
    params = {}
    for item in rest:
        name, _, value = item.strip().partition("=")
        if name:
            params[name.strip().lower()] = value.strip().strip('"')
    return kind.strip().lower(), params


def _split_headers(raw: bytes, number: int) -> tuple[dict[str, str], bytes]:
    head, sep, body = raw.partition(b"\r\n\r\n")
    if not sep:
        raise XapiError(400, f"multipart part {number}: no blank line between headers and content")
    headers = {}
    for line in head.split(b"\r\n"):
        if not line.strip():
            continue
        name, colon, value = line.decode("latin-1").partition(":")
        if not colon:
            raise XapiError(400, f"multipart part {number}: malformed header line {line[:80]!r}")
        headers[name.strip().lower()] = value.strip()
    return headers, body


def parse_statement_request(body: bytes, content_type: str) -> tuple[bytes, dict[str, tuple[str, bytes]]]:
    """The statements JSON and the attachments {sha2: (content type, content)} of a
    multipart/mixed statement request, or XapiError(400)."""
    _kind, params = content_type_parameters(content_type)
    boundary = params.get("boundary")
    if not boundary:
        raise XapiError(400, "multipart/mixed request without a boundary parameter")
    delimiter = b"--" + boundary.encode("latin-1")
    chunks = body.split(delimiter)
    # chunks[0] is the preamble; the last one starts with "--" (the close delimiter).
    if len(chunks) < 3 or not chunks[-1].startswith(b"--"):
        raise XapiError(400, "multipart/mixed request is not terminated by its closing boundary")
    parts = []
    for number, chunk in enumerate(chunks[1:-1]):
        if chunk.startswith(b"\r\n"):
            chunk = chunk[2:]
        if chunk.endswith(b"\r\n"):
            chunk = chunk[:-2]
        parts.append(_split_headers(chunk, number))
    first_headers, statements_json = parts[0]
    if content_type_parameters(first_headers.get("content-type", ""))[0] != "application/json":
        raise XapiError(400, "multipart/mixed: the first part must be application/json (the statements)")
    attachments: dict[str, tuple[str, bytes]] = {}
    for number, (headers, content) in enumerate(parts[1:], start=1):
        sha2 = headers.get("x-experience-api-hash", "").lower()
        if not sha2:
            raise XapiError(400, f"multipart part {number}: X-Experience-API-Hash header is required")
        encoding = headers.get("content-transfer-encoding", "").lower()
        if encoding != "binary":
            raise XapiError(400, f"multipart part {number}: Content-Transfer-Encoding must be binary")
        digest = _HASHES.get(len(sha2))
        if digest is None or digest(content).hexdigest() != sha2:
            raise XapiError(400, f"multipart part {number}: content does not match its X-Experience-API-Hash")
        declared = headers.get("content-length")
        if declared is not None and (not declared.isdigit() or int(declared) != len(content)):
            raise XapiError(400, f"multipart part {number}: Content-Length {declared} does not match its content")
        attachments[sha2] = (headers.get("content-type", "application/octet-stream"), content)
    return statements_json, attachments


def check_parts_match(statements: list, attachments: dict[str, tuple[str, bytes]]) -> None:
    """Where a part and the attachment object describe the same thing, they agree
    (Communication 1.5.2: the part's length against the attachment's `length`)."""
    for index, statement in enumerate(statements):
        if not isinstance(statement, dict) or not isinstance(statement.get("attachments"), list):
            continue
        for number, attachment in enumerate(statement["attachments"]):
            if not isinstance(attachment, dict) or not isinstance(attachment.get("sha2"), str):
                continue
            part = attachments.get(attachment["sha2"].lower())
            length = attachment.get("length")
            if part is not None and isinstance(length, int) and length != len(part[1]):
                raise XapiError(400, f"statements[{index}].attachments[{number}].length: {length} does not match "
                                     f"the {len(part[1])} octets of its multipart part")


def build_response(statements_json: bytes, attachments: list[tuple[str, str, bytes]]) -> tuple[bytes, str]:
    """(body, content type) of a multipart/mixed answer: JSON first, then each
    (sha2, content type, content)."""
    boundary = "xapi-" + secrets.token_hex(16)
    out = [f"--{boundary}\r\nContent-Type: application/json\r\n\r\n".encode(), statements_json, b"\r\n"]
    for sha2, content_type, content in attachments:
        out.append(f"--{boundary}\r\nContent-Type: {content_type}\r\nContent-Transfer-Encoding: binary\r\n"
                   f"X-Experience-API-Hash: {sha2}\r\n\r\n".encode())
        out.append(content)
        out.append(b"\r\n")
    out.append(f"--{boundary}--\r\n".encode())
    return b"".join(out), f'multipart/mixed; boundary="{boundary}"'
