"""Provenance of full reports: refused from dirty code or from a table of dirty or mixed versions
(nothing written), the table's checksum written beside it and verified, quick reports
unrestricted."""

import hashlib

import numpy as np
import pandas as pd
import pytest
from engine_tasks import synthetic_power

from ratesim.report import write_report
from ratesim.study import Claim, Study, runner
from ratesim.study.provenance import (
    ProvenanceError,
    checksum_path,
    table_problems,
    verify_checksum,
    write_checksum,
)

CLEAN = "0.1.0+gabc1234"
NS = (16, 64, 256, 1024)


def _study() -> Study:
    return Study(
        name="prov",
        task=synthetic_power,
        grid={"N": list(NS), "slope": -0.5},
        seeds=3,
        claims=[Claim(metric="value", predict=-0.5, tolerance=0.1)],
    )


def _table(versions=None) -> pd.DataFrame:
    """A tidy table of 12 cells; ``versions`` gives each cell's code version (default: CLEAN)."""
    rng = np.random.default_rng(0)
    rows = []
    for i, (n, r) in enumerate((n, r) for n in NS for r in range(3)):
        rows.append(
            {
                "study": "prov",
                "mode": "full",
                "cell": f"prov[N={n},rep={r}]",
                "N": n,
                "rep": r,
                "seed": r,
                "metric": "value",
                "value": n**-0.5 * np.exp(0.05 * rng.standard_normal()),
                "seconds": 0.1,
                "finished": "2026-12-01T00:00:00+00:00",
                "version": CLEAN if versions is None else versions[i % len(versions)],
                "p_slope": -0.5,
            }
        )
    return pd.DataFrame(rows)


@pytest.fixture
def code(monkeypatch):
    """``code(version)`` sets the code version the report sees (default: a clean commit)."""

    def set_version(v: str) -> None:
        monkeypatch.setattr(runner, "code_version", lambda: v)

    set_version(CLEAN)
    return set_version


@pytest.mark.parametrize("version", ["0.1.0+gabc1234.dirty", "0.1.0"])
def test_full_report_refused_from_dirty_code_and_nothing_written(tmp_path, code, version):
    """Uncommitted changes (``.dirty``) or no git commit at all: refused, naming the study, before
    the output folder is even created."""
    code(version)
    out = tmp_path / "reports" / "prov"
    with pytest.raises(ProvenanceError, match=r"prov: full report refused: the code is "):
        write_report(_study(), _table(), out)
    assert not out.exists() and not (tmp_path / "reports").exists()


@pytest.mark.parametrize(
    "versions, why",
    [
        ([CLEAN, "0.1.0+gdef5678"], "cells from 2 code versions: 0.1.0+gabc1234, 0.1.0+gdef5678"),
        (["0.1.0+gabc1234.dirty"], "cells computed from uncommitted code: 0.1.0+gabc1234.dirty"),
        ([CLEAN, None], "cells without a recorded code version"),
    ],
)
def test_full_report_refused_from_a_table_of_mixed_or_dirty_versions(tmp_path, code, versions, why):
    """An existing report is left exactly as it was when a new one is refused."""
    out = tmp_path / "prov"
    write_report(_study(), _table(), out)
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    df = _table(versions)
    assert table_problems(df)
    with pytest.raises(ProvenanceError) as e:
        write_report(_study(), df, out)
    msg = str(e.value)
    assert msg.startswith("prov: full report refused: ") and why in msg
    assert "ratesim run prov --rerun" in msg
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before


def test_quick_reports_are_not_restricted(tmp_path, code):
    code("0.1.0+gabc1234.dirty")
    out = tmp_path / "results" / "reports" / "prov"
    readme = write_report(_study(), _table([CLEAN, "0.1.0+gdef5678.dirty"]), out, mode="quick")
    text = readme.read_text()
    assert "code version of the results: 0.1.0+gabc1234, 0.1.0+gdef5678.dirty" in text
    assert "report by ratesim 0.1.0+gabc1234.dirty (quick report: provenance not checked)" in text
    assert verify_checksum(out / "results.csv") is None


def test_full_report_records_commit_and_writes_a_verified_checksum(tmp_path, code):
    code("0.1.0+g9999999")  # the report's code may be a later clean commit than the cells'
    out = tmp_path / "prov"
    text = write_report(_study(), _table(), out).read_text()
    assert (
        "- commit: abc1234 (every cell computed by ratesim 0.1.0+gabc1234); report written by "
        "ratesim 0.1.0+g9999999" in text
    )
    csv, ck = out / "results.csv", out / "results.csv.sha256"
    assert checksum_path(csv) == ck and "[results.csv.sha256](results.csv.sha256)" in text
    digest = hashlib.sha256(csv.read_bytes()).hexdigest()
    assert ck.read_text() == f"{digest}  results.csv\n"  # sha256sum -c format
    assert verify_checksum(csv) is None


def test_verify_checksum_detects_a_one_byte_edit_and_a_missing_file(tmp_path, code):
    out = tmp_path / "prov"
    write_report(_study(), _table(), out)
    csv = out / "results.csv"
    data = bytearray(csv.read_bytes())
    i = data.index(b"0.", len(data) // 2)  # a digit of some value in the middle of the table
    data[i] = ord("1")
    csv.write_bytes(bytes(data))
    msg = verify_checksum(csv)
    assert msg is not None and "does not match its checksum" in msg
    write_checksum(csv)  # re-signed: passes again
    assert verify_checksum(csv) is None
    (out / "results.csv.sha256").unlink()
    msg = verify_checksum(csv)
    assert msg is not None and "is missing" in msg
    # a report rewritten from the table writes a fresh checksum
    write_report(_study(), _table(), out)
    assert verify_checksum(csv) is None
