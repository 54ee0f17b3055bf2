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


# --- citations in the contract against gold units -------------------------------------------------------


def _c(doc: str, article: int, paragraph: int | None = None, item: int | None = None) -> dict:
    return {"doc_id": doc, "article": article, "paragraph": paragraph, "item": item, "label": f"{doc} {article}"}


def _g(doc: str, article: int, paragraph: int | None = None, item: int | None = None) -> dict:
    return {"doc": doc, "article": article, "paragraph": paragraph, "item": item}


def test_covers_by_level() -> None:
    from assistant.metrics import covers

    gold_para = _g("b", 21, 2)
    assert covers(gold_para, _c("b", 21), "article") and not covers(gold_para, _c("b", 21), "unit")
    assert covers(gold_para, _c("b", 21, 2), "unit") and not covers(gold_para, _c("b", 21, 1), "unit")
    assert covers(_g("b", 21), _c("b", 21, 3), "unit")  # a gold article takes any of its units
    assert covers(_g("b", 10, None, 3), _c("b", 10, 1, 3), "unit")  # an item without its 款
    assert not covers(_g("b", 10, None, 3), _c("b", 10, 1, 2), "unit")
    assert not covers(_g("b", 21), _c("other", 21), "article")


def test_citation_prf() -> None:
    from assistant.metrics import citation_prf

    gold = [_g("b", 27, 2), _g("fiscal", 14)]
    both = [_c("b", 27, 2), _c("fiscal", 14, 1)]
    assert citation_prf(both, gold, "unit") == (1.0, 1.0, 1.0)
    half = [_c("b", 27, 1), _c("b", 27, 2), _c("x", 3)]
    p, r, f = citation_prf(half, gold, "unit")
    assert (p, r) == (1 / 3, 1 / 2) and abs(f - 0.4) < 1e-9
    p, r, f = citation_prf(half, gold, "article")  # 27 once, x once: one of two right; one of two gold found
    assert (p, r, f) == (0.5, 0.5, 0.5)
    assert citation_prf([], gold, "article") == (0.0, 0.0, 0.0)


def test_cited_articles_keeps_order_once() -> None:
    from assistant.metrics import cited_articles

    assert cited_articles([_c("b", 19), _c("b", 19, 1), _c("b", 2), _c("c", 19)]) == [("b", 19), ("b", 2), ("c", 19)]


def test_turn_problems() -> None:
    from assistant.metrics import turn_problems

    record = {
        "intent": "calculator",
        "abstained": False,
        "answer": "不要求。总投资150万元…",
        "citations": [_c("baotou-2024-106", 19)],
        "calculation": {"outcome": {"supervision_required": False}},
    }
    expect = {
        "intent": "calculator",
        "abstained": False,
        "articles": [_g("baotou-2024-106", 19)],
        "verdict_starts": ["不要求", "不需要"],
        "outcome": {"supervision_required": False},
    }
    assert turn_problems(expect, record) == []
    wrong = {**record, "intent": "retrieval", "answer": "需要。", "calculation": None, "citations": []}
    problems = turn_problems(expect, wrong)
    assert len(problems) == 4 and problems[-1] == "no calculation"
    assert turn_problems({"abstained": True}, record) == ["abstained False, expected True"]


def test_contract_problems() -> None:
    from assistant.metrics import contract_problems

    good = {"id": 1, "answer": "a", "abstained": False, "intent": "article", "citations": [], "calculation": None}
    assert contract_problems(good) == []
    assert contract_problems({"id": 1}) == [
        "answer: missing",
        "abstained: missing",
        "intent: missing",
        "citations: missing",
        "calculation: missing",
    ]
    assert contract_problems({**good, "abstained": "no"}) == ["abstained: not bool"]
    assert contract_problems({**good, "citations": [{"doc_id": "b"}]})[0].startswith("citation 1: needs")
