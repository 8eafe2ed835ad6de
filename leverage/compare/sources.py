"""Parquet sources for comparisons: files and folders under the sources folder, and uploads saved there.

A source is refused whole when any row is bad; the message names the file, the column and the first bad
rows (for a folder, the file inside it). A source's identity (path, modification time, size) keys every
cached result, so replacing a file is seen at once and an unchanged one costs nothing to re-read.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq

from leverage.core.atomic import replaced_atomically
from leverage.core.i18n import _
from leverage.survey.responses import RESPONSE_COLUMNS, ResponseDataError, normalise_table, read_table

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


def cached_cube(source: Source, root: str | Path, table: pa.Table | None = None):
    """The source's comparison cube: read from `<root>/.cache/` when it was built for this very identity,
    else built (validating the source, unless `table` holds it validated already) and saved there, so a
    restarted server skips the ten-million-row pass. The cache holds sums per organization × round ×
    department × role, never answers."""
    from leverage.compare.cube import Cube, build_cube

    points_file, items_file = _cube_files(source, root)
    folder = points_file.parent
    if points_file.exists() and items_file.exists():
        try:
            points = pq.read_table(points_file).to_pandas()
            for col in ("organization", "round", "department", "role", "leverage_point"):
                points[col] = points[col].astype(object)
            return Cube(points=points, items=pq.read_table(items_file))
        except (pa.ArrowInvalid, OSError):
            pass  # a damaged cache entry is rebuilt below
    cube = build_cube(load(source) if table is None else table)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        for table, target in ((pa.Table.from_pandas(cube.points, preserve_index=False), points_file),
                              (cube.items, items_file)):
            with replaced_atomically(target) as tmp:
                pq.write_table(table, tmp)
    except OSError:
        pass  # a read-only folder only costs the rebuild next time
    return cube


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
