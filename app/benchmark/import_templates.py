"""Files to fill in for the import, in the page's language: the columns under their Danish
or English names, and in the Excel file the statuses as a list of the pages' labels. The
import reads both languages (importer.DANISH_COLUMNS, importer.status_names)."""

from __future__ import annotations

import io

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from app.benchmark import importer
from app.benchmark.metrics import STATUSES
from app.web.csv_export import csv_text
from app.web.i18n import translations

FORMATS = ("csv", "xlsx")
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DATE_COLUMNS = ("effective_from", "start_date", "end_date")
# Rows of the Excel sheet that offer the list of statuses.
FILLED_ROWS = 1000
NAMES = {"da": {importer.ADOPTION: "udbredelse-skabelon", importer.INDICATORS: "indikatorer-skabelon"},
         "en": {importer.ADOPTION: "adoption-template", importer.INDICATORS: "indicators-template"}}


def columns(kind: str, lang: str) -> list[str]:
    spec = importer.COLUMNS[kind]
    own = [*spec["required"], *spec["optional"]]
    return [importer.DANISH_COLUMNS[c] for c in own] if lang == "da" else own


def filename(kind: str, lang: str, fmt: str) -> str:
    return f"{NAMES[lang][kind]}.{fmt}"


def template_csv(kind: str, lang: str) -> bytes:
    """The header row; in Danish separated by semicolons, as a Danish Excel writes CSV. With
    a byte-order mark, so that Excel reads æ, ø and å as UTF-8."""
    return ("\ufeff" + csv_text(columns(kind, lang), [], delimiter=";" if lang == "da" else ",")).encode()


def template_xlsx(kind: str, lang: str) -> bytes:
    """The header row in bold; dates as date cells; the status chosen from the labels."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None  # a new workbook has its one sheet
    sheet.title = translations(lang).gettext(f"import:{kind}")[:31]
    names = columns(kind, lang)
    sheet.append(names)
    own = [*importer.COLUMNS[kind]["required"], *importer.COLUMNS[kind]["optional"]]
    for number, (column, name) in enumerate(zip(own, names, strict=True), start=1):
        sheet.cell(row=1, column=number).font = Font(bold=True)
        letter = get_column_letter(number)
        sheet.column_dimensions[letter].width = max(14, len(name) + 4)
        if column in DATE_COLUMNS:
            sheet.column_dimensions[letter].number_format = "yyyy-mm-dd"
        if column == "status":
            labels = ",".join(translations(lang).gettext(s) for s in STATUSES)
            choose = DataValidation(type="list", formula1=f'"{labels}"', allow_blank=True)
            choose.add(f"{letter}2:{letter}{FILLED_ROWS + 1}")
            sheet.add_data_validation(choose)
    sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
