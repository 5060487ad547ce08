"""The `workshop` command: serve, chain validate/format/render, tally, export."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from workshop.domain import rules
from workshop.domain.chain import Chain
from workshop.domain.errors import InvalidInput, NotFound
from workshop.domain.state import WorkshopState
from workshop.domain.text import shown

if TYPE_CHECKING:
    from workshop.store import Store

data_option = click.option(
    "--data",
    default="sessions",
    show_default=True,
    type=click.Path(file_okay=False),
    help="Folder holding the SQLite database.",
)


database_option = click.option(
    "--database",
    envvar="WORKSHOP_DATABASE_URL",
    default=None,
    help="sqlite:///path/to/workshop.db or postgresql://user:password@host:5432/dbname"
    " (default: workshop.db in --data).",
)


@click.group()
def cli() -> None:
    """Workshop: run goal-setting workshops and work with goal chain files."""


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option(
    "--port",
    default=5000,
    show_default=True,
    type=click.IntRange(1, 65535),
    help="Port to listen on.",
)
@data_option
@database_option
@click.option(
    "--async-mode",
    type=click.Choice(["gevent", "eventlet", "threading"]),
    default="gevent",
    show_default=True,
    help="Green-thread server to run on.",
)
@click.option(
    "--message-queue",
    default=None,
    help="Redis URL shared by several server processes (scale-out).",
)
@click.option(
    "--timer-interval",
    type=click.FloatRange(min=0.01),
    default=None,
    help="Seconds between looks for expired turns, stages and ballots  [default: 0.25].",
)
@click.option(
    "--public-url",
    default=None,
    help="The address people reach, e.g. https://workshop.example.org: links and QR codes"
    " use it, and requests for another host or from another origin are refused.",
)
@click.option(
    "--set",
    "overrides",
    multiple=True,
    metavar="NAME=VALUE",
    help="Change a setting, e.g. --set CREATE_RATE=20/minute (the README lists them).",
)
def serve(
    host: str,
    port: int,
    data: str,
    database: str | None,
    async_mode: str,
    message_queue: str | None,
    timer_interval: float | None,
    public_url: str | None,
    overrides: tuple[str, ...],
) -> None:
    """Serve the web app and the Socket.IO endpoint."""
    from workshop.lease import LeaseTaken
    from workshop.server import CannotListen, run
    from workshop.store import DatabaseProblem

    settings = _settings(overrides)
    if public_url is not None or "PUBLIC_URL" in settings:
        settings["PUBLIC_URL"] = _public_url(str(public_url or settings["PUBLIC_URL"]))
    if database is not None:
        settings["DATABASE_URL"] = database
    try:
        run(host, port, data, async_mode, message_queue, timer_interval, settings)
    except DatabaseProblem as error:
        raise click.ClickException(f"cannot start: {error}") from None
    except (LeaseTaken, CannotListen) as refused:
        raise click.ClickException(str(refused)) from None


def _settings(overrides: tuple[str, ...]) -> dict[str, object]:
    from workshop.config import parse

    settings = {}
    for item in overrides:
        name, sep, text = item.partition("=")
        try:
            if not sep:
                raise ValueError(f"write --set NAME=VALUE, got {item!r}")
            settings[name] = parse(name, text)
        except ValueError as error:
            raise click.BadParameter(str(error), param_hint="--set") from None
    return settings


def _public_url(url: str) -> str:
    """http(s)://host[:port], with no path: links are made by adding one."""
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.path not in ("", "/"):
        raise click.BadParameter(
            f"give the scheme and host people reach (https://workshop.example.org), got {url!r}",
            param_hint="--public-url",
        )
    return f"{parts.scheme}://{parts.netloc}"


@cli.group()
def chain() -> None:
    """Validate, format and render goal chain files."""


# chainfile is imported inside the commands: jsonschema imports threading, which must not
# happen before `serve` has monkey-patched for green threads.


@chain.command("validate")
@click.argument("files", nargs=-1, required=True, type=click.Path())
@click.option("--advice", is_flag=True, help="Also print SMART advice; advice is never an error.")
def chain_validate(files: tuple[str, ...], advice: bool) -> None:
    """Check goal chain FILES: one line per problem on stderr, and exit 1 if there is any."""
    from workshop import chainfile

    problems = chainfile.check_files(files)
    for line in problems:
        click.echo(line, err=True)
    if advice:
        for line in chainfile.advise_files(files):
            click.echo(line)
    if problems:
        sys.exit(1)


