"""The Label Studio labeling config, generated from :mod:`nkru.schema`.

``annotation/config.xml`` is the committed output of :func:`build_config`; a test fails when it
is out of date. Regenerate with ``python -m nkru.annotation.labeling_config``.

Control names (they appear in every exported result item ``from_name``):

- ``entities``  Labels, the 11 entity types (layer 1)
- ``claims``    Labels, CLAIM and SOURCE (layer 2)
- ``boilerplate`` Labels, BOILERPLATE (site chrome)
- ``stance``    Relations support/deny/query (SOURCE -> CLAIM)
- ``certainty``, ``topic``  per-region Choices, shown only when a CLAIM region is selected
- ``value``     per-region TextArea, shown only when a DATE/QUANTITY/MONEY region is selected

Note: for ``visibleWhen="region-selected"`` the editor (1.23) compares ``whenTagName`` with the
name of the selected region's *Labels control* (``claims``, ``entities``), not with the object
tag, whatever its docs say; checked in a real browser (tests/test_studio.py).
"""

from __future__ import annotations

from pathlib import Path
from xml.sax.saxutils import quoteattr

from nkru import schema

CONFIG_PATH = Path(__file__).with_name("config.xml")

TEXT_NAME = "text"
ENTITIES = "entities"
CLAIMS = "claims"
BOILERPLATE_CONTROL = "boilerplate"
RELATIONS = "stance"
CERTAINTY = "certainty"
TOPIC = "topic"
VALUE = "value"
SPAN_CONTROLS: tuple[str, ...] = (ENTITIES, CLAIMS, BOILERPLATE_CONTROL)

# One key per label, mnemonic where possible. Letters only for span labels, so that digits stay
# free for the topic choices (in schema order); certainty uses a/h (asserted/hedged).
_LABEL_KEYS: dict[str, str] = {
    "PER": "p",
    "ORG": "o",
    "GPE": "g",
    "LOC": "l",
    "NORP": "n",
    "EVENT": "e",
    "LAW": "t",  # treaty
    "WEAPON": "w",
    "DATE": "d",
    "QUANTITY": "q",
    "MONEY": "m",
    schema.CLAIM: "c",
    schema.SOURCE: "s",
    schema.BOILERPLATE: "x",
}
_CERTAINTY_KEYS: dict[str, str] = {"asserted": "a", "hedged": "h"}

# Distinct, readable highlight colours (entity palette: Tableau-like; claim layer stands out).
_COLOURS: dict[str, str] = {
    "PER": "#e6194b",
    "ORG": "#4363d8",
    "GPE": "#3cb44b",
    "LOC": "#9a6324",
    "NORP": "#f58231",
    "EVENT": "#911eb4",
    "LAW": "#008080",
    "WEAPON": "#800000",
    "DATE": "#42d4f4",
    "QUANTITY": "#bfef45",
    "MONEY": "#ffe119",
    schema.CLAIM: "#ffd8b1",
    schema.SOURCE: "#f032e6",
    schema.BOILERPLATE: "#a9a9a9",
}

# Shortcuts Label Studio's editor binds itself for a text task (its keymap: annotation:* and
# region:*). A label hotkey must not shadow any of them.
LS_RESERVED_HOTKEYS: frozenset[str] = frozenset(
    {
        "ctrl+enter",
        "ctrl+space",
        "ctrl+z",
        "ctrl+shift+z",
        "alt+.",
        "backspace",
        "ctrl+backspace",
        "ctrl+d",
        "escape",
        "enter",
        "alt+l",
        "alt+m",
        "alt+r",
        "u",
        "alt+h",
        "ctrl+h",
    }
)


def hotkeys() -> dict[tuple[str, str], str]:
    """(control name, value) -> hotkey, for every label and choice that has one."""
    keys: dict[tuple[str, str], str] = {}
    for label in schema.ENTITY_LABELS:
        keys[(ENTITIES, label)] = _LABEL_KEYS[label]
    for label in schema.CLAIM_LAYER_LABELS:
        keys[(CLAIMS, label)] = _LABEL_KEYS[label]
    keys[(BOILERPLATE_CONTROL, schema.BOILERPLATE)] = _LABEL_KEYS[schema.BOILERPLATE]
    for label in schema.CERTAINTY_LABELS:
        keys[(CERTAINTY, label)] = _CERTAINTY_KEYS[label]
    if len(schema.TOPIC_LABELS) > 9:
        raise ValueError("more than 9 topics: extend the topic hotkeys")
    for i, label in enumerate(schema.TOPIC_LABELS, start=1):
        keys[(TOPIC, label)] = str(i)
    return keys


