"""Parquet sources for comparisons: files and folders under the sources folder, and uploads saved there.

A source is refused whole when any row is bad; the message names the file, the column and the first bad
rows (for a folder, the file inside it). A source's identity (path, modification time, size) keys every
cached result, so replacing a file is seen at once and an unchanged one costs nothing to re-read.

A new source is first `scan`ned: checked whole, but reading only the columns its parquet statistics
cannot prove (the organization and round columns, which the catalogue counts, are read anyway), so the
first view does not wait for ten million answers; `organization_rows` then reads one organization's
answers from the row groups that hold them. `load` reads and checks everything, for the full cube.
"""

from __future__ import annotations

import io
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds
import pyarrow.parquet as pq

from leverage.core.atomic import replaced_atomically
from leverage.core.columns import SCALE_RANGE
from leverage.core.i18n import _
from leverage.survey.aggregate import equal_mask, pair_counts
from leverage.survey.responses import (
    RESPONSE_COLUMNS,
    ResponseDataError,
    normalise_table,
    parquet_dataset,
    read_table,
)

if TYPE_CHECKING:
    import pandas as pd

    from leverage.compare.cube import Cube

STORE_SOURCE = "App store"
MAX_UPLOAD_BYTES = 200 * 1024 * 1024  # as Streamlit's default server.maxUploadSize


@dataclass(frozen=True)
class Source:
    name: str  # shown to users: the file or folder name relative to the sources folder
    path: Path

    @property
    def identity(self) -> tuple[str, int, int]:
        """(path, newest modification time in ns, total size): changes whenever any file changes."""
        files = parquet_files(self.path)
        stats = [f.stat() for f in files]
        return (str(self.path), max((s.st_mtime_ns for s in stats), default=0), sum(s.st_size for s in stats))


def parquet_files(path: Path) -> list[Path]:
    if path.is_file():
        return [path]
    return sorted(p for p in path.rglob("*.parquet") if p.is_file() and not _hidden(p.relative_to(path)))


def _hidden(rel: Path) -> bool:
    return any(part.startswith((".", "_")) for part in rel.parts)


def discover(folder: str | Path) -> list[Source]:
    """Parquet files and folders holding parquet files directly under `folder` (hidden ones skipped)."""
    root = Path(folder)
    if not root.is_dir():
        return []
    found = []
    for entry in sorted(root.iterdir()):
        if entry.name.startswith((".", "_")):
            continue
        if entry.is_file() and entry.suffix.lower() == ".parquet":
            found.append(Source(entry.name, entry))
        elif entry.is_dir() and parquet_files(entry):
            found.append(Source(f"{entry.name}/", entry))
    return found


def load(source: Source) -> pa.Table:
    """The source's answers, validated and typed (text kept dictionary-encoded); ResponseDataError if bad."""
    table = read_table(source.path, list(RESPONSE_COLUMNS), dictionary=True)
    try:
        return normalise_table(table, source.name)
    except ResponseDataError:
        if source.path.is_dir():
            _blame_file(source)  # name the file inside the folder, with rows counted in that file
        raise


TEXT_COLUMNS = tuple(c for c in RESPONSE_COLUMNS if c != "value")
#: Read by `scan` whatever the statistics say: the catalogue counts organization × round, and no statistic
#: proves that every leverage_point is one of LP1..LP7 (a minimum and a maximum do not bound a set).
SCANNED = ("organization", "round", "leverage_point")


@dataclass(frozen=True)
class Scan:
    """A source checked whole (as `load` checks it), with what the first view needs.

    `answers` counts answers per (organization, round). `pieces` are the source's row groups and
    `row_groups` gives, per organization, the indices of the pieces holding any of its rows, so its answers
    are read from those alone. `table` holds the whole checked source instead when it had to be read
    whole (files of different types, or a file the quick path could not read)."""

    answers: Mapping[tuple[str | None, str | None], int]
    dataset: ds.FileSystemDataset | None = None
    pieces: tuple[ds.Fragment, ...] = ()
    row_groups: Mapping[str, tuple[int, ...]] = field(default_factory=dict)
    table: pa.Table | None = None

    def catalogue(self) -> pd.DataFrame:
        """Answers per organization × round, as `cube.catalogue` lists them."""
        from leverage.compare.cube import catalogue

        pairs = list(self.answers)
        return catalogue([p[0] for p in pairs], [p[1] for p in pairs],
                         np.fromiter(self.answers.values(), dtype=np.int64, count=len(pairs)))


