"""The check-in questionnaire is data: a versioned definition read from JSON."""

import pytest
from django.core.exceptions import ValidationError

from recovery import questionnaire

from .conftest import answers


def test_current_definition_has_the_phq2_and_gad2_items_and_a_version():
    definition = questionnaire.current()

    assert definition.version == questionnaire.CURRENT == "weekly-1"
    assert definition.scores == {"phq2": ["phq2_interest", "phq2_down"], "gad2": ["gad2_nervous", "gad2_worry"]}
    keys = [q.key for q in definition.questions]
    assert keys == [
        "phq2_interest",
        "phq2_down",
        "gad2_nervous",
        "gad2_worry",
        "craving",
        "sleep",
        "stress",
        "days_used",
        "attended",
        "protective",
        "safety",
        "note",
    ]
    assert definition.question("days_used").required is False


def test_clean_turns_posted_strings_into_stored_values():
    cleaned = questionnaire.current().clean(answers(note="  hello  "))

    assert cleaned["phq2_down"] == 1
    assert cleaned["craving"] == 2
    assert cleaned["attended"] == ["meeting", "meetup"]
    assert cleaned["safety"] == "safe"
    assert cleaned["note"] == "hello"


def test_optional_answers_may_be_left_out():
    cleaned = questionnaire.current().clean(answers(days_used=None, attended=None, protective=None, note=None))

    assert "days_used" not in cleaned
    assert "attended" not in cleaned
    assert "note" not in cleaned


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("craving", "11", "Choose a number from 0 to 10."),
        ("craving", "lots", "Choose a number from 0 to 10."),
        ("phq2_down", "4", "Choose one of the options."),
        ("phq2_down", None, "Choose one."),
        ("safety", "maybe", "Choose one of the options."),
        ("attended", ["meeting", "pub"], "Choose from the list."),
        ("note", "x" * 501, "Keep this to 500 characters."),
    ],
)
def test_bad_answers_are_named(key, value, message):
    with pytest.raises(ValidationError) as caught:
        questionnaire.current().clean(answers(**{key: value}))

    assert caught.value.message_dict == {key: [message]}


def test_scores_sum_their_items_or_are_none_when_one_is_missing():
    definition = questionnaire.current()

    assert definition.score({"phq2_interest": 2, "phq2_down": 3}, "phq2") == 5
    assert definition.score({"phq2_interest": 2}, "phq2") is None


def test_every_definition_on_disk_loads_with_unique_keys():
    for version, definition in questionnaire.definitions().items():
        keys = [q.key for q in definition.questions]
        assert len(keys) == len(set(keys)), version
