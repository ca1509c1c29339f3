"""The story format, declared once as pydantic models.

The JSON Schema (``schema/*.schema.json``) and the README key table are generated from
these models (``storymap schema``), and a test checks that they agree. How to fix a bad
value is declared here too, beside its field (:class:`Fix`), and read by
:mod:`app.validate.messages`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Annotated, Literal

import tinycss2.color3
import webcolors
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    PlainValidator,
    WithJsonSchema,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from app.dates import DATE_HELP, DATE_PATTERN, StoryDate
from app.ids import ID_MAX_LENGTH, ID_PATTERN

LANG_PATTERN = r"^[a-zA-Z]{2,3}(?:-[A-Za-z0-9]{2,8})*$"


@dataclass(frozen=True)
class Fix:
    """How to fix a bad value of the field it annotates, by kind of error.

    ``range``: a number out of bounds; ``pattern``: text of the wrong form; ``shape``: the
    wrong kind of value (with ``expects`` naming the right one); ``empty``: nothing after the
    key. pydantic ignores this metadata; the validator's messages read it.
    """

    range: str | None = None
    pattern: str | None = None
    shape: str | None = None
    expects: str | None = None
    empty: str | None = None


Identifier = Annotated[str, Field(pattern=ID_PATTERN, max_length=ID_MAX_LENGTH)]


def css_color(value: str) -> str:
    """A CSS colour (name, #hex, rgb(), rgba(), hsl(), hsla()) as ``#rrggbb``, or ``rgba()`` when
    it is see-through, so that Leaflet, the legend and the export all read it the same way."""
    parsed = tinycss2.color3.parse_color(value.strip())
    if parsed is None or isinstance(parsed, str):  # unknown, or "currentColor"
        raise PydanticCustomError("css_color", "not a CSS colour: {value!r}", {"value": value})
    rgb = tuple(round(c * 255) for c in parsed[:3])
    if parsed.alpha >= 1:
        return webcolors.rgb_to_hex(rgb)
    return f"rgba({rgb[0]}, {rgb[1]}, {rgb[2]}, {round(parsed.alpha, 3):g})"


COLOR_NAMES = sorted(webcolors.names("css3"))
Color = Annotated[
    str,
    AfterValidator(css_color),
    Field(description="CSS colour: a name, #hex, rgb(), rgba() or hsl(), e.g. steelblue or #0072B2"),
    Fix(
        pattern='use a colour name such as "steelblue", "#0072B2" (in quotes) or rgba(0, 114, 178, 0.5)',
        empty='an unquoted # starts a YAML comment: write the colour in quotes, e.g. "#0072B2"',
    ),
]
PartialDate = Annotated[
    StoryDate,
    PlainValidator(StoryDate.parse),
    PlainSerializer(lambda d: d.iso, return_type=str),
    WithJsonSchema({"type": ["string", "integer"], "pattern": DATE_PATTERN}),
    Fix(pattern=DATE_HELP),
]
Latitude = Annotated[float, Field(ge=-90, le=90, allow_inf_nan=False)]
Longitude = Annotated[float, Field(ge=-180, le=180, allow_inf_nan=False)]
Opacity = Annotated[float, Fix(range="use a value from 0 (transparent) to 1 (opaque)")]

MIN_ZOOM = 0
MAX_ZOOM = 22


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Source(_Strict):
    """Where a step's facts come from."""

    title: str = Field(min_length=1, description="Title of the article or reference.")
    outlet: str | None = Field(None, description="Publisher or outlet.")
    author: str | None = Field(None, description="Author, if named.")
    date: PartialDate | None = Field(
        None, description="Publication date: 2022-07-21, 1919, 1915-01 or a range."
    )
    url: str | None = Field(None, description="Web address (http or https).")

    @field_validator("url")
    @classmethod
    def _http_only(cls, value: str | None) -> str | None:
        if value is not None and not re.match(r"^https?://[^\s<>\"']+$", value):
            raise ValueError("must be an http:// or https:// address")
        return value


class Category(_Strict):
    """One value of a categorical style, with its colour and legend label."""

    color: Color
    label: str = Field(min_length=1, description="Legend label for this value.")


class Style(_Strict):
    """How a layer is drawn: one colour, or categorical by a property (``by``)."""

    color: Color = Field("#3388ff", description="Stroke (and default fill) colour.")
    fill_color: Color | None = Field(None, description="Fill colour; defaults to `color`.")
    weight: float = Field(2.0, ge=0, le=20, description="Stroke width in pixels.")
    opacity: Opacity = Field(1.0, ge=0, le=1, description="Stroke opacity, 0–1.")
    fill_opacity: Opacity = Field(0.4, ge=0, le=1, description="Fill opacity, 0–1.")
    radius: float = Field(6.0, ge=1, le=50, description="Point marker radius in pixels.")
    dash: Annotated[str | None, Fix(pattern='use numbers such as "6 4"')] = Field(
        None, pattern=r"^\d+(?:[ ,]+\d+)*$", description='Dash pattern, e.g. "6 4".'
    )
    by: str | None = Field(None, description="Property whose value picks the colour.")
    categories: dict[str, Category] | None = Field(None, description="With `by`: value → {color, label}.")

    @model_validator(mode="after")
    def _by_needs_categories(self) -> Style:
        if (self.by is None) != (self.categories is None):
            raise ValueError("`by` and `categories` go together: give both or neither")
        return self


class StyleOverride(_Strict):
    """A step's change to a layer's style (the rest stays as the layer says); the map eases to it."""

    color: Color | None = Field(None, description="Stroke (and default fill) colour.")
    fill_color: Color | None = Field(None, description="Fill colour.")
    weight: float | None = Field(None, ge=0, le=20, description="Stroke width in pixels.")
    opacity: Opacity | None = Field(None, ge=0, le=1, description="Stroke opacity, 0–1.")
    fill_opacity: Opacity | None = Field(None, ge=0, le=1, description="Fill opacity, 0–1.")
    dash: Annotated[str | None, Fix(pattern='use numbers such as "6 4"')] = Field(
        None, pattern=r"^\d+(?:[ ,]+\d+)*$", description='Dash pattern, e.g. "6 4".'
    )


class Snapshot(_Strict):
    """One dated file of a time-aware layer: what the layer shows from `from` to `to`."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    source: str = Field(min_length=1, description="GeoJSON file for this period, relative to the story file.")
    start: PartialDate = Field(
        alias="from", description="First date it shows: 2015-09 means from 1 September 2015."
    )
    end: PartialDate = Field(alias="to", description="Last date it shows: 2015-12 means to 31 December 2015.")
    label: str | None = Field(
        None, description='Names the date in the legend and the time scrubber, e.g. "September 2015".'
    )

    @model_validator(mode="after")
    def _in_order(self) -> Snapshot:
        if self.end.last < self.start.first:
            raise ValueError("`to` is before `from`: the snapshot would show on no date")
        return self

    @property
    def title(self) -> str:
        """The label, else the dates as written ("September 2015–December 2015")."""
        if self.label:
            return self.label
        if self.start == self.end:
            return self.start.english()
        return f"{self.start.english()}–{self.end.english()}"


class FeatureTime(_Strict):
    """Which feature properties hold each feature's validity interval (a time-aware `source`)."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    start: str | None = Field(
        None,
        alias="from",
        min_length=1,
        description="Property with the first date a feature is valid, e.g. 2015-09.",
    )
    end: str | None = Field(
        None,
        alias="to",
        min_length=1,
        description="Property with the last date a feature is valid, e.g. 2016-12.",
    )

    @model_validator(mode="after")
    def _named(self) -> FeatureTime:
        if self.start is None and self.end is None:
            raise ValueError(
                "name the property with each feature's first date (`from:`), last date (`to:`), or both"
            )
        return self


