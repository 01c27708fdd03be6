"""The `wildchat` command: one sub-command per stage, each a thin layer over the Python API."""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer
from pydantic import ValidationError
from rich.console import Console

from wildchat import __version__
from wildchat.config import Settings, load_settings

app = typer.Typer(
    name="wildchat",
    help="Run a consented public chatbot and turn its logs into a WildChat-format dataset.",
    no_args_is_help=True,
    rich_markup_mode="rich",
    # A traceback's local variables can hold message text or keys: never print them.
    pretty_exceptions_show_locals=False,
)
db_app = typer.Typer(help="Manage the store (the turn log and consent records).", no_args_is_help=True)
app.add_typer(db_app, name="db")
err = Console(stderr=True)

ConfigOption = Annotated[
    Path | None,
    typer.Option("--config", "-c", help="TOML settings file (default: $WILDCHAT_CONFIG or ./wildchat.toml)."),
]
DataDirOption = Annotated[
    Path | None, typer.Option("--data-dir", help="Where the SQLite store and the secret live [./data].")
]
DatabaseOption = Annotated[
    str | None, typer.Option("--database-url", help="SQLAlchemy URL of the store (default: SQLite).")
]


def _settings(config: Path | None, **overrides: object) -> Settings:
    """Settings with CLI overrides exported as WILDCHAT_* so that worker processes see them too."""
    for name, value in overrides.items():
        if value is not None:
            os.environ[f"WILDCHAT_{name.upper()}"] = str(value)
    try:
        return load_settings(config)
    except FileNotFoundError as exc:
        err.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from exc
    except ValidationError as exc:
        err.print(f"[red]error:[/red] invalid settings:\n{exc}")
        raise typer.Exit(2) from exc


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Address to listen on [127.0.0.1].")] = None,
    port: Annotated[int | None, typer.Option(help="Port to listen on [8000].")] = None,
    workers: Annotated[
        int | None, typer.Option(min=1, help="Worker processes (use PostgreSQL for more than one) [1].")
    ] = None,
    config: ConfigOption = None,
    data_dir: DataDirOption = None,
    database_url: DatabaseOption = None,
) -> None:
    """Start the chatbot: the chat page at /, the OpenAI-compatible API at /v1."""
    from wildchat.collect.server import serve as run_server

    settings = _settings(
        config, host=host, port=port, workers=workers, data_dir=data_dir, database_url=database_url
    )
    try:
        run_server(settings)
    except ValueError as exc:
        err.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from exc


@db_app.command("upgrade")
def db_upgrade(config: ConfigOption = None, database_url: DatabaseOption = None) -> None:
    """Create or migrate the store's tables to the latest schema."""
    from wildchat.store import make_engine, migrate

    settings = _settings(config, database_url=database_url)
    engine = make_engine(settings.resolved_database_url)
    migrate(engine)
    err.print(f"schema up to date: {engine.url.render_as_string(hide_password=True)}")


def _require_turn_log(url: str) -> None:
    """Exit with a clear message when the store has no turn log yet, instead of an SQL traceback.

    Checked before any engine is made, so that reading commands never create an empty
    SQLite file as a side effect.
    """
    from sqlalchemy import inspect
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import SQLAlchemyError

    from wildchat.store import make_engine

    parsed = make_url(url)
    shown = parsed.render_as_string(hide_password=True)
    hint = "start the service (`wildchat serve`) or run `wildchat db upgrade` first"
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        if not Path(parsed.database).is_file():
            err.print(f"[red]error:[/red] no store at {shown}: {hint}")
            raise typer.Exit(2)
    engine = make_engine(url)
    try:
        has_log = inspect(engine).has_table("turns")
    except SQLAlchemyError as exc:
        err.print(f"[red]error:[/red] cannot open the store at {shown}: {type(exc).__name__}")
        raise typer.Exit(2) from exc
    finally:
        engine.dispose()
    if not has_log:
        err.print(f"[red]error:[/red] the store at {shown} has no turn log yet: {hint}")
        raise typer.Exit(2)


