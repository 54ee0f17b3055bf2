"""Versions: a synthetic successor of the 办法 (written here, never committed) in force from 2026-12-01,
with 第十九条's threshold raised to 300万元. Answers, the checker and the calculators must use the
version in force on the day asked, and say which."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest

from assistant.config import PROJECT_ROOT, Settings
from assistant.corpus import Corpus, load_corpus
from assistant.errors import ManifestError, RequestError

OLD, NEW = "baotou-2024-106", "baotou-2026-088"
BEFORE, AFTER = date(2026, 11, 26), date(2027, 1, 15)

SUCCESSOR = f"""
[[documents]]
id = "{NEW}"
title = "包头市本级政务信息化项目建设管理办法(试行)"
aliases = ["办法", "本办法", "包头市本级政务信息化项目建设管理办法", "包府办发〔2026〕88号"]
number = "包府办发〔2026〕88号"
issuer = "包头市人民政府办公室"
level = "地方规范性文件"
publish_date = 2026-11-20
effective_date = 2026-12-01
expiry_date = 2028-11-30
version_date = 2026-11-15
status = "现行有效"
supersedes = "{OLD}"
rules = "rules-2026.toml"
source = {{ file = "baotou-2026-088.txt" }}
"""


def successor_text(original: str) -> str:
    text = original.replace("包府办发〔2024〕106号", "包府办发〔2026〕88号")
    text = text.replace("总投资在200万元及以上", "总投资在300万元及以上")
    text = text.replace("本办法自2024年12月1日起施行", "本办法自2026年12月1日起施行")
    assert text.count("300万元及以上") == 1 and "2026年12月1日起施行" in text
    return text


def successor_rules(original: str) -> str:
    rules = original.replace(f'doc = "{OLD}"', f'doc = "{NEW}"')
    rules = rules.replace("总投资在200万元及以上", "总投资在300万元及以上")
    rules = rules.replace(
        'text = "总投资在300万元及以上", value = "200万元"', 'text = "总投资在300万元及以上", value = "300万元"'
    )
    rules = rules.replace("自2024年12月1日起施行", "自2026年12月1日起施行").replace(
        'value = "2024年12月1日"', 'value = "2026年12月1日"'
    )
    assert 'value = "300万元"' in rules and 'value = "2026年12月1日"' in rules
    return rules


def versioned_dir(root: Path) -> Path:
    folder = root / "corpus"
    shutil.copytree(PROJECT_ROOT / "corpus", folder, ignore=shutil.ignore_patterns("extra"))
    (folder / "baotou-2026-088.txt").write_text(
        successor_text((folder / "baotou-2024-106.txt").read_text(encoding="utf-8")), encoding="utf-8"
    )
    (folder / "rules-2026.toml").write_text(
        successor_rules((folder / "rules.toml").read_text(encoding="utf-8")), encoding="utf-8"
    )
    with (folder / "documents.toml").open("a", encoding="utf-8") as f:
        f.write(SUCCESSOR)
    return folder


@pytest.fixture(scope="module")
def versioned(tmp_path_factory: pytest.TempPathFactory, vector_cache: Path) -> Settings:
    root = tmp_path_factory.mktemp("versions")
    return Settings(
        corpus_dir=versioned_dir(root), extra_docs=None, index_dir=root / "index", embedding_cache=vector_cache
    )


@pytest.fixture(scope="module")
def vcorpus(versioned: Settings) -> Corpus:
    return load_corpus(versioned)


@pytest.fixture(scope="module")
def vengine(versioned: Settings, vcorpus: Corpus):
    from assistant.answer import Assistant
    from assistant.index import build
    from assistant.retrieve import prepare

    tokenizer, embedder, _ = prepare(versioned, vcorpus)
    build(vcorpus, versioned, tokenizer, embedder)
    engine = Assistant.create(versioned, corpus=vcorpus)
    engine.today = lambda: BEFORE
    return engine


# --- the corpus -------------------------------------------------------------------------------------


def test_a_shared_name_means_the_version_in_force_on_the_day(vcorpus: Corpus) -> None:
    assert vcorpus.resolve("办法", BEFORE).id == OLD
    assert vcorpus.resolve("办法", AFTER).id == NEW
    assert vcorpus.resolve(None, AFTER).id == NEW and vcorpus.primary_on(AFTER) == NEW
    assert vcorpus.resolve("包府办发〔2024〕106号", AFTER).id == OLD  # a 文号 names one version
    assert vcorpus.resolve("包府办发〔2026〕88号", BEFORE).id == NEW
    assert vcorpus.resolve("106号文", AFTER).id == NEW  # a name only the first version lists is still the 办法
    assert vcorpus.version_on(OLD, date(2020, 1, 1)) == OLD  # before any took effect: the first
    assert [m.id for m in vcorpus.versions(NEW)] == [OLD, NEW]
    assert NEW not in vcorpus.in_force_ids(BEFORE) and OLD in vcorpus.in_force_ids(BEFORE)
    assert OLD not in vcorpus.in_force_ids(AFTER) and NEW in vcorpus.in_force_ids(AFTER)
    assert vcorpus.meta(NEW).work_id == OLD
    line = vcorpus.version_line(NEW, AFTER)
    assert line is not None and "包府办发〔2026〕88号" in line and "包府办发〔2024〕106号" in line


def test_a_single_version_document_says_nothing_about_versions(default_corpus: Corpus) -> None:
    assert default_corpus.version_line(OLD, AFTER) is None
    assert default_corpus.version_on(OLD, AFTER) == OLD  # expired, but nothing replaced it


@pytest.mark.parametrize(
    ("addition", "message"),
    [
        ('\n[[documents]]\nid = "x"\ntitle = "某办法"\nsupersedes = "nothing"\n', "supersedes 指向不存在"),
        ('\n[[documents]]\nid = "x"\ntitle = "某办法"\nsupersedes = "x"\n', "不能指向自己"),
        (
            '\n[[documents]]\nid = "x"\ntitle = "某办法"\neffective_date = 2027-01-01\nsupersedes = "y"\n'
            '\n[[documents]]\nid = "y"\ntitle = "另办法"\neffective_date = 2027-01-01\nsupersedes = "x"\n',
            "循环",
        ),
        (
            f'\n[[documents]]\nid = "x"\ntitle = "某办法"\neffective_date = 2027-01-01\nsupersedes = "{OLD}"\n'
            f'\n[[documents]]\nid = "y"\ntitle = "另办法"\neffective_date = 2027-01-01\nsupersedes = "{OLD}"\n',
            "一条链",
        ),
        ('\n[[documents]]\nid = "x"\ntitle = "某办法"\naliases = ["办法"]\n', "同时属于"),  # not a version: no sharing
        (f'\n[[documents]]\nid = "x"\ntitle = "某办法"\nsupersedes = "{OLD}"\n', "须写明 effective_date"),
    ],
)
def test_bad_version_chains_are_refused(tmp_path: Path, addition: str, message: str) -> None:
    folder = tmp_path / "corpus"
    shutil.copytree(PROJECT_ROOT / "corpus", folder, ignore=shutil.ignore_patterns("extra"))
    with (folder / "documents.toml").open("a", encoding="utf-8") as f:
        f.write(addition)
    with pytest.raises(ManifestError, match=message):
        load_corpus(Settings(corpus_dir=folder, extra_docs=None))


# --- answers, calculators, checker ------------------------------------------------------------------


def test_answers_use_the_version_in_force_and_say_which(vengine) -> None:
    before = vengine.ask("总投资230万元的项目需要监理吗？", as_of=BEFORE)
    after = vengine.ask("总投资230万元的项目需要监理吗？", as_of=AFTER)
    assert before.calculation.outcome["supervision_required"] is True
    assert before.citations[0].doc_id == OLD and "200万元" in before.citations[0].text
    assert after.calculation.outcome["supervision_required"] is False
    assert after.citations[0].doc_id == NEW and "300万元" in after.citations[0].text
    assert after.citations[0].doc_number == "包府办发〔2026〕88号"
    assert "适用版本" in after.answer and "包府办发〔2026〕88号" in after.answer
    assert "适用版本" in before.answer and "（包府办发〔2024〕106号，2024-12-01 起施行" in before.answer


def test_articles_and_search_read_the_version_of_the_day(vengine) -> None:
    after = vengine.ask("第十九条", as_of=AFTER)
    assert after.intent == "article" and after.citations[0].doc_id == NEW and "300万元" in after.citations[0].text
    named = vengine.ask("包府办发〔2024〕106号第十九条", as_of=AFTER)  # the old one, by its 文号
    assert named.citations[0].doc_id == OLD
    assert "适用《包头市本级政务信息化项目建设管理办法(试行)》（包府办发〔2026〕88号" in named.answer
    assert "本回答引用的是包府办发〔2024〕106号版本，该日已失效" in named.answer
    found = vengine.retriever.search("监理制的门槛是多少", k=3, scope="primary", day=AFTER)
    assert {h.entry.doc_id for h in found.hits} == {NEW}
    found = vengine.retriever.search("监理制的门槛是多少", k=5, scope="all", day=BEFORE)
    assert NEW not in {h.entry.doc_id for h in found.hits}


def test_validity_follows_the_successor(vengine) -> None:
    answer = vengine.ask("办法现在还有效吗？", as_of=AFTER)
    assert answer.intent == "validity" and answer.calculation.outcome["status"] == "现行有效"
    assert (
        answer.calculation.outcome["document_id"] == NEW and answer.calculation.outcome["expiry_date"] == "2028-11-30"
    )
    old = vengine.calculators.run("validity", {"document": "包府办发〔2024〕106号"}, as_of=AFTER)
    assert old.outcome["status"] == "已失效"


def test_calculators_apply_the_rule_data_of_the_day(vengine) -> None:
    before = vengine.calculators.run("supervision", {"total": "250万"}, as_of=BEFORE)
    after = vengine.calculators.run("supervision", {"total": "250万"}, as_of=AFTER)
    assert before.outcome["supervision_required"] is True and after.outcome["supervision_required"] is False
    assert after.citations[0].doc_id == NEW and any("包府办发〔2026〕88号" in w for w in after.warnings)
    adjusted = vengine.calculators.run("adjustment", {"total": "1000万", "increase": "100万"}, as_of=AFTER)
    assert {q.doc_id for q in adjusted.citations} == {NEW}


def test_a_version_without_rule_data_refuses_to_calculate(tmp_path: Path) -> None:
    folder = versioned_dir(tmp_path)
    manifest = (folder / "documents.toml").read_text(encoding="utf-8").replace('rules = "rules-2026.toml"\n', "")
    (folder / "documents.toml").write_text(manifest, encoding="utf-8")
    from assistant.calculators import Calculators

    settings = Settings(corpus_dir=folder, extra_docs=None)
    calculators = Calculators.create(settings, load_corpus(settings))
    assert calculators.run("supervision", {"total": "250万"}, as_of=BEFORE).outcome["supervision_required"] is True
    with pytest.raises(RequestError, match="尚未录入其规则数据"):
        calculators.run("supervision", {"total": "250万"}, as_of=AFTER)


def test_the_checker_reads_a_memo_against_the_version_of_its_day(vengine) -> None:
    from assistant.check import Checker

    checker = Checker.of(vengine)
    memo = "根据办法第十九条，总投资200万元及以上的项目原则上实行监理制。"
    assert checker.check(memo, as_of=BEFORE).ok
    after = checker.check(memo, as_of=AFTER)
    [finding] = after.findings
    assert finding.doc.id == NEW and [d.kind for d in finding.defects] == ["number_contradicts"]
    assert "300万元" in finding.defects[0].message
    pinned = checker.check(
        "根据包府办发〔2024〕106号第十九条，总投资200万元及以上的项目原则上实行监理制。", as_of=AFTER
    )
    [finding] = pinned.findings
    assert finding.doc.id == OLD and [d.kind for d in finding.defects] == ["expired"]
    assert "该日适用的版本是" in finding.defects[0].message and "包府办发〔2026〕88号" in finding.defects[0].message


def test_article_lookups_read_the_version_of_the_day(versioned: Settings, vcorpus: Corpus, monkeypatch) -> None:
    from click.testing import CliRunner

    from assistant.cli import cli

    assert vcorpus.lookup("第十九条", None, AFTER)[0].id == NEW
    assert vcorpus.lookup("第十九条", "包府办发〔2024〕106号", AFTER)[0].id == OLD
    monkeypatch.setenv("REGASSIST_CORPUS_DIR", str(versioned.corpus_dir))
    monkeypatch.delenv("REGASSIST_EXTRA_DOCS", raising=False)
    after = CliRunner().invoke(cli, ["article", "19", "--as-of", "2027-01-15"], prog_name="regassist")
    assert after.exit_code == 0, after.output
    assert "包府办发〔2026〕88号" in after.stdout and "总投资在300万元及以上" in after.stdout
    before = CliRunner().invoke(cli, ["article", "19", "--as-of", "2026-11-26"], prog_name="regassist")
    assert "包府办发〔2024〕106号" in before.stdout and "总投资在200万元及以上" in before.stdout


def test_rule_data_bound_to_another_version_is_refused(tmp_path: Path) -> None:
    from assistant.calculators import Calculators
    from assistant.errors import RuleError

    folder = versioned_dir(tmp_path)
    shutil.copy(folder / "rules.toml", folder / "rules-2026.toml")  # still bound to the first version
    settings = Settings(corpus_dir=folder, extra_docs=None)
    with pytest.raises(RuleError, match="rules-2026.toml 是 baotou-2026-088 的规则数据"):
        Calculators.create(settings, load_corpus(settings))


def test_verify_citation_reads_the_version_of_the_day(vengine) -> None:
    from assistant.app import Api

    api = Api(vengine)
    after = api.verify_citation("第十九条", "总投资在300万元及以上", "", "2027-01-15")
    assert after["verbatim"] is True and after["unit_id"] == f"{NEW}:19"
    before = api.verify_citation("第十九条", "总投资在300万元及以上", "", "2026-11-26")
    assert before["verbatim"] is False and before["unit_id"] == f"{OLD}:19"