def scan(source: Source) -> Scan:
    """Check a source and count its answers per organization × round; ResponseDataError when `load`
    would refuse it, with the very message `load` gives.

    Parquet statistics prove a column for a row group when they are exact for the rule: no nulls and a
    minimum other than '' (the empty string sorts before every other string under any byte order) for
    the text columns that must be filled, a minimum and maximum inside the scale for an integer `value`.
    Those columns are not read; `SCANNED` and every column not proven in every row group are, and pass
    `normalise_table`'s own checks. Whenever anything fails or does not fit (a bad row, a file unlike the
    others), the source is read and checked whole by `load`, which names the file, column and rows.
    """
    try:
        found = _scan(source)
    except (pa.ArrowException, OSError, ValueError):  # a bad row, or a file the quick path cannot read
        found = None
    if found is not None:
        return found
    table = load(source)
    return Scan(answers=pair_counts(table, "organization", "round"), table=table)


def _is_text(kind: pa.DataType) -> bool:
    if pa.types.is_dictionary(kind):
        kind = kind.value_type
    return pa.types.is_string(kind) or pa.types.is_large_string(kind)


def _scan(source: Source) -> Scan | None:
    """The quick path of `scan`; None (or an exception) when only reading everything can decide."""
    if source.path.is_file() and source.path.suffix.lower() != ".parquet":
        return None
    dataset = parquet_dataset(source.path, dictionary=True)
    schema = dataset.schema
    if any(c not in schema.names for c in RESPONSE_COLUMNS):
        return None  # `load` names the missing columns
    pieces = tuple(piece for fragment in dataset.get_fragments() for piece in fragment.split_by_row_group())
    # Columns of other types (a round partition inferred as numbers, values stored as text) are read and
    # converted by `normalise_table`, as `load` does; statistics only ever stand in for text and integers.
    read = set(SCANNED) | {c for c in TEXT_COLUMNS if not _is_text(schema.field(c).type)}
    if not pa.types.is_integer(schema.field("value").type):
        read.add("value")
    for piece in pieces:
        physical = piece.physical_schema
        names = set(physical.names)
        for name in RESPONSE_COLUMNS:
            if name in names and physical.field(name).type != schema.field(name).type:
                return None  # a file unlike the first: pyarrow converts it or refuses it when `load` reads
        meta = piece.metadata.row_group(piece.row_groups[0].id)
        chunks = {meta.column(i).path_in_schema: meta.column(i) for i in range(meta.num_columns)}
        for name in RESPONSE_COLUMNS:
            if name in read:
                continue
            chunk = chunks.get(name)  # a partition column (round) or a column the file lacks: read it
            if chunk is None or not _proven(name, chunk.statistics, meta.num_rows):
                read.add(name)
    wanted = [c for c in RESPONSE_COLUMNS if c in read]
    index = {(piece.path, piece.row_groups[0].id): i for i, piece in enumerate(pieces)}
    batches, owners = [], []
    whole = ds.FileSystemDataset(list(pieces), schema, dataset.format, dataset.filesystem)
    for tagged in whole.scanner(columns=wanted, batch_size=1 << 20).scan_batches():
        batches.append(tagged.record_batch)
        owners.append(index[(tagged.fragment.path, tagged.fragment.row_groups[0].id)])
    table = pa.Table.from_batches(batches, schema=pa.schema([schema.field(c) for c in wanted]))
    table = normalise_table(table, source.name, required=tuple(wanted))  # raises on the first bad column
    holding: dict[str, list[int]] = {}
    for batch, owner in zip(table.column("organization").chunks, owners, strict=True):
        for organization in _distinct(batch):
            places = holding.setdefault(organization, [])
            if not places or places[-1] != owner:
                places.append(owner)
    return Scan(answers=pair_counts(table, "organization", "round"), dataset=dataset, pieces=pieces,
                row_groups={org: tuple(sorted(set(places))) for org, places in holding.items()})


