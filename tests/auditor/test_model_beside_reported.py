"""The evidence card's comparison of reported conductivities with the model."""

import pandas as pd

from auditor.model import model_beside_reported


def test_reported_values_fall_inside_below_or_above_the_interval():
    sigma = pd.DataFrame(
        {
            "record_id": [1, 2, 3, 4],
            "log10_value": [-3.0, -8.0, -1.0, -1.0],
            "censored": [None, None, None, "<"],
            "temperature_k": 298.0,
            "source": "obelix",
            "doi": "10.1/x",
        }
    )
    predictions = pd.DataFrame(
        {"record_id": [1, 2, 3, 4], "pred_log10_sigma": -3.5, "lo80": -5.0, "hi80": -2.0}
    )
    table = model_beside_reported(sigma, predictions)
    assert list(table["vs_interval"]) == ["inside", "below", "above", "bound above"]


def test_records_without_prediction_are_left_out():
    sigma = pd.DataFrame(
        {
            "record_id": [1],
            "log10_value": [-3.0],
            "censored": [None],
            "temperature_k": [298.0],
            "source": ["obelix"],
            "doi": [None],
        }
    )
    empty = pd.DataFrame(columns=["record_id", "pred_log10_sigma", "lo80", "hi80"])
    assert model_beside_reported(sigma, empty).empty
