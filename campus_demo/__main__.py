"""`python -m campus_demo`: the README's `./dev.sh demo`."""

import sys

from campus_demo.cli import main

sys.exit(main())
