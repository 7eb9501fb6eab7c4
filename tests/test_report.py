"""`ketacli report`: the same answers as compare, a curve from the pricing engine, escaping, a real browser."""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import catalogue_document, env_for, provider, write_catalogue

FILTERS = ["--state", "TX", "--doses", "12", "--insurance", "aetna"]


def report(cli, *args: str) -> str:
    result = cli("report", *args)
    assert result.code == 0, result.stderr
    return result.stdout


# ------------------------------------------------------------------------------------------- same answers


def markdown_rows(text: str) -> list[dict[str, str]]:
    """The ranking table rows of the Markdown report, each cell under its header."""
    ranking = text.split("## Cheapest way", 1)[1].split("\n## ", 1)[0]
    lines = ranking.splitlines()
    header = next(line for line in lines if line.startswith("| # |"))
    names = [cell.strip() for cell in header.strip("|").split(" | ")]
    return [
        dict(zip(names, (cell.strip() for cell in line.strip("|").split(" | ")), strict=True))
        for line in lines
        if re.match(r"^\| \d+ \|", line)
    ]


def test_the_reports_numbers_are_compares(cli):
    rows = markdown_rows(report(cli, *FILTERS, "--format", "markdown"))
    compared = cli("compare", *FILTERS, "--json").json()
    from ketacli.money import format_usd, to_cents

    assert [(r["#"], r["Provider"], r["What to buy"], r["Doses"], r["Total"], r["Per dose"]) for r in rows] == [
        (str(c["rank"]), c["name"], c["purchase"], str(c["doses"]), format_usd(to_cents(c["total"])),
         format_usd(to_cents(c["per_dose"]), always_cents=True))
        for c in compared
    ]  # fmt: skip
    assert [r["Insurance"] for r in rows] == [
        "self-pay (out of network)", "insured (in network)", "self-pay (out of network)",
        "self-pay (out of network)",
    ]  # fmt: skip


def test_money_at_risk_sits_next_to_what_to_buy(cli):
    """Insured Innerwell is covered by no policy found: unknown, not the self-pay ladder's figures."""
    text = report(cli, *FILTERS, "--format", "markdown")
    rows = markdown_rows(text)
    assert {r["Provider"]: r["Money at risk"] for r in rows} == {
        "Better U": "found ineligible: unknown; stop after 1st shipment: unknown",
        "Innerwell": "found ineligible: unknown; stop after 1st shipment: unknown",
        "Mindbloom": "found ineligible: full refund; stop after 1st shipment: unknown",
        "Joyous": "found ineligible: unknown; stop after 1st shipment: unknown",
    }
    header = next(line for line in text.splitlines() if line.startswith("| # |"))
    assert "| What to buy | Per dose | Money at risk |" in header
    six = report(cli, "--doses", "6", "--format", "markdown")
    assert "**If you stop after the first medicine shipment:** $627." in six


def test_the_question_date_and_data_age_are_stated(cli):
    text = report(cli, *FILTERS, "--budget", "2500", "--format", "markdown")
    assert "**You asked:** Texas, 12 doses, up to $2,500, Aetna\n" in text
    assert "Made on 2025-07-01 by ketacli" in text and "the data is as of 2025-06-13" in text
    stale = cli("report", *FILTERS, "--format", "markdown", env={"KETACLI_TODAY": "2026-11-28"}).stdout
    assert "> **This data may be out of date.** Prices and plans for Aetna" not in stale
    assert "> **This data may be out of date.** Prices and plans for " in stale
    assert "--max-age" not in stale  # a banner for a person names no flags


def test_unknown_is_shown_as_unknown_and_groups_apart(cli):
    text = report(cli, "--state", "WY", "--format", "markdown")
    assert text.count("| unconfirmed |") == 3
    assert "**Very-low-dose (psycholytic) programs: a different treatment**" in text
    assert "Innerwell**: not available in WY" in text


