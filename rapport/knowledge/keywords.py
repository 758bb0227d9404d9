"""Turning free text (a search box, a ticket being written) into the words worth matching."""

import re
from collections import Counter

# English function words: never worth matching.
_STOP_WORDS_TEXT = """
    a about above after again against all also am an and any are aren't as at be because
    been before being below between both but by can can't cannot could couldn't did didn't
    do does doesn't doing don't down during each few for from further had hadn't has hasn't
    have haven't having he her here hers herself him himself his how i i'm i've if in into
    is isn't it it's its itself just let's me more most my myself no nor not now of off on
    once only or other our ours ourselves out over own same she should shouldn't so some
    such than that that's the their theirs them themselves then there these they this those
    through to too under until up very was wasn't we we're were weren't what when where
    which while who whom why will with won't would wouldn't you you're your yours yourself
    yourselves
"""
# The filler of a support request ("hi, I tried ... please help"): not what it is about, so
# left out of suggestions, though someone may well search the help centre for "help".
_REQUEST_FILLER_TEXT = """
    hello hi hey dear thanks thank please help regards anyone someone something still since
    today yesterday tried trying try want need know like get gets getting got make
"""
STOP_WORDS = frozenset(_STOP_WORDS_TEXT.split())
REQUEST_FILLER = frozenset(_REQUEST_FILLER_TEXT.split())
_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")


def words_of(text: str, *, min_length: int = 2, skip: frozenset[str] = STOP_WORDS) -> list[str]:
    """Lower-cased words of `text` in order, without `skip` words, short words and
    contractions; a possessive counts as its noun ("customer's" → "customer")."""
    out = []
    for match in _WORD.finditer((text or "").lower()):
        word = match.group().replace("’", "'")
        if word in skip:
            continue
        word = word.removesuffix("'s")
        if len(word) >= min_length and "'" not in word and word not in skip:
            out.append(word)
    return out


def keywords_of(text: str, *, limit: int = 8) -> list[str]:
    """The words that best say what `text` is about: the most repeated first, ties in order
    of first appearance. Words under three letters carry too little to suggest on."""
    words = words_of(text, min_length=3, skip=STOP_WORDS | REQUEST_FILLER)
    # most_common keeps first-seen order among equal counts.
    return [w for w, _ in Counter(words).most_common(limit)]