def _proven(name: str, stats, rows: int) -> bool:
    """Whether a row group's statistics alone show that every row of column `name` passes the checks."""
    if rows == 0:
        return True
    if name == "department":
        return True  # any text passes (empty or missing means "not stated"); the type was checked
    if stats is None or not stats.has_null_count:
        return False
    if name == "value":
        if stats.null_count == rows:
            return True  # all "don't know"
        low, high = SCALE_RANGE
        return stats.has_min_max and isinstance(stats.min, int) and isinstance(stats.max, int) and \
            low <= stats.min and stats.max <= high
    return stats.null_count == 0 and stats.has_min_max and isinstance(stats.min, str) and stats.min != ""


def _distinct(chunk: pa.Array) -> list[str]:
    """The values present in a chunk (for a dictionary chunk, the entries its rows use)."""
    if pa.types.is_dictionary(chunk.type):
        return chunk.dictionary.take(pc.unique(chunk.indices)).to_pylist()
    return pc.unique(chunk).to_pylist()


def organization_rows(source: Source, found: Scan, organization: str) -> pa.Table:
    """One organization's checked answers of a scanned source, read from the row groups that hold them."""
    if found.table is not None:
        table = found.table
        return table.filter(equal_mask(table.column("organization"), organization))
    assert found.dataset is not None
    chosen = [found.pieces[i] for i in found.row_groups.get(organization, ())]
    dataset = ds.FileSystemDataset(chosen, found.dataset.schema, found.dataset.format, found.dataset.filesystem)
    table = dataset.to_table(columns=list(RESPONSE_COLUMNS), batch_size=1 << 20)
    table = table.filter(equal_mask(table.column("organization"), organization))
    return normalise_table(table, source.name)  # canonical types (the rules held for the whole source)


def _blame_file(source: Source) -> None:
    for file in parquet_files(source.path):
        name = f"{source.name}{file.relative_to(source.path)}"
        try:
            dataset = ds.dataset([str(file)], format="parquet", partitioning="hive",
                                 partition_base_dir=str(source.path))
            table = dataset.to_table(columns=[c for c in RESPONSE_COLUMNS if c in dataset.schema.names])
        except (pa.ArrowInvalid, OSError) as exc:
            raise ResponseDataError(_("{name}: cannot read the file ({exc})").format(name=name, exc=exc)) from None
        normalise_table(table, name)


CACHE_DIR = ".cache"


def _cube_files(source: Source, root: str | Path) -> tuple[Path, Path]:
    import hashlib

    digest = hashlib.sha256(repr(source.identity).encode()).hexdigest()[:24]
    folder = Path(root) / CACHE_DIR
    return folder / f"{digest}.points.parquet", folder / f"{digest}.items.parquet"


def cube_is_cached(source: Source, root: str | Path) -> bool:
    """Whether the sources folder holds a cube built for this very version of the source."""
    return all(f.exists() for f in _cube_files(source, root))


def cached_cube(source: Source, root: str | Path, table: pa.Table | None = None) -> Cube:
    """The source's comparison cube: read from `<root>/.cache/` when it was built for this very identity,
    else built (validating the source, unless `table` holds it validated already) and saved there, so a
    restarted server skips the ten-million-row pass. The cache holds sums per organization × round ×
    department × role, never answers."""
    from leverage.compare.cube import build_cube

    points_file, items_file = _cube_files(source, root)
    folder = points_file.parent
    if points_file.exists() and items_file.exists():
        try:
            return _saved_cube(points_file, items_file)
        except (pa.ArrowInvalid, OSError):
            pass  # a damaged cache entry is rebuilt below
    cube = build_cube(load(source) if table is None else table)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        for table, target in ((pa.Table.from_pandas(cube.points, preserve_index=False), points_file),
                              (cube.items, items_file)):
            with replaced_atomically(target) as tmp:
                # Each organization's rows lie together (the cube is grouped by organization first), so
                # small row groups let `saved_organization` read one organization from one or two of them.
                pq.write_table(table, tmp, row_group_size=SAVED_ROW_GROUP)
    except OSError:
        pass  # a read-only folder only costs the rebuild next time
    return cube


