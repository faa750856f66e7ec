"""The soak (issue 13), short: `mali-monitor serve` as a real process on a 6-second schedule
for one cycle of 10 runs against a local web that changes run by run (new entries, pages
failing with 500 or stalling then recovering, a feed answering 500 for three runs, SMTP down
for three runs, the Slack webhook answering 500 for one), then SIGTERM. The scenario and the
checks are in soak_site.py; bench/soak.py runs 60 runs at 1 minute. About 7 minutes."""

from __future__ import annotations

from pathlib import Path

import pytest
from faults.support import assert_nothing_stored_twice
from soak_site import check, progress_line, run_soak

RUNS = 10


@pytest.mark.slow
def test_soak_serve_delivers_every_alert_once_stores_once_and_leaves_nothing(
    tmp_path: Path,
) -> None:
    lines: list[str] = []
    result = run_soak(
        tmp_path / "soak", RUNS, 0.1, say=lines.append,
        extra_env={"PREFECT_RUNNER_POLL_FREQUENCY": "2"},  # pick scheduled runs up sooner
    )
    f = check(result)
    report = "\n".join(lines + [progress_line(r) for r in result.records[-1:]]) + f"\n{f}"

    # the schedule ran every run, and the site's phases were in step with the runs
    assert f["runs_ended"] == RUNS and f["run_states"] == {"Completed": RUNS}, report
    assert f["runs_table"].get("completed", 0) >= RUNS, report
    assert f["clock_polls_per_run"] == {1: RUNS}, report

    # the faults happened (how a failed page is then handled, stored from its summary or
    # tried again, is the flow's business: the checks below hold either way)
    site = f["site_totals"]
    assert site.get("page 500", 0) + site.get("page stalled", 0) >= 2, report
    assert site.get("feed 500", 0) >= 2 and site.get("feed 304", 0) >= 1, report
    assert f["fetch_errors"].get("feed", 0) >= 1 and f["fetch_errors"].get("page", 0) >= 2
    assert f["slack_posts_refused_500"] >= 1, report
    assert f["alerts_retried"].get("email", 0) >= 1, report  # queued while SMTP was down
    assert f["alerts_retried"].get("slack", 0) >= 1, report

    # every alert delivered, exactly once per channel; no entity alerted twice
    assert f["alerts"] > 0 and set(f["alerts_by_status"]) == {"email:sent", "slack:sent"}, report
    for channel in ("email", "slack"):
        assert f[f"{channel}_alerts_received"] == f[f"{channel}_alerts_sent"] > 0, report
        assert f[f"{channel}_received_twice"] == 0, report
        assert f[f"{channel}_sent_not_received"] == 0, report
        assert f[f"{channel}_received_not_sent"] == 0, report
        assert f[f"{channel}_digests_twice"] == 0, report
    assert f["entities_alerted_twice_on_a_channel"] == 0, report

    # nothing stored twice, everything published stored (failed pages once they recovered)
    assert f["duplicate_canonical_urls"] == 0 and f["duplicate_content_hashes"] == 0, report
    assert f["published_not_stored"] == 0 and f["articles"] == f["published"], report
    assert_nothing_stored_twice(result.db)

    # serve's memory after warm-up, and nothing left behind after SIGTERM
    assert f["serve_rss_growth_mb"] < 50, report
    assert f["serve_exit_code"] == 0, report
    assert f["processes_seen"] >= RUNS + 1, report  # the Prefect server and each flow run
    assert f["left_alive"] == [] and f["marked_left"] == [], report