def colours() -> dict[str, str]:
    """Span label -> background colour."""
    labels = (*schema.ENTITY_LABELS, *schema.CLAIM_LAYER_LABELS, schema.BOILERPLATE)
    return {label: _COLOURS[label] for label in labels}


def _attrs(**kwargs: object) -> str:
    parts = []
    for key, value in kwargs.items():
        if value is None:
            continue
        if isinstance(value, bool):
            value = "true" if value else "false"
        parts.append(f"{key}={quoteattr(str(value))}")
    return " ".join(parts)


def _labels(name: str, labels: tuple[str, ...], descriptions: dict[str, str]) -> list[str]:
    keys, cols = hotkeys(), colours()
    lines = [f"  <Labels {_attrs(name=name, toName=TEXT_NAME, showInline=True)}>"]
    for label in labels:
        attrs = _attrs(
            value=label,
            background=cols[label],
            hotkey=keys[(name, label)],
            hint=descriptions.get(label),
        )
        lines.append(f"    <Label {attrs}/>")
    lines.append("  </Labels>")
    return lines


def _choices(header: str, name: str, labels: tuple[str, ...]) -> list[str]:
    """A per-region single choice among ``labels``, required, under its header."""
    keys = hotkeys()
    attrs = _attrs(
        name=name,
        toName=TEXT_NAME,
        perRegion=True,
        choice="single-radio",
        showInline=True,
        required=True,
    )
    return [
        f'    <Header value="{header}" size="6"/>',
        f"    <Choices {attrs}>",
        *(f"      <Choice {_attrs(value=label, hotkey=keys[(name, label)])}/>" for label in labels),
        "    </Choices>",
    ]


def build_config() -> str:
    """The labeling config XML, derived from :mod:`nkru.schema` only."""
    claim_layer_hints = {
        schema.CLAIM: "check-worthy factual statement (propositional content, cue outside)",
        schema.SOURCE: "who is responsible for a claim (named or not)",
    }
    lines = [
        f"<!-- Generated from nkru/schema.py (schema {schema.SCHEMA_VERSION}) by "
        "nkru.annotation.labeling_config; do not edit by hand. -->",
        "<View>",
        "  <Style>.htx-text { white-space: pre-wrap; line-height: 1.7; }</Style>",
        f"  <Header {_attrs(value='$title', size=4)}/>",
        f"  <Header {_attrs(value='$byline', size=6, underline=False)}/>",
        '  <Header value="Entities" size="6"/>',
        *_labels(ENTITIES, schema.ENTITY_LABELS, schema.ENTITY_DESCRIPTIONS),
        '  <Header value="Claims and sources" size="6"/>',
        *_labels(CLAIMS, schema.CLAIM_LAYER_LABELS, claim_layer_hints),
        *_labels(
            BOILERPLATE_CONTROL,
            (schema.BOILERPLATE,),
            {schema.BOILERPLATE: "site chrome: not annotated"},
        ),
        f"  <Relations {_attrs(name=RELATIONS, toName=TEXT_NAME)}>",
        *(f"    <Relation {_attrs(value=label)}/>" for label in schema.STANCE_LABELS),
        "  </Relations>",
        f"  <Text {_attrs(name=TEXT_NAME, value='$text', granularity='symbol')}/>",
        "  "
        + "<View "
        + _attrs(
            visibleWhen="region-selected",
            whenTagName=CLAIMS,
            whenLabelValue=schema.CLAIM,
        )
        + ">",
        *_choices("Certainty", CERTAINTY, schema.CERTAINTY_LABELS),
        *_choices("Topic", TOPIC, schema.TOPIC_LABELS),
        "  </View>",
        "  "
        + "<View "
        + _attrs(
            visibleWhen="region-selected",
            whenTagName=ENTITIES,
            whenLabelValue=",".join(schema.VALUED_LABELS),
        )
        + ">",
        '    <Header value="Normalised value" size="6"/>',
        "    <TextArea "
        + _attrs(
            name=VALUE,
            toName=TEXT_NAME,
            perRegion=True,
            editable=True,
            maxSubmissions=1,
            rows=1,
            placeholder=" | ".join(
                f"{label}: {schema.VALUE_FORMAT_HELP[label]}" for label in schema.VALUED_LABELS
            ),
        )
        + "/>",
        "  </View>",
        "</View>",
    ]
    return "\n".join(lines) + "\n"


def write_config(path: Path = CONFIG_PATH) -> Path:
    path.write_text(build_config(), encoding="utf-8")
    return path


def main() -> None:  # pragma: no cover - thin wrapper
    print(write_config())


if __name__ == "__main__":  # pragma: no cover
    main()
