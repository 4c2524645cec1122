"""Fuzzing the loaders of the newer formats as test_fuzz_loaders.py does the others
(tests/support/fuzzing.py): random bytes, and valid files of each kind truncated, with bytes flipped
or inserted. A loader may refuse a file (IngestError naming it, with a reason) but never raise
anything else. OCR is off here (an engine per example would take hours), except for the scanned-PDF
case, where a stand-in for the OCR engine lets pdfium render every damaged page for real. Bombs: a
PNG that claims 20000x20000 pixels, an ODS row repeated a million times."""

from __future__ import annotations

import io
import tempfile
import zipfile
from pathlib import Path

import pytest

from assistant.errors import IngestError
from assistant.ingest import scanned
from assistant.ingest.loaders import load
from assistant.ingest.limits import Limits
from tests.support.formats import (RTF, make_eml, make_epub, make_mixed_pdf, make_ods, make_odt, make_pptx, make_xlsx,
                                   text_image)
from tests.support.fuzzing import damaged_files_are_loaded_or_refused, load_or_refuse, random_bytes_are_loaded_or_refused

OFF = Limits(ocr="off", max_rows=5000, max_pages=200)


def _seeds(tmp: Path) -> dict[str, bytes]:
    png = io.BytesIO()
    text_image(["Berth 4"], width=120).save(png, format="PNG")
    tiff = io.BytesIO()
    text_image(["Berth 4"], width=120).save(tiff, format="TIFF")
    return {
        ".pptx": make_pptx(tmp / "a.pptx").read_bytes(),
        ".xlsx": make_xlsx(tmp / "a.xlsx").read_bytes(),
        ".ods": make_ods(tmp / "a.ods").read_bytes(),
        ".odt": make_odt(tmp / "a.odt").read_bytes(),
        ".epub": make_epub(tmp / "a.epub").read_bytes(),
        ".eml": make_eml(tmp / "a.eml").read_bytes(),
        ".mbox": b"From a@b Tue Nov  4 09:30:00 2025\n" + make_eml(tmp / "b.eml").read_bytes(),
        ".csv": b'Ticket,Price,Note\nAdult,12,"valid all day, both ways"\n',
        ".tsv": b"Day\tHigh water\nMonday\t06:12\n",
        ".rtf": RTF.encode(),
        ".png": png.getvalue(),
        ".tiff": tiff.getvalue(),
    }


SEEDS = _seeds(Path(tempfile.mkdtemp()))


@pytest.mark.parametrize("suffix", sorted(SEEDS))
def test_random_bytes_are_loaded_or_refused(tmp_path, suffix):
    random_bytes_are_loaded_or_refused(tmp_path, suffix, OFF)


@pytest.mark.parametrize("suffix", sorted(SEEDS))
def test_damaged_valid_files_are_loaded_or_refused(tmp_path, suffix):
    damaged_files_are_loaded_or_refused(tmp_path, suffix, SEEDS[suffix], OFF)


def test_damaged_members_inside_a_valid_zip_are_refused(tmp_path):
    """The zip stays readable, a member's XML is cut: the library's parser, not the zip check, meets it."""
    for suffix in (".pptx", ".xlsx", ".ods", ".odt", ".epub"):
        source = zipfile.ZipFile(io.BytesIO(SEEDS[suffix]))
        for victim in [i.filename for i in source.infolist() if i.filename.endswith((".xml", ".xhtml", ".opf"))]:
            out = io.BytesIO()
            with zipfile.ZipFile(out, "w") as z:
                for info in source.infolist():
                    body = source.read(info.filename)
                    z.writestr(info.filename, body[: len(body) // 2] if info.filename == victim else body)
            load_or_refuse(tmp_path, suffix, out.getvalue(), OFF)


def test_damaged_scanned_pdfs_are_rendered_or_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(scanned, "ocr_image", lambda image, source, limits: f"{image.width}x{image.height}")
    seed = make_mixed_pdf(tmp_path / "seed.pdf", ["Text page."], ["Scanned page."], ["Last page."]).read_bytes()
    on = Limits(ocr="rapidocr")

    damaged_files_are_loaded_or_refused(tmp_path, ".pdf", seed, on)


def test_a_page_that_claims_a_huge_size_is_rendered_smaller(tmp_path, monkeypatch):
    seen = []
    monkeypatch.setattr(scanned, "ocr_image", lambda image, source, limits: seen.append(image.size) or "text")
    seed = make_mixed_pdf(tmp_path / "seed.pdf", ["Text page."], ["Scanned page."], ["Last page."]).read_bytes()
    huge = seed.replace(b"/MediaBox [ 0 0 ", b"/MediaBox [ 0 0 9", 1).replace(b"/MediaBox [0 0 ", b"/MediaBox [0 0 9", 1)
    load_or_refuse(tmp_path, ".pdf", huge, Limits(ocr="rapidocr"))
    assert all(w * h <= scanned.MAX_PIXELS * 1.01 for w, h in seen)


def test_bombs_are_refused_or_bounded(tmp_path):
    png = io.BytesIO()
    from PIL import Image

    Image.new("1", (20000, 20000)).save(png, format="PNG")  # 50 kB that decode to 400 million pixels
    with pytest.raises(IngestError, match="bomb.png: .*(over the limit|not a readable image)"):
        load(tmp_path / "bomb.png", tmp_path, png.getvalue(), limits=Limits())
    ods = SEEDS[".ods"].decode("latin-1")
    with zipfile.ZipFile(io.BytesIO(SEEDS[".ods"])) as z:
        content = z.read("content.xml").decode()
    repeated = content.replace("<table:table-row>", '<table:table-row table:number-rows-repeated="1000000">', 2)
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(SEEDS[".ods"])) as src, zipfile.ZipFile(out, "w") as z:
        for info in src.infolist():
            z.writestr(info.filename, repeated if info.filename == "content.xml" else src.read(info.filename))
    assert ods
    with pytest.raises(IngestError, match="rows.ods: more rows than the limit"):
        load(tmp_path / "rows.ods", tmp_path, out.getvalue(), limits=Limits(max_rows=10_000))
