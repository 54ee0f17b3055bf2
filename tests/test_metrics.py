import pytest

from assistant.metrics import brier, first_rank, hit_at, mean, percentile, precision_recall, recall_at, reciprocal_rank

RANKED = ["a", "b", "c", "d"]


def test_rank_metrics() -> None:
    assert first_rank(RANKED, {"c"}) == 3 and first_rank(RANKED, {"z"}) is None
    assert hit_at(RANKED, {"c"}, 3) == 1.0 and hit_at(RANKED, {"c"}, 2) == 0.0
    assert reciprocal_rank(RANKED, {"b", "d"}) == 0.5 and reciprocal_rank(RANKED, {"z"}) == 0.0
    assert recall_at(RANKED, {"a", "d", "z"}, 4) == pytest.approx(2 / 3)
    assert recall_at(RANKED, set(), 4) == 0.0


def test_nearest_rank_percentile() -> None:
    values = list(range(1, 11))
    assert percentile(values, 50) == 5 and percentile(values, 90) == 9 and percentile(values, 100) == 10
    assert percentile(list(range(1, 101)), 95) == 95
    assert percentile([7.0], 50) == 7.0
    with pytest.raises(ValueError):
        percentile([], 50)


def test_calibration_and_classification() -> None:
    assert brier([1.0, 0.0], [1, 0]) == 0.0 and brier([0.5], [1]) == 0.25
    assert precision_recall([True, True, False, False], [True, False, True, False]) == (0.5, 0.5)
    assert precision_recall([False], [False]) == (0.0, 0.0)
    assert mean([]) == 0.0


def test_outcome_differences() -> None:
    from assistant.metrics import outcome_differences

    outcome = {"self_adjust_allowed": False, "failed": ["new_content_cap", "adjustment_ratio"], "grounds": [3, 1]}
    assert (
        outcome_differences({"self_adjust_allowed": False, "failed": ["adjustment_ratio", "new_content_cap"]}, outcome)
        == []
    )
    assert outcome_differences({"grounds": [1, 3]}, outcome) == []
    assert outcome_differences({"self_adjust_allowed": True}, outcome) == [
        "self_adjust_allowed: expected True, got False"
    ]
    assert outcome_differences({"route": None}, {}) == []  # null expected, field absent: both "undecided"
    assert outcome_differences({"in_force": None}, {"in_force": False}) == ["in_force: expected None, got False"]
