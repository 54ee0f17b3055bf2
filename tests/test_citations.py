from dataclasses import replace

import pytest

from assistant.citations import narrow, quote_unit, verify
from assistant.errors import RequestError
from assistant.references import UnitRef


@pytest.fixture
def q19(default_corpus):
    doc, unit = default_corpus.lookup("第十九条")
    return quote_unit(doc, unit)


def test_a_whole_unit_quote_checks_out(default_corpus, q19) -> None:
    doc = default_corpus.document()
    assert verify(q19, default_corpus) is None
    assert doc.text[q19.start : q19.end] == q19.text
    assert q19.label == "办法 第十九条" and q19.tag == "【办法 第十九条】"
    assert q19.citation() == {
        "doc_id": "baotou-2024-106",
        "doc_title": doc.meta.title,
        "doc_number": "包府办发〔2024〕106号",
        "article": 19,
        "paragraph": None,
        "item": None,
        "label": "办法 第十九条",
        "quote": q19.text,
    }


def test_a_phrase_keeps_its_own_offsets(default_corpus, q19) -> None:
    phrase = narrow(q19, "200万元")
    assert phrase is not None and verify(phrase, default_corpus) is None
    assert default_corpus.document().text[phrase.start : phrase.end] == "200万元"
    assert narrow(q19, "150万元") is None


def test_quoting_text_the_unit_does_not_have_is_refused(default_corpus) -> None:
    doc, unit = default_corpus.lookup("第十九条")
    with pytest.raises(RequestError, match="不是办法 第十九条原文的一部分"):
        quote_unit(doc, unit, "150万元及以上")


def test_item_of_a_one_paragraph_article_is_labelled_without_its_paragraph(default_corpus) -> None:
    doc, unit = default_corpus.lookup("第十条第（三）项")
    q = quote_unit(doc, unit)
    assert q.label == "办法 第十条第（三）项"
    assert (q.ref.article, q.ref.paragraph, q.ref.item) == (10, 1, 3)
    assert verify(q, default_corpus) is None


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (lambda q: replace(q, text=q.text.replace("200", "150")), "引文与原文不一致"),
        (lambda q: replace(q, start=q.start + 1, end=q.end + 1), "位置超出该条文"),
        (lambda q: replace(narrow(q, "200万元"), start=q.start + 1, end=q.start + 6), "引文与原文不一致"),
        (lambda q: replace(q, end=q.end + 40), "位置超出该条文"),
        (lambda q: replace(q, text=""), "位置超出该条文"),
        (lambda q: replace(q, ref=UnitRef(article=20)), "编号与原文不符"),
        (lambda q: replace(q, unit_label="第二十条"), "编号与原文不符"),
        (lambda q: replace(q, ref=UnitRef(article=30)), "办法共29条"),
        (lambda q: replace(q, doc_id="gov-info-projects-2019"), "未收录正文"),
        (lambda q: replace(q, doc_number="包府办发〔2023〕1号"), "文号与清单不符"),
    ],
)
def test_every_kind_of_drift_fails_verification(default_corpus, q19, change, reason) -> None:
    problem = verify(change(q19), default_corpus)
    assert problem is not None and reason in problem
