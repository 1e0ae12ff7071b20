"""Pages that are documents to print (a notice as posted, a report) rather than application pages."""

from django.http import HttpResponse

# A print document is one self-contained HTML file with its stylesheet inline (the same file WeasyPrint
# makes the PDF from) and no script: its inline styles are allowed, scripts none at all.
PRINT_DOCUMENT_CSP = {
    "style-src": ["'unsafe-inline'"],
    "style-src-attr": ["'unsafe-inline'"],
    "script-src": ["'none'"],
}


def print_html_response(html: str) -> HttpResponse:
    """The document as a page to print from the browser, under the policy of a print document (django-csp
    reads the replacement from the response)."""
    response = HttpResponse(html)
    response._csp_replace = PRINT_DOCUMENT_CSP  # type: ignore[attr-defined]
    return response
