import shutil
from pathlib import Path

import pytest

from assistant.config import PROJECT_ROOT
from assistant.errors import ConfigError
from assistant.tokenizer import Lexicon, Tokenizer, normalize

CORPUS = PROJECT_ROOT / "corpus"


@pytest.fixture(scope="module")
def tokenizer() -> Tokenizer:
    return Tokenizer(Lexicon.load(CORPUS)).warm_up()


def test_normalize_folds_width_traditional_and_zero_width(tokenizer: Tokenizer) -> None:
    assert normalize("第十条第（三）项\u200b") == "第十条第(三)项"
    assert tokenizer.normalize("項目建設單位應當實行監理制") == "项目建设单位应当实行监理制"
    assert tokenizer.normalize("  ＡＢＣ  12 \n 3 ") == "abc 12 3"


def test_domain_words_stay_whole(tokenizer: Tokenizer) -> None:
    tokens = tokenizer.tokens("市行政审批政务服务与数据管理局负责审批政务信息化项目")
    assert "市行政审批政务服务与数据管理局" in tokens
    assert "政务信息化项目" in tokens
    # search mode also yields the parts, so '数据' alone still matches
    assert "数据" in tokens


def test_stopwords_and_punctuation_are_dropped(tokenizer: Tokenizer) -> None:
    tokens = tokenizer.tokens("请问，我们的项目需要监理吗？")
    assert "监理" in tokens
    assert not {"请问", "我们", "的", "吗", "，", "？"} & set(tokens)


def test_traditional_query_tokens_match_simplified_text(tokenizer: Tokenizer) -> None:
    assert tokenizer.tokens("總投資在兩百萬元以上要監理") == tokenizer.tokens("总投资在两百万元以上要监理")


def test_colloquial_words_expand_to_the_texts_words(tokenizer: Tokenizer) -> None:
    expanded = tokenizer.expand("街道能不能自己建系统？")
    assert "苏木乡镇" in expanded and "独立建设" in expanded
    assert "监理制" in tokenizer.query_tokens("要不要请监理")
    assert "环境影响评价" in tokenizer.query_tokens("信息化项目还要做环评吗")


def test_tokenizer_is_project_owned(tokenizer: Tokenizer) -> None:
    import jieba

    tokenizer.tokens("概算总投资")
    assert "概算总投资" not in jieba.dt.FREQ  # jieba's global tokenizer never saw our dictionary


def test_lexicon_digest_changes_with_any_file(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    shutil.copytree(CORPUS, corpus, ignore=shutil.ignore_patterns("*.txt", "documents.toml"))
    for name in ("jieba_dict.txt", "stopwords.txt"):
        shutil.copy(CORPUS / name, corpus / name)
    before = Lexicon.load(corpus).digest
    with open(corpus / "synonyms.toml", "a", encoding="utf-8") as handle:
        handle.write('"网盘" = ["云平台"]\n')
    after = Lexicon.load(corpus)
    assert after.digest != before
    assert after.expansions["网盘"] == ("云平台",)


def test_missing_or_invalid_lexicon_files_are_config_errors(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="缺少检索词表文件"):
        Lexicon.load(tmp_path)
    for name in ("jieba_dict.txt", "stopwords.txt"):
        shutil.copy(CORPUS / name, tmp_path / name)
    (tmp_path / "synonyms.toml").write_text("[expand]\n监理 = ", encoding="utf-8")
    with pytest.raises(ConfigError, match="不是有效的 TOML"):
        Lexicon.load(tmp_path)
    (tmp_path / "synonyms.toml").write_text('[expand]\n"监理" = "监理制"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="字符串列表"):
        Lexicon.load(tmp_path)
