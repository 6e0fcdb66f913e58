"""JSON arrays, JSON Lines and GeoJSON.

A JSON array is streamed element by element (an array that is not closed, or is broken in the
middle, rejects the whole file: its structure cannot be trusted). JSON Lines are read line by
line: a line that is not a JSON object is quarantined and the rest loads. A GeoJSON
FeatureCollection yields one row per feature: its properties, and its geometry as JSON text in
the contract's geometry column. Keys match columns like headers do (name_zh, aliases, English
name); unknown keys go to `_extras`. Numbers keep the digits delivered; nested values become
compact JSON text. `_line` is the 1-based element index (features for GeoJSON), the physical line
for JSON Lines.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import polars as pl

from pipelines.contracts import ColumnType, SourceContract
from pipelines.ingest._errors import FileRejected
from pipelines.ingest._headers import header_lookup, normalise_header
from pipelines.ingest._rows import FAULT, RAW, Chunk, RowSpec, finish
from pipelines.ingest._sniff import SAMPLE_BYTES, SURROGATES, Encoding

CHUNK_ROWS = 20_000
REQUIRED_SAMPLE = 1000
_WHITESPACE = " \t\r\n"
# Also stripped around a JSON Lines line: a byte-order mark starts every line of files that were
# concatenated from several exports.
_LINE_BLANKS = _WHITESPACE + "\ufeff"
_decoder = json.JSONDecoder(parse_float=Decimal)


def value_text(value: Any) -> str | None:
    """A JSON value as raw text: numbers as delivered, nested values as compact JSON."""
    if value is None:
        return None
    if isinstance(value, str):
        return value or None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, Decimal):
        text = str(value)
        return format(value, "f") if "E" in text else text
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=_number)


def _number(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() and "." not in str(value) else float(value)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def _record_lists(document: dict[str, Any], depth: int = 4) -> dict[tuple[str, ...], list[Any]]:
    """Every non-empty list of JSON objects inside nested objects, by its path of keys."""
    found: dict[tuple[str, ...], list[Any]] = {}
    for key, value in document.items():
        if isinstance(value, list) and value and all(isinstance(e, dict) for e in value[:100]):
            found[(str(key),)] = value
        elif isinstance(value, dict) and depth > 1:
            for path, inner in _record_lists(value, depth - 1).items():
                found[(str(key), *path)] = inner
    return found


class JsonSource:
    """Elements of a JSON, JSON Lines or GeoJSON file as chunks of rows."""

    def __init__(self, path: Path, contract: SourceContract, encoding: Encoding) -> None:
        self.path = path
        self.contract = contract
        self.encoding = encoding
        self.lookup = header_lookup(contract)
        self._targets: dict[str, str | None] = {}
        self._annotated: set[str] = set()  # keys that name a column only without annotations
        self.geometry = next(
            (c.name_zh for c in contract.columns if c.type == ColumnType.GEOMETRY), None
        )
        self.notes: list[str] = []
        self.kind = self._kind()
        self.format = {"lines": "jsonl", "array": "json"}.get(self.kind, "json")
        self._document: list[Any] | None = None
        self._check_required()

    # -- structure --------------------------------------------------------------------------

    def _text(self) -> io.TextIOWrapper:
        binary = self.path.open("rb")
        binary.seek(self.encoding.bom)
        return io.TextIOWrapper(
            binary, encoding=self.encoding.codec, errors="surrogateescape", newline=""
        )

    def _kind(self) -> str:
        with self._text() as text:
            head = text.read(SAMPLE_BYTES)
        stripped = head.lstrip(_WHITESPACE + "\x00")
        if stripped.startswith("["):
            return "array"
        lines = [line.strip() for line in head.splitlines() if line.strip()]
        if len(lines) >= 2:
            try:
                first = json.loads(lines[0])
            except ValueError:
                first = None
            objects = sum(1 for line in lines if line.startswith("{") and line.endswith("}"))
            if isinstance(first, dict) or objects * 2 >= len(lines):
                return "lines"
        return "document"

    def _check_required(self) -> None:
        """A required column no sampled element has means the file is not this source."""
        required = [c.name_zh for c in self.contract.columns if c.required]
        if not required:
            return
        seen: set[str] = set()
        sampled = 0
        for _, value, _ in self._elements():
            sampled += 1
            record = self._record_of(value)
            if isinstance(record, dict):
                seen.update(self._target(str(k)) or "" for k in record)
            if sampled >= REQUIRED_SAMPLE:
                break
        missing = [c for c in required if c not in seen]
        if sampled and missing:
            raise FileRejected(
                f"required columns missing: {', '.join(missing)}", rows_read=self.count_rows()
            )

    def count_rows(self) -> int:
        return sum(1 for _ in self._elements())

    def _elements(self) -> Iterator[tuple[str, Any, str | None]]:
        """`(_line, value or _BAD, raw)` of every element; raises FileRejected on structure."""
        if self.kind == "array":
            yield from self._array()
        elif self.kind == "lines":
            yield from self._lines()
        else:
            for index, value in enumerate(self._whole(), start=1):
                yield str(index), value, None

    def _array(self) -> Iterator[tuple[str, Any, str | None]]:
        with self._text() as text:
            buffer = text.read(SAMPLE_BYTES)
            eof = not buffer
            pos = _skip(buffer, 0) + 1  # past "["
            index = 0
            while True:
                pos = _skip(buffer, pos)
                while pos >= len(buffer) and not eof:
                    buffer, pos, eof = _refill(text, buffer, pos)
                    pos = _skip(buffer, pos)
                if pos >= len(buffer):
                    raise FileRejected(
                        f"truncated JSON: the array is not closed after {index} elements",
                        rows_read=index,
                    )
                if buffer[pos] == "]":
                    rest = buffer[pos + 1 :] + text.read()
                    if rest.strip(_WHITESPACE + "\x00"):
                        raise FileRejected(
                            f"invalid JSON: content after the closing bracket of the array "
                            f"({index} elements)",
                            rows_read=index,
                        )
                    return
                if index:
                    if buffer[pos] != ",":
                        raise FileRejected(
                            f"invalid JSON: expected ',' after element {index}", rows_read=index
                        )
                    pos = _skip(buffer, pos + 1)
                    while pos >= len(buffer) and not eof:
                        buffer, pos, eof = _refill(text, buffer, pos)
                        pos = _skip(buffer, pos)
                while True:
                    try:
                        value, end = _decoder.raw_decode(buffer, pos)
                        if end < len(buffer) or eof:
                            break
                    except json.JSONDecodeError as exc:
                        if eof:
                            kind = "truncated" if exc.pos >= len(buffer) - 1 or "Unterminated" in exc.msg else "invalid"
                            raise FileRejected(
                                f"{kind} JSON at element {index + 1}: {exc.msg}", rows_read=index
                            ) from None
                    buffer, pos, eof = _refill(text, buffer, pos)
                index += 1
                yield str(index), value, buffer[pos:end]
                pos = end
                if pos > SAMPLE_BYTES:
                    buffer, pos = buffer[pos:], 0

    def _lines(self) -> Iterator[tuple[str, Any, str | None]]:
        with self._text() as text:
            for number, line in enumerate(text, start=1):
                body = line.strip(_LINE_BLANKS)
                if not body:
                    continue
                try:
                    value = _decoder.decode(body)
                except json.JSONDecodeError as exc:
                    ended = line.endswith(("\n", "\r"))
                    reason = (
                        f"invalid JSON: {exc.msg}" if ended
                        else "row cut short at end of file (incomplete JSON)"
                    )
                    value = _Bad(reason)
                yield str(number), value, body

    def _whole(self) -> list[Any]:
        if self._document is None:
            with self._text() as text:
                content = text.read()
            try:
                document = _decoder.decode(content.strip(_WHITESPACE + "\x00"))
            except json.JSONDecodeError as exc:
                kind = "truncated" if exc.pos >= len(content.rstrip()) - 1 or "Unterminated" in exc.msg else "invalid"
                raise FileRejected(f"{kind} JSON: {exc.msg} (char {exc.pos})") from None
            self._document = self._records_in(document)
        return self._document

    def _records_in(self, document: Any) -> list[Any]:
        if isinstance(document, list):
            return document
        if not isinstance(document, dict):
            raise FileRejected("JSON document is a single value, not records")
        kind = document.get("type")
        if kind == "FeatureCollection":
            features = document.get("features")
            if not isinstance(features, list):
                raise FileRejected("GeoJSON FeatureCollection without a features array")
            self.format = "geojson"
            return features
        if kind == "Feature":
            self.format = "geojson"
            return [document]
        own = self._score(document)
        found = _record_lists(document)
        scored = sorted(((self._score(*v[:100]), path) for path, v in found.items()), reverse=True)
        best = [path for score, path in scored if score == scored[0][0]] if scored else []
        if scored and scored[0][0] > 0 and scored[0][0] >= own and len(best) == 1:
            # an API response's envelope: {"code": 0, "data": {"records": [...], "total": n}}
            self.notes.append(f"records read from key {'.'.join(best[0])!r}")
            return found[best[0]]
        if own:
            return [document]
        top = [path for path in found if len(path) == 1]
        if len(top) == 1:
            self.notes.append(f"records read from key {top[0][0]!r}")
            return found[top[0]]
        raise FileRejected("JSON object is neither a record, a FeatureCollection nor a list of records")

    def _score(self, *records: Any) -> int:
        """How many distinct contract columns the keys of these records name."""
        keys = {str(k) for r in records if isinstance(r, dict) for k in r}
        return len({t for t in map(self.lookup.get, map(normalise_header, keys)) if t})

    # -- rows -------------------------------------------------------------------------------

    def _record_of(self, value: Any) -> dict[str, Any] | None:
        """The flat record of an element (a GeoJSON feature's properties and geometry)."""
        if not isinstance(value, dict):
            return None
        if value.get("type") == "Feature" and "properties" in value:
            self.format = "geojson"
            record = dict(value.get("properties") or {})
            geometry = value.get("geometry")
            key = self.geometry or "geometry"
            record.setdefault(key, geometry)
            if "id" in value and "id" not in record:
                record["id"] = value["id"]
            return record
        return value

    def _target(self, key: str) -> str | None:
        """The column a key names (memoised: every element repeats the same keys)."""
        try:
            return self._targets[key]
        except KeyError:
            normalised = normalise_header(key)
            found = self._targets[key] = self.lookup.get(normalised)
            if found is not None and not self.lookup.exact(normalised):
                self._annotated.add(key)
            return found

    def chunks(self) -> Iterator[Chunk]:
        batch: list[tuple[str, Any, str | None]] = []
        for element in self._elements():
            batch.append(element)
            if len(batch) >= CHUNK_ROWS:
                yield self._chunk(batch)
                batch = []
        if batch:
            yield self._chunk(batch)

    def _chunk(self, batch: list[tuple[str, Any, str | None]]) -> Chunk:
        columns: dict[str, list[str | None]] = {c.name_zh: [] for c in self.contract.columns}
        extras: dict[str, list[str | None]] = {}
        faults: list[str | None] = []
        raws: list[str] = []
        for row, (_, value, raw) in enumerate(batch):
            record = self._record_of(value)
            fault = None
            if isinstance(value, _Bad):
                fault, record = value.reason, {}
            elif record is None:
                fault, record = "element is not a JSON object", {}
            taken: dict[str, str | None] = {}
            found = [(key, self._target(key), item) for key, item in record.items()]
            if self._annotated and not self._annotated.isdisjoint(record):
                # a plain key outranks an annotated one naming the same column
                found.sort(key=lambda entry: entry[0] in self._annotated)
            for key, target, item in found:
                if target is not None and target not in taken:
                    taken[target] = value_text(item)
                else:
                    extras.setdefault(str(key), [None] * row).append(value_text(item))
            for name, values in columns.items():
                values.append(taken.get(name))
            for values in extras.values():
                if len(values) <= row:
                    values.append(None)
            text = raw if raw is not None else value_text(value) or ""
            # A value holds a lone surrogate only when its text does, or when the text spells
            # one as a JSON escape (`\udc80`): only then is every value looked at.
            if SURROGATES.search(text) or ("\\u" in text and any(
                SURROGATES.search(v) for v in taken.values() if v
            )):
                fault = fault or f"bytes not valid {self.encoding.codec}"
                text = SURROGATES.sub(lambda m: f"\\x{ord(m.group()) - 0xDC00:02x}", text)
                for values in (*columns.values(), *extras.values()):
                    values[row] = None
            faults.append(fault)
            raws.append(text)
        extra_names = {f"__x{i}": key for i, key in enumerate(extras)}
        data: dict[str, list[str | None]] = dict(columns)
        data.update({name: extras[key] for name, key in extra_names.items()})
        frame = pl.DataFrame(data, schema=dict.fromkeys(data, pl.String))
        frame = frame.with_columns(
            pl.Series("_line", [line for line, _, _ in batch], dtype=pl.String),
            pl.Series(FAULT, faults, dtype=pl.String),
            pl.Series(RAW, raws, dtype=pl.String),
        )
        spec = RowSpec(contract=self.contract, extra_keys=extra_names, header_values={})
        return finish(frame, spec, raw_text=lambda bad: bad[RAW].to_list())


class _Bad:
    """An element that could not be parsed (JSON Lines only)."""

    def __init__(self, reason: str) -> None:
        self.reason = reason


def _skip(buffer: str, pos: int) -> int:
    while pos < len(buffer) and buffer[pos] in _WHITESPACE:
        pos += 1
    return pos


def _refill(text: io.TextIOWrapper, buffer: str, pos: int) -> tuple[str, int, bool]:
    more = text.read(max(SAMPLE_BYTES, len(buffer)))
    return buffer[pos:] + more, 0, not more
