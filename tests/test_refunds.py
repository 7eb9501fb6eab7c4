"""Money at risk and money back: refund ladders, reimbursement figures, and the facts the catalogue lacked."""

from __future__ import annotations

import pytest

from conftest import catalogue_document, provider, write_catalogue


def refunds(cli, *args: str) -> list[dict]:
    result = cli("refunds", *args, "--json")
    assert result.code == 0, result.stderr
    return result.json()


def plan_entry(document: dict, plan: str, payment: str = "self_pay") -> dict:
    return next(p for p in document["plans"] if p["plan"] == plan and p["payment"] == payment)


def charges(ladder: dict) -> list[list]:
    return [[o["charged"] for o in stage["outcomes"]] for stage in ladder["stages"]]


def settled(ladder: dict, way: str) -> list[list]:
    """Per stage and outcome, for one way of paying: (installments paid, paid, back, owed) cases, or the rule."""
    result = []
    for stage in ladder["stages"]:
        for outcome in stage["outcomes"]:
            by = next(b for b in outcome["by_payment"] if b["way"] == way)
            cases = [(c["installments_paid"], c["paid"], c["you_get_back"], c["you_owe"]) for c in by["cases"]]
            result.append(cases or by["rule"])
    return result


# ------------------------------------------------------------------------------------------- the ladders


def test_innerwell_extended_self_pay_ladder(cli):
    [innerwell] = refunds(cli, "innerwell")
    ladder = plan_entry(innerwell, "extended")["ladder"]
    assert (ladder["id"], ladder["complete"], ladder["payment"]) == ("extended-self-pay", False, "self_pay")
    assert charges(ladder) == [[0], [350], [450, 615], [650, 815]]
    # Paid in full up front ($2,100 − the guide's $100): what you get back follows the $2,000 actually paid.
    assert settled(ladder, "pay_in_full") == [
        [(None, 2000, 2000, 0)], [(None, 2000, 1650, 0)], [(None, 2000, 1550, 0)], [(None, 2000, 1385, 0)],
        [(None, 2000, 1350, 0)], [(None, 2000, 1185, 0)],
    ]  # fmt: skip
    # 4 × $525 "billed on the payment schedule reflected on this receipt": when each payment is taken is not
    # stated (#40; before, the first was read as taken at purchase), so each stage's rule in words, never a number.
    installments = settled(ladder, "installments")
    assert installments[0] == "you get back whatever you have paid"
    assert installments[1] == (
        "you get back what you have paid minus $350; if you have paid less than $350, you owe the difference "
        "(when each payment falls against this stage is not stated)"
    )
    assert ladder["stages"][2]["outcomes"][1]["condition"] == "if you have completed it"
    assert ladder["stops_after"].startswith('"If you cancel after your second medicine shipment')
    assert ladder["source"]["url"].startswith("https://support.helloinnerwell.com/hc/en-us/articles/15715402457105")


def test_the_self_pay_ladder_is_never_applied_to_insured_or_other_plans(cli):
    [innerwell] = refunds(cli, "innerwell")
    assert plan_entry(innerwell, "extended", "insured")["ladder"] is None
    assert plan_entry(innerwell, "foundation")["ladder"] is None
    assert plan_entry(innerwell, "foundation", "insured")["ladder"] is None


def test_mindbloom_new_client_ladder(cli):
    [mindbloom] = refunds(cli, "mindbloom")
    ladder = plan_entry(mindbloom, "six-sessions")["ladder"]
    assert charges(ladder) == [[0], [150], [627]]
    # The first of 3 × $418 is taken at checkout, before the consult: at the consult exactly $418 is paid.
    assert settled(ladder, "installments") == [
        [(1, 418, 418, 0)],
        [(1, 418, 268, 0), (2, 836, 686, 0), (3, 1254, 1104, 0)],  # a way into this stage is after the consult
        [(1, 418, 0, 209), (2, 836, 209, 0), (3, 1254, 627, 0)],  # one installment paid: you still owe $209
    ]
    assert ladder["stages"][2]["outcomes"][0]["condition"] == "50% of the full-price $1,254 program"
    assert plan_entry(mindbloom, "twelve-sessions")["ladder"] is None
    assert plan_entry(mindbloom, "eighteen-sessions")["ladder"] is None


