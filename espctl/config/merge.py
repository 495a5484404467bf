"""Several config files as one: ``-c base.yaml -c prod.yaml`` (environments).

Files are deep-merged in order: a mapping merges key by key into the same mapping of
the files before it; any other value (a list, a scalar, ``null``) replaces what was
there. Every value keeps the position of the file it came from, so a problem in the
merged document names ``prod.yaml:12:5`` when ``prod.yaml`` wrote it, and
``base.yaml:30:7`` otherwise.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, TypeVar

from espctl.config.yamlpos import PathKey, SourceDoc

_V = TypeVar("_V")


def _under(path: PathKey, prefix: PathKey) -> bool:
    return path[: len(prefix)] == prefix


def _drop(table: dict[PathKey, _V], prefix: PathKey) -> None:
    for path in [p for p in table if _under(p, prefix)]:
        del table[path]


def _copy(target: dict[PathKey, _V], source: dict[PathKey, _V], prefix: PathKey) -> None:
    target.update((p, v) for p, v in source.items() if _under(p, prefix))


class _Merger:
    """Accumulates the documents' data and every per-path table, file after file."""

    def __init__(self, first: SourceDoc) -> None:
        self.doc = SourceDoc(file=first.file, data={})
        self.origins: dict[PathKey, str] = {}
        self._take(first, ())
        self.doc.data = first.data
        self.doc.problems.extend(first.problems)

    def _tables(self, doc: SourceDoc) -> Iterable[tuple[dict[PathKey, Any], dict[PathKey, Any]]]:
        ours, theirs = self.doc, doc
        yield ours.positions, theirs.positions
        yield ours.key_positions, theirs.key_positions
        yield ours.env_refs, theirs.env_refs
        yield ours.substituted, theirs.substituted
        yield ours.unresolved, theirs.unresolved
        yield ours.empty, theirs.empty

    def _take(self, doc: SourceDoc, prefix: PathKey) -> None:
        """Everything ``doc`` knows under ``prefix`` replaces what the merge knew there."""
        for ours, theirs in self._tables(doc):
            _drop(ours, prefix)
            _copy(ours, theirs, prefix)
        _drop(self.origins, prefix)
        self.origins.update(
            (p, doc.file)
            for table in (doc.positions, doc.key_positions)
            for p in table
            if _under(p, prefix)
        )

    def add(self, doc: SourceDoc) -> None:
        self.doc.problems.extend(doc.problems)
        self.doc.data = self._merge(self.doc.data, doc.data, (), doc)

    def _merge(self, base: Any, over: Any, path: PathKey, doc: SourceDoc) -> Any:
        if isinstance(base, dict) and isinstance(over, dict):
            out = dict(base)
            for key, value in over.items():
                child = (*path, key)
                if key in base:
                    out[key] = self._merge(base[key], value, child, doc)
                else:
                    self._take(doc, child)
                    out[key] = value
            return out
        self._take(doc, path)
        return over


def merge_docs(docs: Sequence[SourceDoc]) -> SourceDoc:
    """One document from ``docs`` (at least one), deep-merged in order, positions kept."""
    merger = _Merger(docs[0])
    for doc in docs[1:]:
        merger.add(doc)
    merged = merger.doc
    merged.files = tuple(d.file for d in docs)
    if len(docs) > 1:
        merged.origins = merger.origins
    return merged
