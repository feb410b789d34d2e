"""A line file has a stated size limit: a device or a runaway export is refused before it fills memory (issue 14, point 4)."""

from __future__ import annotations

from pathlib import Path

import pytest

from agent.cli import run as cli
from agent.errors import LineFormatError
from agent.line import load_line
from agent.line.read import MAX_LINE_BYTES


def test_a_file_one_byte_over_the_limit_is_refused(tmp_path: Path):
    big = tmp_path / "big.txt"
    with big.open("wb") as handle:
        handle.truncate(MAX_LINE_BYTES + 1)  # sparse: no disk used
    with pytest.raises(LineFormatError, match="larger than 8 MiB"):
        load_line(big)


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="no /dev/zero on this system")
def test_parse_of_an_endless_device_ends_in_one_clear_error(capsys):
    assert cli(["parse", "/dev/zero"]) == 2
    err = capsys.readouterr().err
    assert "/dev/zero: is larger than 8 MiB" in err and "Traceback" not in err


def test_the_demo_line_is_far_below_it():
    demo = Path(__file__).resolve().parents[2] / "examples" / "bargaining-power.txt"
    assert demo.stat().st_size * 100 < MAX_LINE_BYTES and load_line(demo).line.prompt.claims
