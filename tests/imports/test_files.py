"""What a file can look like: BOM, other encodings, empty, ragged, blank lines, quoting."""

from __future__ import annotations

import pytest

from academics import models as am
from tests.imports.conftest import db_counts

pytestmark = pytest.mark.django_db


def test_utf8_bom_is_accepted(write, run_import):
    path = write("departments.csv", "\ufeffcode,name\nCSE,Informática\n".encode())
    run = run_import("departments", path)
    assert run.ok, run.stderr
    assert am.Department.objects.get().name == "Informática"


def test_latin1_file_names_the_encoding_problem_and_its_row(write, run_import):
    path = write(
        "departments.csv", "code,name\nCSE,Computer Science\nMAT,Matemática\n".encode("latin-1")
    )
    run = run_import("departments", path)
    assert not run.ok
    assert run.problems == [
        "departments.csv:3: encoding: not valid UTF-8 (byte 0xE1 at position 10); "
        "save the file as UTF-8",
    ]
    assert am.Department.objects.count() == 0


def test_utf16_file_is_refused_clearly(write, run_import):
    path = write("departments.csv", "code,name\nCSE,CS\n".encode("utf-16"))
    run = run_import("departments", path)
    assert run.problems == [
        'departments.csv:1: encoding: the file is UTF-16; save it as UTF-8 ("CSV UTF-8" in '
        "spreadsheet programs)",
    ]


@pytest.mark.parametrize("text", ["", "\n\n", "\ufeff"])
def test_empty_file(write, run_import, text):
    path = write("departments.csv", text)
    run = run_import("departments", path)
    assert not run.ok
    assert run.problems == [
        "departments.csv:1: header: the file is empty; expected a header row (allowed "
        "columns: code, name)",
    ]


def test_header_only_imports_nothing(write, run_import):
    run = run_import("departments", write("departments.csv", "code,name\n"))
    assert run.ok
    assert "departments" in run.stdout
    assert am.Department.objects.count() == 0


def test_ragged_rows(write, run_import):
    before = db_counts()
    path = write("departments.csv", "code,name\nCSE,CS,extra\nECE\nMAT,Maths\n")
    run = run_import("departments", path)
    assert run.problems == [
        "departments.csv:2: row: 3 cells, but the header has 2 columns",
        "departments.csv:3: row: 1 cells, but the header has 2 columns",
    ]
    assert db_counts() == before


def test_blank_lines_are_skipped_and_still_counted_as_rows(write, run_import):
    path = write("departments.csv", "code,name\r\n\r\nCSE,CS\r\n,\r\n\r\nECE,\r\n")
    run = run_import("departments", path)
    assert run.problems == ["departments.csv:6: name: required, but empty"]


def test_quoted_cells_with_commas_quotes_and_newlines(write, run_import):
    path = write(
        "departments.csv",
        'code,name\nCSE,"Computer Science, and ""Engineering"""\n'
        'ECE,"Electronics\nand Communication"\nMAT,\n',
    )
    run = run_import("departments", path)
    # the record of ECE spans lines 3-4; MAT starts on line 5
    assert run.problems == ["departments.csv:5: name: required, but empty"]
    path = write(
        "departments.csv",
        'code,name\nCSE,"Computer Science, and ""Engineering"""\n'
        'ECE,"Electronics\nand Communication"\n',
    )
    assert run_import("departments", path).ok
    names = dict(am.Department.objects.values_list("code", "name"))
    assert names == {
        "CSE": 'Computer Science, and "Engineering"',
        "ECE": "Electronics\nand Communication",
    }


def test_formula_looking_text_is_stored_verbatim(write, run_import):
    """Names keep what was written (exports neutralise formulas); codes, which name pages
    in URLs, are letters, digits and ``. _ -`` only, so a formula-looking code is refused."""
    write("departments.csv", 'code,name\nCSE,"=HYPERLINK(""http://x"")"\nECE,+1\n', folder="d")
    write("batches.csv", "code,name,department,semester,size\nB1,-Batch,CSE,1,30\n", folder="d")
    run = run_import("--dir", "d")
    assert run.ok, run.stderr
    assert dict(am.Department.objects.values_list("code", "name")) == {
        "CSE": '=HYPERLINK("http://x")',
        "ECE": "+1",
    }
    batch = am.Batch.objects.get()
    assert (batch.code, batch.name, batch.department.code) == ("B1", "-Batch", "CSE")
    write("batches.csv", "code,name,department,semester,size\n@B2,B,CSE,1,30\n", folder="e")
    run = run_import("batches", "e/batches.csv")
    assert not run.ok and run.problems[0].startswith("e/batches.csv:2: code: use only letters")


def test_missing_file_and_bad_arguments_are_command_errors(write, run_import):
    run = run_import("departments", "nope.csv")
    assert (run.ok, run.message) == (False, "nope.csv: no such file")
    run = run_import("departments")
    assert not run.ok and "--dir" in run.message
    write("departments.csv", "code,name\n", folder="d")
    run = run_import("departments", "d/departments.csv", "--dir", "d")
    assert run.message == "give either KIND FILE or --dir DIR, not both"
    run = run_import("--dir", "nowhere")
    assert run.message == "nowhere: not a directory"


def test_dir_without_known_files(write, run_import):
    write("other.csv", "a,b\n", folder="d")
    run = run_import("--dir", "d")
    assert not run.ok
    assert run.message.startswith("d: no known CSV files; expected any of departments.csv, ")


def test_nul_characters_are_reported_not_stored(write, run_import):
    path = write("departments.csv", b"code,name\nCSE,Comp\x00uter\nECE,EC\n")
    run = run_import("departments", path)
    assert run.problems == [
        "departments.csv:2: encoding: contains a NUL character; is this a CSV text file?",
    ]
    assert am.Department.objects.count() == 0


def test_whitespace_only_rows_are_blank(write, run_import):
    path = write("departments.csv", "code,name\n , \nCSE,CS\n")
    run = run_import("departments", path)
    assert run.ok, run.stderr
    assert am.Department.objects.count() == 1
