"""Make the formats question set's corpus: real public documentation, converted to every format the
assistant reads beyond text, Markdown, HTML, PDF and DOCX -> eval-out/formats/corpus.

The sources are Debian 12 documentation packages, pinned with their sha256 in
eval/realdocs/fetch.py (downloaded and unpacked by its functions; nothing third-party is committed):
PostgreSQL 15's HTML manual, Git's and SQLite's documentation, the bash manual (PDF) and the Debian
Reference (PDF). Each file is made by a real tool:

| file | made from | with |
|---|---|---|
| pg-types.xlsx | tables 8.1 (Data Types) and 8.2 (Numeric Types) of the PostgreSQL manual, two sheets | openpyxl |
| pg-datetime.ods | table 8.9 (Date/Time Types) | odfpy |
| pg-geometric.csv | table 8.20 (Geometric Types) | csv |
| pg-network.tsv | table 8.21 (Network Address Types) | csv |
| githooks.pptx | git-doc's githooks.html | pandoc |
| pg-libpq-envars.epub | the libpq environment variables page | pandoc |
| sqlite-faq.odt | SQLite's FAQ | pandoc |
| sqlite-limits.rtf | SQLite's limits page | pandoc |
| pg-pgpass.eml | a message whose body is the libpq password-file page (plain text, pandoc), with SQLite's date and time functions page attached as DOCX (pandoc) | email |
| git-notes.mbox | two messages: gitignore.txt, and the libpq connection service file page | email, mailbox |
| bash-page.png | page 5 of the bash manual rendered at 150 dpi (an image: read by OCR) | pypdfium2 |
| debref-scan.pdf | pages 72-73 of the Debian Reference (2.1.5-2.1.7: package areas, dependencies, APT event flow) rendered at 150 dpi into an image-only PDF (a scan: read by OCR) | pypdfium2, Pillow |

Converted files differ in bytes between tool versions, so no checksum is pinned for them; the
question set's evidence spans (checked by check_evidence in this script) are what count.

    python3 eval/formats/make.py [CORPUS_DIR] [--cache DIR]   # run with the project's venv Python
"""

from __future__ import annotations

import argparse
import csv
import io
import mailbox
import os
import subprocess
import sys
from email.message import EmailMessage
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "realdocs"))
from fetch import download, unpack  # noqa: E402  (the pinned packages and their checks)

PG = "usr/share/doc/postgresql-doc-15/html/"
SQ = "usr/share/doc/sqlite3/"
GIT = "usr/share/doc/git-doc/"


def pandoc(src: Path, fmt: str, dest: Path, *extra: str) -> None:
    env = {**os.environ, "SOURCE_DATE_EPOCH": "0"}
    subprocess.run(["pandoc", "-f", "html-native_divs-native_spans", "-t", fmt, *extra, str(src), "-o", str(dest)],
                   check=True, cwd=src.parent, env=env)


def html_table(path: Path, summary: str) -> list[list[str]]:
    import lxml.html

    for table in lxml.html.parse(str(path)).getroot().iter("table"):
        if table.get("summary") == summary:
            return [[" ".join(c.text_content().split()) for c in tr if c.tag in ("td", "th")] for tr in table.iter("tr")]
    raise SystemExit(f"{path.name}: no table '{summary}'")


def make_sheets(pg: Path, out: Path) -> None:
    import openpyxl

    book = openpyxl.Workbook()
    first = book.active
    for n, (page, summary) in enumerate([("datatype.html", "Data Types"), ("datatype-numeric.html", "Numeric Types")]):
        sheet = first if n == 0 else book.create_sheet()
        sheet.title = summary
        for row in html_table(pg / page, summary):
            sheet.append(row)
    book.save(out / "pg-types.xlsx")
    from odf.opendocument import OpenDocumentSpreadsheet
    from odf.table import Table, TableCell, TableRow
    from odf.text import P

    doc = OpenDocumentSpreadsheet()
    sheet = Table(name="Date-Time Types")
    for values in html_table(pg / "datatype-datetime.html", "Date/Time Types"):
        row = TableRow()
        for v in values:
            cell = TableCell()
            cell.addElement(P(text=v))
            row.addElement(cell)
        sheet.addElement(row)
    doc.spreadsheet.addElement(sheet)
    doc.save(str(out / "pg-datetime.ods"))
    for name, page, summary, delimiter in [("pg-geometric.csv", "datatype-geometric.html", "Geometric Types", ","),
                                           ("pg-network.tsv", "datatype-net-types.html", "Network Address Types", "\t")]:
        with open(out / name, "w", newline="") as f:
            csv.writer(f, delimiter=delimiter).writerows(html_table(pg / page, summary))