@db_app.command("stats")
def db_stats(config: ConfigOption = None, database_url: DatabaseOption = None) -> None:
    """Print how many turns and participants the store holds."""
    from wildchat.store import Store, make_engine

    settings = _settings(config, database_url=database_url)
    _require_turn_log(settings.resolved_database_url)
    store = Store(make_engine(settings.resolved_database_url))
    withdrawn = len(store.withdrawn_participant_ids())
    typer.echo(f"turns: {store.count_turns()}\nwithdrawn participants: {withdrawn}")


@app.command()
def build(
    out: Annotated[Path, typer.Option("--out", "-o", help="Output folder (public/, full/, .work/).")],
    since: Annotated[
        datetime | None, typer.Option(help="Only turns received at or after this time (ISO 8601).")
    ] = None,
    engine: Annotated[str, typer.Option(help="local (processes on this machine) or ray.")] = "local",
    workers: Annotated[
        int | None, typer.Option(min=1, help="Worker processes / Ray actors [all cores].")
    ] = None,
    policy: Annotated[
        str, typer.Option(help="PII policy: wildchat-1m (the paper's) or strict.")
    ] = "wildchat-1m",
    toxicity: Annotated[
        str, typer.Option(help="Toxicity scorers, comma-separated: offline, openai, detoxify.")
    ] = "offline",
    detoxify_path: Annotated[
        Path | None, typer.Option(help="Local Detoxify model folder or .ckpt (for --toxicity detoxify).")
    ] = None,
    moderation_base_url: Annotated[
        str | None, typer.Option(help="OpenAI-compatible moderation endpoint (key from $OPENAI_API_KEY).")
    ] = None,
    toxicity_threshold: Annotated[float, typer.Option(help="Detoxify toxicity above this is toxic.")] = 0.1,
    language_accuracy: Annotated[str, typer.Option(help="lingua mode: high (the paper's) or low.")] = "high",
    shard_size: Annotated[int, typer.Option(min=1, help="Conversations per unit of work.")] = 2000,
    jsonl: Annotated[bool, typer.Option("--jsonl", help="Also write conversations.jsonl.")] = False,
    license: Annotated[str, typer.Option(help="Licence named in the dataset card.")] = "odc-by",
    contact: Annotated[str | None, typer.Option(help="Removal-request contact for the card.")] = None,
    progress: Annotated[bool, typer.Option(help="Show progress bars.")] = True,
    config: ConfigOption = None,
    database_url: DatabaseOption = None,
) -> None:
    """Turn the turn log into a WildChat-1M-format dataset (resumable, incremental)."""
    from wildchat.curate.pipeline import BuildOptions, run_build

    if engine not in ("local", "ray"):
        raise typer.BadParameter("must be local or ray", param_hint="--engine")
    if policy not in ("wildchat-1m", "strict"):
        raise typer.BadParameter("must be wildchat-1m or strict", param_hint="--policy")
    if language_accuracy not in ("high", "low"):
        raise typer.BadParameter("must be high or low", param_hint="--language-accuracy")
    scorers = tuple(name.strip() for name in toxicity.split(",") if name.strip())
    scorer_options: dict[str, dict[str, object]] = {}
    if detoxify_path is not None:
        scorer_options["detoxify"] = {"path": str(detoxify_path)}
    if moderation_base_url is not None:
        scorer_options["openai"] = {"base_url": moderation_base_url}
    settings = _settings(config, database_url=database_url)
    options = BuildOptions(
        out=out,
        since=since,
        engine=engine,  # type: ignore[arg-type]
        workers=workers or (os.cpu_count() or 1),
        shard_size=shard_size,
        pii_policy=policy,
        toxicity_scorers=scorers,
        toxicity_options=scorer_options,
        toxicity_threshold=toxicity_threshold,
        language_accuracy=language_accuracy,
        jsonl=jsonl,
        license=license,
        contact=contact or settings.contact or None,
        progress=progress,
    )
    _require_turn_log(settings.resolved_database_url)
    try:
        run_build(settings.resolved_database_url, options)
    except (ValueError, FileNotFoundError) as exc:
        err.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from exc


