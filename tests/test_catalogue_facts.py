"""The guide's facts, read back through `ketacli show --json` exactly as a script would."""

from __future__ import annotations

import pytest

INNERWELL_STATES = {
    "AZ",
    "CA",
    "CO",
    "CT",
    "FL",
    "GA",
    "IL",
    "IA",
    "MA",
    "MI",
    "MN",
    "NH",
    "NJ",
    "NY",
    "OH",
    "OR",
    "PA",
    "TN",
    "TX",
    "UT",
    "VA",
    "WA",
    "WI",
    "ID",
    "MT",
}


def plan(entry, plan_id):
    return next(p for p in entry["plans"] if p["id"] == plan_id)


def test_mindbloom_prices_new_and_returning(cli):
    mindbloom = cli("show", "mindbloom", "--json").json()
    eighteen = plan(mindbloom, "eighteen-sessions")
    assert (eighteen["doses"], eighteen["price"], eighteen["returning_price"]) == (18, 2862, 2322)
    assert eighteen["installments"] == {
        "count": 9,
        "amount": 318,
        "period": "month",
        "first_due": "checkout",  # the guide: the first installment at checkout, before the evaluation
        "pace": "unknown",  # "$318/month", two sessions each: no source says billing follows the sessions (#40)
        "sessions_each": None,
        "source": None,
    }
    six = plan(mindbloom, "six-sessions")
    assert (six["price"], six["per_dose_stated"], six["returning_price"]) == (1254, 209, 954)
    assert six["installments"] == {
        "count": 3,
        "amount": 418,
        "period": "month",
        "first_due": "checkout",  # the guide: the first installment at checkout, before the evaluation
        "pace": "unknown",  # "$318/month", two sessions each: no source says billing follows the sessions (#40)
        "sessions_each": None,
        "source": None,
    }
    twelve = plan(mindbloom, "twelve-sessions")
    assert (twelve["price"], twelve["returning_price"]) == (2148, "not_offered")
    assert twelve["installments"] == {
        "count": 6,
        "amount": 358,
        "period": "month",
        "first_due": "checkout",  # the guide: the first installment at checkout, before the evaluation
        "pace": "unknown",  # "$318/month", two sessions each: no source says billing follows the sessions (#40)
        "sessions_each": None,
        "source": None,
    }
    assert mindbloom["consultation"]["cost"] == "first_installment_refundable"
    assert mindbloom["insurance"]["hsa_fsa"] == "may_be_possible"
    assert mindbloom["delivery"] == ["sublingual_tablet", "subcutaneous_injection"]


def test_innerwell_plans_insured_and_self_pay(cli):
    innerwell = cli("show", "innerwell", "--json").json()
    extended = plan(innerwell, "extended")
    assert (extended["doses"], extended["price"], extended["per_dose_stated"]) == (24, 2100, 87.5)
    # Self-pay: "billed on the payment schedule reflected on this receipt" says neither when nor at what pace;
    # insured plans for non-covered services are billed monthly "even if you have not scheduled" (#40).
    billing = {"first_due": "unknown", "pace": "unknown", "sessions_each": None, "source": "innerwell-billing"}
    insured_billing = {**billing, "pace": "calendar"}
    assert extended["installments"] == {"count": 4, "amount": 525, "period": "month", **billing}
    assert extended["insured_price"] == 1398
    assert extended["insured_installments"] == {"count": 3, "amount": 466, "period": "month", **insured_billing}
    foundation = plan(innerwell, "foundation")
    assert (foundation["price"], foundation["per_dose_stated"], foundation["insured_price"]) == (1098, 137.25, 650)
    assert foundation["installments"]["amount"] == 366
    assert foundation["insured_installments"] == {"count": 2, "amount": 325, "period": "month", **insured_billing}
    assert foundation["includes"]["clinician_consults"] == 3
    assert foundation["includes"]["psychotherapy_sessions"] == 1
    assert innerwell["pay_in_full_saving"] == 100


def test_innerwell_availability_is_the_complete_list_of_25(cli):
    availability = cli("show", "innerwell", "--json").json()["availability"]
    assert set(availability["states_known"]) == INNERWELL_STATES
    assert availability["states_reported"] == 25
    assert availability["list_complete"] is True
    ny, ca = availability["in_clinic"]
    assert (ny["state"], ny["ketamine_sessions"]) == ("NY", True)
    assert (ca["state"], ca["locations"], ca["ketamine_sessions"]) == ("CA", 2, False)


