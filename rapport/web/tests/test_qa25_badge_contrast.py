"""State badges (a contact's stage, a ticket's status, an import's outcome…) are small text on
a tinted background: each colour pair the stylesheet gives them reads at WCAG AA's 4.5:1."""

import re
from pathlib import Path

CSS = Path(__file__).resolve().parents[1] / "static" / "web" / "rapport.css"
HEX = r"#[0-9a-fA-F]{6}"


def luminance(colour: str) -> float:
    def channel(c: float) -> float:
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5))
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def contrast(a: str, b: str) -> float:
    light, dark = sorted((luminance(a), luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def colour_pairs() -> list[tuple[str, str, str]]:
    """(selector, background, colour) of each rule that sets both, variables resolved."""
    css = CSS.read_text()
    variables = dict(re.findall(rf"--([\w-]+):\s*({HEX})", css))

    def resolved(value: str) -> str:
        name = re.fullmatch(r"var\(--([\w-]+)\)", value)
        return variables.get(name[1], "") if name else value

    pairs = []
    for selector, body in re.findall(r"([^{}]+)\{([^{}]*)\}", css):
        declared = dict(re.findall(r"(?<![\w-])(background|color):\s*([^;]+?)\s*(?:;|$)", body))
        if len(declared) == 2:
            background, colour = resolved(declared["background"]), resolved(declared["color"])
            if re.fullmatch(HEX, background) and re.fullmatch(HEX, colour):
                pairs.append((selector.strip(), background, colour))
    return pairs


def test_the_stylesheet_has_the_badges_colour_pairs():
    selectors = {selector for selector, _, _ in colour_pairs()}
    assert {".stage-customer", ".status-closed", ".import-done"} <= selectors


def needed(selector: str) -> float:
    """4.5:1 for text; 3:1 for the timeline's icons (graphics); none for a disabled button
    (WCAG asks nothing of inactive controls)."""
    if selector.startswith(".tl-dot-"):
        return 3.0
    return 0.0 if "aria-disabled" in selector else 4.5


def test_every_badges_text_reads_at_four_and_a_half_to_one():
    faint = [
        f"{selector}: {contrast(background, colour):.2f}"
        for selector, background, colour in colour_pairs()
        if contrast(background, colour) < needed(selector)
    ]
    assert faint == []