@chain.command("format")
@click.argument("file", type=click.Path())
@click.option("--json", "as_json", is_flag=True, help="Write canonical JSON instead of YAML.")
def chain_format(file: str, as_json: bool) -> None:
    """Print FILE in canonical form; formatting that again changes nothing."""
    from workshop import chainfile

    loaded = _load_chain(file)
    click.echo(chainfile.dumps_json(loaded) if as_json else chainfile.dumps(loaded), nl=False)


@chain.command("render")
@click.argument("file", type=click.Path())
@click.option(
    "--to",
    type=click.Choice(["markdown", "mermaid"]),
    default="markdown",
    show_default=True,
    help="A nested Markdown list or a Mermaid flowchart.",
)
def chain_render(file: str, to: str) -> None:
    """Draw the goal chain in FILE."""
    from workshop import chainfile

    render = chainfile.render_markdown if to == "markdown" else chainfile.render_mermaid
    click.echo(render(_load_chain(file)), nl=False)


def _load_chain(file: str) -> Chain:
    """Load a goal chain file, or print its problems and exit 1."""
    from workshop import chainfile

    try:
        return chainfile.load(file)
    except chainfile.ChainFileError as error:
        for line in error.problems:
            click.echo(line, err=True)
        sys.exit(1)


@cli.command()
@click.argument("file", type=click.Path())
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
def tally(file: str, as_json: bool) -> None:
    """Recount a ballot record FILE with the server's own rule, and say why it came out so."""
    ballot = _read_ballot(file)
    try:
        result = rules.tally(ballot)
    except InvalidInput as error:  # a record the count itself refuses (a tie that is none)
        raise click.ClickException(f"{file}: {error.message}") from None
    if as_json:
        click.echo(json.dumps(result.to_dict(), indent=2, sort_keys=True))
    else:
        click.echo(rules.result_text(result, ballot.label))


def _read_ballot(file: str) -> rules.Ballot:
    """Load and check a ballot record; any problem becomes one line and exit status 1."""
    try:
        with open(file, encoding="utf-8-sig") as handle:  # a BOM, as Notepad saves, is no text
            record = json.load(handle)
        json.dumps(record, ensure_ascii=False).encode()  # a lone surrogate has no UTF-8
        return rules.ballot_from_record(record)
    except UnicodeEncodeError:
        raise click.ClickException(f"{file}: broken unicode (a lone surrogate escape)") from None
    except OSError as error:
        raise click.ClickException(f"{file}: cannot read: {error.strerror}") from None
    except UnicodeDecodeError:
        raise click.ClickException(f"{file}: not UTF-8 text") from None
    except json.JSONDecodeError as error:
        message = f"{file}: invalid JSON at line {error.lineno}, column {error.colno}: {error.msg}"
        raise click.ClickException(message) from None
    except RecursionError:
        raise click.ClickException(f"{file}: JSON nested too deeply") from None
    except ValueError as error:  # an integer too long for Python to read
        said = "a number has too many digits" if "digits" in str(error) else str(error)
        raise click.ClickException(f"{file}: invalid JSON: {said}") from None
    except InvalidInput as error:
        raise click.ClickException(f"{file}: {error.message}") from None


@cli.command()
@click.argument("session")
@click.option(
    "--minutes",
    "fmt",
    type=click.Choice(["md", "html", "json"]),
    help="Write the minutes in this format (md when neither --minutes nor --chain is given).",
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False),
    help="Write the minutes to this file instead of standard output.",
)
@click.option(
    "--chain",
    "chain_file",
    type=click.Path(dir_okay=False),
    help="Write the goal chain file here: canonical YAML, or JSON for a .json name.",
)
@database_option
@data_option
def export(
    session: str,
    fmt: str | None,
    out: str | None,
    chain_file: str | None,
    database: str | None,
    data: str,
) -> None:
    """Write the minutes and the goal chain of SESSION from the database; no server needed."""
    from workshop import chainfile, minutes

    state, attendance, events = _history(database, data, session)
    if chain_file:
        as_json = chain_file.lower().endswith(".json")
        _write(chain_file, (chainfile.dumps_json if as_json else chainfile.dumps)(state.chain))
    if fmt or not chain_file:
        text = minutes.render(minutes.build(state, attendance, events), fmt or "md")
        if out:
            _write(out, text)
        else:
            click.echo(text, nl=False)