def test_innerwell_carriers_are_verbatim(cli):
    carriers = cli("show", "innerwell", "--json").json()["insurance"]["carriers_by_state"]
    assert len(carriers) == 23
    assert "ID" not in carriers and "MT" not in carriers
    assert carriers["TX"] == [
        "Aetna",
        "Blue Cross Blue Shield of Texas",
        "Cigna/Evernorth Behavioral Health",
        "Evry Health",
        "UnitedHealthcare/Optum",
        "Zelis",
    ]
    assert carriers["WA"] == [
        "Aetna",
        "Cigna/Evernorth Behavioral Health",
        "Regence BlueShield",
        "UnitedHealthcare/Optum",
    ]
    assert carriers["GA"] == ["Zelis"]
    assert len(carriers["CA"]) == 10


def test_better_u_continuation_financing_and_plans(cli):
    better_u = cli("show", "Better U", "--json").json()
    assert better_u["continuation"]["price_per_session"] == 79
    assert [(p["name"], p["doses"], p["price"], p["per_dose_stated"]) for p in better_u["plans"]] == [
        ("Introduction", 5, 500, 100),
        ("Transformation", 9, 792, 88),
    ]
    assert plan(better_u, "transformation")["financing"] == {
        "monthly_from": 54,
        "approval": "guaranteed",
        "note": "As low as $54 per month; approval guaranteed.",
    }
    assert plan(better_u, "introduction")["financing"]["approval"] == "subject_to_approval"
    assert better_u["financing"]["checkout_installments"] == ["Affirm", "Afterpay"]
    assert better_u["care"]["id_verification"] == "may_ask"
    assert {c["state"] for c in better_u["availability"]["in_clinic"]} == {"NY", "CA", "FL"}
    assert better_u["availability"]["list_complete"] is False


def test_joyous_subscription_and_very_low_dose(cli):
    joyous = cli("show", "JOYOUS", "--json").json()
    (monthly,) = joyous["subscriptions"]
    assert (monthly["doses_per_period"], monthly["price"], monthly["per_dose_stated"]) == (30, 129, 4.3)
    assert monthly["commitment"] == "No commitment"
    assert joyous["dose_level"] == "very_low"
    assert joyous["care"]["sitter_required"] is False
    assert joyous["care"]["integration"] == "none"
    assert joyous["availability"]["states_reported"] == 30
    assert any("28" in text for text in joyous["inconsistencies"])


@pytest.mark.parametrize("name", ["better u", "Better-U", "BETTERU", "better-u"])
def test_show_accepts_names_in_any_case(cli, name):
    assert cli("show", name, "--json").json()["id"] == "better-u"


def test_show_unknown_provider_lists_valid_ids(cli):
    result = cli("show", "ketamine-r-us")
    assert result.code == 2
    assert result.stdout == ""
    assert "innerwell, better-u, mindbloom, joyous, spravato, infusion-clinics" in result.stderr


def test_every_provider_has_sources_and_as_of(cli):
    for provider_id in ("innerwell", "better-u", "mindbloom", "joyous", "spravato", "infusion-clinics"):
        entry = cli("show", provider_id, "--json").json()
        assert entry["as_of"] == "2025-06-13"
        assert entry["sources"][0]["url"] == "https://www.innerbody.com/best-ketamine-therapy"
        assert entry["sources"][0]["date"] == "2025-06-13"


def test_alternatives_spravato_and_infusion(cli):
    spravato = cli("show", "spravato", "--json").json()
    assert spravato["fda_approved"] is True
    assert "two hours" in spravato["setting"] and "drive" in spravato["setting"]
    infusion = cli("show", "infusion clinics", "--json").json()
    assert any("$400-$700" in c["text"] for c in infusion["cost"])


def test_show_text_view_lists_sources_and_inconsistencies(cli):
    result = cli("show", "mindbloom")
    assert result.code == 0
    lines = result.stdout.splitlines()
    assert lines[:3] == [
        "Mindbloom",
        "  Well-known telehealth ketamine therapy provider with the widest availability of the guide's picks and the "
        "only one offering at-home subcutaneous injections; the most expensive.",
        "  Best for: Best injectable ketamine therapy; Most widely available",
    ]
    assert "Sources" in lines and "Notes" in lines and "Inconsistencies in the sources" in lines
    assert "Inconsistencies in the sources" in result.stdout
    assert "$128 to $159" in result.stdout
    assert (
        "https://help-center.mindbloom.com/en/articles/8894531-what-is-mindbloom-s-refund-policy (undated)"
        in result.stdout
    )
    assert (
        "18-session treatment: 18 doses, $2,862 (9 monthly payments of $318); returning clients: $2,322"
        in result.stdout
    )


