"""How a pair's strength reads in the queue: the odds of a match (`match_odds`), and its
probability beside them, never "100%", which a probabilistic score is not."""

import math

from django import template

from rapport.dedupe import match_odds as odds

register = template.Library()
register.filter("match_odds", odds.match_odds)

CAP = 99.9  # the display's ceiling, in percent


@register.filter
def match_percent(probability: float) -> str:
    """87%; 99.4% (a tenth, once whole percents would round up to 100); >99.9% above that.
    Rounded down, so the text never claims more than the score."""
    percent = round(probability * 100, 6)  # 0.999 * 100 is 99.89999999999999
    if percent > CAP:
        return f">{CAP}%"
    if percent >= 99:
        return f"{math.floor(percent * 10) / 10}%"
    return f"{math.floor(percent)}%"
