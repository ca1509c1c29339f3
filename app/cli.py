"""Command-line interface: ``validate``, ``new``, ``export``, ``build``, ``import``, ``schema`` and ``serve``.

Installed as the console script ``storymap``; ``python -m app`` is the same. Exit codes: 0 clean,
1 story errors (or a missing asset), 2 usage errors (click's own convention).
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from app.assets import AssetsMissing
from app.errors import Problem, display_path
from app.ids import story_slug
from app.paths import find_stories
from app.validate import check_story


def _echo_problem(problem: Problem) -> None:
    colour = "red" if problem.severity == "error" else "yellow"
    click.secho(str(problem), fg=colour, err=True)


class _Group(click.Group):
    """Turns a missing browser asset into click's one-line error (exit 1), never a traceback."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except AssetsMissing as exc:
            raise click.ClickException(str(exc)) from None


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name=None, version=__import__("app").__version__, prog_name="storymap")
def main() -> None:
    """Story maps from Markdown: validate, scaffold, import, export and serve stories."""


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--strict", is_flag=True, help="Treat warnings (and geometry repairs) as errors.")
@click.option("--quiet", "-q", is_flag=True, help="Print problems only, no summary.")
def validate(paths: tuple[Path, ...], strict: bool, quiet: bool) -> None:
    """Check story files (or folders of *.md stories). Default: stories/."""
    targets = list(paths) or [Path("stories")]
    for target in targets:
        try:
            exists = target.exists()
        except OSError as exc:  # e.g. a name longer than the system allows
            raise click.UsageError(f"{str(target)[:80]}…: cannot be read ({exc.strerror})") from None
        if not exists:
            raise click.UsageError(f"{target}: no such file or folder")
    found = find_stories(targets)
    stories = found.stories
    if not quiet:
        for path, why in found.skipped:
            click.echo(f"{display_path(path)}: skipped ({why})", err=True)
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
            click.secho(
                f"{checked.path}: ok ({steps} step{'s' if steps != 1 else ''}{note})", fg="green", err=True
            )
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
    click.echo(f"next: edit {written[0]}, then run `storymap validate {written[0]}`")


def _web_address(value: str | None) -> str | None:
    if value is not None and not value.startswith(("https://", "http://")):
        raise click.BadParameter(f"{value!r} is not a web address: write it with https://")
    return value


def _step_index(story, wanted: str) -> int:
    """The 0-based step an author named by number (from 1) or id; a usage error otherwise."""
    ids = [step.id for step in story.steps]
    if wanted.isdigit() and 1 <= int(wanted) <= len(ids):
        return int(wanted) - 1
    if wanted in ids:
        return ids.index(wanted)
    raise click.BadParameter(
        f"{wanted!r} is not a step: give a number from 1 to {len(ids)} or a step id ({', '.join(ids[:5])}…)",
        param_hint="--share-image",
    )


def _size(n: int) -> str:
    return f"{n / 1e6:.2f} MB" if n >= 1e6 else f"{n / 1e3:.1f} kB"