#: Rows per row group of a saved cube (ten million answers: about 6 row groups of points, 26 of items).
SAVED_ROW_GROUP = 32_768
CUBE_TEXT = ("organization", "round", "department", "role", "leverage_point")


def _saved_cube(points_file: Path, items_file: Path, organization: str | None = None) -> Cube:
    """A saved cube, or one organization's part of it (the row groups whose statistics admit it, then its rows)."""
    from leverage.compare.cube import Cube

    where = None if organization is None else [("organization", "==", organization)]
    points = pq.read_table(points_file, filters=where).to_pandas()
    for col in CUBE_TEXT:
        points[col] = points[col].astype(object)
    return Cube(points=points, items=pq.read_table(items_file, filters=where))


def saved_catalogue(source: Source, root: str | Path) -> pd.DataFrame | None:
    """Answers per organization × round (organization, round, answers) from the source's saved cube, or None
    when there is none: the Overall rows' level and "don't know" counts add up every answer of a unit."""
    from leverage.compare.cube import LEVEL_COLUMNS, OVERALL, catalogue

    points_file, items_file = _cube_files(source, root)
    if not (points_file.exists() and items_file.exists()):
        return None
    counts = ["n_dont_know", *LEVEL_COLUMNS]
    try:
        table = pq.read_table(points_file, columns=["organization", "round", "leverage_point", *counts],
                              filters=[("leverage_point", "==", OVERALL)])
    except (pa.ArrowInvalid, OSError):
        return None  # damaged: the caller reads the source, and the full cube is rebuilt when asked for
    total = table.column(counts[0])
    for name in counts[1:]:
        total = pc.add(total, table.column(name))
    return catalogue(table.column("organization"), table.column("round"), total)


def saved_organization(source: Source, root: str | Path, organization: str) -> Cube | None:
    """One organization's part of the source's saved cube (as `subset` of the whole would give), or None when
    there is no saved cube or it cannot be read."""
    points_file, items_file = _cube_files(source, root)
    if not (points_file.exists() and items_file.exists()):
        return None
    try:
        return _saved_cube(points_file, items_file, organization)
    except (pa.ArrowInvalid, OSError):
        return None


def check_upload(data: bytes, filename: str, max_mb: int = MAX_UPLOAD_BYTES // 2**20,
                 max_rows: int | None = None) -> pa.Table:
    """Validate an uploaded parquet file in memory; ResponseDataError naming it when it cannot be used.

    Size first, then the row count from the file's metadata, both before anything is read."""
    if not filename.lower().endswith(".parquet"):
        raise ResponseDataError(_("{filename}: only parquet files can be added as a comparison source").format(
                                    filename=filename))
    if len(data) > max_mb * 2**20:
        raise ResponseDataError(_("{filename}: larger than {max_mb} MB (LEVERAGE_MAX_UPLOAD_MB); place it under the "
                                  "sources folder instead").format(filename=filename, max_mb=max_mb))
    try:
        file = pq.ParquetFile(io.BytesIO(data))
        if max_rows is not None and file.metadata.num_rows > max_rows:
            raise ResponseDataError(_("{filename}: {num_rows:,} rows; at most {max_rows:,} are accepted "
                                      "(LEVERAGE_MAX_UPLOAD_ROWS); place it under the sources folder instead").format(
                                        filename=filename, num_rows=file.metadata.num_rows, max_rows=max_rows))
        table = file.read()
    except (pa.ArrowInvalid, OSError) as exc:
        raise ResponseDataError(_("{filename}: not a readable parquet file ({exc})").format(
                                    filename=filename, exc=exc)) from None
    return normalise_table(table, filename)


def save_upload(data: bytes, filename: str, folder: str | Path) -> Source:
    """Write a checked upload into the sources folder under a fresh name (never replacing a file)."""
    root = Path(folder)
    root.mkdir(parents=True, exist_ok=True)
    stem = re.sub(r"[^A-Za-z0-9._-]+", "-", Path(filename).stem).strip(".-_") or "upload"
    target = root / f"{stem}.parquet"
    k = 2
    while target.exists():
        target = root / f"{stem}-{k}.parquet"
        k += 1
    with replaced_atomically(target) as tmp:
        Path(tmp).write_bytes(data)
    return Source(target.name, target)
