"""The bind-resolve ranking policy on its own."""

from __future__ import annotations

import pytest

from tracker_host.matching import Bindable, kebab, rank_candidates


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("My Project", "my-project"),
        ("my_project", "my-project"),
        ("MyProject", "my-project"),
        ("  Backend   API ", "backend-api"),
        ("LINEAR-123", "linear-123"),
        ("Identity & Access", "identity-access"),
        ("---", ""),
    ],
)
def test_kebab(text: str, expected: str) -> None:
    assert kebab(text) == expected


def _res(key: str, name: str, label: str | None = None) -> Bindable:
    return Bindable(
        resource_id=f"r:{key}",
        key=key,
        name=name,
        display_label=label or f"{name} ({key})",
        workspace_name="WS",
    )


def test_confidence_levels_and_reasons() -> None:
    ranked = rank_candidates(
        "search-indexer",
        "acme/Billing_Service",
        [
            _res("SRCH", "Search Service"),
            _res("BILL", "Billing Service"),
            _res("IDX", "Unrelated"),
            _res("search-indexer", "Something"),
        ],
    )
    by_label = {c.resource.display_label: c for c in ranked}
    assert by_label["Something (search-indexer)"].confidence == "high"
    assert "Key" in by_label["Something (search-indexer)"].match_reason
    assert by_label["Billing Service (BILL)"].confidence == "high"
    assert "repository name" in by_label["Billing Service (BILL)"].match_reason
    assert by_label["Search Service (SRCH)"].confidence == "medium"
    assert "'search'" in by_label["Search Service (SRCH)"].match_reason
    assert by_label["Unrelated (IDX)"].confidence == "low"
    assert by_label["Unrelated (IDX)"].match_reason == "Available in WS."


def test_single_letters_and_numbers_are_not_shared_words() -> None:
    ranked = rank_candidates("app-2-x", None, [_res("K", "Other 2 x")])
    assert ranked[0].confidence == "low"


def test_ties_break_case_insensitively_then_as_is_then_by_id() -> None:
    resources = [
        _res("b", "n", "beta"),
        _res("a2", "n", "Alpha"),
        _res("a1", "n", "alpha"),
        _res("a3", "n", "Alpha"),
    ]
    ranked = rank_candidates("zzz", None, resources)
    assert [(c.resource.display_label, c.resource.key) for c in ranked] == [
        ("Alpha", "a2"),
        ("Alpha", "a3"),
        ("alpha", "a1"),
        ("beta", "b"),
    ]
