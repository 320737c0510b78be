"""Hypothesis strategies: small random layers, drawn as sizes plus a seed so a failing case prints short.

Settings are derandomized: every run tries the same cases, so a failure you see is one you can
reproduce, and the falsifying example names the exact sizes, stride, padding and seed.
"""
from dataclasses import dataclass

import numpy as np
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

PROPERTY_SETTINGS = settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    database=None,
    print_blob=False,
    report_multiple_bugs=False,
    suppress_health_check=[HealthCheck.too_slow],
)


@dataclass(frozen=True)
class ConvCase:
    """A convolution layer: x (n, c_in, h, w), w (c_out, c_in, kh, kw), b (c_out,), stride, padding."""

    n: int
    c_in: int
    c_out: int
    h: int
    w: int
    kh: int
    kw: int
    stride: int
    padding: int
    seed: int

    @property
    def out_size(self):
        """(H_out, W_out)."""
        h_out = (self.h + 2 * self.padding - self.kh) // self.stride + 1
        w_out = (self.w + 2 * self.padding - self.kw) // self.stride + 1
        return h_out, w_out

    def arrays(self):
        """x, w, b and a random upstream gradient delta_in (N, C_out, H_out, W_out), all float64."""
        rng = np.random.default_rng(self.seed)
        x = rng.normal(size=(self.n, self.c_in, self.h, self.w))
        w = rng.normal(size=(self.c_out, self.c_in, self.kh, self.kw))
        b = rng.normal(size=self.c_out)
        delta_in = rng.normal(size=(self.n, self.c_out, *self.out_size))
        return x, w, b, delta_in


@st.composite
def conv_cases(draw):
    kh, kw = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    padding = draw(st.integers(0, 2))
    h = draw(st.integers(max(1, kh - 2 * padding), kh + 6))
    w = draw(st.integers(max(1, kw - 2 * padding), kw + 6))
    return ConvCase(
        n=draw(st.integers(1, 3)),
        c_in=draw(st.integers(1, 3)),
        c_out=draw(st.integers(1, 3)),
        h=h,
        w=w,
        kh=kh,
        kw=kw,
        stride=draw(st.integers(1, 3)),
        padding=padding,
        seed=draw(st.integers(0, 2**32 - 1)),
    )


@dataclass(frozen=True)
class PoolCase:
    """A pooling layer: x (n, c, h, w), a size x size window moving by stride; ties: values from {0, 1, 2, 3}."""

    n: int
    c: int
    h: int
    w: int
    size: int
    stride: int
    ties: bool
    seed: int

    @property
    def out_size(self):
        return (self.h - self.size) // self.stride + 1, (self.w - self.size) // self.stride + 1

    def arrays(self):
        """x and a random upstream gradient delta_in (N, C, H_out, W_out), float64."""
        rng = np.random.default_rng(self.seed)
        shape = (self.n, self.c, self.h, self.w)
        x = rng.integers(0, 4, size=shape).astype(np.float64) if self.ties else rng.normal(size=shape)
        delta_in = rng.normal(size=(self.n, self.c, *self.out_size))
        return x, delta_in


@st.composite
def pool_cases(draw):
    size = draw(st.integers(1, 4))
    return PoolCase(
        n=draw(st.integers(1, 2)),
        c=draw(st.integers(1, 3)),
        h=draw(st.integers(size, size + 7)),
        w=draw(st.integers(size, size + 7)),
        size=size,
        stride=draw(st.integers(1, 3)),
        ties=draw(st.booleans()),
        seed=draw(st.integers(0, 2**32 - 1)),
    )


def seeds():
    return st.integers(0, 2**32 - 1)