class LayerDef(_Strict):
    """A GeoJSON layer the story can show: one file (`source`) or dated files (`snapshots`)."""

    source: str | None = Field(
        None,
        min_length=1,
        description="GeoJSON file, relative to the story file (e.g. ../geodata/x.geojson).",
    )
    snapshots: list[Snapshot] | None = Field(
        None,
        min_length=1,
        description="Instead of `source`: dated files, e.g. `- {source: x-2015.geojson, from: 2015-09, "
        "to: 2015-12, label: September 2015}`; each step shows the one its `as_of` falls in.",
    )
    time: FeatureTime | None = Field(
        None,
        description="With `source`: the properties holding each feature's dates, e.g. `{from: valid_from, "
        "to: valid_to}`; a feature shows on the dates between them (a missing date: open-ended).",
    )
    scrubber: bool = Field(
        False,
        description="With `snapshots` or `time`: a slider on the map to move through the dates (keyboard too).",
    )
    label: str = Field(min_length=1, description="Legend label.")
    style: Style = Field(default_factory=Style, description="How the layer is drawn.")
    tooltip: list[str] = Field(default_factory=list, description="Properties shown on hover.")
    popup: list[str] = Field(default_factory=list, description="Properties shown on click.")
    labels: str | None = Field(
        None, description="Property shown as a permanent label on highlighted features."
    )
    id_field: str = Field("id", description="Property that identifies features (for highlight/fit).")
    legend: bool = Field(True, description="Show this layer in the legend.")
    base: bool = Field(
        False, description="A background layer: shown on every step unless the step's `hide` lists it."
    )
    link_steps: bool = Field(
        False, description="Clicking a feature goes to the first step that highlights it."
    )
    attribution: str | None = Field(None, description="Credit line for the data.")

    @model_validator(mode="after")
    def _one_source(self) -> LayerDef:
        if self.source is None and self.snapshots is None:
            raise ValueError("add `source: FILE` (one GeoJSON file) or `snapshots:` (dated files)")
        if self.source is not None and self.snapshots is not None:
            raise ValueError("give either `source` (one file) or `snapshots` (dated files), not both")
        if self.time is not None and self.source is None:
            raise ValueError(
                "`time` reads dates from the features of `source`: give `source`, not `snapshots`"
            )
        if self.scrubber and self.snapshots is None and self.time is None:
            raise ValueError(
                "`scrubber` needs `snapshots` or `time`: a layer of one file has no dates to move through"
            )
        return self

    @property
    def files(self) -> list[str]:
        """Every file of the layer, in order: its `source` (also when `time` splits it into
        snapshots), or each snapshot's."""
        return [self.source] if self.source is not None else [s.source for s in self.snapshots or []]

    @property
    def shown_as(self) -> str:
        """The layer's file, or its snapshot files, for messages."""
        return self.source or ", ".join(self.files)


