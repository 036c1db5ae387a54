"""The fake upstream's documentation is its tables: the README shows them as they are."""

from pathlib import Path

from fake_upstream import __doc__ as docstring, tables


def test_the_readme_shows_the_tables_as_they_are():
    readme = (Path(__file__).parent / "README.md").read_text()
    assert tables() in readme, "run python3 Tests/e2e/fake_upstream.py --list and paste it"


def test_the_docstring_ends_with_the_tables():
    assert docstring.endswith(tables())
