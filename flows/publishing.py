"""The `ingest` flow's last steps: alerts delivered, the run recorded, the read copy
published, the export refreshed, and the run's summary published as a Prefect artifact.

A failure to publish (read copy, export, the summary's pictures) is logged and reported in
the summary; it never fails a run whose articles are stored.
"""

from __future__ import annotations

from datetime import UTC, datetime

import duckdb
from prefect import get_run_logger, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE

from alerts.channels import build_sender
from alerts.delivery import DeliveryReport, deliver_pending
from alerts.errors import DeliveryError
from extractors.models import ErrorRecord
from flows import progress
from flows.output import summary_images, summary_markdown
from flows.run_summary import RunSummary
from flows.settings import Settings
from flows.tally import RunTally
from flows.writing import writing
from warehouse import store
from warehouse.errors import WarehouseError
from warehouse.export import export_tables
from warehouse.publish import publish_read_copy, read_copy_path
from warehouse.report_queries import read_run_map

SUMMARY_ARTIFACT_KEY = "ingest-summary"


@task(name="deliver-alerts", cache_policy=NO_CACHE)
def deliver_alerts_task(
    con: duckdb.DuckDBPyConnection, settings: Settings, run_id: str
) -> tuple[DeliveryReport, list[ErrorRecord]]:
    """One digest per configured channel. A channel that cannot be used (its secret unset)
    is recorded and skipped; its alerts wait in the outbox for a run where it works."""
    logger = get_run_logger()
    senders, problems = [], []
    for channel in settings.alerts.channels:
        try:
            senders.append(build_sender(channel, settings.alerts))
        except DeliveryError as e:
            logger.warning("alerts: %s", e)
            problems.append(ErrorRecord("alert", str(e), url=f"alerts:{channel}"))
    report = deliver_pending(
        con,
        senders,
        run_id=run_id,
        max_attempts=settings.alerts.max_attempts,
        dry_run=settings.alerts.dry_run,
        now=datetime.now(UTC),
    )
    for line in report.summary().splitlines():
        logger.info("%s", line)
    store.insert_errors(con, problems, run_id)
    return report, problems


def deliver_alerts(settings: Settings, tally: RunTally) -> DeliveryReport:
    """The alerts step: pending alerts sent; a channel that could not be used counts as an
    error of the run."""
    with writing(settings) as con:
        progress.update(stage="sending alerts")
        report, problems = deliver_alerts_task(con, settings, tally.run_id)
    progress.update(alerts_sent=report.sent)
    tally.counts.errors += len(problems)
    return report


@task(name="publish-read-copy", cache_policy=NO_CACHE)
def publish_read_copy_task(con: duckdb.DuckDBPyConnection, settings: Settings) -> str:
    """Readers' snapshot of the warehouse (warehouse.publish); a failure is logged and
    leaves the previous copy, it does not fail the run."""
    try:
        published = publish_read_copy(con, settings.db_path)
    except WarehouseError as e:
        get_run_logger().error("%s", e)
        return f"not published: {e}"
    return f"{published.path} ({published.bytes / 1e6:.1f} MB in {published.seconds:.1f} s)"


def finish_run(settings: Settings, tally: RunTally) -> str:
    """The run recorded as completed, and the read copy published; returns what
    `publish_read_copy_task` says."""
    with writing(settings) as con:
        store.finish_run(con, tally.run_id, tally.counts)
        return publish_read_copy_task(con, settings)


def record_failure(settings: Settings, tally: RunTally, error: BaseException) -> None:
    """The run recorded as failed (with its counts so far) and the read copy published;
    if even that fails, the next run marks this one."""
    try:
        with writing(settings) as con:
            store.finish_run(con, tally.run_id, tally.counts, status="failed",
                             message=f"{type(error).__name__}: {error}")
            publish_read_copy_task(con, settings)
    except (WarehouseError, duckdb.Error) as unrecorded:
        get_run_logger().error("could not record the failure of run %s: %s",
                               tally.run_id, unrecorded)


@task(name="refresh-export", cache_policy=NO_CACHE)
def refresh_export_task(settings: Settings, months: set[str]) -> str:
    """`[warehouse] export_dir`: the tables as Parquet, from the read copy just published
    (the writer's file is already let go); articles and mentions only for the months this
    run stored in (UTC), once a first full export is there. A failure is logged; the run
    stands."""
    folder = settings.export_dir()
    assert folder is not None
    try:
        done = export_tables(read_copy_path(settings.db_path), folder, months=months)
    except WarehouseError as e:
        get_run_logger().error("%s", e)
        return f"not refreshed: {e}"
    return f"{done.folder} ({len(done.tables)} tables in {done.seconds:.1f} s)"


def refresh_export(settings: Settings, started_at: datetime) -> str | None:
    """The export step, when `[warehouse] export_dir` is set."""
    if not settings.export_dir():
        return None
    months = {started_at.strftime("%Y-%m"), datetime.now(UTC).strftime("%Y-%m")}
    return refresh_export_task(settings, months)


@task(name="publish-summary", cache_policy=NO_CACHE)
def publish_summary_task(summary: RunSummary, settings: Settings | None = None) -> None:
    """The run's summary as a Prefect markdown artifact, visible in the UI and to `trigger`;
    with `settings`, when the run stored articles naming towns with coordinates, the map of
    those towns and the 30-day timeline below it (PNG images; `trigger` prints no image)."""
    markdown = summary_markdown(summary)
    if settings is not None and summary.articles_new:
        markdown += _summary_pictures(settings, summary.run_id)
    create_markdown_artifact(
        markdown=markdown,
        key=SUMMARY_ARTIFACT_KEY,
        description=f"mali-monitor ingest run {summary.run_id}",
    )


def _summary_pictures(settings: Settings, run_id: str) -> str:
    """The summary's map and timeline: the warehouse read a moment, then drawn. Any
    failure is logged and the summary goes without them: never a failed run."""
    try:
        with writing(settings) as con:
            data = read_run_map(con, run_id, datetime.now(UTC))
        return summary_images(data)
    except Exception as e:  # a picture is never worth a failed run
        get_run_logger().warning(
            "the run summary goes without its map: %s: %s", type(e).__name__, e
        )
        return ""