def test_providers_lists_all_four(cli):
    rows = cli("providers", "--json").json()
    assert [(r["id"], r["states_served"], r["price_range"]) for r in rows] == [
        ("innerwell", 25, "$1,098–$2,100"),
        ("better-u", 31, "$500–$792"),
        ("mindbloom", 35, "$1,254–$2,862"),
        ("joyous", 30, "$129/month"),
    ]


def test_shipped_catalogue_validates(cli):
    result = cli("catalog", "validate")
    assert result.code == 0, result.stderr
    assert "valid (4 providers, 2 alternatives)" in result.stdout


def test_json_money_is_plain_numbers(cli):
    text = cli("show", "innerwell", "--json").stdout
    assert '"price": 1098,' in text
    assert '"per_dose_stated": 137.25,' in text
    assert '"per_dose_stated": 87.5,' in text
    assert ".0," not in text


# ------------------------------------------------------------------ what the sources say, and no more (#18 §5)


def test_adults_only_in_safety_and_show(cli):
    safety = cli("safety", env={"COLUMNS": "200"}).stdout
    assert "Adults only\n" in safety
    assert "that you are an adult; some telehealth platforms have got into trouble for checking IDs" in safety
    assert "Better U does not serve clients younger than 18. [source: Clinical safety]" in safety
    ages = {a["id"]: a["minimum_age"] for a in cli("safety", "--json").json()["minimum_ages"]}
    assert ages == {"innerwell": "unknown", "better-u": 18, "mindbloom": "unknown", "joyous": "unknown"}
    assert "Minimum age: 18; does not serve clients younger than that" in cli("show", "better-u").stdout
    assert "Minimum age: not stated in the sources" in cli("show", "joyous").stdout


def test_candidates_are_the_guides_generally_healthy_individuals(cli):
    criteria = cli("safety", "--json").json()["exclusion_criteria"]
    assert not any("healthy adults" in line for line in criteria)
    assert any("generally healthy individuals, not pregnant or breastfeeding" in line for line in criteria)


def test_the_crisis_line_has_its_own_source(cli):
    safety = cli("safety", "--json").json()
    assert safety["crisis_line_source"] == "lifeline-988" != safety["source"]
    assert "health.wyo.gov" in cli("safety").stdout


def test_mindbloom_hsa_fsa_disagreement_is_recorded_with_dates(cli):
    insurance = cli("show", "mindbloom", "--json").json()["insurance"]
    assert insurance["hsa_fsa"] == "may_be_possible"  # the guide's word stays
    elsewhere = insurance["hsa_fsa_elsewhere"]
    assert elsewhere["source"] == "mindbloom-insurance"
    assert "(undated)" in elsewhere["text"] and "2025-06-13" in elsewhere["text"]
    report = cli("report", "--doses", "12", "--format", "markdown").stdout
    assert "Will your HSA or FSA administrator accept Mindbloom? The sources disagree:" in report


def test_the_reimbursement_question_matches_the_figures_quoted(cli):
    report = cli("report", "--doses", "12", "--format", "markdown").stdout
    question = next(line for line in report.splitlines() if "for 12-session treatment at Mindbloom?" in line)
    assert "No figure is known" not in question
    assert question.startswith("- How much would your plan reimburse out of network for 12-session treatment")
    assert '"save as much as $1,150 with insurance"' in question


def test_innerwell_disagreements_and_inferences_are_marked(cli):
    innerwell = cli("show", "innerwell", "--json").json()
    said = " ".join(innerwell["inconsistencies"])
    assert '"a licensed doctor who specializes in mental health"' in said
    assert "that limit is an inference" in said
    assert "Continued care options after treatment" not in innerwell["add_ons"]  # a pro in the guide
    assert "Continued care options offered after treatment conclusion" in innerwell["pros"]


def test_sources_without_an_address_say_so_plainly(cli):
    for entry in ["innerwell", "joyous", "infusion-clinics"]:
        document = cli("show", entry, "--json").json()
        assert all(s["url"] != "unknown" for s in document["sources"])
        assert not any("nyc" in s["id"] for s in document["sources"])
    assert "address not recorded" in cli("show", "joyous").stdout


def test_joyous_dosing_keeps_the_providers_words(cli):
    notes = [n["text"] for n in cli("show", "joyous", "--json").json()["notes"]]
    assert any('"encouraged to begin spacing out their doses"' in n for n in notes)