class Overlay(_Strict):
    """A raster a step can show over the map: online tiles (an xyzservices name) or a local image."""

    label: str = Field(min_length=1, description='What the overlay shows, e.g. "Survey map of 1790".')
    tiles: str | None = Field(
        None, description="An xyzservices name, e.g. OpenTopoMap: readers' browsers then load tiles online."
    )
    image: str | None = Field(
        None, description="A local PNG, JPEG or WebP file, relative to the story (inlined in exports)."
    )
    bounds: tuple[tuple[Latitude, Longitude], tuple[Latitude, Longitude]] | None = Field(
        None, description="With `image`: [[south, west], [north, east]] the image covers."
    )
    opacity: Opacity = Field(0.8, ge=0, le=1, description="Opacity, 0–1.")
    attribution: str | None = Field(None, description="Credit line for the overlay.")

    @model_validator(mode="after")
    def _tiles_or_image(self) -> Overlay:
        if (self.tiles is None) == (self.image is None):
            raise ValueError("give either `tiles` or `image`")
        if self.image is not None and self.bounds is None:
            raise ValueError("an `image` needs `bounds: [[south, west], [north, east]]`")
        return self


class FrontMatter(_Strict):
    """The YAML block at the top of a story file."""

    title: str = Field(min_length=1, description="Story title.")
    subtitle: str | None = Field(None, description="One-line standfirst.")
    byline: str | None = Field(None, description="Who wrote it.")
    published: PartialDate | None = Field(None, description="Publication date, e.g. 2024-05-01.")
    lang: Annotated[str, Fix(pattern="use a language tag such as en, fa or ar")] = Field(
        "en", pattern=LANG_PATTERN, description="Language tag, e.g. en, fa, ar."
    )
    dir: Literal["ltr", "rtl"] = Field("ltr", description="Text direction.")
    basemap: str = Field(
        "natural-earth",
        description="`natural-earth` (offline outlines) or an xyzservices name, e.g. CartoDB.Positron.",
    )
    basemap_labels: bool = Field(
        True,
        description=(
            "Names on the offline basemap (countries, seas and oceans, capitals, major cities; "
            "English); `false` hides them."
        ),
    )
    panel: Literal["start", "end"] | None = Field(
        None,
        description="Side of the map for the text: start (left; right in RTL) or end. "
        "Default: start in the export, end in the tour.",
    )
    legend_position: Literal["topright", "topleft", "bottomright", "bottomleft"] | None = Field(
        None, description="Map corner for the legend; default topright (topleft in RTL stories)."
    )
    layers: Annotated[
        dict[Identifier, LayerDef],
        Fix(shape="give each layer as `id:` with `source:` and `label:` indented under it"),
    ] = Field(default_factory=dict, description="Layer id → layer definition.")
    sources: Annotated[
        dict[Identifier, Source], Fix(shape="give each source as `id:` with `title:` indented under it")
    ] = Field(default_factory=dict, description="Source id → source.")
    overlays: dict[Identifier, Overlay] = Field(
        default_factory=dict, description="Overlay id → raster overlay; steps list overlay ids in `layers`."
    )


