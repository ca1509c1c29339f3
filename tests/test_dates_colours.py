"""Dates at the precision the author has, and CSS colours parsed by a library and normalised."""

from __future__ import annotations

import datetime as dt

import pytest
from pydantic import ValidationError

from app.dates import StoryDate
from app.models import MapState, Style


@pytest.mark.parametrize(
    ("value", "iso", "english", "first", "last"),
    [
        (1790, "1790", "1790", dt.date(1790, 1, 1), dt.date(1790, 12, 31)),
        ("1915-01", "1915-01", "January 1915", dt.date(1915, 1, 1), dt.date(1915, 1, 31)),
        (dt.date(2022, 7, 19), "2022-07-19", "19 July 2022", dt.date(2022, 7, 19), dt.date(2022, 7, 19)),
        ("1914/1917", "1914/1917", "1914–1917", dt.date(1914, 1, 1), dt.date(1917, 12, 31)),
        ("1914–1917", "1914/1917", "1914–1917", dt.date(1914, 1, 1), dt.date(1917, 12, 31)),
        ("1914-1917", "1914/1917", "1914–1917", dt.date(1914, 1, 1), dt.date(1917, 12, 31)),
        (
            "1915-02/1916-05-20",
            "1915-02/1916-05-20",
            "February 1915–20 May 1916",
            dt.date(1915, 2, 1),
            dt.date(1916, 5, 20),
        ),
        ("2024-02", "2024-02", "February 2024", dt.date(2024, 2, 1), dt.date(2024, 2, 29)),
    ],
)
def test_dates_keep_their_precision(value, iso, english, first, last):
    date = StoryDate.parse(value)
    assert (date.iso, date.english(), date.first, date.last) == (iso, english, first, last)


@pytest.mark.parametrize(
    "value", ["yesterday", "1915-13", "2023-02-30", "19150", 15, True, None, "1917/1914"]
)
def test_what_is_not_a_date(value):
    with pytest.raises(ValueError):
        StoryDate.parse(value)


def test_a_map_block_takes_every_precision_and_zoom_zero():
    for as_of in (1790, "1915-01", dt.date(2022, 7, 19), "1914/1917"):
        assert MapState.model_validate({"center": [0, 0], "zoom": 0, "as_of": as_of}).as_of is not None
    assert MapState.model_validate({"center": [0, 0], "zoom": 21.5}).zoom == 21.5
    with pytest.raises(ValidationError):
        MapState.model_validate({"center": [0, 0], "zoom": 22.5})


@pytest.mark.parametrize(
    ("value", "normalised"),
    [
        ("blue", "#0000ff"),
        ("SteelBlue", "#4682b4"),
        ("#0072B2", "#0072b2"),
        ("#c00", "#cc0000"),
        ("rgb(0, 114, 178)", "#0072b2"),
        ("rgba(0,0,0,0.5)", "rgba(0, 0, 0, 0.5)"),
        ("hsl(120, 100%, 25%)", "#008000"),
        ("hsla(0, 100%, 50%, 0.25)", "rgba(255, 0, 0, 0.25)"),
    ],
)
def test_css_colours_are_normalised(value, normalised):
    assert Style(color=value).color == normalised


@pytest.mark.parametrize("value", ["reddish", "currentColor", "#12345", "rgb(1, 2)", ""])
def test_what_is_not_a_colour(value):
    with pytest.raises(ValidationError):
        Style(color=value)
