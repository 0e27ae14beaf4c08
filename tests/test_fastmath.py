"""The core's vectorisable sincos, atan2 and asin against numpy (the C library) to a few ulp."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from orbitwin import _core

fm = _core.fastmath

# sin/cos values are at most 1, so 5e-16 absolute is ~2 ulp near unity (numpy's
# libm is itself within 1 ulp); atan2 within 4e-16 relative is ~2 ulp; asin
# within 5e-16 relative is ~2.5 ulp just above 0.5, where its value (~0.52) is
# least ulp-dense relative to it.
SINCOS_ABS = 5e-16
ATAN2_REL = 4e-16
ASIN_REL = 5e-16


def test_sincos_over_the_model_range() -> None:
    """|x| <= 1e5 rad (orbit angles over years), special multiples of pi/4 and tiny x."""
    rng = np.random.default_rng(0)
    x = np.concatenate(
        [
            rng.uniform(-1e5, 1e5, 1_000_000),
            rng.uniform(-10.0, 10.0, 200_000),
            np.arange(-4000, 4001) * (np.pi / 4),
            np.arange(-1000, 1001) * (np.pi / 2) + 1e-9,
            [0.0, -0.0, 5e-324, 1e-300, 1e-8, -1e-8, 1e5, -1e5],
        ]
    )
    s, c = fm.sincos(x)
    assert s.shape == c.shape == x.shape
    assert np.abs(s - np.sin(x)).max() <= SINCOS_ABS
    assert np.abs(c - np.cos(x)).max() <= SINCOS_ABS
    # tiny arguments: sin x = x exactly, cos x = 1 exactly
    tiny = np.array([5e-324, 1e-300, 1e-20, -1e-20])
    s, c = fm.sincos(tiny)
    assert np.array_equal(s, tiny) and np.all(c == 1.0)


@settings(max_examples=300, deadline=None)
@given(st.floats(-1e5, 1e5, allow_nan=False))
def test_sincos_property(x: float) -> None:
    s, c = fm.sincos(np.array([x]))
    assert abs(s[0] - np.sin(x)) <= SINCOS_ABS
    assert abs(c[0] - np.cos(x)) <= SINCOS_ABS


def test_sincos_keeps_shape() -> None:
    x = np.linspace(-7.0, 7.0, 24).reshape(2, 3, 4)
    s, c = fm.sincos(x)
    assert s.shape == c.shape == (2, 3, 4)
    np.testing.assert_allclose(s, np.sin(x), rtol=0, atol=SINCOS_ABS)


def test_atan2_all_quadrants_and_magnitudes() -> None:
    rng = np.random.default_rng(1)
    n = 1_000_000
    y = rng.standard_normal(n) * 10.0 ** rng.uniform(-150, 150, n)
    x = rng.standard_normal(n) * 10.0 ** rng.uniform(-150, 150, n)
    yu, xu = rng.uniform(-1, 1, n), rng.uniform(-1, 1, n)  # dense near the axes and diagonals
    for yy, xx in ((y, x), (yu, xu)):
        got, ref = fm.atan2(yy, xx), np.arctan2(yy, xx)
        assert np.all((got >= -np.pi) & (got <= np.pi))
        nz = ref != 0.0
        assert (np.abs(got - ref)[nz] / np.abs(ref[nz])).max() <= ATAN2_REL
        assert np.array_equal(got[~nz], ref[~nz])
    # exact axes and diagonals in every quadrant
    for yy, xx in [(1.0, 0.5), (3.0, 3.0), (-3.0, 3.0), (3.0, -3.0), (-3.0, -3.0), (1e-300, -1.0)]:
        got = fm.atan2(np.array([yy]), np.array([xx]))[0]
        assert got == pytest.approx(np.arctan2(yy, xx), rel=ATAN2_REL, abs=0)


# The C library's special cases for finite arguments: the sign of zero matters.
SIGNED_ZERO_CASES = [
    (0.0, 0.0),
    (-0.0, 0.0),
    (0.0, -0.0),
    (-0.0, -0.0),
    (0.0, 1.0),
    (-0.0, 1.0),
    (0.0, -1.0),
    (-0.0, -1.0),
    (1.0, 0.0),
    (1.0, -0.0),
    (-1.0, 0.0),
    (-1.0, -0.0),
    (5e-324, -0.0),
    (-5e-324, 0.0),
    (0.0, 5e-324),
    (-0.0, -5e-324),
]


@pytest.mark.parametrize(("y", "x"), SIGNED_ZERO_CASES)
def test_atan2_signed_zeros(y: float, x: float) -> None:
    got = fm.atan2(np.array([y]), np.array([x]))[0]
    ref = np.arctan2(y, x)
    assert got == ref and np.signbit(got) == np.signbit(ref), (y, x, got, ref)


@settings(max_examples=300, deadline=None)
@given(
    st.floats(-1e200, 1e200, allow_nan=False, allow_subnormal=False),
    st.floats(-1e200, 1e200, allow_nan=False, allow_subnormal=False),
)
def test_atan2_property(y: float, x: float) -> None:
    got = fm.atan2(np.array([y]), np.array([x]))[0]
    ref = np.arctan2(y, x)
    assert abs(got - ref) <= ATAN2_REL * abs(ref)
    assert np.signbit(got) == np.signbit(ref)


def test_atan2_rejects_mismatched_sizes() -> None:
    with pytest.raises(ValueError, match="differ in size"):
        fm.atan2(np.zeros(3), np.zeros(4))


def test_asin_over_its_domain() -> None:
    """Uniform on [-1, 1], dense at the 0.5 branch, near +-1 and at tiny arguments."""
    rng = np.random.default_rng(2)
    x = np.concatenate(
        [
            rng.uniform(-1.0, 1.0, 1_000_000),
            0.5 + rng.uniform(-1e-3, 1e-3, 200_000),
            1.0 - 2.0 ** -rng.uniform(1, 53, 200_000),
            rng.standard_normal(100_000) * 10.0 ** rng.uniform(-300, -1, 100_000),
        ]
    )
    x = np.concatenate([x, -x])
    got, ref = fm.asin(x), np.arcsin(x)
    nz = ref != 0.0
    assert (np.abs(got - ref)[nz] / np.abs(ref[nz])).max() <= ASIN_REL
    assert np.array_equal(got[~nz], ref[~nz])


def test_asin_edges() -> None:
    x = np.array([0.0, -0.0, 0.5, -0.5, 1.0, -1.0, 5e-324, -5e-324])
    got = fm.asin(x)
    np.testing.assert_allclose(got, np.arcsin(x), rtol=ASIN_REL, atol=0)
    assert np.array_equal(np.signbit(got), np.signbit(x))
    assert got[4] == np.pi / 2 and got[5] == -np.pi / 2
    # arguments past +-1 by rounding are clamped; NaN stays NaN
    clamped = fm.asin(np.array([1.0 + 1e-15, -1.0 - 1e-15, 2.0, np.nan]))
    assert clamped[0] == np.pi / 2 and clamped[1] == -np.pi / 2 and clamped[2] == np.pi / 2
    assert np.isnan(clamped[3])


@settings(max_examples=300, deadline=None)
@given(st.floats(-1.0, 1.0, allow_nan=False))
def test_asin_property(x: float) -> None:
    got = fm.asin(np.array([x]))[0]
    ref = np.arcsin(x)
    assert abs(got - ref) <= ASIN_REL * abs(ref)
    assert np.signbit(got) == np.signbit(ref)
