"""The ``helpgen`` command's entry point (:func:`run`); also ``python -m helpgen``."""

from __future__ import annotations

import logging
import os
import sys
import threading

from helpgen import cli
from helpgen.cli import main


def run() -> None:
    """Run the command line, then end the process without tearing its heap down.

    A build of a large site leaves hundreds of megabytes of objects that Python would free
    one by one, when the build returns and at exit (0.2-0.3 s at 10,000 articles), for
    nothing: the build keeps them (:data:`helpgen.cli.KEPT_UNTIL_EXIT`), and once the command has
    finished (its files written, its output flushed, no other thread still working), the
    process ends at once with the command's exit code. Anything unusual (an exit message
    instead of a code, a thread still running, a profiler or coverage tracer that writes
    its results at exit) takes Python's normal way out.
    """
    cli.KEPT_UNTIL_EXIT = []  # this process ends after the command: nothing needs freeing
    try:
        main()
    except SystemExit as done:
        code = done.code
        if not (code is None or isinstance(code, int)) or _others_watching():
            raise
        logging.shutdown()
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        except (OSError, ValueError):  # a closed pipe: Python's normal exit reports it
            raise done from None
        os._exit(code or 0)


def _others_watching() -> bool:
    if sys.gettrace() is not None or sys.getprofile() is not None:
        return True  # a profiler or coverage tool: it reports when Python exits
    main_thread = threading.main_thread()
    return any(t is not main_thread and not t.daemon and t.is_alive() for t in threading.enumerate())


if __name__ == "__main__":
    run()
