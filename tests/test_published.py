"""Every number README.md and docs/results.md publish equals its recomputation from the
committed extracts (`benchmarks/published.py`, with the ties in `published_numbers.py`)."""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
import published  # noqa: E402
import published_numbers  # noqa: E402


def documents() -> dict[str, str]:
    return {name: (ROOT / name).read_text(encoding="utf-8") for name in published_numbers.DOCUMENTS}


def test_every_published_number_matches_its_recomputation_from_the_extracts():
    lines, totals = published.check(figures=False)
    assert totals["numbers_checked"] >= 100 and totals["published_folders"] >= 1
    assert totals["mismatches"] == 0, "\n".join(lines)
    # Every published comparison has its extracts: a folder renamed or not written is not a pass.
    assert not [line for line in lines if ": pending," in line], "\n".join(lines)


def test_a_number_changed_in_a_generated_table_is_a_mismatch():
    edited = documents()
    assert edited["docs/results.md"].count("| 0.9890 [0.9881, 0.9899] |") == 1
    edited["docs/results.md"] = edited["docs/results.md"].replace("| 0.9890 [0.9881, 0.9899] |", "| 0.9891 [0.9881, 0.9899] |")
    lines, totals = published.check(edited, figures=False)
    assert totals["mismatches"] == 1
    assert any("docs/results.md: the table 'five-seed verdict' differs" in line for line in lines)


def test_a_number_changed_in_prose_is_a_mismatch_that_names_both_values():
    edited = documents()
    edited["README.md"] = edited["README.md"].replace("ReLU scores 0.9890", "ReLU scores 0.9891")
    lines, totals = published.check(edited, figures=False)
    assert totals["mismatches"] == 1
    assert any("says 0.9891 where the extract gives 0.9890" in line for line in lines)


def test_a_quoted_sentence_whose_words_changed_counts_all_its_numbers_as_mismatches():
    edited = documents()
    edited["README.md"] = edited["README.md"].replace("lower on the rest", "lower elsewhere")
    lines, totals = published.check(edited, figures=False)
    assert totals["mismatches"] == 4  # 2 of 5 seeds, 6 to 9 pp.
    assert any("README.md: not found" in line for line in lines)


def test_write_regenerates_a_table_and_leaves_the_prose_to_its_author():
    edited = documents()
    edited["docs/results.md"] = edited["docs/results.md"].replace("| L -0.06 |", "| L -0.07 |")
    published.check(edited, figures=False, write=True)
    assert edited["docs/results.md"] == documents()["docs/results.md"]


def test_every_tie_names_a_comparison_and_a_document_that_exist():
    names = {comparison.name for comparison in published_numbers.COMPARISONS}
    for tie in published_numbers.QUOTES + published_numbers.BLOCKS + published_numbers.FIGURES:
        assert tie.comparison in names and tie.document.split("/")[0] in {"README.md", "docs"}
    for block in published_numbers.BLOCKS:
        assert f"<!-- published: {block.name} -->" in documents()[block.document]


def test_the_constraints_pin_the_libraries_the_project_depends_on():
    assert set(published_numbers.pinned_versions()) == {"tensorflow", "keras", "numpy", "scipy", "matplotlib"}


def test_the_task_matrix_table_and_profile_are_recomputed_from_its_task_extracts(tmp_path):
    import matplotlib
    import published_facts

    (comparison,) = [comparison for comparison in published_numbers.COMPARISONS if comparison.name == "tasks"]
    source = published_facts.load(comparison, published_numbers.EXTRACTS)
    facts = source.facts()
    (block,) = [block for block in published_numbers.BLOCKS if block.name == "task budgets"]
    edited = documents()
    edited["docs/results.md"] = edited["docs/results.md"].replace("| 46 of 120 |", "| 47 of 120 |")
    outcome = published.Outcome()
    published.check_block(block, facts, edited, outcome, write=False)
    assert outcome.wrong == 1 and "'task budgets' differs" in outcome.mismatches[0]
    if matplotlib.__version__ == published_numbers.pinned_versions()["matplotlib"]:
        (figure,) = published_numbers.figures_of(comparison)
        drawn = source.draw(figure, tmp_path, facts)
        assert drawn.read_bytes() == (ROOT / figure.document).read_bytes()
