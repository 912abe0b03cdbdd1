"""The search vocabulary files under data/search/, loaded once per process at start-up."""

from __future__ import annotations

from pathlib import Path

from app.search import compounds, synonyms


def default_data_dir() -> Path:
    from app.settings import PROJECT_ROOT

    return PROJECT_ROOT / "data"


def synonyms_path(data_dir: Path) -> Path:
    return data_dir / "search" / "synonyms.yaml"


def parts_path(data_dir: Path) -> Path:
    return data_dir / "search" / "compound_parts.txt"


def load(data_dir: Path) -> None:
    """Read the synonyms and compound parts and make them the process's own. A synonym
    file that cannot be read raises SynonymFileError naming the file and line, so the app
    does not start with an empty vocabulary."""
    synonyms.install(synonyms.parse(synonyms_path(data_dir)))
    compounds.install(compounds.read_parts(parts_path(data_dir)))
