"""The evaluation runner as a regression gate: a subset of the datasets through the real engine, with
thresholds a little below the figures `make eval` reports, and quote fidelity exactly 1.0. The full
side-by-side run (with the baselines) stays outside pytest: `make eval`."""

from __future__ import annotations

import sys

import pytest

from assistant.config import PROJECT_ROOT
from assistant.corpus import Corpus
from assistant.metrics import quote_fidelity

sys.path.insert(0, str(PROJECT_ROOT / "evals"))

import run_eval  # noqa: E402
import systems  # noqa: E402

# dataset → the least headline figure accepted (make eval, 2026-11-26: 0.959, 1.000, 1.000, 0.972)
GATE = {"in_scope": 0.93, "calculators": 0.99, "out_of_scope": 0.98, "dialogues": 0.94}


@pytest.fixture(scope="module")
def gated(engine, default_corpus) -> dict[str, run_eval.Result]:
    system = run_eval.InProcessAssistant(engine)
    return {name: run_eval.evaluate(system, name, default_corpus) for name in GATE}


@pytest.mark.parametrize("name", list(GATE))
def test_regression_gate(gated, name: str) -> None:
    result = gated[name]
    failures = [
        f"{i['id']}: {'; '.join(s['problems'])}"
        for i, s in zip(result.items, result.scores, strict=True)
        if not s["ok"]
    ]
    assert run_eval.headline(result) >= GATE[name], "\n".join(failures)
    verbatim, total = result.quotes
    assert verbatim == total, f"{total - verbatim} quotes are not verbatim slices"


def test_gate_datasets_have_what_the_issue_asks() -> None:
    in_scope = run_eval.dataset_items("in_scope")
    assert len(in_scope) >= 150
    per_article: dict[int, set[str]] = {}
    for item in in_scope:
        for gold in item["gold"][:1]:
            per_article.setdefault(gold["article"], set()).add(item["style"])
    assert sorted(per_article) == list(range(1, 30))
    assert all({"formal", "colloquial", "typo", "traditional"} <= styles for styles in per_article.values())
    assert len(run_eval.dataset_items("calculators")) >= 40
    assert len(run_eval.dataset_items("out_of_scope")) >= 30
    assert len(run_eval.dataset_items("national")) >= 30
    assert len(run_eval.dataset_items("cross_document")) >= 10
    dialogues = run_eval.load_jsonl("dialogues.jsonl")
    assert len(dialogues) >= 10 and all(len(d["turns"]) >= 3 for d in dialogues)


def test_dialogue_turns_carry_the_questions_before_them() -> None:
    turns = run_eval.dataset_items("dialogues")
    first, second = turns[0], turns[1]
    assert first["id"].endswith("#1") and first["history"] == []
    assert second["history"] == [first["q"]] and second["id"].split("#")[0] == first["id"].split("#")[0]


def test_an_external_system_is_scored_through_the_contract(monkeypatch, built_index, default_corpus) -> None:
    """--system-cmd: here the batch CLI itself, as any other assistant would be plugged in."""
    monkeypatch.delenv("REGASSIST_EXTRA_DOCS", raising=False)
    monkeypatch.setenv("REGASSIST_INDEX_DIR", str(built_index.index_dir))
    monkeypatch.setenv("REGASSIST_EMBEDDING_CACHE", str(built_index.cache_dir))
    command = f"{sys.executable} -m assistant.cli ask --json --batch - --as-of 2026-11-26"
    result = run_eval.evaluate(systems.CommandSystem.external(command), "dialogues", default_corpus)
    assert result.system == "external" and result.summary["accuracy"] >= GATE["dialogues"]
    assert result.quotes[0] == result.quotes[1] > 0


@pytest.mark.parametrize(
    ("script", "message"),
    [
        ("import sys; sys.exit(3)", "exited 3"),
        ("print('loading model...')", "output line 1 is not JSON"),
        ("print('[1]')", "not a JSON object"),
        ("print('{}')", "answers out"),
    ],
)
def test_an_external_system_that_fails_is_said(default_corpus, script: str, message: str) -> None:
    broken = systems.CommandSystem.external(f'{sys.executable} -c "{script}"')
    with pytest.raises(systems.SystemFailure, match=message):
        run_eval.evaluate(broken, "out_of_scope", default_corpus)