def test_history_is_shown_never_applied(cli):
    [innerwell] = refunds(cli, "innerwell")
    assert [h["title"] for h in innerwell["history"]] == ["Extended Plan (an older version of the policy)"]
    old = innerwell["history"][0]
    assert old["complete"] and [o["charged"] for s in old["stages"] for o in s["outcomes"]][1:6] == [
        300, 425, 1150, 1300, 1342
    ]  # fmt: skip
    assert old["stages"][-1]["outcome"] == "no_refund"
    [mindbloom] = refunds(cli, "mindbloom")
    assert [h["id"] for h in mindbloom["history"]] == ["introductory-older", "starter-pack-older", "repurchased-older"]
    assert all(h["status"] == "historical" for h in mindbloom["history"])


def test_better_u_and_joyous_have_no_ladder(cli):
    better_u, joyous = refunds(cli, "better u"), refunds(cli, "JOYOUS")
    assert [p["ladder"] for p in better_u[0]["plans"]] == [None, None]
    assert [p["ladder"] for p in joyous[0]["plans"]] == [None]
    assert better_u[0]["refund_if_ineligible"]["stated"] == '"free evaluation appointments" (the guide)'
    # "Free evaluation appointments" says the evaluation is free, not that nothing is paid before it: the same
    # sentence covers Innerwell, which is paid for before its evaluation (#40). So: unknown, for every plan.
    assert better_u[0]["refund_if_ineligible"]["value"] == joyous[0]["refund_if_ineligible"]["value"] == "unknown"
    assert joyous[0]["refund_if_ineligible"]["stated"] == better_u[0]["refund_if_ineligible"]["stated"]  # one sentence
    assert {p["if_found_ineligible"] for p in better_u[0]["plans"] + joyous[0]["plans"]} == {"unknown"}


def test_every_partial_ladder_says_where_it_stops(cli):
    for document in refunds(cli):
        text = cli("refunds", document["id"], env={"COLUMNS": "300"}).stdout
        for plan in document["plans"]:
            if plan["ladder"] and not plan["ladder"]["complete"]:
                assert (
                    f"The source stops here, after {plan['ladder']['stops_after']}: later stages are unknown." in text
                )
            if plan["ladder"] is None:
                assert "Stopping later: unknown: no refund policy for this plan was found" in text


def test_refunds_text_view_exact_lines(cli):
    text = cli("refunds", "innerwell", "--plan", "extended", env={"COLUMNS": "300"}).stdout
    assert "Extended Program, self-pay ($2,100)\n" in text
    assert "     → you are charged $350 in total\n" in text
    assert "         paid in full up front ($2,000): you have paid $2,000, you get back $1,650\n" in text
    assert "     → you are charged $615 in total (if you have completed it)\n" in text
    assert "you get back $1,750" not in text  # assumed the whole $2,100 was paid
    assert (
        "Extended Program, with insurance ($1,398)\n  If found ineligible: unknown\n  Paid ahead of the service (by "
        "its installments): what is due before the first session is not stated; at most $1,398 at a time for sessions "
        "not yet delivered\n"
        "  Stopping later: unknown" in text
    )
    assert "Foundation Program, self-pay" not in text
    assert "History" not in text  # older policies only in the provider-wide view


@pytest.mark.parametrize(("plan", "expected"), [("6", "six-sessions"), ("12-session treatment", "twelve-sessions")])
def test_plan_names_are_forgiving(cli, plan, expected):
    [mindbloom] = refunds(cli, "mindbloom", "--plan", plan)
    assert {p["plan"] for p in mindbloom["plans"]} == {expected}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["acme"], "no provider named 'acme'; valid ids: innerwell, better-u, mindbloom, joyous, spravato"),
        (["spravato"], "Spravato (esketamine nasal spray) is an alternative"),
        (["mindbloom", "--plan", "7"], "Mindbloom has no plan '7'; its plans: six-sessions, twelve-sessions"),
        (["--plan", "6"], "--plan needs a PROVIDER"),
    ],
)
def test_refunds_bad_input(cli, args, message):
    result = cli("refunds", *args)
    assert result.code == 2 and message in result.stderr


# ------------------------------------------------------------------------------------------- rows


def test_rows_carry_refund_if_ineligible(cli):
    rows = {r["id"]: r["refund_if_ineligible"] for r in cli("compare", "--json").json()}
    assert rows == {
        "innerwell": "unknown",  # its cheapest start is the Foundation Program: no policy was found for it
        "mindbloom": "full",  # the guide: the first installment is refunded if you do not qualify
        "better-u": "unknown",  # the guide: free evaluation appointments, which says nothing of what is paid before
        "joyous": "unknown",  # the same sentence of the guide: the same answer
    }