@pytest.mark.parametrize("doses", [1, 5, 8, 12, 24])
def test_the_curve_is_the_pricing_engines_own_answer(cli, doses):
    import datetime as dt

    from conftest import CATALOGUE
    from ketacli.catalogue import load_catalogue
    from ketacli.criteria import Criteria
    from ketacli.report import build_report

    criteria = Criteria(state="TX", doses=12, insurance="aetna")
    document = build_report(load_catalogue(CATALOGUE), criteria, today=dt.date(2025, 7, 1), max_age=365)
    assert document["curve"]["limit"] == 24
    costed = {r["id"]: r["total"] for r in cli("cost", "-n", str(doses), "-s", "TX", "-i", "aetna", "--json").json()}
    from ketacli.money import cents_to_json

    assert {line["id"]: cents_to_json(line["totals"][doses - 1]) for line in document["curve"]["lines"]} == costed


def test_the_curve_runs_to_36_without_doses(cli):
    text = report(cli, "--format", "markdown")
    assert "| 36 |" in text and "N = " not in text.split("## What more doses would cost")[1].split("\n\n")[1]


def test_refunds_reimbursement_questions_and_safety_are_in_it(cli):
    text = report(cli, *FILTERS, "--format", "markdown")
    assert (
        "you are charged $627 in total (50% of the full-price $1,254 program) (in 3 monthly installments of $418, "
        "the first at checkout, before the evaluation: after 1 installment ($418 paid), you still owe $209; "
        "after 2 installments ($836 paid), you get back $209; after 3 installments ($1,254 paid), you get back $627)"
    ) in text
    assert "**6-session treatment, self-pay ($1,254)**: New Client Program" in text
    assert "*The source stops here, after" in text
    assert "- **Mindbloom, 6-session treatment:** up to $650." in text
    assert "What is Innerwell's refund policy for the Foundation Program (with insurance)? None was found." in text
    assert "Does" not in text.split("## Questions to ask before you buy")[1].split("## Safety")[0]  # TX is known
    assert "call or text 988" in text and "informational, not medical advice" in text
    assert "Who should look elsewhere" in text


# ------------------------------------------------------------------------------------------- formats and files


def test_html_by_default_and_markdown_by_suffix(cli, tmp_path):
    assert report(cli, "--state", "TX").startswith("<!doctype html>")
    html, markdown = tmp_path / "r.html", tmp_path / "r.md"
    assert cli("report", "--state", "TX", "--output", str(html)).code == 0
    assert cli("report", "--state", "TX", "--output", str(markdown)).code == 0
    assert html.read_text().startswith("<!doctype html>")
    assert markdown.read_text().startswith("# At-home ketamine therapy: a comparison to keep\n")


def test_the_page_is_self_contained(cli):
    html = report(cli, *FILTERS)
    assert "<script" not in html and "<link" not in html and "@import" not in html and "<img" not in html
    assert not re.search(r"""(src|href)=["'](?!https?://|#)""", html)  # only outbound source links
    assert "@media print" in html and 'name="viewport"' in html
    assert '<svg viewBox="0 0 600 380" role="img" aria-labelledby="curve-title curve-desc"' in html
    assert '<th scope="col">Provider</th>' in html


def test_hostile_catalogue_text_is_escaped(cli, tmp_path):
    document = catalogue_document()
    hostile = provider(document, "mindbloom")
    hostile["name"] = "<script>alert(1)</script> | *bold* [x](javascript:alert(2))"
    hostile["sources"][0]["title"] = "A title with ] and )(javascript:alert(4)"
    path = write_catalogue(tmp_path / "hostile.toml", document)
    html = cli("--catalog", str(path), "report", "--state", "TX").stdout
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert 'href="javascript:' not in html
    markdown = cli("--catalog", str(path), "report", "--state", "TX", "--format", "markdown").stdout
    assert "<script>" not in markdown
    assert "&lt;script&gt;alert(1)&lt;/script&gt; \\| \\*bold\\* \\[x\\](javascript:alert(2))" in markdown
    assert "[A title with \\] and )(javascript:alert(4)](<https://" in markdown  # a link whose text stays text


