"""Provenance of committed results: which code made a table, and whether it was edited since.

A full report is written only from a clean tree (:func:`require_clean_code`) and from a table whose
cells all come from one clean commit (:func:`table_problems`); its ``results.csv`` is committed with
a checksum file ``results.csv.sha256`` (:func:`write_checksum`) that ``ratesim check`` verifies
(:func:`verify_checksum`), so a table edited by hand fails the check.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

__all__ = [
    "ProvenanceError",
    "sha256_file",
    "checksum_path",
    "write_checksum",
    "verify_checksum",
    "table_problems",
    "require_clean_code",
]


class ProvenanceError(RuntimeError):
    """Results whose provenance does not allow a full report (dirty tree, mixed versions)."""


def sha256_file(path: str | Path) -> str:
    """Hex SHA-256 of a file's bytes."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def checksum_path(csv: str | Path) -> Path:
    """``results.csv`` -> ``results.csv.sha256``."""
    csv = Path(csv)
    return csv.with_name(csv.name + ".sha256")


def write_checksum(csv: str | Path) -> Path:
    """Write ``<csv>.sha256`` in ``sha256sum`` format (``<hex>  <name>``); returns its path."""
    csv = Path(csv)
    out = checksum_path(csv)
    out.write_text(f"{sha256_file(csv)}  {csv.name}\n")
    return out


def verify_checksum(csv: str | Path) -> str | None:
    """``None`` when ``<csv>.sha256`` exists and matches the table, else what is wrong."""
    csv = Path(csv)
    ck = checksum_path(csv)
    if not ck.is_file():
        return f"{ck} is missing: the table's integrity cannot be verified"
    parts = ck.read_text().split()
    if len(parts) != 2 or parts[1] != csv.name or len(parts[0]) != 64:
        return f"{ck} is malformed (expected '<sha256>  {csv.name}')"
    if parts[0] != sha256_file(csv):
        return f"{csv} does not match its checksum {ck}: the table was changed after its report"
    return None


def table_problems(df) -> list[str]:
    """Why a tidy table cannot back a full report: cells from uncommitted (dirty) code, or from
    more than one code version. Empty when every cell comes from one clean commit."""
    if "version" not in df.columns or df.empty:
        return ["the table records no code version"]
    versions = sorted(str(v) for v in df["version"].dropna().unique())
    problems = []
    dirty = [v for v in versions if v.endswith(".dirty") or "+g" not in v]
    if dirty:
        problems.append(f"cells computed from uncommitted code: {', '.join(dirty)}")
    if len(versions) > 1:
        problems.append(f"cells from {len(versions)} code versions: {', '.join(versions)}")
    if df["version"].isna().any():
        problems.append("cells without a recorded code version")
    return problems


def require_clean_code(version: str) -> None:
    """Raise :class:`ProvenanceError` unless ``version`` (:func:`runner.code_version`) names a
    commit of a clean tree."""
    if version.endswith(".dirty") or "+g" not in version:
        raise ProvenanceError(
            f"the code is {version}: full reports are written only from a clean commit "
            "(commit or stash your changes first)"
        )