def test_each_row_answers_for_its_own_purchase_and_way_of_paying(cli):
    # Before: an insured Innerwell row said "full" while `refunds innerwell --plan foundation` said unknown.
    insured = cli("cost", "--doses", "8", "--state", "TX", "--insurance", "aetna", "--json").json()
    assert {r["id"]: r["refund_if_ineligible"] for r in insured}["innerwell"] == "unknown"
    extended = cli("cost", "--doses", "24", "--json").json()  # the self-pay Extended Program: its ladder applies
    assert {r["id"]: r["refund_if_ineligible"] for r in extended}["innerwell"] == "full"
    insured_extended = cli("cost", "--doses", "24", "--state", "TX", "--insurance", "aetna", "--json").json()
    assert {r["id"]: r["refund_if_ineligible"] for r in insured_extended}["innerwell"] == "unknown"


def test_returning_clients_get_unknown_not_full(cli):
    # Mindbloom's returning-client ladder was not found (only a legacy one for "repurchased clients").
    rows = cli("cost", "--doses", "12", "--returning", "--json").json()
    assert {r["id"]: r["refund_if_ineligible"] for r in rows} == {
        "better-u": "unknown", "innerwell": "unknown", "mindbloom": "unknown", "joyous": "unknown",
    }  # fmt: skip


def test_reimbursement_only_where_the_source_gives_it(cli):
    six = {r["id"]: r for r in cli("cost", "-n", "6", "--json").json()}
    assert (six["mindbloom"]["reimbursement_up_to"], six["mindbloom"]["net_best_case"]) == (650, 604)
    assert "up to $650 back from an out-of-network insurance claim, depending on your plan (not a promise): " \
        "$604–$1,254 net" in six["mindbloom"]["notes"]  # fmt: skip
    assert all(six[p]["reimbursement_up_to"] is None for p in ("innerwell", "better-u", "joyous"))
    # 12 or 18 sessions: the source says only "more"; 2 × 6 returning: no figure is scaled or summed.
    assert cli("cost", "-n", "12", "--json").json()[2]["reimbursement_up_to"] is None
    returning = {r["id"]: r for r in cli("cost", "-n", "12", "--returning", "--json").json()}
    assert returning["mindbloom"]["reimbursement_up_to"] is None


def test_tables_show_money_back_and_the_net_range(cli):
    out = cli("cost", "-n", "6", env={"COLUMNS": "240"}).stdout
    assert "up to $650 back; $604–$1,254 net" in out


# ------------------------------------------------------------------------------------------- validation


def invalid(cli, tmp_path, mutate) -> str:
    document = catalogue_document()
    mutate(document)
    path = write_catalogue(tmp_path / "c.toml", document)
    result = cli("catalog", "validate", str(path))
    assert result.code == 1
    return result.stderr


def test_charges_never_go_down(cli, tmp_path):
    def mutate(d):
        provider(d, "mindbloom")["refunds"][0]["stages"][2]["charged"] = [{"amount": 100}]

    assert "providers[2].refunds[0]: stages[2] charges less than the stage before it" in invalid(cli, tmp_path, mutate)


def test_charges_never_above_the_plan_price(cli, tmp_path):
    def mutate(d):
        provider(d, "mindbloom")["refunds"][0]["stages"][2]["charged"] = [{"amount": 1300}]

    assert "charges $1300, above the $1254 price of plan 'six-sessions'" in invalid(cli, tmp_path, mutate)


def test_a_partial_ladder_must_say_where_it_stops(cli, tmp_path):
    def mutate(d):
        del provider(d, "innerwell")["refunds"][0]["stops_after"]

    assert "stops_after is given exactly when the ladder is not complete" in invalid(cli, tmp_path, mutate)


def test_history_is_never_current(cli, tmp_path):
    def mutate(d):
        provider(d, "innerwell")["refunds"][1]["plans"] = ["extended"]

    assert "a historical ladder applies to no current plan" in invalid(cli, tmp_path, mutate)


# ------------------------------------------------------------------------------------------- facts and sources


def test_safety_has_the_guides_warnings_and_988(cli):
    safety = cli("safety", "--json").json()
    assert (
        "Swallowing your ketamine-infused saliva or the tablet/troche is dangerous and can lead to overdose."
        in (safety["how_taken"])
    )
    assert safety["fda_status"].startswith("Ketamine is FDA-approved only for the induction and maintenance")
    assert "trusted adult over 18 who is physically present" in safety["sitter"]
    text = cli("safety", env={"COLUMNS": "300"}).stdout
    sections = text.split("\n\n")
    for section in sections:
        if "suicid" in section.lower():
            assert "call or text 988" in section, section


