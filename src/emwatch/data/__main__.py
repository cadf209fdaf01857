"""`python -m emwatch.data` used to rebuild the shipped files; the generators moved to tools/datagen."""

import sys

if __name__ == "__main__":
    sys.exit("the data generators moved out of the package: run `python -m tools.datagen` from a source checkout")
