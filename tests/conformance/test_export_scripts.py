"""rex's own model with Greek, Cyrillic, Chinese, accented Latin and right-to-left names: the PDF
embeds TrueType fonts that draw all of them, and poppler reads every name back."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from miwg_paths import missing

from exporters.bpmn import read_bpmn
from exporters.pdf import write_pdf

MODEL = Path(__file__).parents[1] / "unit" / "exporters" / "multiscript.bpmn"
NAMES = ("Έλεγχος παραγγελίας", "Παραγγελία ελήφθη", "Πωλήσεις", "Упаковать заказ",
         "Всё в порядке?", "Склад 仓库", "审核订单", "Готово 完成", "Café crème – Überprüfung",
         "Κατάστημα / Магазин")
RTL = ("אישור הזמנה", "شحن الطلب")


def _run(tool: str, path: Path) -> str:
    if shutil.which(tool) is None:
        missing(f"{tool} is needed: Debian poppler-utils")
    return subprocess.run([tool, str(path), "-"] if tool == "pdftotext" else [tool, str(path)],
                          check=True, capture_output=True).stdout.decode("utf-8")


@pytest.fixture(scope="module")
def pdf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("scripts") / "multiscript.pdf"
    path.write_bytes(write_pdf(read_bpmn(MODEL)))
    return path


def test_every_name_in_any_script_is_in_the_pdf_text(pdf: Path) -> None:
    text = " ".join(_run("pdftotext", pdf).split())
    for name in NAMES:
        assert name in text, name


def test_right_to_left_names_are_legible(pdf: Path) -> None:
    """Every letter is drawn with a real glyph (poppler gives the words back in reading order;
    Arabic letters are not joined, see exporters/fonts.py)."""
    text = _run("pdftotext", pdf)
    for name in RTL:
        assert set(name) <= set(text), name
    assert "אישור הזמנה" in " ".join(text.split())


def test_only_embedded_truetype_fonts_draw_text(pdf: Path) -> None:
    fonts = [line.split() for line in _run("pdffonts", pdf).splitlines()[2:]]
    drawn = [f for f in fonts if f[0].startswith("AAAAAA+")]
    assert {f[0].split("+")[1] for f in drawn} == {"DejaVuSans", "DejaVuSans-Bold",
                                                  "DroidSansFallback"}
    assert all(f[1] == "TrueType" and f[-5] == "yes" for f in drawn)
