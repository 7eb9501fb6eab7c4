"""`python -m ketacli`. A Ctrl-C is handled from this file's first line (as `entry.main` does for the console
script): under load, importing `entry` itself can take long enough to be interrupted."""

import os
import signal

signal.signal(signal.SIGINT, lambda signum, _frame: os._exit(128 + signum))

from ketacli.entry import main  # noqa: E402  (after the handler, on purpose)

if __name__ == "__main__":
    main()
