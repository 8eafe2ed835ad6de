"""Importing response files: validate everything first, then write all or nothing."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pyarrow as pa

from leverage.core.database import StoreError
from leverage.core.i18n import _
from leverage.core.settings import Settings
from leverage.survey.instrument import available_instruments, default_instrument
from leverage.survey.response_import import ImportReport
from leverage.survey.responses import (
    RESPONSE_COLUMNS,
    Problem,
    ResponseDataError,
    check_text_fields,
    normalise_table,
    read_table,
    restore_formulas,
    validate_for_import,
)
from leverage.survey.store import Store


@dataclass
class ImportCheck:
    """The outcome of checking a file: the rows ready to write, or the problems that stop it."""

    source: str
    frame: pd.DataFrame | None = None
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.frame is not None and not self.problems

    def summary(self) -> dict[str, int]:
        if self.frame is None:
            return {}
        f = self.frame
        return {"rows": len(f), "organizations": f["organization"].nunique(), "rounds": f[["organization", "round"]]
                .drop_duplicates().shape[0], "respondents": f[["organization", "round", "respondent_id"]]
                .drop_duplicates().shape[0], "don't know": int(f["value"].isna().sum())}


def check_responses(source: str | Path | pd.DataFrame, store: Store, settings: Settings, name: str | None = None
                    ) -> ImportCheck:
    """Read and validate a parquet/CSV file (or a frame) for import into `store`, writing nothing.

    A file of more than `settings.max_upload_rows` rows is refused before or while it is read. Text
    columns become pandas categoricals: a two-million-row file then fits in a few hundred MB."""
    label = name or (str(source) if not isinstance(source, pd.DataFrame) else "<data>")
    try:
        if isinstance(source, pd.DataFrame):
            table = pa.Table.from_pandas(source, preserve_index=False)
        else:
            table = read_table(source, list(RESPONSE_COLUMNS), dictionary=True, max_rows=settings.max_upload_rows,
                               label=label)
        if table.num_rows == 0:
            return ImportCheck(label, problems=[Problem(None, None, f"{label}: the file has no rows")])
        table = normalise_table(table, label)
        # Text as categoricals: a few distinct values each, shared, instead of one Python string per cell.
        table = pa.table({name: (col.dictionary_encode() if not pa.types.is_dictionary(col.type) and name != "value"
                                 else col) for name, col in zip(table.column_names, table.columns, strict=True)})
        frame = table.to_pandas()
    except ResponseDataError as exc:
        return ImportCheck(label, problems=[Problem(None, None, str(exc))])
    if str(source).lower().endswith(".csv"):
        frame = restore_formulas(frame)
    problems = check_text_fields(frame, label)
    if problems:
        return ImportCheck(label, problems=problems)
    frame["value"] = frame["value"].astype("Int64")
    frame["department"] = frame["department"].where(frame["department"].notna() & (frame["department"] != ""))
    round_instrument = {}
    orgs = store.list_organizations()
    for org_id, org_name in orgs.itertuples(index=False):
        for rec in store.list_rounds(int(org_id)).itertuples(index=False):
            round_instrument[(org_name, rec.name)] = (rec.instrument_id, rec.instrument_version)
    problems = validate_for_import(frame, available_instruments(), round_instrument, default_instrument(),
                                   set(settings.role_labels))
    return ImportCheck(label, frame=frame, problems=problems)


def check_upload(data: bytes, filename: str, store: Store, settings: Settings) -> ImportCheck:
    """Validate uploaded bytes (parquet or CSV, told apart by the file name) for import, writing nothing."""
    suffix = Path(filename).suffix.lower()
    if suffix not in {".parquet", ".csv"}:
        return ImportCheck(filename, problems=[Problem(None, None, f"{filename}: upload a .parquet or .csv file")])
    if len(data) > settings.max_upload_mb * 1024 * 1024:
        return ImportCheck(filename, problems=[Problem(None, None, f"{filename}: larger than {settings.max_upload_mb} "
                                                                   "MB (LEVERAGE_MAX_UPLOAD_MB)")])
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"upload{suffix}"
        path.write_bytes(data)
        return check_responses(path, store, settings, name=filename)


def import_responses(check: ImportCheck, store: Store, **kwargs) -> ImportReport:
    """Write a checked import in one transaction; refuse one with problems."""
    if not check.ok:
        first = check.problems[0] if check.problems else "nothing to import"
        raise StoreError(_("{source}: not imported ({first}).").format(source=check.source, first=first))
    return store.import_responses(check.frame, **kwargs)
