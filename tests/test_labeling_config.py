"""The labeling config is generated from nkru.schema, committed up to date, fast to use, and
accepted by a real Label Studio (a broken one is refused with the server's reason)."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from nkru import schema
from nkru.annotation import client
from nkru.annotation import labeling_config as lc


def _tree() -> ET.Element:
    return ET.fromstring(lc.build_config())


def _labels(root: ET.Element, name: str) -> list[str]:
    (control,) = [e for e in root.iter() if e.get("name") == name]
    return [child.get("value") for child in control]


def test_committed_config_is_up_to_date():
    assert lc.CONFIG_PATH.read_text(encoding="utf-8") == lc.build_config(), (
        "annotation/config.xml is out of date: run python -m nkru.annotation.labeling_config"
    )


def test_controls_derive_from_schema():
    root = _tree()
    texts = [e for e in root.iter("Text")]
    assert [(t.get("name"), t.get("value")) for t in texts] == [("text", "$text")]
    assert _labels(root, lc.ENTITIES) == list(schema.ENTITY_LABELS)
    assert len(schema.ENTITY_LABELS) == 11
    assert _labels(root, lc.CLAIMS) == list(schema.CLAIM_LAYER_LABELS)
    assert _labels(root, lc.BOILERPLATE_CONTROL) == [schema.BOILERPLATE]
    assert _labels(root, lc.RELATIONS) == list(schema.STANCE_LABELS)
    assert _labels(root, lc.CERTAINTY) == list(schema.CERTAINTY_LABELS)
    assert _labels(root, lc.TOPIC) == list(schema.TOPIC_LABELS)
    for element in root.iter():
        if element.get("toName"):
            assert element.get("toName") == lc.TEXT_NAME


def test_per_region_attributes_are_conditional():
    root = _tree()
    parents = {child: parent for parent in root.iter() for child in parent}
    for name, tag, labels in (
        (lc.CERTAINTY, lc.CLAIMS, [schema.CLAIM]),
        (lc.TOPIC, lc.CLAIMS, [schema.CLAIM]),
        (lc.VALUE, lc.ENTITIES, list(schema.VALUED_LABELS)),
    ):
        (control,) = [e for e in root.iter() if e.get("name") == name]
        assert control.get("perRegion") == "true"
        view = parents[control]
        assert view.tag == "View"
        assert view.get("visibleWhen") == "region-selected"
        assert view.get("whenTagName") == tag  # the Labels control, not the Text object
        assert view.get("whenLabelValue").split(",") == labels


def test_hotkeys_distinct_and_free():
    keys = lc.hotkeys()
    values = list(keys.values())
    assert len(values) == len(set(values)), "two labels share a hotkey"
    assert not set(values) & lc.LS_RESERVED_HOTKEYS, "a hotkey shadows a Label Studio shortcut"
    # every label and choice of the config has its hotkey in the XML
    root = _tree()
    in_xml = [e.get("hotkey") for e in root.iter() if e.get("hotkey")]
    assert sorted(in_xml) == sorted(values)
    every = (
        *schema.ENTITY_LABELS,
        *schema.CLAIM_LAYER_LABELS,
        schema.BOILERPLATE,
        *schema.CERTAINTY_LABELS,
        *schema.TOPIC_LABELS,
    )
    assert {v for _, v in keys} == set(every)


def test_colours_distinct():
    colours = list(lc.colours().values())
    assert len(colours) == len(set(colours))


@pytest.mark.studio
def test_real_server_accepts_generated_config(studio_server):
    ls = client.connect(studio_server.url, studio_server.token)
    project = client.ensure_project(ls, "config accepted")
    assert project.label_config.strip() == lc.build_config().strip()
    # idempotent: same project, same config
    assert client.ensure_project(ls, "config accepted").id == project.id


@pytest.mark.studio
def test_real_server_refuses_broken_config_with_its_reason(studio_server):
    ls = client.connect(studio_server.url, studio_server.token)
    broken = lc.build_config().replace('toName="text"', 'toName="txt"', 1)
    with pytest.raises(client.ClientError) as info:
        client.ensure_project(ls, "config refused", label_config=broken)
    message = str(info.value)
    assert "HTTP 400" in message
    assert "label_config" in message and "txt" in message  # the server's validation_errors
    assert client.find_project(ls, "config refused") is None
