"""A tile-grid map of the US (the layout newspapers use for election maps): 51 tiles, 8 rows × 11 columns."""

from __future__ import annotations

from typing import Any

# (row, column) of every state; the rows read north to south, the columns west to east.
TILES: dict[str, tuple[int, int]] = {
    "AK": (0, 0), "ME": (0, 10),
    "WI": (1, 5), "VT": (1, 9), "NH": (1, 10),
    "WA": (2, 0), "ID": (2, 1), "MT": (2, 2), "ND": (2, 3), "MN": (2, 4), "IL": (2, 5), "MI": (2, 6),
    "NY": (2, 8), "MA": (2, 9),
    "OR": (3, 0), "NV": (3, 1), "WY": (3, 2), "SD": (3, 3), "IA": (3, 4), "IN": (3, 5), "OH": (3, 6),
    "PA": (3, 7), "NJ": (3, 8), "CT": (3, 9), "RI": (3, 10),
    "CA": (4, 0), "UT": (4, 1), "CO": (4, 2), "NE": (4, 3), "MO": (4, 4), "KY": (4, 5), "WV": (4, 6),
    "VA": (4, 7), "MD": (4, 8), "DE": (4, 9),
    "AZ": (5, 1), "NM": (5, 2), "KS": (5, 3), "AR": (5, 4), "TN": (5, 5), "NC": (5, 6), "SC": (5, 7),
    "DC": (5, 8),
    "OK": (6, 3), "LA": (6, 4), "MS": (6, 5), "AL": (6, 6), "GA": (6, 7),
    "HI": (7, 0), "TX": (7, 3), "FL": (7, 8),
}  # fmt: skip
ROWS, COLUMNS = 8, 11
TILE_WIDTH = 7

_SYMBOL = {"served": "✓", "not_served": "✗", "unknown": "?"}
_STYLE_ONE = {"served": "black on green", "not_served": "white on red", "unknown": "black on yellow"}
# The eight basic colours only, so the shades stay apart on an 8-colour terminal; the label says the
# count as well, so colour is never the only cue.
_STYLE_COUNT = {"none": "white on red", "unknown_only": "black on yellow", 1: "black on cyan", 2: "white on blue"}
_STYLE_MANY = "black on green"
WIDTH_NEEDED = COLUMNS * TILE_WIDTH


def tile_label(entry: dict[str, Any], provider: str | None) -> str:
    """The second line of a tile: '4', '1+3?' (1 confirmed, 3 unknown), or ✓ ✗ ? for one provider."""
    if provider is not None:
        return _SYMBOL[entry["providers"][provider]]
    text = str(entry["served"])
    return text + (f"+{entry['unknown']}?" if entry["unknown"] else "")


def tile_style(entry: dict[str, Any], provider: str | None) -> str:
    if provider is not None:
        return _STYLE_ONE[entry["providers"][provider]]
    if entry["served"] == 0:
        return _STYLE_COUNT["unknown_only" if entry["unknown"] else "none"]
    return _STYLE_COUNT.get(entry["served"], _STYLE_MANY) if entry["served"] < 3 else _STYLE_MANY


def render_list(entries: list[dict[str, Any]], provider: str | None, width: int) -> Any:
    """Below the width the grid needs: each state as 'TX 4' (or 'TX ✓'), as many to a line as fit, in the
    same colours, under a line that says why."""
    from rich.text import Text

    text = Text(f"(The map needs {WIDTH_NEEDED} columns; one state per cell instead.)\n")
    cell = 9
    per_line = max(1, width // cell)
    for index, entry in enumerate(entries):
        label = f"{entry['state']} {tile_label(entry, provider)}"
        text.append(label.ljust(cell - 1), style=tile_style(entry, provider))
        text.append("\n" if (index + 1) % per_line == 0 or index == len(entries) - 1 else " ")
    return text


def render_map(entries: list[dict[str, Any]], provider: str | None) -> Any:
    """A rich Text of the grid: each tile two lines (code, label), coloured by how many serve it."""
    from rich.text import Text

    by_code = {e["state"]: e for e in entries}
    grid: list[list[str | None]] = [[None] * COLUMNS for _ in range(ROWS)]
    for state, (row_index, column) in TILES.items():
        grid[row_index][column] = state
    text = Text()
    for row in grid:
        for line in range(2):
            for tile in row:
                if tile is None:
                    text.append(" " * TILE_WIDTH)
                    continue
                entry = by_code[tile]
                label = tile if line == 0 else tile_label(entry, provider)
                text.append(label.center(TILE_WIDTH - 1), style=tile_style(entry, provider))
                text.append(" ")
            text.append("\n")
    return text


def legend(provider_name: str | None, *, colour: bool = True) -> str:
    """What the tiles mean; the colours are described only where they are shown (never under NO_COLOR)."""
    if provider_name is not None:
        return f"{provider_name}: ✓ served   ✗ not served   ? unknown (the sources do not say; check with the provider)"
    counts = "Each state: how many providers are confirmed there; '+N?' = N more whose availability is unknown " \
        "(check with the provider)."  # fmt: skip
    if not colour:
        return counts
    return (
        f"{counts} Colours: red = none confirmed and none unknown; yellow = none confirmed, some unknown; "
        "cyan = 1; blue = 2; green = 3 or more."
    )