@app.command()
def tag(
    file: Annotated[Path, typer.Argument(help="JSONL (one object a line) or plain text (a message a line).")],
    stages: Annotated[
        str, typer.Option(help="Comma-separated: language, pii, toxicity.")
    ] = "language,pii,toxicity",
    policy: Annotated[str, typer.Option(help="PII policy: wildchat-1m or strict.")] = "wildchat-1m",
    field: Annotated[str, typer.Option(help="The JSON field that holds the text.")] = "content",
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Write here instead of stdout.")] = None,
    toxicity: Annotated[str, typer.Option(help="Toxicity scorers: offline, openai, detoxify.")] = "offline",
    detoxify_path: Annotated[Path | None, typer.Option(help="Local Detoxify model folder or .ckpt.")] = None,
    language_accuracy: Annotated[str, typer.Option(help="lingua mode: high or low.")] = "high",
) -> None:
    """Tag any file with language, PII (entities and redacted text) and toxicity, as JSONL."""
    import sys

    from wildchat.curate.tag import TagInputError, TagOptions, looks_like_jsonl, tag_stream

    if not file.is_file():
        err.print(f"[red]error:[/red] no such file: {file}")
        raise typer.Exit(2)
    options = TagOptions(
        stages=tuple(s.strip() for s in stages.split(",") if s.strip()),
        policy=policy,
        text_field=field,
        language_accuracy=language_accuracy,
        toxicity_scorers=tuple(s.strip() for s in toxicity.split(",") if s.strip()),
        toxicity_options={"detoxify": {"path": str(detoxify_path)}} if detoxify_path else {},
    )
    try:
        with file.open(encoding="utf-8") as source:
            if out is None:
                written = tag_stream(source, sys.stdout, options, looks_like_jsonl(file))
            else:
                with out.open("w", encoding="utf-8") as sink:
                    written = tag_stream(source, sink, options, looks_like_jsonl(file))
    except (TagInputError, ValueError) as exc:
        err.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from exc
    if out is not None:
        err.print(f"tagged {written} lines → {out}")


@app.command()
def synth(
    turns: Annotated[int, typer.Option("--turns", min=0, help="How many turns to generate.")],
    seed: Annotated[int, typer.Option(help="Random seed: the same seed gives the same log.")] = 0,
    out: Annotated[
        Path | None, typer.Option(help="Write JSONL turns to this file instead of the store.")
    ] = None,
    truth: Annotated[
        Path | None,
        typer.Option(help="Where to save the ground truth [OUT.truth.json or ./synthetic-truth.json]."),
    ] = None,
    hash_only: Annotated[
        bool,
        typer.Option("--hash-only", help="No conversation ids: every turn links by hash, as in the paper."),
    ] = False,
    config: ConfigOption = None,
    database_url: DatabaseOption = None,
) -> None:
    """Generate a realistic synthetic turn log with known answers (for tests and benchmarks)."""
    import json

    from wildchat.curate.synth import SynthConfig, write_synthetic

    options = SynthConfig(web_conversation_id_rate=0.0) if hash_only else SynthConfig()
    if out is not None:
        ground = write_synthetic(out, turns, seed, options)
    else:
        from wildchat.store import Store, make_engine, migrate

        engine = make_engine(_settings(config, database_url=database_url).resolved_database_url)
        migrate(engine)
        ground = write_synthetic(Store(engine), turns, seed, options)
    target = truth or (out.with_name(out.name + ".truth.json") if out else Path("synthetic-truth.json"))
    ground.save(target)
    typer.echo(json.dumps(ground.summary(), ensure_ascii=False))


@app.command()
def version() -> None:
    """Print the version."""
    typer.echo(__version__)


if __name__ == "__main__":
    app()