@main.command()
@click.argument("story", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--out", "-o", required=True, type=click.Path(dir_okay=False, path_type=Path), help="HTML file to write."
)
@click.option(
    "--layout",
    type=click.Choice(["scroll", "slides"]),
    default="scroll",
    show_default=True,
    help="scroll: text cards beside a sticky map; slides: one step at a time (switch with #layout=…).",
)
@click.option(
    "--assets",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Write scripts, styles and map data as files in this folder instead of inlining them.",
)
@click.option("--strict", is_flag=True, help="Treat warnings (and geometry repairs) as errors.")
@click.option(
    "--fetch-media",
    is_flag=True,
    help="Download remote images into the page (otherwise they stay links and the page requests nothing).",
)
@click.option(
    "--url",
    callback=lambda ctx, param, value: _web_address(value),
    help="The address the page will be published at (social cards, oEmbed), e.g. https://example.org/story.html.",
)
@click.option(
    "--share-image",
    "share",
    is_flag=False,
    flag_value="1",
    default=None,
    metavar="[STEP]",
    help="Also write a 1200×630 PNG of a step (number or id; default 1) beside the page, taken in Chromium; "
    "with --url the page's social cards show it.",
)
@click.option(
    "--handout",
    is_flag=True,
    help="Also write a print handout beside the page (PATH with .handout.html): one page per step "
    "with a picture of its map, taken in Chromium.",
)
def export(
    story: Path,
    out: Path,
    layout: str,
    assets: Path | None,
    strict: bool,
    fetch_media: bool,
    url: str | None,
    share: str | None,
    handout: bool,
) -> None:
    """Export STORY as one self-contained HTML page (no server, no CDN)."""
    from rich.console import Console
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    from app.export import export_story
    from app.mapview import map_parts
    from app.media import MediaError
    from app.shots import RendererError

    console = Console(stderr=True)
    stages = ["read", "load layers", "check steps", "build map", "write"]
    stages += ["pictures (Chromium)"] if share is not None or handout else []
    with Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        TimeElapsedColumn(),
        console=console,
        transient=not console.is_terminal,
    ) as progress:
        tasks = {name: progress.add_task(name, total=1, start=False) for name in stages}
        running: list[str] = []

        def stage(name: str) -> None:
            if running:
                progress.update(tasks[running[-1]], completed=1, description=f"{running[-1]} [green]✓")
            running.append(name)
            progress.start_task(tasks[name])

        checked = check_story(story, strict=strict, on_stage=stage)
        if checked.errors or checked.story is None:
            progress.update(tasks[running[-1]], description=f"{running[-1]} [red]✗")
            progress.stop()
            for problem in checked.problems:
                _echo_problem(problem)
            sys.exit(1)
        share_step = _step_index(checked.story, share) if share is not None else None
        stage("build map")
        parts = map_parts(checked)
        stage("write")
        if share_step is not None or handout:
            stage("pictures (Chromium)")
        try:
            written = export_story(
                checked,
                out,
                layout=layout,
                assets=assets,
                parts=parts,
                fetch_media=fetch_media,
                page_url=url,
                share_step=share_step,
                handout=handout,
            )
        except MediaError as exc:
            progress.stop()
            raise click.ClickException(
                f"{exc} — check the address, or export without --fetch-media"
            ) from None
        except RendererError as exc:
            progress.stop()
            raise click.ClickException(f"{exc} (the page itself was written: {out})") from None
        progress.update(tasks[running[-1]], completed=1, description=f"{running[-1]} [green]✓")
    for problem in checked.warnings:
        _echo_problem(problem)
    total = sum(path.stat().st_size for path in written)
    click.echo(f"wrote {out} ({_size(out.stat().st_size)}, {len(checked.story.steps)} steps, {layout})")
    click.echo(f"  + {written[1]} (oEmbed, for CMSs that embed by address)")
    pictures = [path for path in written if path.name.endswith((".share.png", ".handout.html"))]
    for path in pictures:
        what = "print handout" if path.suffix == ".html" else f"share image of step {(share_step or 0) + 1}"
        click.echo(f"  + {path} ({what}, {_size(path.stat().st_size)})")
    if assets is not None:
        files = len(written) - 2 - len(pictures)
        click.echo(f"  + {files} asset files in {assets} ({_size(total)} in all)")


@main.command("import")
@click.argument("fmt", metavar="FORMAT")
@click.argument("src", type=click.Path(path_type=Path))
@click.option(
    "--out", "-o", required=True, type=click.Path(dir_okay=False, path_type=Path), help="Story to write."
)
@click.option("--force", is_flag=True, help="Overwrite existing files.")
@click.option("--source-url", default=None, help="Web address of the original story, cited as its source.")
def import_(fmt: str, src: Path, out: Path, force: bool, source_url: str | None) -> None:
    """Import SRC from another tool (FORMAT: storymapjs, mapbox, leaflet-sheets, odyssey) as a story."""
    from app.importers import ImportFailed, import_story

    try:
        written = import_story(fmt, src, out, force=force, source_url=source_url)
    except ImportFailed as exc:
        click.secho(f"error: {exc}", fg="red", err=True)
        sys.exit(exc.code)
    for line in written.report.lines():
        click.secho(line, fg="yellow", err=True)
    for path in written.files:
        click.echo(f"wrote {path}")
    count = len(written.report.notes)
    steps = f"{written.steps} step{'s' if written.steps != 1 else ''}"
    click.echo(f"{steps} imported, {count} thing{'s' if count != 1 else ''} not carried (listed above)")
    click.echo(f"next: storymap validate {out}")


@main.command()
@click.option("--check", is_flag=True, help="Fail if the committed schema or README table is out of date.")
def schema(check: bool) -> None:
    """Write schema/*.schema.json and the README key table from the models."""
    from app.schema import write_schema

    stale = write_schema(check=check)
    if check and stale:
        click.secho("out of date: " + ", ".join(stale) + " — run `storymap schema`", fg="red", err=True)
        sys.exit(1)
    click.echo(
        "schema and key table are up to date"
        if check
        else "wrote schema/*.schema.json and the README key table"
    )


