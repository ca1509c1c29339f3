"""Command-line interface: ``validate``, ``new``, ``export`` and ``schema``.

Exit codes: 0 clean, 1 story errors, 2 usage errors (click's own convention).
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from app.errors import Problem
from app.validate import check_story, find_stories


def _echo_problem(problem: Problem) -> None:
    colour = "red" if problem.severity == "error" else "yellow"
    click.secho(str(problem), fg=colour, err=True)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name=None, version=__import__("app").__version__, prog_name="storymap")
def main() -> None:
    """Story maps from Markdown: validate, scaffold and export stories."""


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--strict", is_flag=True, help="Treat warnings (and geometry repairs) as errors.")
@click.option("--quiet", "-q", is_flag=True, help="Print problems only, no summary.")
def validate(paths: tuple[Path, ...], strict: bool, quiet: bool) -> None:
    """Check story files (or folders of *.md stories). Default: stories/."""
    targets = list(paths) or [Path("stories")]
    for target in targets:
        if not target.exists():
            raise click.UsageError(f"{target}: no such file or folder")
    stories = find_stories(targets)
    if not stories:
        raise click.UsageError(f"no .md stories found in {', '.join(map(str, targets))}")
    failed = 0
    for path in stories:
        checked = check_story(path, strict=strict)
        for problem in checked.problems:
            _echo_problem(problem)
        if checked.errors:
            failed += 1
        elif not quiet:
            steps = len(checked.story.steps) if checked.story else 0
            note = f", {len(checked.warnings)} warning(s)" if checked.warnings else ""
            click.secho(f"{checked.path}: ok ({steps} steps{note})", fg="green", err=True)
    if not quiet:
        click.echo(f"{len(stories) - failed} of {len(stories)} stories valid", err=True)
    sys.exit(1 if failed else 0)


@main.command()
@click.argument("slug")
@click.option(
    "--dir",
    "folder",
    default="stories",
    type=click.Path(path_type=Path),
    show_default=True,
    help="Where stories live.",
)
@click.option("--force", is_flag=True, help="Overwrite existing files.")
def new(slug: str, folder: Path, force: bool) -> None:
    """Scaffold a valid story SLUG.md with one layer and two steps."""
    from app.scaffold import scaffold

    try:
        written = scaffold(slug, folder, force=force)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None
    except FileExistsError as exc:
        raise click.ClickException(f"{exc} already exists — pick another slug or pass --force") from None
    for path in written:
        click.echo(f"wrote {path}")
    click.echo(f"next: edit {written[0]}, then run `python -m app validate {written[0]}`")


@main.command()
@click.option("--check", is_flag=True, help="Fail if the committed schema or README table is out of date.")
def schema(check: bool) -> None:
    """Write schema/*.schema.json and the README key table from the models."""
    from app.schema import write_schema

    stale = write_schema(check=check)
    if check and stale:
        click.secho("out of date: " + ", ".join(stale) + " — run `python -m app schema`", fg="red", err=True)
        sys.exit(1)
    click.echo(
        "schema and key table are up to date"
        if check
        else "wrote schema/*.schema.json and the README key table"
    )
