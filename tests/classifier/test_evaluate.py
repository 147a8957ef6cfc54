"""Grouped folds, evidence support and offline embeddings."""

import json
import subprocess
import sys

import numpy as np

from classifier.data import Example
from classifier.evaluate import quote_supports
from classifier.train import fold_of


def _examples():
    out = []
    for n in range(40):
        state = ["NY", "MO", "TX", "WA", "HI", "US", "DC", "OR"][n % 8]
        out.append(Example(f"e{n}", "text", set(), jurisdiction=state, bill=f"HB {n % 13}"))
    return out


def test_grouped_folds_never_split_a_group():
    examples = _examples()
    for by in ("jurisdiction", "bill"):
        folds = fold_of(examples, 5, seed=3, group_by=by)
        where: dict[str, set[int]] = {}
        for ex, f in zip(examples, folds, strict=True):
            where.setdefault(ex.group(by), set()).add(f)
        assert all(len(fs) == 1 for fs in where.values()), by
        assert len(set(folds)) == 5  # every fold gets a share
    assert fold_of(examples, 5, 3, "jurisdiction") == fold_of(examples, 5, 3, "jurisdiction")


def test_bill_numbers_group_across_spellings():
    a = Example("a", "t", set(), jurisdiction="mo", bill="H.B. 0042")
    b = Example("b", "t", set(), jurisdiction="MO", bill="HB 42")
    c = Example("c", "t", set(), jurisdiction="MO", bill="HB 420")
    assert a.group("bill") == b.group("bill") != c.group("bill")
    assert Example("d", "t", set()).group("bill") == "id:d"  # no bill: its own group


def test_a_hyphenated_law_number_is_one_law_and_versions_stay_together():
    def group(bill: str, where: str = "DC") -> str:
        return Example("x", "t", set(), jurisdiction=where, bill=bill).group("bill")

    # a D.C. law or a Kansas section is one group, not every law of its period or chapter
    assert group("D.C. Law 21-261") != group("D.C. Law 21-262")
    assert group("K.S.A. 38-2231", "KS") != group("K.S.A. 38-2232", "KS")
    # an amended version and a session note are the same bill
    assert group("A 2454-A", "NY") == group("A 2454", "NY")
    assert group("SB 146 (2012)", "SD") == group("SB 146", "SD")


def test_a_quote_supports_a_tag_when_it_overlaps_a_support_sentence():
    support = ["A person who pays a fee for sexual conduct commits patronizing prostitution."]
    assert quote_supports("a person who PAYS a fee for sexual conduct commits", support)
    assert not quote_supports("This act takes effect on July first.", support)
    assert not quote_supports("", support)


def test_embeddings_load_with_the_network_unreachable(tmp_path):
    """WordLlama loads from the package alone: offline hub, dead proxies, an empty cache."""
    code = (
        "from classifier.embeddings import WordVectors\n"
        "import spacy, numpy as np\n"
        "doc = spacy.blank('en')('patronizing a prostitute')\n"
        "v = WordVectors()\n"
        "rows = v.doc_rows(doc, np.ones(len(doc), bool))\n"
        "print(v.mean(rows.rows).shape[0])\n"
    )
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(tmp_path),
        "HF_HUB_OFFLINE": "1",
        "https_proxy": "http://127.0.0.1:9",
        "http_proxy": "http://127.0.0.1:9",
        "BILLWATCH_WORDLLAMA_CACHE": str(tmp_path / "cache"),
    }
    result = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "256"
    assert (tmp_path / "cache" / "tokenizers").is_dir()


def test_projected_scores_equal_scores_of_mean_vectors():
    """The tagger sums per-word projections; training uses mean vectors: the same number."""
    import spacy

    from classifier.embeddings import shared_vectors

    vectors = shared_vectors()
    doc = spacy.blank("en")("The attorney general shall establish a trafficking task force.")
    rows = vectors.doc_rows(doc, np.ones(len(doc), bool)).rows
    weights = np.random.default_rng(0).normal(size=(256, 3)).astype(np.float32)
    projected = vectors.projected(weights)[rows].sum(axis=0) / vectors.counts[rows].sum()
    assert np.allclose(projected, vectors.mean(rows) @ weights, atol=1e-4)
    json.dumps(projected.tolist())


def test_projected_rows_stay_current_as_the_word_table_grows():
    """Rows are projected once, as words arrive, past the first block of 1,024 too."""
    import spacy

    from classifier.embeddings import WordVectors, load_wordllama

    nlp = spacy.blank("en")
    vectors = WordVectors(load_wordllama())
    weights = np.random.default_rng(0).normal(size=(256, 3)).astype(np.float32)
    letters = "abcdefghijklmnopqrstuvwxyz"
    words = [f"zq{a}{b}{c}" for a in letters for b in letters for c in letters[:4]]
    for batch in range(3):  # 700 new words each time
        doc = nlp(" ".join(words[batch * 700 : (batch + 1) * 700]))
        vectors.doc_rows(doc, np.ones(len(doc), bool))
        table = vectors.projected(weights)
        n = len(vectors.index)
        assert n == 700 * (batch + 1) and table.shape == (n, 3)
        assert np.allclose(table, vectors.sums[:n] @ weights, atol=1e-4)


def test_the_word_table_starts_afresh_rather_than_grow_past_its_bound():
    import spacy

    from classifier.embeddings import WordVectors, load_wordllama

    nlp = spacy.blank("en")
    small = WordVectors(load_wordllama(), max_words=5)
    whole = WordVectors(load_wordllama())
    weights = np.random.default_rng(0).normal(size=(256, 3)).astype(np.float32)
    for text in ("the court shall vacate", "a victim may sue for damages", "the court may seal"):
        doc = nlp(text)
        mask = np.ones(len(doc), bool)
        rows, ref = small.doc_rows(doc, mask), whole.doc_rows(doc, mask)
        assert len(small.index) <= 5 or len(small.index) == len(set(text.split()))
        assert np.allclose(small.mean(rows.rows), whole.mean(ref.rows))
        assert np.allclose(
            small.projected(weights)[rows.rows], whole.projected(weights)[ref.rows], atol=1e-5
        )
    assert len(small.index) <= 5 < len(whole.index)