def _history(
    database: str | None, data: str, session: str
) -> tuple[WorkshopState, list[dict], list[dict]]:
    """The session's state, attendance and log, read from the database directly."""
    from workshop.service import Service

    store = _open(database, data, migrate=True)
    try:
        return Service(store).history(session)
    except NotFound as error:
        raise click.ClickException(error.message) from None
    finally:
        store.close()


def _open(database: str | None, data: str, migrate: bool) -> Store:
    """An existing database (opening a missing SQLite file would create an empty one)."""
    from workshop.store import DatabaseProblem, open_store, sqlite_path

    try:
        source = sqlite_path(database, data)
        log = source.with_name(source.name + "-wal") if source is not None else None
        # A log left without its database is refused by opening, naming what was lost.
        if source is not None and not source.is_file() and not (log and log.is_file()):
            where = f"in {shown(data)}" if database is None else f"at {source}"
            raise DatabaseProblem(f"no workshop database {where}")
        return open_store(database, data, migrate=migrate)
    except DatabaseProblem as error:
        raise click.ClickException(str(error)) from None


@cli.command()
@click.argument("file", type=click.Path(dir_okay=False))
@database_option
@data_option
def backup(file: str, database: str | None, data: str) -> None:
    """Write a consistent snapshot of an SQLite database to FILE, even while servers run on it."""
    from workshop.store import DatabaseProblem, sqlite_path
    from workshop.store.sqlite import backup as snapshot

    try:
        source = sqlite_path(database, data)
        if source is None:
            raise DatabaseProblem(
                "workshop backup copies SQLite databases; back up PostgreSQL with pg_dump"
                " (see docs/deploy.md)"
            )
        snapshot(source, Path(file))
    except DatabaseProblem as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"backed up {source} to {file}")


@cli.command()
@database_option
@data_option
def check(database: str | None, data: str) -> None:
    """Check a database as a start would, changing nothing: exit 0, or 1 with the problem."""
    store = _open(database, data, migrate=False)
    store.close()
    click.echo(f"{store.url}: ok")


@cli.command()
@click.option("--from", "source", required=True, help="The database to copy, as a URL.")
@click.option("--to", "target", required=True, help="An empty database to copy it into.")
def migrate(source: str, target: str) -> None:
    """Copy every session, event, token and acknowledgement, and all else a server needs,
    from one database to another (SQLite or PostgreSQL); the source is left as it was."""
    from workshop.migrate import copy_database, ensure_stopped
    from workshop.store import DatabaseProblem, open_store, sqlite_path

    try:
        sqlite_path(target)  # a URL of no backend is refused before anything is opened
    except DatabaseProblem as error:
        raise click.ClickException(str(error)) from None
    origin = _open(source, "sessions", migrate=False)
    try:
        ensure_stopped(origin)
        copy = open_store(target)
        try:
            copied = copy_database(origin, copy)
        finally:
            copy.close()
    except DatabaseProblem as error:
        raise click.ClickException(str(error)) from None
    finally:
        origin.close()
    counts = ", ".join(f"{what}: {count:,}" for what, count in copied.items())  # "deadlines: 1"
    click.echo(f"copied {counts} from {origin.url} to {copy.url}")


def _write(file: str, text: str) -> None:
    try:
        Path(file).write_text(text, encoding="utf-8")
    except OSError as error:
        raise click.ClickException(f"{file}: cannot write: {error.strerror}") from None


def _patch_for_async_mode(argv: list[str]) -> None:
    """Monkey-patch before anything imports sockets or threads, as green threads require."""
    if not argv or argv[0] != "serve":
        return
    mode = "gevent"
    for i, arg in enumerate(argv):
        if arg == "--async-mode" and i + 1 < len(argv):
            mode = argv[i + 1]
        elif arg.startswith("--async-mode="):
            mode = arg.split("=", 1)[1]
    if mode == "gevent":
        from gevent import monkey

        monkey.patch_all()
    elif mode == "eventlet":
        import eventlet

        eventlet.monkey_patch()


def main() -> None:
    """Entry point of the console script."""
    _patch_for_async_mode(sys.argv[1:])
    cli(prog_name="workshop")
