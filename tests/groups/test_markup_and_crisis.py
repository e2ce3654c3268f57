"""Message rendering (Markdown subset + nh3) and the crisis classifier."""

import pytest

from groups.detection import classify as detect
from groups.markup import render


@pytest.mark.parametrize(
    ("body", "html"),
    [
        ("**bold** and *soft*", "<p><strong>bold</strong> and <em>soft</em></p>"),
        ("`code`", "<p><code>code</code></p>"),
        ("a\nb", "<p>a<br>\nb</p>"),
        ("- one\n- two", "<ul>\n<li>one</li>\n<li>two</li>\n</ul>"),
        (
            "[site](https://example.org)",
            '<p><a href="https://example.org" rel="nofollow noopener noreferrer">site</a></p>',
        ),
        (
            "see https://example.org/x.",
            '<p>see <a href="https://example.org/x" rel="nofollow noopener noreferrer">https://example.org/x</a>.</p>',
        ),
        ("<script>alert(1)</script>", "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>"),
        ("<img src=x onerror=alert(1)>", "<p>&lt;img src=x onerror=alert(1)&gt;</p>"),
        ("[x](javascript:alert(1))", "<p>[x](javascript:alert(1))</p>"),
        ("# not a heading", "<p># not a heading</p>"),
    ],
)
def test_render(body, html):
    assert render(body) == html


def test_images_become_links_not_images():
    assert "<img" not in render("![cat](https://example.org/cat.png)")


def test_mentions_are_highlighted_case_insensitively():
    assert render("hi @bob!", mentions={"bob": 2}) == '<p>hi <span class="mention">@bob</span>!</p>'
    assert render("email bob@bob.org", mentions={"bob": 2}) == "<p>email bob@bob.org</p>"


CRISIS_SENTENCES = [
    "I want to kill myself",
    "i'm going to kill my self tonight",
    "Thinking about ending it all",
    "I want to end my life",
    "I'm planning to die this weekend",
    "I've been feeling suicidal",
    "having suicidal thoughts again",
    "I cut myself last night",
    "I keep hurting myself",
    "self-harm is back",
    "I overdosed last year and I'm scared it'll happen again",
    "I took all my pills",
    "I swallowed a bunch of pills",
    "there's no reason to live",
    "everyone would be better off without me",
    "I'd be better off dead",
    "I don't want to be alive anymore",
    "I don’t want to wake up tomorrow",
    "kms honestly",
    "goodbye everyone, thank you for everything",
]

CONCERN_SENTENCES = [
    "I relapsed on Saturday",
    "the cravings are bad today",
    "I really want to drink tonight",
    "feeling hopeless",
    "I can't do this anymore",
    "slipped up at the party",
]

ORDINARY_SENTENCES = [
    "This workout is killing me",
    "That joke killed me",
    "My feet are killing me after that hike",
    "I could die of embarrassment lol",
    "The battery died on my phone",
    "I'm dying to see the new movie",
    "Let's end the meeting early",
    "I killed it at my interview today!",
    "I hurt my back moving boxes",
    "I cut my hair myself",
    "Took my meds on time all week",
    "The plant is dead, RIP",
    "Goodbye for now, see you Tuesday",
    "the crave cookie place opened",
]


@pytest.mark.parametrize("sentence", CRISIS_SENTENCES)
def test_crisis_sentences(sentence):
    assert detect(sentence).tier == "crisis"


@pytest.mark.parametrize("sentence", CONCERN_SENTENCES)
def test_concern_sentences(sentence):
    assert detect(sentence).tier == "concern"


@pytest.mark.parametrize("sentence", ORDINARY_SENTENCES)
def test_ordinary_sentences(sentence):
    assert detect(sentence).tier == ""


def _markdown_of(body: str) -> str:
    from groups import markup

    return markup._md.render(markup._BARE_URL.sub(lambda m: f"<{m.group(0)}>", body))


def test_a_plain_message_skips_markdown_and_renders_the_same():
    """Bodies with nothing Markdown would act on skip it (markup._paragraph):
    the same HTML as Markdown makes of them, for fifteen thousand real
    sentences (the detector's corpora) and a hundred thousand random strings
    built of everything the shortcut lets through, spaces and the odd
    Unicode space, line separator, combining mark and emoji included."""
    import random
    from pathlib import Path

    from groups import markup

    corpus_dir = Path(markup.__file__).parent / "detection"
    sentences = [
        line.rstrip("\n").split("\t")[-1]
        for path in sorted(corpus_dir.glob("*/*.tsv"))
        for line in path.read_text(encoding="utf-8").splitlines()
    ]
    rng = random.Random(20261206)
    alphabet = (
        "abcXYZ019 .,;:!?'\"()/@#%$=~^{}|+-"
        + "\u00e9\u00df\u0301\u05d0\u0627\u4e2d\u2028\u2029\u0085\u3000\u2003\u200b\u200d\ufeff"
        + "\U0001f49c\U0001f44d\U0001f3fd"
    )
    randoms = ["".join(rng.choice(alphabet) for _ in range(rng.randint(1, 40))) for _ in range(100_000)]
    shortcut = 0
    for body in [*sentences, *randoms, "1 in 3", "2) later", "10.5 hours", "- no", "+1", "a - b", 'say "hi"']:
        html = markup._paragraph(body)
        if html is not None:
            shortcut += 1
            assert html == _markdown_of(body), body
    assert shortcut > 40_000
    assert sum(markup._paragraph(s) is not None for s in sentences) > len(sentences) * 0.6
    # What Markdown would act on never takes the shortcut.
    for body in [
        "*hi*",
        "a_b_",
        "`x`",
        "[a](b)",
        "a\\b",
        "&amp;",
        "<b>",
        "a\nb",
        "1. one",
        "- one",
        " pad",
        "http://x.io",
    ]:
        assert markup._paragraph(body) is None, body
