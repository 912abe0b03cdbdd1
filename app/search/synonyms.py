"""The synonym vocabulary (data/search/synonyms.yaml): read, checked, and used by every engine.

`sets` are names that mean the same; `expansions` map a name to narrower names it also
finds (one way). A name is a word or a phrase; it is keyed by the Danish stems of its
words without stop words, so "forhøjede blodtryk" finds the entry "forhøjet blodtryk".
SQLite FTS5 and PostgreSQL expand the query (text.analyse); Meilisearch gets the same
entries, stemmed the same way, as its `synonyms` setting (meili_synonyms). A file that
cannot be read is an error naming the file and line, never an empty vocabulary.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from app.search.language import STOPWORDS, stem, words

Key = tuple[str, ...]  # a name's Danish stems, stop words left out
Phrase = tuple[str, ...]  # a name's words, stop words left out


class SynonymFileError(ValueError):
    """The synonym file is not valid: the message names the file and the line."""


@dataclass
class Synonyms:
    """Key -> the phrases a query for it also finds (never itself); and the broader names
    a narrower one is listed under, tried when it finds nothing (text.loosen)."""

    expansions: dict[Key, list[Phrase]] = field(default_factory=dict)
    broader: dict[Key, list[Phrase]] = field(default_factory=dict)
    longest: int = 0  # words in the longest key

    def _add(self, key: Key, phrase: Phrase, to: str = "expansions") -> None:
        found = getattr(self, to).setdefault(key, [])
        if phrase not in found and key_of(phrase) != key:
            found.append(phrase)
            self.longest = max(self.longest, len(key))

    def meili(self) -> dict[str, list[str]]:
        """The Meilisearch `synonyms` setting: stems, as the adapter sends the query."""
        return {" ".join(key): sorted({" ".join(stem(w) for w in p) for p in phrases})
                for key, phrases in self.expansions.items() if phrases}


def phrase_words(name: str) -> Phrase:
    return tuple(w for w in words(name) if w not in STOPWORDS)


def key_of(phrase: Phrase) -> Key:
    return tuple(stem(w) for w in phrase)


def _fail(path: Path, node: Any, message: str) -> SynonymFileError:
    return SynonymFileError(f"{path}, line {node.start_mark.line + 1}: {message}")


def _names(path: Path, node: Any, what: str) -> list[tuple[str, Any]]:
    """The strings of a YAML sequence node, each with its node (for its line)."""
    if not isinstance(node, yaml.SequenceNode) or not node.value:
        raise _fail(path, node, f"{what} must be a list of names, e.g. [kol, copd]")
    out = []
    for item in node.value:
        if not isinstance(item, yaml.ScalarNode) or not str(item.value).strip():
            raise _fail(path, item, f"{what}: every entry must be a name (a word or a phrase)")
        out.append((str(item.value), item))
    return out


def parse(path: Path) -> Synonyms:
    """Read and check the file; SynonymFileError names the file and line of any fault."""
    try:
        text = path.read_text(encoding="utf-8")
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = f", line {mark.line + 1}" if mark else ""
        raise SynonymFileError(f"{path}{line}: not valid YAML: {exc.problem or exc}") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise SynonymFileError(f"{path}: cannot be read: {exc}") from exc
    if not isinstance(root, yaml.MappingNode) or not root.value:
        raise SynonymFileError(f"{path}, line 1: expected the sections 'sets' and 'expansions'")
    synonyms = Synonyms()
    seen: dict[Key, int] = {}
    one_way: list[tuple[Phrase, Phrase]] = []

    def phrase(name: str, node: Any) -> Phrase:
        words = phrase_words(name)
        if not words:
            raise _fail(path, node, f"{name!r} has no searchable word (only stop words or punctuation)")
        return words

    for section, body in root.value:
        if section.value == "sets":
            if not isinstance(body, yaml.SequenceNode):
                raise _fail(path, body, "'sets' must be a list of lists of names")
            for entry in body.value:
                names = [(phrase(n, node), node) for n, node in _names(path, entry, "a set")]
                if len(names) < 2:
                    raise _fail(path, entry, "a set needs at least two names")
                for words, node in names:
                    key = key_of(words)
                    if key in seen:
                        raise _fail(path, node, f"{' '.join(words)!r} is already in the set on line {seen[key]}")
                    seen[key] = node.start_mark.line + 1
                    for other, _ in names:
                        synonyms._add(key, other)
        elif section.value == "expansions":
            if not isinstance(body, yaml.MappingNode):
                raise _fail(path, body, "'expansions' must map a name to a list of narrower names")
            keys: dict[Key, int] = {}
            for name_node, targets in body.value:
                name = phrase(str(name_node.value), name_node)
                if key_of(name) in keys:
                    raise _fail(path, name_node,
                                f"{name_node.value!r} is already expanded on line {keys[key_of(name)]}")
                keys[key_of(name)] = name_node.start_mark.line + 1
                one_way += [(name, phrase(target, node))
                            for target, node in _names(path, targets, f"expansion of {name_node.value!r}")]
        else:
            raise _fail(path, section, f"unknown section {section.value!r} (expected 'sets' or 'expansions')")
    sets = {key: list(found) for key, found in synonyms.expansions.items()}
    for name, target in one_way:  # both sides bring the names they are the same as
        wider = [name, *sets.get(key_of(name), [])]
        narrower = [target, *sets.get(key_of(target), [])]
        for broad in wider:
            for narrow in narrower:
                synonyms._add(key_of(broad), narrow)
                synonyms._add(key_of(narrow), broad, to="broader")
    if not synonyms.expansions:
        raise SynonymFileError(f"{path}, line 1: no synonyms in the file")
    return synonyms


_current: Synonyms | None = None
_lock = threading.Lock()


def install(value: Synonyms) -> None:
    """Make `value` the process's synonyms (start-up: from the configured data directory)."""
    global _current
    with _lock:
        _current = value


def current() -> Synonyms:
    """The process's synonyms: those installed, else the checked-in file."""
    global _current
    if _current is None:
        from app.search.lexicon import default_data_dir, synonyms_path

        with _lock:
            if _current is None:
                _current = parse(synonyms_path(default_data_dir()))
    return _current