@pytest.mark.parametrize("url", ["javascript:alert(3)", "data:text/html,<script>x</script>", "JavaScript:x", "ftp://x"])
def test_a_source_address_that_is_not_http_is_refused(cli, tmp_path, url):
    """Issue #30: `catalog validate` refuses a `javascript:` or `data:` address (a report would link it)."""
    document = catalogue_document()
    provider(document, "mindbloom")["sources"][0]["url"] = url
    path = write_catalogue(tmp_path / "bad-url.toml", document)
    result = cli("catalog", "validate", str(path))
    assert result.code == 1
    assert "providers[2].sources[0].url" in result.stderr and 'http(s) address or "unaddressed"' in result.stderr


def test_other_commands_never_load_the_template_engine(tmp_path):
    probe = (
        "import sys\nfrom ketacli.cli import run\n"
        "code = run(sys.argv[1:])\n"
        "print('jinja2' in sys.modules, file=sys.stderr)\n"
    )
    for args in (["compare", "--json"], ["cost", "--doses", "12"], ["refunds", "mindbloom"]):
        result = subprocess.run([sys.executable, "-c", probe, *args], capture_output=True, text=True,
                                env=env_for(tmp_path), timeout=60)  # fmt: skip
        assert result.stderr.strip().endswith("False"), (args, result.stderr)


# ------------------------------------------------------------------------------------------- a real browser


