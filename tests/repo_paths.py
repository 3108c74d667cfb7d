"""Paths of the repository, for tests that need them at import time."""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
