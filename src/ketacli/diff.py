"""What changed between two validated catalogues. Pure: two documents in, a list of changes out."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, NamedTuple

if TYPE_CHECKING:
    from .document import CatalogueDoc, Entry, RuleDoc


# Sets, not sequences: their order carries no meaning, so report what was added and removed.
_SET_PATHS = ("availability.states_known",)


class Change(NamedTuple):
    id: str
    kind: str  # added, removed, price, plan, state, carrier, policy, rule
    path: str
    old: Any
    new: Any


def diff_catalogues(old: CatalogueDoc, new: CatalogueDoc) -> list[Change]:
    changes: list[Change] = []
    sections: list[tuple[Sequence[Entry], Sequence[Entry]]] = [
        (old["providers"], new["providers"]),
        (old["alternatives"], new["alternatives"]),
    ]
    for old_entries, new_entries in sections:
        before = {entry["id"]: entry for entry in old_entries}
        after = {entry["id"]: entry for entry in new_entries}
        for entry_id in before.keys() - after.keys():
            changes.append(Change(entry_id, "removed", "", before[entry_id]["name"], None))
        for entry_id in after.keys() - before.keys():
            changes.append(Change(entry_id, "added", "", None, after[entry_id]["name"]))
        for entry_id in before.keys() & after.keys():
            changes += _entry_changes(entry_id, _flatten(before[entry_id]), _flatten(after[entry_id]))
    changes += _rule_changes(old.get("rules", []), new.get("rules", []))
    order = {"removed": 0, "added": 1}
    return sorted(changes, key=lambda c: (order.get(c.kind, 2), c.id, c.path))


def _rule_changes(old: Sequence[RuleDoc], new: Sequence[RuleDoc]) -> list[Change]:
    """Dated rules: a rule added or removed, or any of its fields changed (an end date, a status), as kind 'rule'."""
    before = {rule["id"]: rule for rule in old}
    after = {rule["id"]: rule for rule in new}
    changes = [Change(i, "rule", "", before[i]["title"], None) for i in before.keys() - after.keys()]
    changes += [Change(i, "rule", "", None, after[i]["title"]) for i in after.keys() - before.keys()]
    for rule_id in before.keys() & after.keys():
        changes += [
            change._replace(kind="rule")
            for change in _entry_changes(rule_id, _flatten(dict(before[rule_id])), _flatten(dict(after[rule_id])))
        ]
    return changes


def _entry_changes(entry_id: str, before: dict[str, Any], after: dict[str, Any]) -> list[Change]:
    changes = []
    whole: list[str] = []  # records added or removed as a whole: their fields are not listed again
    for path in sorted(before.keys() | after.keys()):
        old, new = before.get(path), after.get(path)
        if old == new or any(path.startswith(prefix) for prefix in whole):
            continue
        if path.endswith("]") and (old is None or new is None):
            whole.append(path + ".")
        if path in _SET_PATHS or path.startswith("insurance.carriers_by_state."):
            kind = "state" if path in _SET_PATHS else "carrier"
            gone, came = sorted(set(old or []) - set(new or [])), sorted(set(new or []) - set(old or []))
            changes.append(Change(entry_id, kind, path, gone, came))
            continue
        changes.append(Change(entry_id, _kind(path), path, old, new))
    return changes


def _kind(path: str) -> str:
    head = path.split(".")[0].split("[")[0]
    if head in ("plans", "subscriptions") and path.count(".") == 0:
        return "plan"  # a whole plan added or removed
    if head in ("plans", "subscriptions", "continuation", "pay_in_full_saving") and (
        any(word in path for word in ("price", "per_dose", "installments", "monthly_from", "saving"))
    ):
        return "price"
    if head in ("plans", "subscriptions", "continuation"):
        return "plan"
    return "policy"


def _flatten(value: Any, path: str = "") -> dict[str, Any]:
    """Key paths to leaves; lists of records with an id are keyed by id (plans[foundation].price)."""
    if isinstance(value, dict):
        if path.startswith("insurance.carriers_by_state") and path.count(".") == 1:
            return {f"{path}.{state}": carriers for state, carriers in value.items()}
        flat: dict[str, Any] = {}
        for key, child in value.items():
            flat.update(_flatten(child, f"{path}.{key}" if path else key))
        return flat
    if isinstance(value, list) and value and all(isinstance(v, dict) and "id" in v for v in value):
        flat = {}
        for child in value:
            key = f"{path}[{child['id']}]"
            flat[key] = _summary(child)
            flat.update({k: v for k, v in _flatten(child, key).items() if not k.endswith(".id")})
        return flat
    if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
        flat = {}  # records without ids (refund stages, reimbursement figures): by position
        for index, child in enumerate(value):
            flat.update(_flatten(child, f"{path}[{index}]"))
        return flat
    return {path: value}


def _summary(record: dict[str, Any]) -> str:
    return str(record.get("name", record.get("title", record["id"])))