def browser() -> str:
    for name in ("chromium-headless-shell", "chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    if os.environ.get("CI"):
        pytest.fail("no headless Chromium: .ci/run installs chromium-headless-shell; in CI this test must run")
    pytest.skip("no headless Chromium here (apt-get install chromium-headless-shell)")


def chromium(*args: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync", "--hide-scrollbars",
             f"--user-data-dir={tmp_path / 'chromium-profile'}"]  # fmt: skip
    return subprocess.run([browser(), *flags, *args], capture_output=True, text=True, timeout=120)


def test_the_report_renders_in_a_real_browser(cli, tmp_path):
    page = tmp_path / "report.html"
    assert cli("report", *FILTERS, "--output", str(page)).code == 0
    dom = chromium("--dump-dom", page.as_uri(), tmp_path=tmp_path).stdout
    text = re.sub(r"<[^>]+>", " ", dom)
    for expected in ("You asked:", "Texas, 12 doses, Aetna", "Cheapest way to 12 doses: Texas, Aetna",
                     "Very-low-dose (psycholytic) programs: a different treatment", "$1,029", "insured (in network)",
                     "What more doses would cost", "Total cost of at least N doses, by provider",
                     "Questions to ask before you buy", "call or text 988"):  # fmt: skip
        assert expected in text, expected
    shot = tmp_path / "shot.png"
    chromium("--window-size=1100,1400", f"--screenshot={shot}", page.as_uri(), tmp_path=tmp_path)
    from PIL import Image

    with Image.open(shot) as image:
        colours = image.convert("RGB").getcolors(maxcolors=1 << 20)
        assert image.size == (1100, 1400)
    assert colours is not None and len(colours) > 50  # text, table rules, the curve's colours: not blank
    assert max(count for count, _ in colours) < 0.97 * 1100 * 1400


def test_no_horizontal_scroll_on_a_phone_except_inside_tables(cli, tmp_path):
    page = tmp_path / "report.html"
    assert cli("report", *FILTERS, "--output", str(page)).code == 0
    probe = tmp_path / "probe.html"  # a test-only copy that writes the page's scroll width into the DOM
    probe.write_text(page.read_text().replace(
        "</body>", "<script>document.body.dataset.scrollWidth = document.documentElement.scrollWidth;</script></body>"
    ))  # fmt: skip
    dom = chromium("--window-size=375,800", "--dump-dom", probe.as_uri(), tmp_path=tmp_path).stdout
    width = int(re.search(r'data-scroll-width="(\d+)"', dom).group(1))
    assert width <= 375


def axe_script() -> str:
    """axe-core, installed from the npm registry by .ci/run (or pointed to by AXE_CORE_JS)."""
    candidates = [os.environ.get("AXE_CORE_JS", ""), str(Path(__file__).resolve().parents[1] / ".ci" / "axe" /
                  "node_modules" / "axe-core" / "axe.min.js")]  # fmt: skip
    for candidate in candidates:
        if candidate and Path(candidate).is_file():
            return Path(candidate).read_text(encoding="utf-8")
    if os.environ.get("CI"):
        pytest.fail("axe-core is missing: .ci/run installs it with npm; in CI this test must run")
    pytest.skip("axe-core is not installed here (npm install --prefix .ci/axe axe-core@4)")


_RUN_AXE = """<script>
axe.run(document, {runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}).then(function (r) {
  var out = document.createElement("pre");
  out.id = "axe-result";
  out.textContent = JSON.stringify(r.violations.map(function (v) {
    return {id: v.id, impact: v.impact, nodes: v.nodes.map(function (n) { return n.target.join(" "); })};
  }));
  document.body.appendChild(out);
});
</script></body>"""


@pytest.mark.parametrize(
    "question",
    [FILTERS, ["--state", "WY"], ["--state", "CA", "--doses", "6", "--insurance", "uhc"], ["--doses", "24"]],
)
def test_axe_core_finds_no_wcag_violation_on_desktop_or_phone(cli, tmp_path, question):
    browser()
    axe = axe_script()
    page = tmp_path / "report.html"
    assert cli("report", *question, "--output", str(page)).code == 0
    probe = tmp_path / "axe.html"  # a test-only copy: the report itself carries no script
    probe.write_text(page.read_text().replace("</body>", f"<script>{axe}</script>{_RUN_AXE}"))
    # Light and dark (prefers-color-scheme: Blink's 0 is dark), on a desktop and a phone.
    sizes = [("1100,1400", "1"), ("375,800", "1"), ("1100,1400", "0"), ("375,800", "0")]
    if question == FILTERS:  # the in-between widths where the ranking was clipped, once
        sizes += [("768,1000", "1"), ("1024,1000", "0"), ("1280,1000", "1")]
    for size, scheme in sizes:
        dom = chromium(f"--window-size={size}", f"--blink-settings=preferredColorScheme={scheme}",
                       "--virtual-time-budget=30000", "--dump-dom", probe.as_uri(), tmp_path=tmp_path).stdout  # fmt: skip
        found = re.search(r'<pre id="axe-result">(.*?)</pre>', dom, re.S)
        assert found, f"axe-core did not finish at {size}"
        violations = json.loads(html.unescape(found.group(1)))
        assert violations == [], (size, scheme, violations)


def test_on_a_phone_the_ranking_starts_within_the_first_screen_and_the_banners_words_follow_it(cli, tmp_path):
    """Issue #30: the two long banners put the ranking about 1,340 px down on a phone. Their headings stay at
    the top, with a link to their words, which come right after the ranking."""
    browser()
    page = tmp_path / "report.html"
    assert cli("report", *FILTERS, "--output", str(page), env={"KETACLI_TODAY": "2026-12-03"}).code == 0
    text = page.read_text()
    assert text.index('id="ranking"') < text.index('id="before-you-rely"') < text.index('id="due-when"')
    header = text.split("</header>")[0]
    assert 'href="#before-you-rely"' in header and "in 28 days, unless extended" not in header
    probe = tmp_path / "probe.html"
    probe.write_text(text.replace("</body>", "<script>document.body.dataset.top = Math.round("
                                  "document.querySelector('#ranking').getBoundingClientRect().top);</script></body>"))  # fmt: skip
    dom = chromium("--window-size=375,800", "--dump-dom", probe.as_uri(), tmp_path=tmp_path).stdout
    assert int(re.search(r'data-top="(\d+)"', dom).group(1)) <= 800  # measured 693 (1,119 in 0.7.0)


@pytest.mark.parametrize("paper", [965, 1032])  # Letter and A4, landscape (as the page asks), inside 12 mm margins
def test_printed_the_page_fits_the_paper_and_axe_finds_nothing(cli, tmp_path, paper):
    """The print styles, applied on screen at a sheet's width (headless Chromium cannot emulate print media from
    the command line): nothing wider than the paper (paper does not scroll), and no WCAG violation, so the
    group labels keep their contrast without background graphics. Then a real print to PDF."""
    browser()
    axe = axe_script()
    page = tmp_path / "report.html"
    assert cli("report", *FILTERS, "--output", str(page)).code == 0
    text = page.read_text()
    assert text.count("@media print {") == 1
    printed = text.replace("@media print {", "@media all {").replace("@media screen {", "@media not all {")
    measure = "<script>document.body.dataset.scrollWidth = document.documentElement.scrollWidth;</script>"
    probe = tmp_path / "print.html"
    probe.write_text(printed.replace("</body>", f"{measure}<script>{axe}</script>{_RUN_AXE}"))
    dom = chromium(f"--window-size={paper},1100", "--virtual-time-budget=30000", "--dump-dom", probe.as_uri(),
                   tmp_path=tmp_path).stdout  # fmt: skip
    assert int(re.search(r'data-scroll-width="(\d+)"', dom).group(1)) <= paper
    found = re.search(r'<pre id="axe-result">(.*?)</pre>', dom, re.S)
    assert found and json.loads(html.unescape(found.group(1))) == []
    pdf = tmp_path / "report.pdf"
    chromium("--no-pdf-header-footer", f"--print-to-pdf={pdf}", page.as_uri(), tmp_path=tmp_path)
    pages = len(re.findall(rb"/Type\s*/Page[^s]", pdf.read_bytes()))
    assert 2 <= pages <= 20, pages


def test_the_tables_are_reached_through_their_links_not_empty_tab_stops(cli, tmp_path):
    """Issue #30: at 1,280 px the ranking did not scroll, yet its wrapper was a tab stop announced as scrolling.
    Now each provider's name links to its money-at-risk details, so the keyboard reaches (and scrolls) the
    table through real links; axe-core's scrollable-region rule holds at every width (the axe test)."""
    page = tmp_path / "report.html"
    assert cli("report", *FILTERS, "--output", str(page)).code == 0
    text = page.read_text()
    ranking = text.split('<section id="ranking">', 1)[1].split("</section>", 1)[0]
    assert "tabindex" not in ranking and 'role="region"' in ranking
    targets = re.findall(r'<th scope="row"><a href="#([a-z0-9-]+)">', ranking)
    assert targets == ["refunds-better-u", "refunds-innerwell", "refunds-mindbloom", "refunds-joyous"]
    assert all(f'id="{target}"' in text for target in targets)
    curve = text.split('<section id="curve">', 1)[1].split("</section>", 1)[0]  # the same for the curve's numbers
    assert (
        "tabindex" not in curve
        and re.findall(r'<th scope="col" class="num"><a href="#([a-z0-9-]+)">', curve) == targets
    )


@pytest.mark.parametrize("size", ["375,800", "1280,1000"])
def test_in_forced_colours_the_chart_keeps_its_lines_and_axe_finds_nothing(cli, tmp_path, size):
    """Windows High Contrast and the like (forced-colors: active; Chromium's --force-high-contrast): the curve's
    lines take the text colour instead of vanishing into the page, and axe-core still finds nothing."""
    browser()
    axe = axe_script()
    page = tmp_path / "report.html"
    assert cli("report", *FILTERS, "--output", str(page)).code == 0
    measure = """<script>
    var path = document.querySelector("#curve svg path");
    document.body.dataset.forced = JSON.stringify({active: matchMedia("(forced-colors: active)").matches,
      stroke: getComputedStyle(path).stroke, text: getComputedStyle(document.body).color});
    </script>"""
    probe = tmp_path / "forced.html"
    probe.write_text(page.read_text().replace("</body>", f"{measure}<script>{axe}</script>{_RUN_AXE}"))
    dom = chromium(f"--window-size={size}", "--force-high-contrast", "--virtual-time-budget=30000", "--dump-dom",
                   probe.as_uri(), tmp_path=tmp_path).stdout  # fmt: skip
    forced = json.loads(html.unescape(re.search(r'data-forced="([^"]*)"', dom).group(1)))
    assert forced["active"] and forced["stroke"] == forced["text"], forced
    found = re.search(r'<pre id="axe-result">(.*?)</pre>', dom, re.S)
    assert found and json.loads(html.unescape(found.group(1))) == []


def test_the_dark_theme_is_dark_and_print_keeps_the_group_labels(cli, tmp_path):
    """Issue #30: under prefers-color-scheme: dark the page was pixel-identical to light; printed without
    background graphics (the browser's default) the group labels were white on white."""
    browser()
    page = tmp_path / "report.html"
    assert cli("report", *FILTERS, "--output", str(page)).code == 0
    from PIL import Image

    corners = {}
    for scheme in ("1", "0"):
        shot = tmp_path / f"shot-{scheme}.png"
        chromium("--window-size=800,600", f"--blink-settings=preferredColorScheme={scheme}", f"--screenshot={shot}",
                 page.as_uri(), tmp_path=tmp_path)  # fmt: skip
        with Image.open(shot) as image:
            corners[scheme] = image.convert("RGB").getpixel((3, 3))
    assert corners["1"] == (255, 255, 255) and max(corners["0"]) < 40
    css = page.read_text()
    printed = css.split("@media print", 1)[1].split("</style>", 1)[0]
    assert "tr.group th { background: none; color: #000;" in printed


def test_on_a_phone_the_ranking_shows_provider_doses_total_and_dose_level(cli, tmp_path):
    browser()
    page = tmp_path / "report.html"
    assert cli("report", *FILTERS, "--output", str(page)).code == 0
    measure = """<script>
    var heads = Array.from(document.querySelectorAll("#ranking thead th"));
    var right = {};
    heads.forEach(function (th) { right[th.textContent.trim()] = Math.round(th.getBoundingClientRect().right); });
    var tick = document.querySelector("#curve svg g text").getBoundingClientRect().height;
    var rows = Array.from(document.querySelectorAll("#ranking tbody tr:not(.group)"));
    var tallest = Math.max.apply(null, rows.map(function (tr) { return tr.getBoundingClientRect().height; }));
    document.body.dataset.measures = JSON.stringify({right: right, tick: tick, tallest: tallest});
    </script></body>"""
    probe = tmp_path / "probe.html"
    probe.write_text(page.read_text().replace("</body>", measure))
    dom = chromium("--window-size=375,800", "--dump-dom", probe.as_uri(), tmp_path=tmp_path).stdout
    measures = json.loads(html.unescape(re.search(r"data-measures=\"([^\"]*)\"", dom).group(1)))
    for column in ("Provider", "Doses", "Total", "Dose level"):
        assert measures["right"][column] <= 375, (column, measures["right"])
    assert measures["tick"] >= 10  # the chart's tick labels: about 7 px before
    assert measures["tallest"] <= 110  # before: about 140 px, wordy cells one word to a line
    assert "On a narrow screen the table scrolls sideways" in dom


def test_the_curve_shows_the_first_eight_ranked_providers(cli, tmp_path):
    """A chart of a thousand lines, or a table a thousand columns wide, tells nobody anything."""
    import copy

    document = catalogue_document()
    extra = []
    for index in range(8):
        clone = copy.deepcopy(provider(document, "better-u"))
        clone["id"], clone["name"] = f"clone-{index}", f"Clone {index}"
        extra.append(clone)
    document["providers"] += extra
    path = write_catalogue(tmp_path / "twelve.toml", document)
    text = cli("--catalog", str(path), "report", "--doses", "6", "--format", "markdown").stdout
    assert "at the first 8 of the 12 ranked providers" in text
    header = next(line for line in text.splitlines() if line.startswith("| N |"))
    assert header.count("|") == 8 + 2  # N and eight providers


@pytest.mark.parametrize(
    ("args", "answer"),
    [
        (["--state", "TX", "--doses", "12"],
         "**The answer:** Cheapest way to 12 doses in Texas: Better U's 9-session Transformation + 3 continuation "
         "sessions, $1,029 in all ($85.75 a dose). It depends on a DEA telemedicine rule set to end on 2026-12-31 "
         "unless extended: starting or continuing after that date may need an in-person visit."),
        # The one provider confirmed in New York that the budget removed is named, with its price (#41).
        (["--state", "new york", "--doses", "12", "--budget", "1500"],
         "**The answer:** No option here is confirmed in New York. Cheapest way to 12 doses in New York: Better U's "
         "9-session Transformation + 3 continuation sessions, $1,029 in all ($85.75 a dose). It may serve New York: "
         "check with Better U first. Left out although confirmed in New York: Innerwell (cheapest 12 doses cost "
         "$2,100, over the $1,500 budget)."),
    ],
)  # fmt: skip
def test_the_answer_comes_first(cli, args, answer):
    """Issue #30: under the question, the bottom line; "filtered is not unconfirmed" holds here too."""
    text = cli("report", *args, "--format", "markdown").stdout
    assert answer in text
    assert text.index("**The answer:**") < text.index("Made on")
    html = cli("report", *args).stdout
    assert '<p class="answer"><strong>The answer:</strong>' in html


def _header_and_row(text: str, name: str) -> tuple[list[str], list[str]]:
    lines = text.splitlines()
    header = next(line for line in lines if line.startswith("| # | Provider"))
    row = next(line for line in lines if line.startswith("| ") and f"| {name} |" in line)
    return [c.strip() for c in header.strip("|").split("|")], [c.strip() for c in row.strip("|").split("|")]


def test_the_report_shows_the_figure_the_question_was_about(cli):
    """Issue #30: the New York $200-a-month report never showed Better U's $54 a month; a financing report
    never said on what terms; the insurance column sat far from the total."""
    monthly = cli("report", "--state", "NY", "--monthly-budget", "200", "--format", "markdown").stdout
    header, row = _header_and_row(monthly, "Better U")
    assert header[:6] == ["#", "Provider", "Doses", "Total", "Dose level", "A month, at the least"]
    assert row[5] == "$54 a month"
    financing = cli("report", "--state", "TX", "--financing", "--format", "markdown").stdout
    header, row = _header_and_row(financing, "Better U")
    terms = row[header.index("Financing terms")]
    assert terms.startswith("Introduction: from $54 a month, subject to approval; Transformation: from $54 a month")
    assert terms.endswith("at checkout: Affirm, Afterpay")
    insured = cli("report", "--state", "TX", "--insurance", "aetna", "--format", "markdown").stdout
    header, row = _header_and_row(insured, "Innerwell")
    assert header[4:6] == ["Dose level", "Insurance"] and row[5] == "insured (in network)"
    plain = cli("report", "--state", "TX", "--format", "markdown").stdout
    assert "A month, at the least" not in plain and "Financing terms" not in plain and "| Delivery |" in plain


def test_chart_colours_follow_the_provider_and_the_text_keeps_every_step(cli):
    """Issue #30: Joyous was pink in one report and orange in another (colour by rank); the chart's text
    equivalent sampled 5 and 10 doses and lost Mindbloom's step at 7."""

    def colour_of(html_text: str, name: str) -> str:
        match = re.search(r'stroke="(#[0-9A-Fa-f]{6})"[^>]*><title>' + re.escape(name) + "</title>", html_text)
        assert match, name
        return match.group(1)

    by_total = cli("report", "--state", "TX", "--format", "html").stdout
    by_hsa = cli("report", "--state", "TX", "--doses", "40", "--format", "html").stdout
    assert colour_of(by_total, "Joyous") == colour_of(by_hsa, "Joyous")
    assert len({colour_of(by_total, n) for n in ("Innerwell", "Better U", "Mindbloom", "Joyous")}) == 4
    text = cli("report", "--state", "TX", "--format", "markdown").stdout
    curve = text.split("## What more doses would cost", 1)[1].split("\n## ", 1)[0]
    assert "| 6 | $579 | $1,098 | $1,254 | $129 |" in curve and "| 7 | $658 | $1,098 | $2,148 | $129 |" in curve
    assert "ineligible at the first evaluation:** unknown, for the purchase the ranking shows." in text


def test_an_empty_result_is_a_useful_page(cli):
    """Issue #30: an empty answer said 'the data is as of —' and printed empty refund, money-back and question
    sections; it now says what was asked, why each was left out, and the nearest questions with answers."""
    for fmt in ("markdown", "html"):
        text = cli("report", "--state", "WY", "--in-clinic", "--format", fmt).stdout
        assert "as of —" not in text and "as of ." not in text
        assert "Without “in-person sessions”: 3 providers (Better U, Mindbloom, Joyous)" in text
        assert "Without “Wyoming”: 2 providers" in text
        for section in ("If you are found ineligible", "Money back from insurance", "Questions to ask"):
            assert section not in text, (fmt, section)
        assert "Left out, and why" in text and "Safety" in text


def test_what_is_due_when_where_to_ask_and_how_it_was_made(cli):
    """Issue #30: the report said what a plan costs, never when each payment falls, nor where to reach the
    provider or how the report was made."""
    text = cli("report", "--state", "TX", "--doses", "12", "--format", "markdown").stdout
    due = text.split("## What is due when", 1)[1].split("\n## ", 1)[0]
    assert "- **Mindbloom**: 12-session treatment: $358 at checkout, before the evaluation; then $358 a month for " \
        "5 more months" in due  # fmt: skip
    assert "  - 3 continuation sessions: $79 each, when each is bought" in due
    assert "- **Joyous**" not in due  # the first three options only
    assert "- **Innerwell**: <https://helloinnerwell.com>" in text
    assert "## How this was made" in text and "never fills a gap with a guess" in text
    html_text = cli("report", "--state", "TX", "--doses", "12").stdout
    assert '<a href="https://joyous.team">https://joyous.team</a>' in html_text and 'id="due-when"' in html_text


@pytest.mark.parametrize("doses", [None, 12, 1000])
def test_the_charts_labels_fit_and_never_overlap(doses):
    """Issue #30: the y-axis title ran into its tick labels, "$50,000" and the last x label ("100(") were cut,
    and the asked-N label ran off the plot at 1,000 doses. Measured with the chart's own glyph width."""
    from ketacli.render.chart import CHAR_WIDTH, TITLE_BAND, WIDTH, geometry

    limit = 36 if doses is None else max(doses, 36)
    totals = [n * 13_000 for n in range(1, limit + 1)]
    chart = geometry({"asked": doses, "limit": limit, "ranked": 1,
                      "lines": [{"id": "a", "slot": 0, "name": "A", "dose_level": "standard", "totals": totals}]})  # fmt: skip
    for tick in chart["y_ticks"]:  # right-aligned at left - 6, after the title band
        assert chart["left"] - 6 - len(tick["label"]) * CHAR_WIDTH >= TITLE_BAND
    last = chart["x_ticks"][-1]
    assert last["x"] + len(last["label"]) * CHAR_WIDTH / 2 <= WIDTH
    marker = chart["marker"]
    if marker:
        width = len(marker["label"]) * CHAR_WIDTH * 0.9
        start = marker["text_x"] if marker["anchor"] == "start" else marker["text_x"] - width
        assert chart["left"] <= start and start + width <= WIDTH
    if doses == 1000:
        assert last["label"] == "1,000" and marker["label"] == "1,000 doses (asked)"


def test_the_templates_compiled_code_is_kept_in_the_cache_and_never_fails_a_report(cli, tmp_path):
    """Compiling the HTML template took most of a report's start-up (#38): Jinja's bytecode cache keeps it."""
    first = cli("report", "--state", "TX")
    assert first.code == 0, first.stderr
    (kept,) = (tmp_path / "cache").glob("template-*.cache")
    assert kept.stat().st_size > 10_000
    assert cli("report", "--state", "TX").stdout == first.stdout  # read back: the same page
    kept.unlink()
    kept.mkdir()  # a folder in its place: neither read nor written, and the report is the same
    again = cli("report", "--state", "TX")
    assert again.code == 0 and again.stdout == first.stdout and again.stderr == first.stderr
    assert cli("report", "--state", "TX", env={"KETACLI_NO_CACHE": "1"}).stdout == first.stdout


def test_a_fifo_in_the_templates_cache_place_never_hangs_the_report(cli, tmp_path):
    """Found in review: Jinja's own cache opened a FIFO left in its file's place and waited for a writer forever."""
    first = cli("report", "--state", "TX")
    (kept,) = (tmp_path / "cache").glob("template-*.cache")
    kept.unlink()
    os.mkfifo(kept)  # inside the test's own folder
    again = cli("report", "--state", "TX")
    assert again.code == 0 and again.stdout == first.stdout
    assert kept.is_file()  # replaced by the compiled code, written whole
