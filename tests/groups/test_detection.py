"""The crisis detector: normalisation, categories, context vetoes, staff
phrases, the evaluate/train commands and the shipped model.

Every sentence here is written for these tests and is not in the training
corpus, so a pass is not the classifier remembering its homework."""

import re
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from groups.detection import (
    CONCERN,
    CRISIS,
    MODEL_PATH,
    NONE,
    Detection,
    Model,
    classify,
    get_model,
    normalize,
    read_corpus,
)
from groups.detection.training import train


@pytest.mark.parametrize(
    ("raw", "normalized"),
    [
        ("I Want To KILL Myself", "i want to kill myself"),
        ("No quiero vivír más", "no quiero vivir mas"),
        ("I don\u2019t want \u201cthis\u201d", 'i don\'t want "this"'),
        ("su1c1d4l", "suicidal"),
        ("k1ll mys3lf", "kill myself"),
        ("k*ll my self", "kill myself"),
        ("want to diiiiiie", "want to die"),
        ("sooooo tired", "so tired"),
        ("feeling suicidial", "feeling suicidal"),
        ("k.m.s", "kms"),
        ("un-alive", "unalive"),
        ("sewer-slide", "sewer slide"),
        ("im gonna do it 2nite", "i'm going to do it tonight"),
        ("better off w/o me", "better off without me"),
        ("took 2 m30s at 5pm", "took 2 m30s at 5pm"),
        ("@sam hi!!", "@sam hi!!"),
    ],
)
def test_normalize_undoes_spelling_tricks(raw, normalized):
    assert normalize(raw) == normalized


CRISIS_EXAMPLES = {
    "ideation": [
        "some nights I seriously think about killing myself",
        "I'm honestly close to taking my own life",
        "gonna kms after this shift",
        "quiero matarme, ya no aguanto",
    ],
    "passive_ideation": [
        "I would not mind at all if I just never woke up",
        "my wife and kids would honestly be better off without me",
        "I am so tired of living, every day is the same",
        "me gustaría desaparecer para siempre",
    ],
    "plan": [
        "I've got my meds lined up on the nightstand",
        "I'm planning on ending it this friday",
        "tengo las pastillas contadas sobre la mesa",
    ],
    "preparation": [
        "I've been secretly stockpiling my sleeping pills",
        "I wrote a goodbye letter to my son this morning",
        "estoy regalando mis cosas a mis primos",
    ],
    "goodbye": [
        "goodbye everybody, I'm sorry it ended like this",
        "you guys won't hear from me again",
        "adiós a todos, gracias por todo",
    ],
    "self_harm": [
        "I hurt myself again after the fight with my dad",
        "the urge to cut is screaming at me tonight",
        "me volví a cortar el brazo",
    ],
    "overdose_risk": [
        "relapsed on fent and I'm home alone, nobody knows",
        "I'm going to use by myself tonight and I've got no narcan",
        "casi tuve una sobredosis, usé sola",
    ],
    "hopeless_intent": [
        "I can't keep going, I just want everything to stop",
        "I want the pain to be over for good",
        "ya no puedo más, quiero que todo termine",
    ],
}


@pytest.mark.parametrize(
    ("category", "sentence"),
    [(category, s) for category, sentences in CRISIS_EXAMPLES.items() for s in sentences],
)
def test_crisis_category_is_caught(category, sentence):
    detection = classify(sentence)

    assert detection.tier == CRISIS, detection


@pytest.mark.parametrize(
    "sentence",
    [
        "I don't want to be here anymore, I keep thinking about ending it",
        "I can't keep going, I just want it all to stop",
        "ending it tonight",
        "everyone would be better off if I was gone",
        "pills lined up",
        "I just want to disappear forever",
    ],
)
def test_must_catch_sentences_are_crisis(sentence):
    assert classify(sentence).tier == CRISIS


@pytest.mark.parametrize(
    ("sentence", "category"),
    [
        ("I'm thinking about suicide a lot lately", "ideation"),
        ("fine I'll say it, I want to unalive", "ideation"),
        ("I'm a burden to literally everyone", "passive_ideation"),
        ("giving away all my stuff this week", "preparation"),
        ("burned myself with a lighter last night", "self_harm"),
        ("scored some blues and my tolerance is gone", "overdose_risk"),
    ],
)
def test_crisis_reports_its_category(sentence, category):
    assert category in classify(sentence).categories


@pytest.mark.parametrize(
    "sentence",
    [
        "I relapsed last night and I can't do this anymore",
        "drank after work yesterday, first time in 5 months",
        "craving so bad right now, no idea what to do",
        "feeling pretty hopeless about the custody case",
        "recaí el sábado y me da vergüenza",
    ],
)
def test_concern_sentences_are_at_least_concern(sentence):
    assert classify(sentence).tier in (CONCERN, CRISIS)


