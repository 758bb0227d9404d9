"""A suspected duplicate's strength as a reviewer reads it: the odds of a match.

Probabilities of strong pairs all read ">99.9%"; their match weights (log₂ odds) still differ
by many bits, each bit doubling the odds. Written as odds ("23,000 to 1", "2.1 billion to 1"),
the difference is plain and means something: of pairs scored like this one, one in that many
would be two records. The queue's badge (`dedupe_ui.match_odds`) and the API's `match_odds`
are this text.
"""

import math

_WORDS = (
    (10**18, "quintillion"),
    (10**15, "quadrillion"),
    (10**12, "trillion"),
    (10**9, "billion"),
    (10**6, "million"),
)
_MOST = 10**21  # 70 bits; more reads "over 1,000 quintillion to 1"


def _figures(x: float) -> str:
    """`x` (at least 1) rounded down to two significant figures: 1.4, 13, 230, 23,000."""
    if x < 10:
        tenths = math.floor(round(x * 10, 6))  # 2**log2(5) is 4.999999999999999
        return str(tenths // 10) if tenths % 10 == 0 else f"{tenths / 10:.1f}"
    whole = math.floor(round(x, 6))
    step = 10 ** (len(str(whole)) - 2)
    return f"{whole // step * step:,}"


def match_odds(weight: float) -> str:
    """The odds of a match of log₂ odds `weight`, rounded down so the text never claims more
    than the score; a weight below zero (not kept by detection's default threshold) reads
    "1 to N"."""
    if weight < 0:
        return f"1 to {_figures(2.0**-weight)}"
    odds = 2.0 ** min(weight, 80.0)
    if odds >= _MOST:
        return "over 1,000 quintillion to 1"
    for size, word in _WORDS:
        if odds >= size:
            return f"{_figures(odds / size)} {word} to 1"
    return f"{_figures(odds)} to 1"