MEDIA_KINDS = ("image", "video", "audio", "youtube", "vimeo", "soundcloud", "tweet")


class Media(_Strict):
    """A fenced ```media block in a step's text: an image, a video or a sound, with its credit."""

    src: str = Field(min_length=1, description="A local file (relative to the story) or a web address.")
    alt: str = Field(
        min_length=1, description="What it shows or says, for readers who cannot see or hear it."
    )
    caption: str | None = Field(None, description="Caption shown under it.")
    credit: str | None = Field(None, description='Who made it, e.g. "Photo: Frank Hurley".')
    poster: str | None = Field(None, description="A local image shown before a video plays.")
    kind: Literal[MEDIA_KINDS] | None = Field(  # type: ignore[valid-type]
        None, description="image, video, audio, youtube, vimeo, soundcloud or tweet; guessed from `src`."
    )


class Highlight(_Strict):
    """Features to emphasise in a step."""

    layer: str = Field(description="Layer id.")
    ids: list[str] = Field(min_length=1, description="Feature ids in that layer.")


class Sequence(_Strict):
    """Dates a time-aware layer plays through as the step opens, before it settles on the step's date."""

    layer: str = Field(description="Id of a layer with `snapshots`.")
    dates: list[PartialDate] = Field(
        min_length=1, description="Dates to show in turn, e.g. [2015-09, 2018-07]; then the step's own date."
    )
    pace: Annotated[float, Fix(range="use seconds from 0.3 to 10 per date")] = Field(
        1.5, ge=0.3, le=10, allow_inf_nan=False, description="Seconds each date stays on the map."
    )