def plain(src: Path) -> str:
    return subprocess.run(["pandoc", "-f", "html", "-t", "plain", "--wrap=none", str(src)], check=True,
                          capture_output=True, text=True).stdout


def message(subject: str, body: str, date: str) -> EmailMessage:
    msg = EmailMessage()
    msg["Subject"], msg["From"], msg["To"], msg["Date"] = subject, "Docs Team <docs@example.org>", "team@example.org", date
    msg.set_content(body)
    return msg


def make_mail(pg: Path, sq: Path, git: Path, out: Path) -> None:
    msg = message("The libpq password file", plain(pg / "libpq-pgpass.html"), "Mon, 03 Nov 2025 10:00:00 +0000")
    pandoc(sq / "lang_datefunc.html", "docx", out / "sqlite-date-functions.docx")
    data = (out / "sqlite-date-functions.docx").read_bytes()
    (out / "sqlite-date-functions.docx").unlink()
    msg.add_attachment(data, maintype="application", subtype="vnd.openxmlformats-officedocument.wordprocessingml.document",
                       filename="sqlite-date-functions.docx")
    (out / "pg-pgpass.eml").write_bytes(bytes(msg))
    box = out / "git-notes.mbox"
    box.unlink(missing_ok=True)
    mbox = mailbox.mbox(str(box))
    mbox.add(message("gitignore: how Git ignores files", (git / "gitignore.txt").read_text(), "Tue, 04 Nov 2025 09:00:00 +0000"))
    mbox.add(message("The connection service file", plain(pg / "libpq-pgservice.html"), "Wed, 05 Nov 2025 09:00:00 +0000"))
    mbox.close()


def make_scans(bash_pdf: Path, debref_pdf: Path, out: Path) -> None:
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(str(bash_pdf))
    doc[4].render(scale=150 / 72, grayscale=True).to_pil().save(out / "bash-page.png")
    doc.close()
    doc = pdfium.PdfDocument(str(debref_pdf))
    pages = [doc[n].render(scale=150 / 72, grayscale=True).to_pil().convert("L") for n in (71, 72)]
    doc.close()
    pages[0].save(out / "debref-scan.pdf", save_all=True, append_images=pages[1:], resolution=150)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("corpus", nargs="?", type=Path, default=Path("eval-out/formats/corpus"))
    p.add_argument("--cache", type=Path, help="where .debs are kept and unpacked (default: CORPUS/../debs)")
    args = p.parse_args(argv)
    out, cache = args.corpus.resolve(), (args.cache or args.corpus.parent / "debs").resolve()
    out.mkdir(parents=True, exist_ok=True)
    cache.mkdir(parents=True, exist_ok=True)
    root = {pkg: unpack(pkg, download(pkg, cache), cache)
            for pkg in ("postgresql-doc-15", "sqlite3-doc", "git-doc", "bash-doc", "debian-reference-en")}
    pg, sq, git = root["postgresql-doc-15"] / PG, root["sqlite3-doc"] / SQ, root["git-doc"] / GIT
    make_sheets(pg, out)
    pandoc(git / "githooks.html", "pptx", out / "githooks.pptx")
    pandoc(pg / "libpq-envars.html", "epub", out / "pg-libpq-envars.epub")
    pandoc(sq / "faq.html", "odt", out / "sqlite-faq.odt")
    pandoc(sq / "limits.html", "rtf", out / "sqlite-limits.rtf", "-s")
    make_mail(pg, sq, git, out)
    make_scans(root["bash-doc"] / "usr/share/doc/bash/bash.pdf",
               root["debian-reference-en"] / "usr/share/debian-reference/debian-reference.en.pdf", out)
    print(f"wrote {len(list(out.iterdir()))} files to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
