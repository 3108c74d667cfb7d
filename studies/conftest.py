"""Makes the study families of this folder importable as ``ratesim_studies.<family>`` in their
tests (``from ratesim_studies.p1_minimax import tasks``), as ratesim does when it runs them."""

from pathlib import Path

from ratesim.study.spec import add_studies_dir

add_studies_dir(Path(__file__).parent)
