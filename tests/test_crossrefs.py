"""The reference graph read from the texts: the 办法's 依据, its 第二十七条, its internal 上述情形, and the
references inside the national laws; each edge resolved to a unit or marked not bundled."""

from __future__ import annotations

import pytest

from assistant.corpus import Corpus
from assistant.crossrefs import ReferenceGraph
from assistant.retrieve import Router


@pytest.fixture(scope="module")
def graph(corpus: Corpus) -> ReferenceGraph:
    """With the regulations folder: 财政违法行为处罚处分条例 and 政府采购法实施条例 are bundled."""
    return ReferenceGraph.build(corpus, Router(corpus))


@pytest.fixture(scope="module")
def default_graph(default_corpus: Corpus) -> ReferenceGraph:
    return ReferenceGraph.build(default_corpus, Router(default_corpus))


def edges(graph: ReferenceGraph, source: str) -> list[tuple[str, str | None, str | None, str]]:
    return [(e.text, e.target_doc, e.target_unit, e.status) for e in graph.outgoing(source)]


def test_the_first_article_rests_on_two_documents_not_bundled(default_graph: ReferenceGraph) -> None:
    assert edges(default_graph, "baotou-2024-106:1") == [
        ("《国家政务信息化项目建设管理办法》(国办发〔2019〕57号)", "gov-info-projects-2019", None, "not_bundled"),
        ("《内蒙古自治区公共数据管理暂行办法》(内政发〔2024〕19号)", "nmg-public-data-2024", None, "not_bundled"),
    ]
    [first, _] = default_graph.outgoing("baotou-2024-106:1")
    assert first.source_label == "办法 第一条" and first.target_label.endswith("（国办发〔2019〕57号）")


def test_article_27_names_decree_427_bundled_or_not(graph: ReferenceGraph, default_graph: ReferenceGraph) -> None:
    text = "《财政违法行为处罚处分条例》(国令第427号)"
    assert edges(default_graph, "baotou-2024-106:27") == [(text, "fiscal-violations-regulation", None, "not_bundled")]
    assert edges(graph, "baotou-2024-106:27") == [(text, "fiscal-violations-regulation", None, "resolved")]
    assert default_graph.outgoing("baotou-2024-106:27")[0].source == "baotou-2024-106:27:2"


def test_the_situations_of_article_21_are_its_first_paragraph_items(graph: ReferenceGraph) -> None:
    assert edges(graph, "baotou-2024-106:21:3") == [
        ("上述情形", "baotou-2024-106", f"baotou-2024-106:21:1:{n}", "resolved") for n in (1, 2, 3)
    ]
    labels = [e.target_label for e in graph.outgoing("baotou-2024-106:21")]
    assert labels == [f"办法 第二十一条第一款第（{n}）项" for n in "一二三"]


@pytest.mark.parametrize(
    ("source", "text", "target"),
    [
        ("prc-cybersecurity-law:63", "本法第二十五条", "prc-cybersecurity-law:25"),
        ("prc-budget-law:14", "前三款", "prc-budget-law:14:1"),
        ("prc-audit-law:50", "前条", "prc-audit-law:49"),
        ("gov-procurement-regulation:72", "政府采购法第七十七条第一款", "prc-government-procurement-law:77:1"),
    ],
)
def test_references_inside_the_national_laws_resolve_to_units(
    graph: ReferenceGraph, source: str, text: str, target: str
) -> None:
    assert (text, target, "resolved") in [(e.text, e.target_unit, e.status) for e in graph.outgoing(source)]


def test_a_law_no_manifest_lists_is_an_unknown_document(graph: ReferenceGraph) -> None:
    found = [e for e in graph.outgoing("prc-cybersecurity-law:42") if "民法典" in e.text]
    assert [(e.target_doc, e.status, e.target_label) for e in found] == [
        (None, "unknown_document", "中华人民共和国民法典")
    ]


def test_every_edge_is_resolved_or_says_why_not(graph: ReferenceGraph, corpus: Corpus) -> None:
    assert len(graph.edges) > 200
    for e in graph.edges:
        if e.status == "resolved":
            doc = corpus.documents[e.target_doc]
            assert e.target_unit is None or any(u.id == e.target_unit for u in doc.units())
        elif e.status == "not_bundled":
            assert e.target_doc not in corpus.documents
        elif e.status == "unknown_document":
            assert e.target_doc is None
        else:
            assert e.status == "missing_unit" and e.target_unit is None


def test_incoming_edges_come_from_other_articles(graph: ReferenceGraph) -> None:
    into = graph.incoming("prc-government-procurement-law:77")
    assert any(e.source.startswith("gov-procurement-regulation:72") for e in into)
    assert graph.incoming("baotou-2024-106:21:1") == []  # 上述情形 is within its own article
    around = graph.around(["baotou-2024-106:21:3", "baotou-2024-106:21"])
    assert len(around) == 3  # each edge once


def test_answers_carry_the_edges_of_their_citations(engine) -> None:
    record = engine.ask("办法第一条", as_of="2026-11-26").to_dict()
    assert [e["to_doc"] for e in record["cross_references"]] == ["gov-info-projects-2019", "nmg-public-data-2024"]
    assert all(e["status"] == "not_bundled" and e["from"] == "baotou-2024-106:1" for e in record["cross_references"])
    supervision = engine.ask("第十九条", as_of="2026-11-26").to_dict()
    assert supervision["cross_references"] == []
