"""community.templatetags.json_data: Django's json_script, escaped faster, same output."""

import datetime
import uuid
from decimal import Decimal

import pytest
from django.template import Context, Template
from django.utils.html import json_script

from community.templatetags.json_data import json_data_script

VALUES = [
    {"html": "<p>a &amp; b</p></script><script>alert(1)</script><!-- x -->", "n": 3},
    ["</SCRIPT>", "<\\/script>", "&lt;", ">>&&<<", "\u2028\u2029", "ünïcödé 💬", "\\u003C"],
    {"when": datetime.datetime(2026, 12, 6, 23, 1, 2, tzinfo=datetime.UTC), "id": uuid.UUID(int=5)},
    {"price": Decimal("1.50"), "none": None, "yes": True, "nested": {"k": ["<", {"&": ">"}]}},
    "",
    [],
]


@pytest.mark.parametrize("value", VALUES)
@pytest.mark.parametrize("element_id", [None, "room-config", 'a"b<c'])
def test_the_same_output_as_djangos_json_script(value, element_id):
    assert json_data_script(value, element_id) == json_script(value, element_id)


def test_the_filter_in_a_template():
    template = Template('{% load json_data %}{{ value|json_data:"initial" }}')
    html = template.render(Context({"value": {"body": "</script><b>hi</b>"}}))
    assert html == json_script({"body": "</script><b>hi</b>"}, "initial")
    assert "</script><b>" not in html