REORDERING = (
    "import sys, json; items = [json.loads(l) for l in sys.stdin]; "
    "[print(json.dumps({'id': i['id'], 'answer': 'x', 'abstained': True, 'intent': 'out_of_scope', "
    "'citations': [], 'calculation': None} if n else {'id': i['id']})) for n, i in reversed(list(enumerate(items)))]"
)


def test_answers_are_matched_by_id_and_broken_records_scored_wrong(default_corpus, tmp_path) -> None:
    system = systems.CommandSystem.external(f'{sys.executable} -c "{REORDERING}"')
    result = run_eval.evaluate(system, "out_of_scope", default_corpus)
    assert [r["id"] for r in result.records] == [i["id"] for i in result.items]
    assert result.scores[0]["ok"] is False and "not the answer contract" in result.scores[0]["problems"][0]
    assert all(s["ok"] for s in result.scores[1:])
    run_eval.write_report([result], [], tmp_path / "r", 1.0)  # a broken record still reports
    assert "not the answer contract" in (tmp_path / "r.md").read_text(encoding="utf-8")


def test_a_failing_system_is_a_note_and_the_run_goes_on(monkeypatch, built_index, default_corpus, retriever) -> None:
    monkeypatch.setattr(run_eval, "configuration", lambda name, say: (built_index, default_corpus, retriever))
    failing = f'{sys.executable} -c "import sys; sys.exit(3)"'
    results, notes = run_eval.run_all(["bm25"], ["in_scope", "out_of_scope"], failing, say=lambda _: None)
    assert [(r.system, r.dataset) for r in results] == [("bm25", "in_scope")]  # refusals do not apply to it
    assert len(notes) == 2 and all(n.startswith("external × ") and "exited 3" in n for n in notes)


def test_an_absent_regulations_folder_is_said(monkeypatch) -> None:
    monkeypatch.setattr(run_eval, "configuration", lambda name, say: None)
    results, notes = run_eval.run_all(["assistant"], ["cross_document"], None, say=lambda _: None)
    assert results == [] and "regulations folder" in notes[0]


def test_baselines_speak_the_contract_with_verbatim_quotes(retriever, banfa) -> None:
    only_banfa = Corpus(entries=(banfa.meta,), documents={banfa.id: banfa}, primary=banfa.id)
    recipe = systems.LangChainRecipe.build(only_banfa, retriever.embedder)
    items = [{"id": "q1", "q": "总投资多少的项目要实行监理制？"}, {"id": "q2", "q": "项目建设资金能不能挪用？"}]
    for system in (recipe, systems.RetrieverSystem("bm25", retriever, "bm25")):
        run = system.answer(items)
        assert [r["id"] for r in run.records] == ["q1", "q2"] and len(run.latencies) == 2
        for record in run.records:
            assert record["citations"] and record["abstained"] is False and record["calculation"] is None
        verbatim, total = quote_fidelity(run.records, only_banfa)
        assert verbatim == total > 0
    ranked = [c["article"] for c in recipe.answer(items[:1]).records[0]["citations"]]
    assert 19 in ranked


def test_overlapped_articles(banfa) -> None:
    a19, a20 = banfa.article(19), banfa.article(20)
    spans = systems.overlapped_articles(banfa, a19.end - 10, a20.start + 10)
    assert [n for n, _ in spans] == [19, 20]
    assert all(text in banfa.text for _, text in spans)


def test_report_files(tmp_path, gated) -> None:
    run_eval.write_report(list(gated.values()), ["a note"], tmp_path / "latest", 1.0)
    md = (tmp_path / "latest.md").read_text(encoding="utf-8")
    assert "| in_scope | cited | " in md and "## Notes" in md and "- a note" in md
    assert (tmp_path / "latest.json").stat().st_size > 0
    assert (tmp_path / "latest.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
