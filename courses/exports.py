"""The dashboard's rows as CSV (UTF-8 with a BOM, so Excel reads Chinese) or XLSX: pure writers, no ORM.

Rows arrive as lists (the first is the header) of str, int, float, date or None. Text that a spreadsheet
would run as a formula gets a leading apostrophe: text starting with a control character, or whose first
character after any spaces, zero-width characters or BOM is = + - @ | or their full-width forms.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from datetime import date
from typing import Any, BinaryIO

BOM = "\ufeff"
FORMULA_CHARS = frozenset("=+-@|＝＋－＠｜")
# Invisible characters a spreadsheet may skip before reading a formula: zero-width ones and the BOM
# (spaces, full-width and no-break ones included, are found by str.isspace).
INVISIBLE = frozenset("\u200b\u200c\u200d\u200e\u200f\u2060\u180e\ufeff")
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def cell_safe(value: Any) -> Any:
    """``value`` with a leading apostrophe when a spreadsheet could read it as a formula."""
    if not isinstance(value, str) or not value:
        return value
    if value[0] < " " or value[0] == "\x7f":
        return "'" + value
    for char in value:
        if char.isspace() or char in INVISIBLE:
            continue
        return "'" + value if char in FORMULA_CHARS else value
    return value


def _csv_value(value: Any) -> str:
    value = cell_safe(value)
    if value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        return f"{value:.2f}".rstrip("0").rstrip(".")
    return str(value)


class _Line:
    """A file-like object for csv.writer that hands back what it was given."""

    def write(self, text: str) -> str:
        return text


def csv_chunks(rows: Iterable[list[Any]], *, batch: int = 200) -> Iterator[bytes]:
    """The CSV as UTF-8 byte chunks, the BOM first: for a streaming response or a file."""
    writer = csv.writer(_Line())
    buffer = [BOM]
    for index, row in enumerate(rows, start=1):
        buffer.append(writer.writerow([_csv_value(v) for v in row]))
        if index % batch == 0:
            yield "".join(buffer).encode("utf-8")
            buffer = []
    if buffer:
        yield "".join(buffer).encode("utf-8")


def _sheet_title(title: str) -> str:
    for char in "[]:*?/\\":
        title = title.replace(char, " ")
    return title.strip()[:31] or "Sheet1"


def xlsx_write(rows: Iterable[list[Any]], out: BinaryIO, *, title: str = "Cohort") -> int:
    """Write an XLSX workbook (header in bold, frozen) to ``out``; returns the number of data rows."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_sheet_title(title))
    sheet.freeze_panes = "A2"
    count = -1
    bold = Font(bold=True)
    for count, row in enumerate(rows):
        if count == 0:
            for index in range(len(row)):
                letter = _column_letter(index)
                sheet.column_dimensions[letter].width = 28 if index < 3 else 16
            header = []
            for value in row:
                cell = WriteOnlyCell(sheet, value=cell_safe(value))
                cell.font = bold
                header.append(cell)
            sheet.append(header)
            continue
        cells = []
        for value in row:
            value = cell_safe(value)
            if isinstance(value, date):
                cell = WriteOnlyCell(sheet, value=value)
                cell.number_format = "yyyy-mm-dd"
                cells.append(cell)
            else:
                cells.append(value)
        sheet.append(cells)
    workbook.save(out)
    return max(count, 0)


def _column_letter(index: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(index + 1)


def xlsx_bytes(rows: Iterable[list[Any]], *, title: str = "Cohort") -> bytes:
    out = io.BytesIO()
    xlsx_write(rows, out, title=title)
    return out.getvalue()


def write(file_format: str, rows: Iterable[list[Any]], out: BinaryIO, *, title: str = "Cohort") -> int:
    """Write the rows in ``file_format`` (csv or xlsx) to ``out``; returns the number of data rows."""
    if file_format == "xlsx":
        return xlsx_write(rows, out, title=title)
    if file_format != "csv":
        raise ValueError(f"unknown export format {file_format!r}")
    counter = _Counter(rows)
    for chunk in csv_chunks(counter):
        out.write(chunk)
    return max(counter.count - 1, 0)


class _Counter:
    def __init__(self, rows: Iterable[list[Any]]) -> None:
        self.rows = rows
        self.count = 0

    def __iter__(self) -> Iterator[list[Any]]:
        for row in self.rows:
            self.count += 1
            yield row
