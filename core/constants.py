"""Physical constants and the temperature windows, each named for what it is for."""

from __future__ import annotations

import numpy as np

K_B_EV = 8.617333262e-5  # Boltzmann constant, eV/K (CODATA 2018)
EV_PER_KJ_MOL = 1.0 / 96.48533212  # 1 eV = 96.485 kJ/mol (CODATA)
ZERO_CELSIUS_K = 273.15

# The temperature a record gets when its source only implies room temperature.
IMPLIED_ROOM_TEMPERATURE_K = 298.0
# Conductivities measured in this window count as room-temperature values in cohorts (10-40 °C).
COHORT_RT_WINDOW_K: tuple[float, float] = (283.0, 313.0)
# The conductivity model's near-room-temperature training rows (20-30 °C).
MODEL_RT_WINDOW_K: tuple[float, float] = (293.15, 303.15)


def arrhenius_log10_sigma(
    ln_prefactor: float, ea_ev: float, temperature_k: np.ndarray | float
) -> np.ndarray | float:
    """log10 sigma (S/cm) on the line ln(sigma*T) = ln(A) - Ea/(k_B T), at the given T."""
    t = np.asarray(temperature_k, dtype=float)
    return (ln_prefactor - ea_ev / (K_B_EV * t) - np.log(t)) / np.log(10.0)


def shift_log10_sigma(log10_sigma: float, ea_ev: float, from_k: float, to_k: float) -> float:
    """Move a conductivity along its Arrhenius line (sigma*T form) from one temperature to another."""
    ln_prefactor = log10_sigma * np.log(10.0) + np.log(from_k) + ea_ev / (K_B_EV * from_k)
    return float(arrhenius_log10_sigma(ln_prefactor, ea_ev, to_k))