@main.command()
@click.argument("path", default="stories", type=click.Path(path_type=Path))
@click.option(
    "--port", "-p", default=8501, show_default=True, type=click.IntRange(1, 65535), help="Port to listen on."
)
@click.option(
    "--address",
    default=None,
    help="Address to listen on, e.g. 0.0.0.0 in a container (default: Streamlit's, every interface).",
)
@click.option(
    "--open/--no-open",
    "open_browser",
    default=None,
    help="Open the tour in a browser (default: when there is a desktop to open it on).",
)
def serve(path: Path, port: int, address: str | None, open_browser: bool | None) -> None:
    """Run the tour on PATH: a story file (opened in author mode) or a stories folder (default: stories/).

    A story file opens ``?mode=author``: the page follows every save of the story and its layers.
    """
    from app import assets
    from app import serve as server

    if not path.exists():
        raise click.UsageError(f"{path}: no such file or folder")
    if path.is_file():
        if path.suffix.lower() != ".md":
            raise click.UsageError(f"{path}: not a story (a .md file) or a stories folder")
        folder, url_path = path.parent, f"/?story={story_slug(path)}&mode=author"
    else:
        folder, url_path = path, "/"
        if not find_stories([path]).stories:
            raise click.UsageError(f"no .md stories found in {path} — create one with `storymap new SLUG`")
    if server.port_in_use(port):
        raise click.ClickException(f"port {port} is in use — pick another with --port")
    assets.check()  # fail here, in one line, rather than on the reader's page
    open_browser = server.has_display() if open_browser is None else open_browser
    sys.exit(
        server.serve(
            folder, url_path, port, open_browser, say=lambda text: click.echo(text, err=True), address=address
        )
    )


@main.command()
@click.argument("stories", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option(
    "--out", "-o", required=True, type=click.Path(file_okay=False, path_type=Path), help="Folder to write."
)
@click.option(
    "--url",
    callback=lambda ctx, param, value: _web_address(value),
    help="The address the folder will be published at, e.g. https://example.org/stories/ (for social cards and oEmbed).",
)
@click.option("--layout", type=click.Choice(["scroll", "slides"]), default="scroll", show_default=True)
@click.option("--strict", is_flag=True, help="Treat warnings (and geometry repairs) as errors.")
@click.option("--fetch-media", is_flag=True, help="Download remote images into the pages.")
@click.option(
    "--share-images/--no-share-images",
    default=True,
    show_default=True,
    help="Write each story's share image (step 1, 1200×630 PNG, taken in Chromium).",
)
def build(
    stories: Path,
    out: Path,
    url: str | None,
    layout: str,
    strict: bool,
    fetch_media: bool,
    share_images: bool,
) -> None:
    """Build a static site from STORIES: an index page and every story's page with its oEmbed file and share image."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn

    from app.media import MediaError
    from app.shots import RendererError
    from app.site import build_site

    console = Console(stderr=True)
    total = len(find_stories([stories]).stories)
    with Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        console=console,
        transient=not console.is_terminal,
    ) as bar:
        task = bar.add_task("stories", total=total)

        def stage(name: str, what: str) -> None:
            bar.update(task, description=f"{name}: {what}")

        def progress(name: str, problems: list[Problem], ok: bool) -> None:
            for problem in problems:
                bar.console.print(str(problem), style="red" if problem.severity == "error" else "yellow")
            bar.console.print(f"{name}: {'ok' if ok else 'not built'}", style="green" if ok else "red")
            bar.advance(task)

        try:
            site = build_site(
                stories,
                out,
                base_url=url,
                layout=layout,
                strict=strict,
                fetch_media=fetch_media,
                share_images=share_images,
                report=progress,
                on_stage=stage,
            )
        except MediaError as exc:
            bar.stop()
            raise click.ClickException(f"{exc} — check the address, or build without --fetch-media") from None
        except RendererError as exc:
            bar.stop()
            raise click.ClickException(f"{exc}, or build with --no-share-images") from None
        bar.update(task, description="stories")
    click.echo(
        f"wrote {out}/index.html and {len(site.built)} stor{'y' if len(site.built) == 1 else 'ies'} ({_size(site.bytes)})"
    )
    if site.failed:
        click.secho(
            f"{len(site.failed)} stor{'y has' if len(site.failed) == 1 else 'ies have'} errors and were not built: "
            + ", ".join(site.failed),
            fg="red",
            err=True,
        )
        sys.exit(1)
