"""Sentiment of survey comments, by VADER (a lexicon and rules tuned for short, informal
text; its lexicon ships inside the package, so scoring needs no network)."""

from functools import cache

from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer


@cache
def _analyzer() -> SentimentIntensityAnalyzer:
    return SentimentIntensityAnalyzer()  # reads the lexicon file once per process


def sentiment_score(text: str) -> float:
    """VADER's compound score: -1 (most negative) to 1 (most positive), 0 when neutral."""
    return float(_analyzer().polarity_scores(text)["compound"])
