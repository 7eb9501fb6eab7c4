"""What happened after the guide (issue #28): a state's rule that reaches one form of ketamine in one state, the
federal rules that are not a path after 2026-12-31, and money paid ahead of the service. Each test names the
answer ketacli gave before."""

from __future__ import annotations

import datetime as dt
import functools

from hypothesis import given, settings
from hypothesis import strategies as st

from ketacli.rules import _months_later, months_after

TODAY = {"KETACLI_TODAY": "2026-12-03"}
TEXAS = "texas-pkt-proposal"


def _rows(cli, *args, env=TODAY):
    return {row["id"]: row for row in cli("compare", *args, "--json", env=env).json()}


def test_the_texas_proposal_marks_mindbloom_injections_in_texas_only(cli):
    # Before: no row said anything about the Texas Medical Board's proposal.
    rows = _rows(cli, "--state", "TX")
    [touch] = rows["mindbloom"]["rules_touching"]
    assert touch == {
        "id": TEXAS,
        "authority": "Texas Medical Board",
        "status": "proposed",
        "status_words": "proposed 2026-01-02; a vote was planned for June 2026; outcome unknown as of 2026-12-03",
        "forms": ["subcutaneous_injection"],
        "spared": ["sublingual_tablet"],
    }
    [record] = [r for r in rows["mindbloom"]["note_records"] if r["kind"] == "rule_touches"]
    assert record["rule"] == TEXAS and "its sublingual tablets are not reached" in record["text"]
    assert all(rows[other]["rules_touching"] == [] for other in ("innerwell", "better-u", "joyous"))
    elsewhere = _rows(cli, "--state", "CA")
    assert elsewhere["mindbloom"]["rules_touching"] == []


def test_asking_for_injections_in_texas_puts_the_rule_first(cli):
    rows = _rows(cli, "--state", "TX", "--delivery", "injection")
    assert list(rows) == ["mindbloom"]
    assert rows["mindbloom"]["note_records"][0]["kind"] == "rule_touches"
    tablets = _rows(cli, "--state", "TX", "--delivery", "tablet")
    assert tablets["mindbloom"]["note_records"][0]["kind"] != "rule_touches"


def test_the_table_marks_the_rule_in_its_words(cli):
    out = cli("compare", "--state", "TX", "--format", "markdown", env=TODAY).stdout
    assert "subcutaneous injection: Texas Medical Board rule proposed" in out
    before = cli("compare", "--state", "TX", "--format", "markdown", env={"KETACLI_TODAY": "2025-12-15"}).stdout
    assert "Texas Medical Board" not in before  # proposed on 2026-01-02: not yet on this date


def test_rules_says_no_other_path_after_the_end_date(cli):
    # Before: `rules` listed the rules one by one and never answered the question.
    text = cli("rules", env=TODAY).stdout
    head = text.split("\n\n", 1)[0]
    assert head.startswith("After 2026-12-31, when the DEA/HHS telemedicine rule is set to end\n")
    assert "Another path to at-home ketamine by telemedicine after 2026-12-31: none found in the sources." in head
    assert "Not a path: Telemedicine prescribing of buprenorphine for opioid use disorder (final rule): reaches " \
        "only drugs approved for opioid use disorder." in head  # fmt: skip
    assert "Not a path: TREATS Act (a bill): reaches only drugs approved for substance use disorder." in head
    assert "mwe.com" in head
    assert "Not depending on it: Spravato (esketamine nasal spray), In-person ketamine infusion clinics" in head
    rules = {rule["id"]: rule for rule in cli("rules", "--json", env=TODAY).json()}
    assert rules["buprenorphine-telemedicine-rule"]["reaches"] == "opioid_use_disorder_drugs"
    assert rules[TEXAS]["applies_in"] == ["TX"] and rules[TEXAS]["status_today"] == "proposed"


def test_the_third_extension_was_in_force_before_its_end(cli):
    rules = {rule["id"]: rule for rule in cli("rules", "--json", env={"KETACLI_TODAY": "2025-12-15"}).json()}
    assert (rules["dea-telemedicine-2025"]["status_today"], rules["dea-telemedicine-2025"]["days_remaining"]) == (
        "ending_soon",
        16,
    )
    assert rules[TEXAS]["status_today"] == "not_yet_proposed"


