"""Shared by the fixture generators (scripts/gen_*.py): how a number is written to JSON."""
import math


def enc_float(v, digits):
    """v rounded to `digits` significant digits; NaN and infinities as strings, integral
    values as ints (except -0.0, which stays a float so its sign survives)."""
    if math.isnan(v):
        return "nan"
    if math.isinf(v):
        return "inf" if v > 0 else "-inf"
    r = float("%.*g" % (digits, v))
    if r == int(r) and abs(r) < 2**53 and not (r == 0 and math.copysign(1, r) < 0):
        return int(r)
    return r
