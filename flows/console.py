"""The `mali-monitor` console script ([project.scripts] in pyproject.toml).

Importing the command line reads the knowledge files (extractors/entities/data/, or the
folder `$MALI_MONITOR_KNOWLEDGE_DIR` names) before `flows.cli.main` can catch anything: a
mistake in one of them (a `KnowledgeFileError`) is turned here into one line naming the file
and line, and exit code 2, instead of a traceback. Only `extractors.errors` is imported
first: importing `KnowledgeFileError` itself would load the files.
"""

from __future__ import annotations

import sys

from extractors.errors import MonitorError

EXIT_USAGE = 2  # as flows.cli_common.EXIT_USAGE, which cannot be imported before flows.cli


def main() -> int:
    try:
        from flows.cli import main as cli_main
    except MonitorError as e:  # a KnowledgeFileError: "<file>, line <n>: <what is wrong>"
        print(f"mali-monitor: error: {e}", file=sys.stderr)
        return EXIT_USAGE
    return cli_main()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