def test_after_the_end_date_the_report_says_unknown_since(cli):
    # Before: on 2027-01-15 the report's banner still said the rule was "running out".
    text = cli("report", "--state", "TX", "--format", "markdown", env={"KETACLI_TODAY": "2027-01-15"}).stdout
    assert "running out" not in text
    assert "> **A rule these providers depend on has passed its end date.**" in text
    assert "was set to end on 2026-12-31; unknown since" in text
    assert "do not depend on it (how to find them: ketacli alternatives)" in text


def test_money_paid_ahead(cli):
    # Before: no field said what is paid before the first session or ahead of the sessions.
    rows = _rows(cli, "--doses", "6")
    mindbloom, innerwell = rows["mindbloom"], rows["innerwell"]
    # $418 a month, the first at checkout (the guide); whether billing follows the sessions, no source says (#40).
    assert (mindbloom["paid_before_first_session"], mindbloom["most_paid_ahead"]) == (418, None)
    # Self-pay: "billed on the payment schedule reflected on this receipt", with no word of when the first payment
    # is taken or of its pace (the "even if you have not scheduled" sentence is about insured plans): unknown.
    assert (innerwell["paid_before_first_session"], innerwell["most_paid_ahead"]) == (None, None)
    # From 2026-12-03: December on or before 2026-12-31, January and February after it.
    assert (mindbloom["due_after_rule_end"], innerwell["due_after_rule_end"]) == (836, 732)


def test_max_upfront_keeps_what_fits_and_says_why_the_rest_is_left_out(cli):
    rows = cli("compare", "--max-upfront", "400", "--json", "--explain", env=TODAY).json()
    kept = {row["id"]: (row["purchase"], row["paid_before_first_session"]) for row in rows if not row.get("excluded")}
    # Every purchase is searched (#40): Mindbloom's 12-session plan asks $358 at checkout, its 6-session $418.
    assert kept == {"mindbloom": ("12-session treatment", 358), "joyous": ("Monthly plan (30 daily troches)", 129)}
    reasons = {row["id"]: row["reasons"] for row in rows if row.get("excluded")}
    assert reasons == {
        "better-u": ["asks at least $500 before the first session (5-session Introduction), over the $400 limit"],
        "innerwell": ["the sources do not say what is due before the first session"],  # unknown is not none
    }
    bad = cli("compare", "--max-upfront", "lots")
    assert bad.code == 2 and "--max-upfront" in bad.stderr


def test_fees_on_top_and_an_insured_copay(cli):
    rows = _rows(cli, "--state", "TX", "--insurance", "Aetna")
    fees = [r for r in rows["mindbloom"]["note_records"] if r["kind"] == "extra_costs"]
    assert fees[0] == {
        "kind": "extra_costs",
        "what": "a late-cancellation fee",
        "amount_up_to": 150,
        "each": "each appointment cancelled or rescheduled within 24 hours",
        "at_risk": True,
        "text": "on top of the price: a late-cancellation fee, up to $150, each appointment cancelled or rescheduled "
        "within 24 hours",
    }
    copay = [r for r in rows["innerwell"]["note_records"] if r["kind"] == "extra_costs"]
    assert [r["amount_up_to"] for r in copay] == [None]  # the amount is not stated: never a guess


def test_show_and_safety_give_the_providers_own_exclusions(cli):
    # Before: Better U's exclusions were only in a source's note, and Innerwell's disqualifiers nowhere.
    show = cli("show", "innerwell", env=TODAY).stdout
    assert "aneurysmal vascular disease" in show
    safety = cli("safety", env=TODAY).stdout
    assert "Better U does not serve clients younger than 18" in safety and "known allergy to ketamine" in safety


@given(
    start=st.dates(dt.date(2024, 1, 1), dt.date(2028, 12, 31)),
    months=st.integers(0, 60),
    ends=st.dates(dt.date(2024, 1, 1), dt.date(2028, 12, 31)),
)
def test_months_after_counts_the_payments_after_the_end(start, months, ends):
    assert months_after(start, months, ends) == sum(1 for k in range(months) if _months_later(start, k) > ends)


