"""The private engines behind correlate2d, and the cost model that ``method="auto"`` reads."""

import json

import numpy as np
import pytest
import scipy.signal
from helpers import close, image_and_kernel
from hypothesis import given

from convlib import _engines, correlate2d
from convlib.ops import CostModel


@given(pair=image_and_kernel(max_side=12))
def test_chunk_boundaries(pair):
    # chunks of 3 float64 numbers: chunk boundaries land inside rows, for both direct loops
    I, w = pair
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(_engines, "_CHUNK_BYTES", 24)
        Y = correlate2d(I, w, method="direct")
    close(Y, scipy.signal.correlate2d(I, w, "valid"))


def test_the_cost_model_is_read_from_its_data_file(tmp_path):
    models = CostModel.load()
    assert set(models) == {np.dtype(np.float64), np.dtype(np.float32)}
    # saving and loading again gives the same constants (to the two digits written)
    path = tmp_path / "cost.json"
    CostModel.save(models, path, machine="test")
    again = CostModel.load(path)
    assert again == models
    assert json.loads(path.read_text())["machine"] == "test"


def test_the_model_prefers_the_cheaper_engine():
    # the estimate is the documented formula, and the cheaper estimate wins
    model = CostModel(per_call=0.0, per_mac=1e-9, per_fft=0.0, per_nlogn=1e-9)
    t = model.seconds((64, 64), (9, 9), np.float64)
    calls, macs = CostModel.direct_work((64, 64), (9, 9), np.float64)
    assert macs == 56 * 56 * 81
    assert t["direct"] == pytest.approx(1e-9 * macs)
    assert t["fft"] == pytest.approx(1e-9 * CostModel.fft_work((64, 64)))
    assert _engines.fastest.__wrapped__((64, 64), (2, 2), np.float64) == "direct"
