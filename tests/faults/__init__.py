"""The fault suite: hostile input, faults and crashes, with nothing lost and nothing stored
twice. Each case asserts the recorded error (fetch_errors: stage, message, http_status), the
run's outcome (runs, the summary or the exit code) and the warehouse afterwards.

    test_feed_documents.py   not-a-feed, empty, malformed, 10,000 entries, billion laughs, XXE,
                             403/404/410/429/500/503 feeds and which are retried
    test_feed_entries.py     no link, no title, javascript:/file: links, relative links, the
                             same GUID or link twice in a feed and across feeds
    test_hostile_pages.py    gzip bomb, 50 MB bodies, one byte a second, redirect loops and
                             chains, file: redirects, wrong or missing charsets, BOM, failing
                             statuses; what the next run retries
    test_ssrf.py             private/loopback/link-local links refused without a connection,
                             [fetch] allowed_hosts
    test_backoff.py          feed backoff, Retry-After, `run --feed` polls regardless
    test_crash.py            SIGKILL mid-batch and mid-run (the CLI one is marked slow)
    test_locked_warehouse.py a warehouse held by another process: run and query exit 2
    test_disk_faults.py      a full disk (tmpfs, RLIMIT_FSIZE), a read-only disk, a bad path
    test_alert_delivery.py   SMTP down then up: each alert delivered exactly once

hostile_server.py is the raw-socket server they share; support.py the configuration and
read-only views of the warehouse.
"""