@pytest.mark.parametrize(
    "sentence",
    [
        "I relapsed on saturday, back at a meeting today",
        "cravings are rough this week",
        # Hopelessness about a thing, not about living: a false alarm of earlier models.
        "I've lost hope that my landlord will fix anything",
    ],
)
def test_concern_without_danger_is_not_crisis(sentence):
    assert classify(sentence).tier == CONCERN


HARD_NEGATIVES = [
    # idioms
    "this commute is killing me",
    "I'm dying to see the new baby pictures",
    "my laptop died in the middle of the meeting",
    "I nearly died laughing at the group chat",
    "me muero de ganas de verlos",
    # recovery stories told safely
    "four years ago I tried to kill myself, today I coach little league",
    "I used to cut when I was a teenager, now I paint",
    # other people, supportive talk
    "my buddy told me he's suicidal, I sat with him until help came",
    "you are not a burden, we want you here",
    # resources
    "if you're having thoughts of suicide, 988 is there day and night",
    # negations
    "I'm not suicidal, I'm just angry",
    "I would never kill myself, I have my kids",
    # cravings with a safe plan
    "wanted to drink so bad, called my sponsor and we went for pie",
    # training, medical, films, grief
    "we practised giving naloxone on a dummy at the training",
    "the film ends with the brother overdosing, I cried",
    "it's three years since my best friend died by suicide",
    # ordinary chat
    "cut my own hair today, it's crooked lol",
    "goodbye everyone, see you at thursday's meeting",
]


@pytest.mark.parametrize("sentence", HARD_NEGATIVES)
def test_hard_negatives_do_not_raise_a_crisis(sentence):
    assert classify(sentence).tier != CRISIS


@pytest.mark.parametrize(
    "sentence",
    [
        "this commute is killing me",
        "I'm not suicidal, I'm just angry",
        "if you're having thoughts of suicide, 988 is there day and night",
        "four years ago I tried to kill myself, today I coach little league",
        "wanted to drink so bad, called my sponsor and we went for pie",
    ],
)
def test_hard_negatives_are_nothing(sentence):
    assert classify(sentence).tier == NONE


# Short ordinary messages the C=8 model read as a crisis until everyday chat
# was added to its training data (docs/safety.md).
@pytest.mark.parametrize("sentence", ["Alice here: I know him", "a draft I have not sent", "mine does not count"])
def test_short_ordinary_messages_are_not_a_crisis(sentence):
    assert classify(sentence).tier != CRISIS


def test_home_alone_is_nothing():
    assert classify("home").tier == NONE


# A known false alarm of the shipped model (docs/safety.md): a single word it
# gives the gentle support card. ("code" was one until more everyday chat
# was added to the training data.)
@pytest.mark.xfail(strict=True, reason="known false alarm of the classifier on single words (docs/safety.md)")
def test_going_alone_is_nothing():
    assert classify("going").tier == NONE


def test_code_alone_is_nothing():
    assert classify("code").tier == NONE


def test_detection_truthiness_and_tiers():
    assert (CRISIS, CONCERN, NONE) == ("crisis", "concern", "")
    assert not Detection(NONE)
    assert Detection(CONCERN)
    assert Detection(CRISIS, ("ideation",), 0.9)


def test_detection_score_is_the_classifier_probability():
    crisis = classify("I want to end my life tonight")
    calm = classify("see you all at the picnic on sunday")

    assert 0.0 <= calm.score < crisis.score <= 1.0


def test_extra_crisis_phrase_raises_a_crisis_with_wildcard():
    phrases = [("going to the * bridge", CRISIS)]

    detection = classify("I'm going to the Golden Gate... going to the big bridge", extra_phrases=phrases)

    assert detection.tier == CRISIS
    assert "staff_phrase" in detection.categories


def test_extra_phrase_wildcard_completes_a_word():
    assert classify("thinking about the long sleep", extra_phrases=[("long sleep*", CRISIS)]).tier == CRISIS


def test_extra_concern_phrase_raises_concern_only():
    detection = classify("hit the liquor aisle again", extra_phrases=[("liquor aisle", CONCERN)])

    assert detection.tier == CONCERN


def test_extra_phrase_is_matched_after_normalisation():
    assert classify("Gonna TAKE the LONG WALK", extra_phrases=[("going to take the long walk", CRISIS)]).tier == CRISIS


def test_extra_phrase_not_present_changes_nothing():
    assert classify("lovely weather today", extra_phrases=[("long walk", CRISIS)]).tier == NONE


def test_exclusion_silences_its_phrase():
    sentence = "ordered pizza from suicide wings downtown, so good"
    assert classify(sentence, exclusions=["suicide wings"]).tier == NONE


def test_exclusion_does_not_hide_a_crisis_elsewhere_in_the_message():
    sentence = "the suicide wings place is closed and I want to kill myself tonight"

    assert classify(sentence, exclusions=["suicide wings"]).tier == CRISIS


