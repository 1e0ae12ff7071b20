"""Filling a template: docxtpl in Jinja2's SandboxedEnvironment with autoescape on, the context holding only
the form's declared fields. The PDF is always LibreOffice's conversion of the filled DOCX (core.office), so a
district's own template governs both."""

import io

from docx.shared import Mm
from docxtpl import DocxTemplate, InlineImage
from jinja2 import StrictUndefined
from jinja2.sandbox import SandboxedEnvironment

from fazhan.core.office import docx_to_pdf
from fazhan.paperwork.declarations import Form


class Picture(bytes):
    """A picture in a form's facts (the person's photo): placed as an image where the template names it."""


PICTURE_WIDTH = Mm(25)  # a 2-inch photo's print width, nearly


def sandbox(*, strict: bool = False) -> SandboxedEnvironment:
    """The one environment templates run in. `strict` (the trial fill at upload) turns what the sandbox
    would quietly print as empty — an unsafe attribute such as `__globals__` — into an error."""
    if strict:
        return SandboxedEnvironment(autoescape=True, undefined=StrictUndefined)
    return SandboxedEnvironment(autoescape=True)


def form_context(form: Form, facts: dict) -> dict:
    """The form's own fields, and nothing else of the record."""
    return {name: facts.get(name, "") for name in sorted(form.fields)}


def template_names(template: bytes) -> set[str]:
    """The names a template uses that it does not define itself (docxtpl reads body, headers and footers)."""
    return DocxTemplate(io.BytesIO(template)).get_undeclared_template_variables(jinja_env=sandbox())


def fill_docx(template: bytes, context: dict, *, strict: bool = False) -> bytes:
    document = DocxTemplate(io.BytesIO(template))
    context = {
        key: InlineImage(document, io.BytesIO(value), width=PICTURE_WIDTH)
        if isinstance(value, Picture)
        else value
        for key, value in context.items()
    }
    document.render(context, jinja_env=sandbox(strict=strict), autoescape=True)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def fill_pdf(template: bytes, context: dict) -> bytes:
    return docx_to_pdf(fill_docx(template, context))
