"""Tests of the sluice Python package as installed into the project virtualenv."""
import pytest

import sluice


@pytest.fixture
def session():
    with sluice.connect("local:") as s:
        yield s


@pytest.fixture
def warehouse(tmp_path):
    with sluice.connect(f"local:{tmp_path}") as s:
        yield s, tmp_path
