"""The table drawing (`render/boxes.py`, which never imports rich) draws the characters rich draws for the
same layout (issues #32, #38): held on random tables; in colour, the same characters with their styles."""

from __future__ import annotations

import io

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ketacli.render import Column
from ketacli.render.boxes import render_table_text

# The symbols ketacli's own words use. Not East Asian wide characters: there rich wraps a line that textwrap
# already wrapped (it counts such a character as two columns, textwrap as one), and the plain drawing does not.
SYMBOLS = ["a", "b", "c", "d", "e", "f", "$", ",", ".", "—", "×", "1", "2", "0", "é", "✓", "→", "’"]
WORDS = st.text(alphabet=st.sampled_from(SYMBOLS), min_size=1, max_size=14)
CELLS = st.lists(WORDS, min_size=0, max_size=8).map(" ".join)


def _rich(rows, columns, width, *, title=None, ascii_only=False) -> str:
    """What rich itself draws for the same layout (the tables ketacli drew with rich before 0.10)."""
    from rich.console import Console, Group
    from rich.table import Table
    from rich.text import Text

    from ketacli.render.table_layout import table_view

    def render_table(rows, columns, width, *, title):
        view = table_view(rows, columns, width, title=title)
        parts = []
        for part in view.parts:
            if part.rows is None:
                parts.append(Text(part.text or ""))
                continue
            table = Table(header_style="bold", expand=False)
            for column in view.columns:
                table.add_column(Text(column.header), justify=column.justify, overflow="fold",
                                 width=view.widths[column.key])  # fmt: skip
            for row in part.rows:
                table.add_row(*(Text(column.cell(row)) for column in view.columns))
            parts.append(table)
        return Group(*parts)

    class Stream(io.StringIO):
        encoding = "ascii" if ascii_only else "utf-8"  # rich substitutes its ASCII box on an ASCII stream

    out = Stream()
    console = Console(file=out, width=width, no_color=True, color_system=None, force_terminal=False, markup=False,
                      emoji=False, highlight=False, soft_wrap=False, legacy_windows=False)  # fmt: skip
    console.print(render_table(rows, columns, width, title=title))
    return out.getvalue()


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    table=st.integers(1, 6).flatmap(
        lambda n: st.tuples(
            st.lists(st.tuples(WORDS, st.sampled_from(["left", "right"]), st.integers(0, 3)), min_size=n, max_size=n),
            st.lists(st.lists(CELLS, min_size=n, max_size=n), min_size=1, max_size=4),
        )
    ),
    width=st.integers(20, 160),
    title=st.none() | CELLS.filter(bool),
)
def test_the_plain_table_is_richs_table(table, width, title):
    heads, body = table
    columns = [
        Column(f"c{i}", header, (lambda r, i=i: r[f"c{i}"]), priority, justify)  # type: ignore[misc]
        for i, (header, justify, priority) in enumerate(heads)
    ]
    rows = [{f"c{i}": text or "—" for i, text in enumerate(cells)} for cells in body]
    assert render_table_text(rows, columns, width, title=title) == _rich(rows, columns, width, title=title)


def test_the_ascii_box_is_richs_ascii_box():
    columns = [Column("a", "Provider", lambda r: r["a"]), Column("b", "Total", lambda r: r["b"], justify="right")]
    rows = [{"a": "Better U", "b": "$1,029"}, {"a": "Joyous", "b": "$129"}]
    plain = render_table_text(rows, columns, 40, ascii_only=True)
    assert plain == _rich(rows, columns, 40, ascii_only=True)
    assert plain.splitlines()[0].startswith("+-") and "| Better U" in plain


def test_in_colour_only_titles_headers_and_the_footer_are_styled_and_catalogue_text_stays_inert():
    columns = [Column("a", "Provider", lambda r: r["a"]), Column("b", "Total", lambda r: r["b"], justify="right")]
    rows = [{"a": "Evil \x1b[31mred\x1b[0m", "b": "$1,029"}]
    plain = render_table_text(rows, columns, 60, title="Cheapest way to start")
    colour = render_table_text(rows, columns, 60, title="Cheapest way to start", color=True)
    assert colour.replace("\x1b[1m", "").replace("\x1b[0m", "") == plain  # the same characters
    assert colour.startswith("\x1b[1mCheapest way to start\x1b[0m\n")
    assert "┃\x1b[1m Provider " in colour
    assert "\x1b[31m" not in colour  # the catalogue's own escape sequence never reaches the terminal
    assert "\\x1b[31mred" in colour  # it is shown, escaped