def test_staff_crisis_phrase_wins_over_an_exclusion():
    sentence = "heading to the bridge on 5th"

    detection = classify(sentence, extra_phrases=[("bridge on 5th", CRISIS)], exclusions=["bridge on 5th"])

    assert detection.tier == CRISIS


def _write(tmp_path, name, lines):
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _evaluate(path) -> list[str]:
    out = StringIO()
    call_command("evaluate_detector", str(path), stdout=out)
    return out.getvalue().rstrip("\n").split("\n")


def test_evaluate_command_last_line_is_recall_and_precision(tmp_path):
    path = _write(
        tmp_path,
        "eval.tsv",
        [
            "1\tideation\tI keep planning how to kill myself",
            "1\tpassive\tthe world would be better off without me",
            "0\tidiom\tthis heat is killing me",
            "0\tchat\tsee you at the barbecue",
        ],
    )

    lines = _evaluate(path)

    assert re.fullmatch(r"recall=\d\.\d{3} precision=\d\.\d{3}", lines[-1])
    assert lines[-1] == "recall=1.000 precision=1.000"


def test_evaluate_command_lists_misses_and_false_alarms(tmp_path):
    path = _write(
        tmp_path,
        "eval.tsv",
        [
            "label\tcategory\ttext",
            "crisis\tcustom\tthe blue sky is lovely today",
            "none\tcustom\tI want to kill myself",
            "concern\trelapse\tI drank last night",
        ],
    )

    lines = _evaluate(path)

    assert "  [custom] the blue sky is lovely today" in lines
    assert "  [custom] I want to kill myself" in lines
    assert lines[-1] == "recall=0.000 precision=0.000"


def test_evaluate_command_reports_per_category(tmp_path):
    path = _write(tmp_path, "eval.tsv", ["1\tgoodbye\tthis is my final goodbye", "0\tmedia\tgreat book"])

    lines = _evaluate(path)

    assert any(line.startswith("goodbye ") for line in lines)
    assert any(line.startswith("media ") for line in lines)


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        (["1\tideation\tfine", "maybe\tideation\tnot a label"], ":2: unknown label"),
        (["1\tideation\tfine", "", "1 no tabs here"], ":3: expected label<TAB>category<TAB>text"),
        (["0\tchat\t   "], ":1: empty text"),
    ],
)
def test_evaluate_command_rejects_bad_lines_with_line_number(tmp_path, lines, message):
    path = _write(tmp_path, "bad.tsv", lines)

    with pytest.raises(CommandError, match=re.escape(message)):
        _evaluate(path)


def test_evaluate_command_rejects_missing_file(tmp_path):
    with pytest.raises(CommandError, match="cannot read"):
        _evaluate(tmp_path / "nope.tsv")


def test_model_save_and_load_round_trip(tmp_path):
    model = get_model()
    path = tmp_path / "model.json"

    model.save(path)
    loaded = Model.load(path)

    assert loaded.classes == model.classes
    assert loaded.weights == model.weights
    text = normalize("nobody would miss me if I was gone")
    assert loaded.probabilities(text) == model.probabilities(text)


def test_model_load_refuses_unknown_format(tmp_path):
    path = tmp_path / "model.json"
    path.write_text('{"format": 99}', encoding="utf-8")

    with pytest.raises(ValueError, match="unknown detector model format"):
        Model.load(path)


SAMPLE = [
    "I want to end it all tonight",
    "had a beer at lunch and now I hate myself",
    "the traffic on 5th is killing me",
    "I'm so tired of existing",
    "craving hard but I'm at a meeting",
    "ya no quiero vivir",
    "my dog learned to sit today",
]


def test_retraining_the_corpus_reproduces_the_shipped_model():
    shipped = Model.load(MODEL_PATH)

    retrained = train(read_corpus())

    for sentence in SAMPLE:
        assert classify(sentence, model=retrained).tier == classify(sentence, model=shipped).tier
        p_new = retrained.probabilities(normalize(sentence))
        p_old = shipped.probabilities(normalize(sentence))
        assert p_new == pytest.approx(p_old, abs=1e-3)


def test_train_command_writes_a_model_with_extra_rows(tmp_path):
    extra = _write(tmp_path, "extra.tsv", ["crisis\tplan\tthe tracks at midnight, that's where", "none\tchat\tnice"])
    out = tmp_path / "model.json"

    call_command("train_detector", "--out", str(out), "--extra", str(extra), "--folds", "0", stdout=StringIO())

    model = Model.load(out)
    assert set(model.classes) == {"crisis", "concern", "none"}
    assert model.meta["rows"] == len(read_corpus()) + 2


def test_train_command_rejects_a_bad_extra_file(tmp_path):
    extra = _write(tmp_path, "extra.tsv", ["1\tplan\tbinary labels are for evaluation only"])

    with pytest.raises(CommandError, match=":1: unknown label"):
        call_command("train_detector", "--out", str(tmp_path / "m.json"), "--extra", str(extra), "--folds", "0")
