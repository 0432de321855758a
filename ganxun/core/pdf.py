"""PDF documents (notices, certificates, archives) rendered from Django templates.

WeasyPrint lays out HTML and CSS; Chinese text needs a CJK font on the machine (Debian's
fonts-noto-cjk, installed by the set-up step). Templates use the `pdf/base.html` layout,
whose font stack names Noto Sans/Serif CJK SC first.
"""

from __future__ import annotations

from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils.encoding import escape_uri_path


def render_pdf(template: str, context: dict, *, request=None) -> bytes:
    """The PDF bytes of `template` rendered with `context`. No network access: only files
    under the static folder may be referenced (url_fetcher refuses everything else)."""
    from weasyprint import HTML  # imported here: loading pango costs ~0.3 s, only PDF views pay it

    html = render_to_string(template, context, request=request)
    return HTML(string=html, base_url=None, url_fetcher=_no_fetch).write_pdf()


def _no_fetch(url: str, *args, **kwargs):
    raise ValueError(f"PDF templates may not load external resources ({url[:60]})")


def pdf_response(data: bytes, filename: str, *, inline: bool = True) -> HttpResponse:
    response = HttpResponse(data, content_type="application/pdf")
    disposition = "inline" if inline else "attachment"
    response["Content-Disposition"] = f"{disposition}; filename*=UTF-8''{escape_uri_path(filename)}"
    response["Cache-Control"] = "no-store"
    return response