def test_the_report_says_what_a_closure_or_the_rules_end_would_put_at_risk(cli):
    # Before: the report had no word on money paid ahead of the service, nor on closures.
    text = cli("report", "--state", "TX", "--format", "markdown", env=TODAY).stdout
    section = text.split("## If the provider stops, or the rule ends", 1)[1].split("\n## ", 1)[0]
    assert (
        "- **Mindbloom**: $418 before the first session; how much is paid ahead of sessions later is not stated; "
        "$836 of the first purchase falls due after 2026-12-31." in section
    )
    assert "Ketamine Wellness Centers, 2023-03-10: Closed all 13 clinics" in section
    assert "Field Trip Health (US clinics), about 2023-04:" in section


def test_refunds_say_what_each_plan_asks_ahead(cli):
    # Before: `refunds` said what a refund returns, never how much is paid before the sessions come.
    [innerwell] = cli("refunds", "innerwell", "--json", env=TODAY).json()
    ahead = {(p["plan"], p["payment"]): p["paid_ahead"] for p in innerwell["plans"]}
    assert ahead[("foundation", "self_pay")] == {
        "before_first_session": None,
        "most_ahead": None,
        "by_installments": True,
    }
    # Insured plans for non-covered services are billed monthly "even if you have not scheduled your Medical
    # Consult": all of it may be paid ahead; when the first payment is taken is not stated.
    assert ahead[("foundation", "insured")] == {
        "before_first_session": None,
        "most_ahead": 650,
        "by_installments": True,
    }
    text = cli("refunds", "mindbloom", env={**TODAY, "COLUMNS": "200"}).stdout
    assert (
        "Paid ahead of the service (by its installments): $418 before the first session; how much is paid ahead "
        "of sessions later is not stated" in text
    )


def test_catalog_stale_keeps_mixed_dates_apart(cli):
    # Before: one date per entry, so 2025 prices and a 2026 source looked the same age.
    rows = {row["id"]: row for row in cli("catalog", "stale", "--json", env=TODAY).json()}
    innerwell = rows["innerwell"]
    assert (innerwell["as_of"], innerwell["newest_source"], innerwell["stale"]) == ("2025-06-13", "2026-05-05", True)
    assert innerwell["undated_sources"] == 6
    assert (rows[TEXAS]["kind"], rows[TEXAS]["as_of"], rows[TEXAS]["newest_source"]) == (
        "rule",
        "2026-12-03",
        "2026-04-29",
    )


@functools.cache
def _query_catalogue():
    from conftest import CATALOGUE
    from ketacli.catalogue import load_query

    return load_query(CATALOGUE)


@settings(deadline=None, max_examples=60)
@given(
    doses=st.integers(1, 200),
    returning=st.booleans(),
    pay_in_full=st.booleans(),
    today=st.dates(dt.date(2025, 7, 1), dt.date(2028, 1, 1)),
)
def test_money_ahead_never_exceeds_what_is_bought(doses, returning, pay_in_full, today):
    """For every purchase: what is due before the first session is at most the most ever paid ahead, which is
    at most one item's price; what falls due after the rule's end is at most the first purchase."""
    from ketacli.criteria import Criteria
    from ketacli.evaluation import evaluate
    from ketacli.rules import rules_by_id

    catalogue = _query_catalogue()
    rules = rules_by_id(catalogue.rules)
    criteria = Criteria(doses=doses, returning=returning, pay_in_full=pay_in_full)
    for provider in catalogue.providers:
        evaluation = evaluate(provider, criteria, None, rules, today)
        purchase, ahead = evaluation.purchase, evaluation.paid_ahead
        if purchase is None:
            assert ahead is None
            continue
        assert ahead is not None
        biggest = max(item.option.price for item in purchase.items)
        if ahead.most_ahead is not None:
            assert ahead.most_ahead <= biggest
            if ahead.before_first_session is not None:
                assert ahead.before_first_session <= ahead.most_ahead
        first = purchase.items[0]
        if ahead.due_after_rule_end is not None:
            assert 0 <= ahead.due_after_rule_end <= first.subtotal