def test_show_names_the_crisis_line_and_the_care_model(cli):
    text = cli("show", "mindbloom", env={"COLUMNS": "300"}).stdout
    assert "If you are in crisis\n  If you are having thoughts of suicide, call or text 988" in text
    assert (
        "Clinician follow-up: new clients: before session 1 and after session 2; returning clients: every 6 sessions"
        in text
    )
    assert "Add-on: Extra one-on-one integration session with your guide: $59" in text
    assert "History, not current policy: New Clients (Introductory Program), an older FAQ" in text
    innerwell = cli("show", "innerwell", env={"COLUMNS": "300"}).stdout
    assert "Add-on: Expert Psychotherapy Add-on (three extra one-on-one psychotherapy sessions): $525" in innerwell


def test_inferences_are_marked_or_removed():
    document = catalogue_document()
    innerwell = provider(document, "innerwell")
    assert all("unlimited_messaging" not in plan["includes"] for plan in innerwell["plans"])
    assert "inferred, not confirmed" in innerwell["support"][0]
    new_york = next(c for c in innerwell["availability"]["in_clinic"] if c["state"] == "NY")
    assert "delivery" not in new_york and "does not say which form of ketamine" in new_york["note"]
    assert provider(document, "better-u")["add_ons"] == []


def test_secondary_sources_carry_real_urls():
    document = catalogue_document()
    for entry in document["providers"] + document["alternatives"]:
        for source in entry["sources"]:
            publisher = source.get("publisher", "")
            if any(name in publisher for name in ("help center", "Wikipedia", "Crain's", "VitalityScout", "support")):
                assert source["url"].startswith("https://"), source


def test_continuation_sessions_say_they_are_applied_for(cli):
    better_u = cli("cost", "-n", "12", "--json").json()[0]
    assert better_u["notes"][0].startswith("3 continuation sessions at $79 each: you apply for them")


# ------------------------------------------------------------------------------------------- money at risk


@pytest.mark.parametrize(
    ("args", "provider_id", "ineligible", "after_first_shipment"),
    [
        (["-n", "6"], "mindbloom", 0, [{"amount": 627, "condition": "50% of the full-price $1,254 program"}]),
        (["-n", "12"], "mindbloom", 0, None),  # the 12-session ladder was not found
        (["-n", "6", "--returning"], "mindbloom", None, None),  # no returning-client ladder
        (["-n", "6"], "better-u", None, None),  # a free evaluation, no word of what is paid before; no ladder
        (["-n", "8"], "innerwell", None, None),  # the Foundation Program: no policy found
        (
            ["-n", "12"],
            "innerwell",
            0,
            [
                {"amount": 450, "condition": 'if you have not completed the included "Meet Your Therapist" session'},
                {"amount": 615, "condition": "if you have completed it"},
            ],
        ),
        # Insured: the self-pay ladder does not cover it, so both are unknown, not the self-pay figures.
        (["-n", "12", "--state", "TX", "--insurance", "aetna"], "innerwell", None, None),
    ],
)
def test_money_at_risk_comes_from_the_covering_policy(cli, args, provider_id, ineligible, after_first_shipment):
    rows = cli("cost", *args, "--json").json()
    row = next(r for r in rows if r["id"] == provider_id)
    assert (row["lose_if_ineligible"], row["lose_if_stopped_after_first_shipment"]) == (
        ineligible,
        after_first_shipment,
    )


def test_a_provider_level_answer_is_never_more_certain_than_its_plans(cli):
    """Innerwell's policy refunds in full only for its self-pay Extended Program: the other three plan and
    payment cases are unknown, so the provider-level answer depends on the plan (before 0.6: "full")."""
    (innerwell,) = refunds(cli, "innerwell")
    assert innerwell["refund_if_ineligible"]["value"] == "depends_on_plan"
    assert innerwell["refund_if_ineligible"]["stated"] == "full"
    (extended,) = refunds(cli, "innerwell", "--plan", "extended")
    assert {p["if_found_ineligible"] for p in extended["plans"]} == {"full", "unknown"}
    assert extended["refund_if_ineligible"]["value"] == "depends_on_plan"


def test_the_repurchased_clients_ladder_is_not_a_new_client_policy(cli):
    (mindbloom,) = refunds(cli, "mindbloom")
    history = {ladder["id"]: ladder["clients"] for ladder in mindbloom["history"]}
    assert history["repurchased-older"] == "returning"  # before 0.6: "new", the model's default