class MapState(_Strict):
    """The complete map state of one step (never a difference from the previous step)."""

    center: Annotated[
        tuple[Latitude, Longitude] | None,
        Fix(
            expects="two numbers [lat, lon]",
            shape="write e.g. center: [35.69, 51.42]",
            range="center is [lat, lon]: latitude −90…90 first, then longitude −180…180; are they swapped?",
        ),
    ] = Field(None, description="[lat, lon] the map centres on (note: lat first).")
    zoom: Annotated[float | None, Fix(range="use a zoom from 0 (the whole world) to 22 (a building)")] = (
        Field(
            None,
            ge=MIN_ZOOM,
            le=MAX_ZOOM,
            allow_inf_nan=False,
            description="Zoom level 0–22, fractions allowed.",
        )
    )
    fit: str | None = Field(
        None, description="Instead of center/zoom: fit to a layer (`id`) or feature (`layer/id`)."
    )
    layers: list[str] = Field(default_factory=list, description="Every layer visible in this step.")
    highlight: Annotated[
        list[Highlight] | None,
        BeforeValidator(lambda value: [value] if isinstance(value, dict) else value),
        Fix(shape="write e.g. highlight: {layer: places, ids: [paris]}"),
        WithJsonSchema(
            {
                "anyOf": [
                    Highlight.model_json_schema(),
                    {"type": "array", "items": Highlight.model_json_schema()},
                    {"type": "null"},
                ]
            }
        ),
    ] = Field(None, description="{layer, ids} to emphasise, or a list of them (one per layer).")
    hide: list[str] = Field(default_factory=list, description="Base layers not shown in this step.")
    style: dict[str, StyleOverride] = Field(
        default_factory=dict,
        description="Per-layer style for this step, e.g. {zones: {fill_opacity: 0.1}}; eases as the map moves.",
    )
    duration: Annotated[float, Fix(range="use seconds from 0 (jump) to 30")] = Field(
        2.0, ge=0, le=30, allow_inf_nan=False, description="Seconds of flight; 0 jumps."
    )
    as_of: PartialDate | None = Field(
        None, description="Date the step's facts describe: 2022-07-19, 1915-01, 1790 or a range 1914/1917."
    )
    layer_dates: dict[str, PartialDate] = Field(
        default_factory=dict,
        description="Layer id → the date a layer with `snapshots` shows here, when not `as_of` "
        "(e.g. a closing step looking back).",
    )
    sequence: Sequence | None = Field(
        None,
        description="{layer, dates, pace}: a layer with `snapshots` plays through `dates` as the step "
        "opens, then shows the step's date.",
    )
    sources: list[str] = Field(default_factory=list, description="Source ids backing this step.")

    @property
    def highlights(self) -> list[Highlight]:
        """Every {layer, ids} of the step (one mapping is read as a list of one)."""
        return self.highlight or []

    def visible(self, layers: dict[str, LayerDef]) -> list[str]:
        """Every layer this step shows: its own, then the base layers it does not hide."""
        base = [lid for lid, layer in layers.items() if layer.base and lid not in self.layers]
        return [*self.layers, *(lid for lid in base if lid not in self.hide)]

    def date_of(self, layer_id: str) -> StoryDate | None:
        """The date a time-aware layer shows at this step: its `layer_dates` entry, else `as_of`."""
        return self.layer_dates.get(layer_id, self.as_of)

    @model_validator(mode="after")
    def _view_or_fit(self) -> MapState:
        has_view = self.center is not None or self.zoom is not None
        if self.fit is not None and has_view:
            raise ValueError("give either `fit` or `center` + `zoom`, not both")
        if self.fit is None and (self.center is None or self.zoom is None):
            raise ValueError("give `center` and `zoom`, or `fit`")
        return self


class Step(_Strict):
    """One `##` section: a heading, Markdown text and its map state."""

    id: str
    title: str
    text: str
    map: MapState
    line: int
    notes: str = ""  # speaker notes (```notes): shown to the presenter only


class Closing(_Strict):
    """The section after the last step (`## Title {.closing}`): credits, methodology, corrections."""

    title: str
    text: str
    line: int


class Story(_Strict):
    """A validated story: front matter, steps and where it came from."""

    path: str
    slug: str
    meta: FrontMatter
    intro: str = ""
    steps: list[Step]
    closing: Closing | None = None
