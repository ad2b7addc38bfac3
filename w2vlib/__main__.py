"""``python -m w2vlib``: the command line (see :mod:`w2vlib.cli`)."""
import sys

from w2vlib.cli import main

if __name__ == "__main__":
    sys.exit(main())
