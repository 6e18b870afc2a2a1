"""The gate's result model: what a result built without a decision says."""

from __future__ import annotations

from safety_regression.gate.result import CategoryResult, CategoryStatus
from safety_regression.report.comment import regressed_categories, unproven_categories

from .test_report import _category, make_result


def test_a_category_built_without_a_status_is_unproven_never_a_silent_pass() -> None:
    fields = _category("a").model_dump(exclude={"status"})
    category = CategoryResult.model_validate(fields)
    assert category.status is CategoryStatus.UNPROVEN
    result = make_result(categories=[category])
    assert unproven_categories(result) == ["a"]
    assert regressed_categories(result) == []


def test_a_stated_status_is_kept() -> None:
    for status in CategoryStatus:
        assert _category("a", status=status).status is status
