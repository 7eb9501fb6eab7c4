"""`ketacli report`: a decision report to keep, share, or bring to your own clinician.

Takes exactly compare's filters (cli/__init__.py registers it with compare's signature, so the two cannot drift), ranks
with the same code, and writes one self-contained HTML page (default) or a Markdown file.
"""

import inspect
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, Literal

import typer

from ketacli import __version__
from ketacli.errors import UsageError

from .app import app
from .clock import today
from .environment import cache_folder, load
from .options import build_criteria
from .output import note, write_output

_NOT_FILTERS = {"ctx", "fields", "show_excluded", "fmt", "as_json", "sort", "reverse", "limit"}
_CONTEXT = inspect.Parameter("ctx", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=typer.Context)


def report_cmd(ctx: typer.Context, output: str | None, fmt: str | None, **filters: Any) -> None:
    """A report to keep: the question, the ranking, a cost curve, refunds, money back, questions to ask, safety.

    HTML by default (to stdout, or --output report.html); Markdown for --output report.md or --format markdown.
    """
    from ketacli.render.report_doc import ReportFormat, render_report
    from ketacli.report import build_report

    suffix = Path(output).suffix.lower() if output is not None else ""
    if suffix == ".pdf":
        raise UsageError(
            f"--output {output}: ketacli writes the report as HTML or Markdown, not PDF: write it as .html, open "
            "it in a browser and print it (Save as PDF)"
        )
    markdown_file = suffix in (".md", ".markdown")
    chosen: ReportFormat = "markdown" if fmt == "markdown" or (fmt is None and markdown_file) else "html"
    max_age = filters.pop("max_age")
    criteria = build_criteria(**filters, sort="total", reverse=False, limit=None)
    catalogue = load(ctx.obj)
    document = build_report(catalogue, criteria, today=today(), max_age=max_age)
    for warning in document["rule_warnings"]:  # the same words as the report's banners, for the providers it shows
        note(f"warning: {warning['text']}")
    if document["stale_warning"]:
        note(document["stale_warning"])
    from ketacli.catalogue import private_dir

    folder = cache_folder()
    compiled = folder if folder is not None and private_dir(folder) else None
    text = render_report(document, criteria, chosen, version=__version__, compiled=compiled)
    write_output(text, output, what="open it in a browser" if chosen == "html" else "Markdown")


_OUTPUT = inspect.Parameter(
    "output",
    inspect.Parameter.KEYWORD_ONLY,
    default=None,
    annotation=Annotated[
        str | None,
        typer.Option(
            "--output",
            "-o",
            help="Write to this file (.html, or .md for Markdown); - for stdout.",
            show_default=False,
            metavar="<path>",
        ),
    ],
)
_FORMAT = inspect.Parameter(
    "fmt",
    inspect.Parameter.KEYWORD_ONLY,
    default=None,
    annotation=Annotated[
        Literal["html", "markdown"] | None,
        typer.Option(
            "--format", "-f", help="html or markdown (default: from --output, else html).", show_default=False
        ),
    ],
)


def register(compare_cmd: Callable[..., None]) -> None:
    """Register `report` with compare's filters: its signature is built from compare's, so they cannot drift."""
    filters = [
        parameter.replace(kind=inspect.Parameter.KEYWORD_ONLY)
        for name, parameter in inspect.signature(compare_cmd).parameters.items()
        if name not in _NOT_FILTERS
    ]
    report_cmd.__signature__ = inspect.Signature([_CONTEXT, _OUTPUT, _FORMAT, *filters])  # type: ignore[attr-defined]
    app.command("report")(report_cmd)
