"""document.py's TypedDicts mirror models.py field for field, and a real validated document fits them."""

from __future__ import annotations

import typing

import pytest

from ketacli import document, models
from ketacli.catalogue import load_catalogue
from ketacli.query import is_provider

PAIRS = [
    (document.CatalogueDoc, models.Catalogue), (document.ProviderDoc, models.Provider),
    (document.AlternativeDoc, models.Alternative), (document.PlanDoc, models.Plan),
    (document.SubscriptionDoc, models.Subscription), (document.ContinuationDoc, models.Continuation),
    (document.InsuranceDoc, models.Insurance), (document.FinancingDoc, models.Financing),
    (document.ConsultationDoc, models.Consultation), (document.AvailabilityDoc, models.Availability),
    (document.ClinicDoc, models.ClinicOption), (document.CareDoc, models.CareModel),
    (document.StarterKitDoc, models.StarterKit), (document.SourceDoc, models.Source), (document.NoteDoc, models.Note),
    (document.InstallmentsDoc, models.Installments), (document.PlanFinancingDoc, models.PlanFinancing),
    (document.PlanIncludesDoc, models.PlanIncludes), (document.RefundPolicyDoc, models.RefundPolicy),
    (document.RefundStageDoc, models.RefundStage), (document.StageChargeDoc, models.StageCharge),
    (document.IneligibleRefundDoc, models.IneligibleRefund), (document.ReimbursementDoc, models.Reimbursement),
    (document.AddOnDoc, models.AddOn), (document.SafetyDoc, models.SafetyInformation), (document.RuleDoc, models.Rule),
    (document.FirstEvaluationDoc, models.FirstEvaluation),
]  # fmt: skip


@pytest.mark.parametrize(("typed", "model"), PAIRS, ids=[t.__name__ for t, _ in PAIRS])
def test_the_typed_document_mirrors_the_schema(typed, model):
    assert set(typing.get_type_hints(typed)) == set(model.model_fields)
    assert typed.__required_keys__ == set(model.model_fields)  # every key is present in a dump


def test_a_validated_document_has_exactly_those_keys():
    data = load_catalogue().data
    assert set(data) == set(typing.get_type_hints(document.CatalogueDoc))
    for provider in data["providers"]:
        assert set(provider) == set(typing.get_type_hints(document.ProviderDoc))
        assert is_provider(provider)
    for alternative in data["alternatives"]:
        assert set(alternative) == set(typing.get_type_hints(document.AlternativeDoc))
        assert not is_provider(alternative)


def test_the_prebuilt_builtin_documents_are_what_validation_gives_today():
    """The package carries the shipped catalogue's validated documents (issue #32), so a first run never
    imports pydantic."""
    from ketacli.catalogue import BUILTIN_DIR, builtin_documents

    made = builtin_documents()
    for part, body in made.items():
        stale = f"src/ketacli/builtin/{part}.json is not what validating providers.toml gives: run python -m ketacli.catalogue"
        assert (BUILTIN_DIR / f"{part}.json").read_bytes() == body, stale


def test_an_edited_builtin_catalogue_is_validated_not_taken_from_the_prebuilt(tmp_path, monkeypatch):
    """A source checkout whose providers.toml changed since the prebuilt documents were made: their checksum
    no longer matches, so the edit is validated and used, never hidden behind stale data."""
    from ketacli import catalogue

    edited = tmp_path / "providers.toml"
    text = catalogue.builtin_catalogue_path().read_text(encoding="utf-8")
    edited.write_text(text.replace('name = "Joyous"', 'name = "Joyous (edited)"', 1), encoding="utf-8")
    monkeypatch.setattr(catalogue, "builtin_catalogue_path", lambda: edited)
    names = [p["name"] for p in catalogue.load_catalogue().providers]
    assert "Joyous (edited)" in names
    bad = tmp_path / "bad.toml"
    bad.write_text(text.replace("price = 129", 'price = "lots"', 1), encoding="utf-8")
    monkeypatch.setattr(catalogue, "builtin_catalogue_path", lambda: bad)
    with pytest.raises(catalogue.CatalogueError):
        catalogue.load_query()
